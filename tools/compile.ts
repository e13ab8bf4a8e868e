/**
 * `deno task compile`: build the single-binary `sockkit` with `deno compile`.
 *
 * - Permissions baked in: `--allow-net --allow-ffi --allow-read --allow-write --allow-sys
 *   --allow-env` (sockets, socket options and TCP_INFO through FFI, Unix socket paths and
 *   /etc/hosts, interface list), plus `--unstable-net`.
 * - `deno compile` downloads Deno's runtime (`denort`) from dl.deno.land. Where that is not
 *   reachable, set `DENORT_BIN` to a `denort` binary of the same Deno version; `deno compile`
 *   honours it and this wrapper says which one it uses.
 *
 * Usage: `deno task compile [--output PATH] [--target TRIPLE]` (default `dist/sockkit`).
 *
 * @module
 */

import { parseArgs } from "node:util";

const root = new URL("../", import.meta.url);

/** The permissions the compiled `sockkit` runs with. */
export const PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-ffi",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
  "--allow-env",
  "--allow-run",
];

/** Modules the binary loads as Workers or by dynamic import, embedded with `--include`. */
export const WORKER_MODULES: readonly string[] = [
  "src/net/_worker_entry.ts",
  "src/cli/_listen_worker.ts",
];

/**
 * The `deno compile` arguments for the `sockkit` binary.
 *
 * @param output Where to write the binary.
 * @param target Optional target triple (`x86_64-unknown-linux-gnu`, ...).
 * @returns The arguments after `deno`.
 */
export function compileArgs(output: string, target?: string): string[] {
  return [
    "compile",
    "--unstable-net",
    ...PERMISSIONS,
    "--config",
    new URL("deno.json", root).pathname,
    ...(target ? ["--target", target] : []),
    // Modules loaded at run time (Workers of `listen --workers`), which deno compile does not
    // find in the static graph.
    ...WORKER_MODULES.flatMap((m) => ["--include", new URL(m, root).pathname]),
    "--output",
    output,
    new URL("src/cli/main.ts", root).pathname,
  ];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { output: { type: "string" }, target: { type: "string" } },
  });
  const output = values.output ?? new URL("dist/sockkit", root).pathname;
  await Deno.mkdir(new URL(".", `file://${output}`).pathname, { recursive: true });
  const denort = Deno.env.get("DENORT_BIN");
  console.error(
    denort
      ? `sockkit: using DENORT_BIN=${denort} as the runtime`
      : "sockkit: deno compile will download denort from dl.deno.land (set DENORT_BIN to use a local one)",
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: compileArgs(output, values.target),
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  const { code, stderr } = await child.output();
  const text = new TextDecoder().decode(stderr);
  await Deno.stderr.write(stderr);
  if (code !== 0 && /Setting up base binary|denort/.test(text)) {
    console.error(
      "sockkit: the compile itself (type check, module graph, embedding) passed; fetching the " +
        "denort runtime failed. Set DENORT_BIN to a denort binary of this Deno version.",
    );
  } else if (code === 0) console.error(`sockkit: wrote ${output}`);
  Deno.exit(code);
}
