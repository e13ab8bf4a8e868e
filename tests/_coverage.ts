/**
 * Test helper: coverage from child processes that a test stops with a signal.
 *
 * Under `deno test --coverage`, Deno sets `DENO_COVERAGE_DIR` for the test process, so every
 * `deno run` child that inherits the environment writes a coverage profile, but only when it
 * exits: a child stopped by SIGTERM or SIGINT dies before writing it. Helpers that start
 * `deno run` children add {@linkcode coverageFlags} to their flags; under coverage that preloads
 * `_coverage_preload.ts`, which turns those signals into `Deno.exit` (which writes the profile)
 * unless the program handles the signal itself. Outside coverage it adds nothing.
 *
 * @module
 */

const PRELOAD = new URL("./_coverage_preload.ts", import.meta.url).pathname;

/**
 * `deno run` flags that let a child write its coverage profile even when stopped by a signal.
 *
 * @returns `["--preload", <path>]` under coverage (`DENO_COVERAGE_DIR` set), else `[]`.
 */
export function coverageFlags(): string[] {
  let dir: string | undefined;
  try {
    dir = Deno.env.get("DENO_COVERAGE_DIR");
  } catch {
    return []; // no --allow-env: not a coverage run we can see
  }
  return dir ? ["--preload", PRELOAD] : [];
}
