/**
 * `deno task compile` as far as this machine allows. The runtime download (dl.deno.land) is
 * unreachable here, so:
 *
 * 1. The CLI's module graph is static and local (nothing to fetch at run time, nothing the
 *    compiler could miss).
 * 2. Without `DENORT_BIN`, the task gets through type checking, graph building and embedding
 *    and fails only on the runtime download. The test routes that download to a dead loopback
 *    proxy, so no packet leaves the machine.
 * 3. With `DENORT_BIN` pointing at the full `deno` binary, compile completes and writes a
 *    binary that embeds the CLI. Such a binary behaves as plain `deno` (it is not `denort`),
 *    so running it as `sockkit` is NOT tested here; the README says so.
 */
import assert from "node:assert/strict";
import { compileArgs } from "../../tools/compile.ts";
import {
  assertFailedOnlyOnRuntimeDownload,
  deno,
  offlineCompileEnv,
  root,
  staticLocalGraph,
  withTempDir,
} from "./_compile.ts";

const dec = new TextDecoder();

Deno.test("the CLI's module graph is static, local, and free of npm and remote modules", async () => {
  const graph = await staticLocalGraph(new URL("src/cli/main.ts", root), /^(file:|node:)/);
  const specs = graph.map((m) => m.specifier);
  assert.ok(specs.some((s) => s.endsWith("/src/net/mod.ts")), "the CLI goes through ./net");
  // The CLI reaches the rest of src/ only through the subpath modules (the public API).
  for (const m of graph.filter((m) => m.specifier.includes("/src/cli/"))) {
    for (const d of m.dependencies ?? []) {
      assert.match(
        d.specifier,
        /^(\.\/|\.\.\/[a-z]+\/mod\.ts$|node:)/,
        `${m.specifier} imports ${d.specifier}`,
      );
    }
  }
});

Deno.test("deno task compile fails only on the runtime download when DENORT_BIN is unset", async () => {
  await withTempDir("sockkit_compile_cli_", async (tmp) => {
    const out = await deno(["task", "compile", "--output", `${tmp}/sockkit`], {
      cwd: root.pathname,
      // A dead loopback proxy: the download attempt never leaves the machine.
      clearEnv: true,
      env: offlineCompileEnv(),
      timeout: 120_000,
    });
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /Download https:\/\/dl\.deno\.land\/.*denort-/);
    assert.match(out.stderr, /fetching the denort runtime failed/);
    assertFailedOnlyOnRuntimeDownload(out.stderr);
  });
});

Deno.test("with DENORT_BIN set, compile completes and the binary embeds the CLI", async () => {
  await withTempDir("sockkit_compile_cli_", async (tmp) => {
    const exe = `${tmp}/sockkit`;
    const out = await deno(compileArgs(exe), {
      env: { NO_COLOR: "1", DENORT_BIN: Deno.execPath() },
      timeout: 120_000,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.ok(compileArgs(exe).includes("--unstable-net"));
    const base = (await Deno.stat(Deno.execPath())).size;
    const size = (await Deno.stat(exe)).size;
    assert.ok(size > base, "the sources were appended to the runtime");
    // The embedded payload holds the CLI's sources, the Wasm core among them.
    const bin = await Deno.readFile(exe);
    const tail = dec.decode(bin.subarray(base - 4096));
    assert.ok(tail.includes("a socket toolkit in the spirit of ncat and socat"));
    assert.ok(tail.includes("core_wasm.ts"));
    // The Worker modules of `listen --workers` are embedded too (they are not in the static graph).
    assert.ok(tail.includes("_worker_entry.ts"), "the serveWorkers entry is embedded");
    assert.ok(tail.includes("_listen_worker.ts"), "the CLI's worker handler is embedded");
  });
});
