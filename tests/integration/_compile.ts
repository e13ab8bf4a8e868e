/**
 * Test helper for the `deno compile` tests (compile_test.ts for `mod.ts`, cli_compile_test.ts
 * for the CLI): run `deno` as a subprocess, check a module graph is static and local, and check
 * that a compile that failed got as far as the runtime (`denort`) download and failed only there.
 *
 * @module
 */

import assert from "node:assert/strict";

/** The checkout's root. */
export const root: URL = new URL("../../", import.meta.url);
const dec = new TextDecoder();

/** What a finished `deno` run printed; `stdout` is trimmed. */
export interface DenoRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `deno ARGS` to completion with colours off.
 *
 * @param args The arguments after `deno`.
 * @param options Working directory, environment (`clearEnv` drops the inherited one) and a
 *   time limit in ms after which it is aborted.
 * @returns Exit code and output.
 */
export async function deno(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; clearEnv?: boolean; timeout?: number } =
    {},
): Promise<DenoRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    clearEnv: options.clearEnv,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
    signal: options.timeout ? AbortSignal.timeout(options.timeout) : undefined,
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout).trim(), stderr: dec.decode(out.stderr) };
}

/** A module of `deno info --json`. */
export interface InfoModule {
  specifier: string;
  kind?: string;
  dependencies?: { specifier: string; isDynamic?: boolean; code?: { specifier: string } }[];
}

/**
 * The module graph of `entry` (`deno info --json`), checked to be static and local: every
 * specifier matches `local`, no import is dynamic, and the generated Wasm module
 * `wasm/core_wasm.ts` is in it.
 *
 * @param entry The entry module.
 * @param local What a local specifier looks like.
 * @param infoArgs Extra `deno info` arguments (e.g. `--no-config`).
 * @returns The graph's modules.
 * @throws {assert.AssertionError} when `deno info` fails or a check does.
 */
export async function staticLocalGraph(
  entry: URL,
  local: RegExp,
  infoArgs: string[] = [],
): Promise<InfoModule[]> {
  const info = await deno(["info", "--json", ...infoArgs, entry.href]);
  assert.equal(info.code, 0, info.stderr);
  const { modules } = JSON.parse(info.stdout) as { modules: InfoModule[] };
  const specifiers = modules.map((m) => m.specifier);
  for (const s of specifiers) assert.match(s, local, `non-local module ${s}`);
  for (const m of modules) {
    for (const d of m.dependencies ?? []) {
      assert.ok(!d.isDynamic, `dynamic import of ${d.specifier} in ${m.specifier}`);
    }
  }
  assert.ok(specifiers.some((s) => s.endsWith("/wasm/core_wasm.ts")));
  return modules;
}

/**
 * The environment for a `deno compile` that must not reach the network: this process's
 * environment without `DENORT_BIN`, with every proxy variable pointing at a dead loopback port,
 * so the runtime download attempt never leaves the machine. Use with `clearEnv: true`.
 *
 * @returns The environment.
 */
export function offlineCompileEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.DENORT_BIN;
  for (const k of ["https_proxy", "http_proxy", "all_proxy", "no_proxy", "ALL_PROXY"]) {
    delete env[k];
  }
  return {
    ...env,
    NO_COLOR: "1",
    HTTPS_PROXY: "http://127.0.0.1:9",
    HTTP_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "",
  };
}

/**
 * Check that a `deno compile` which failed got through type checking, graph building and
 * embedding, and failed setting up the base binary (the `denort` download) only.
 *
 * @param stderr The compile's stderr.
 * @throws {assert.AssertionError} otherwise.
 */
export function assertFailedOnlyOnRuntimeDownload(stderr: string): void {
  assert.match(stderr, /Setting up base binary/, stderr);
  assert.doesNotMatch(stderr, /TS\d{4}|Module not found|Uncaught/, stderr);
}

/**
 * Run `fn` with a fresh temp directory, removed afterwards.
 *
 * @param prefix The directory name's prefix.
 * @param fn The body.
 * @returns What `fn` returns.
 */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
