/**
 * Loading context (c): inside a `deno compile`d program. `deno compile` needs Deno's runtime
 * (`denort`) from dl.deno.land, which this machine cannot reach, so these tests check what
 * can be checked offline:
 *
 * 1. The module graph of `mod.ts` is static and local: no dynamic import, no remote or npm
 *    module, and the Wasm bytes arrive as an ordinary module (`wasm/core_wasm.ts`), which
 *    `deno compile` embeds like any other source. No file read or fetch is needed at run time.
 * 2. A program using the Wasm core runs with no permission flag at all.
 * 3. `deno compile` itself type-checks, builds the graph and gets as far as fetching the
 *    runtime. When `denort` is already cached, the binary is built and run, and its output is
 *    checked; otherwise the only failure allowed is that download, which goes to a dead loopback
 *    proxy so that nothing leaves the machine.
 */
import assert from "node:assert/strict";
import {
  assertFailedOnlyOnRuntimeDownload,
  deno,
  offlineCompileEnv,
  root,
  staticLocalGraph,
  withTempDir,
} from "./_compile.ts";

const decoder = new TextDecoder();
const PROGRAM = (modUrl: string) => `
import { parseAddress } from ${JSON.stringify(modUrl)};
import { htonl, inet_addr, inet_ntop, AF_INET6, inet_pton } from ${
  JSON.stringify(new URL("src/bsd/mod.ts", modUrl).href)
};
console.log(htonl(0x7f000001) === inet_addr("127.0.0.1"), inet_ntop(AF_INET6, inet_pton(AF_INET6, "::FFFF:7F00:1")!), parseAddress("::FFFF:7F00:1").text);
`;
const EXPECTED = "true ::ffff:127.0.0.1 ::ffff:127.0.0.1";

Deno.test("mod.ts has a static, all-local module graph that embeds the Wasm bytes", async () => {
  const graph = await staticLocalGraph(new URL("mod.ts", root), /^file:/, ["--no-config"]);
  const specifiers = graph.map((m) => m.specifier);
  assert.ok(specifiers.length > 5);
  assert.ok(!specifiers.some((s) => s.endsWith(".wasm")), "no .wasm file in the graph");
  // The loader reads no file and fetches nothing.
  const loader = await Deno.readTextFile(new URL("wasm/loader.ts", root));
  assert.doesNotMatch(loader, /\bfetch\(|Deno\.read|instantiateStreaming|import\(/);
});

Deno.test("a program using the Wasm core runs with no permission flags", async () => {
  await withTempDir("sockkit_noperm_", async (tmp) => {
    await Deno.writeTextFile(`${tmp}/main.ts`, PROGRAM(new URL("mod.ts", root).href));
    const r = await deno(["run", "--no-config", "--no-lock", "--no-prompt", `${tmp}/main.ts`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, EXPECTED);
  });
});

Deno.test("deno compile builds the program, failing at most on the runtime download", async () => {
  await withTempDir("sockkit_compile_", async (tmp) => {
    await Deno.writeTextFile(`${tmp}/main.ts`, PROGRAM(new URL("mod.ts", root).href));
    const exe = `${tmp}/main${Deno.build.os === "windows" ? ".exe" : ""}`;
    const out = await deno(
      ["compile", "--no-config", "--no-lock", "--output", exe, `${tmp}/main.ts`],
      { clearEnv: true, env: offlineCompileEnv(), timeout: 120_000 },
    );
    if (out.code === 0) {
      // The runtime was available: the compiled program must run, with no flags.
      const bin = await new Deno.Command(exe, { stdout: "piped", stderr: "piped" }).output();
      assert.equal(bin.code, 0, decoder.decode(bin.stderr));
      assert.equal(decoder.decode(bin.stdout).trim(), EXPECTED);
    } else {
      // Offline: everything before the runtime download succeeded (type check, graph,
      // embedding); the error is the download of denort and nothing else.
      assertFailedOnlyOnRuntimeDownload(out.stderr);
      assert.match(out.stderr, /denort-[\w-]+\.zip/, out.stderr);
    }
  });
});
