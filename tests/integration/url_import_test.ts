/**
 * Loading context (b): `mod.ts` imported from an `http://` URL. The test serves this checkout
 * over a loopback HTTP server it starts, every file as `text/plain` (as raw-file hosts such as
 * raw.githubusercontent.com do), and imports `mod.ts` in a subprocess with a fresh, empty
 * DENO_DIR and no permission except importing from that one host. The subprocess calls
 * functions that run in the Wasm core and prints their results.
 */
import assert from "node:assert/strict";
import { serveCheckout } from "../_http_serve.ts";

const SCRIPT = (base: string) => `
import { parseAddress } from "${base}/mod.ts";
import { packSockaddr, toNetworkOrder } from "${base}/src/addr/mod.ts";
import { AF_INET6, htonl, inet_addr, inet_aton, inet_ntop, inet_pton, htonll } from "${base}/src/bsd/mod.ts";
const sa = packSockaddr({ transport: "tcp", hostname: "127.0.0.1", port: 5000 }, { layout: "linux" });
console.log(JSON.stringify({
  same: htonl(0x7f000001) === inet_addr("127.0.0.1"),
  strict: parseAddress("FE80::1%eth0").text,
  octal: inet_aton("010.0.0.1")?.join("."),
  v6: inet_ntop(AF_INET6, inet_pton(AF_INET6, "2001:DB8:0:0:1:0:0:1")),
  ll: htonll(0x0102030405060708n).toString(16),
  bulk: Array.from(toNetworkOrder(new Uint16Array(64).fill(0x1234)).slice(0, 2)),
  sockaddr: Array.from(sa, (b) => b.toString(16).padStart(2, "0")).join(""),
}));
`;

Deno.test("mod.ts imported from an http:// URL served as text/plain runs its Wasm core", async () => {
  const server = serveCheckout();
  const tmp = await Deno.makeTempDir({ prefix: "sockkit_url_import_" });
  try {
    const { port } = server.addr;
    const script = `${tmp}/main.ts`;
    await Deno.writeTextFile(script, SCRIPT(server.base));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-lock",
        "--no-prompt",
        `--allow-import=127.0.0.1:${port}`,
        script,
      ],
      env: { DENO_DIR: `${tmp}/deno_dir`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `the subprocess failed:\n${stderr}`);
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(result, {
      same: true,
      strict: "fe80::1%eth0",
      octal: "8.0.0.1",
      v6: "2001:db8::1:0:0:1",
      ll: "807060504030201",
      bulk: [0x3412, 0x3412],
      sockaddr: "020013887f0000010000000000000000",
    });
    // The modules really came over HTTP, the generated Wasm module among them.
    assert.ok(server.requested.includes("/mod.ts"));
    assert.ok(server.requested.includes("/src/bsd/mod.ts"));
    assert.ok(server.requested.includes("/wasm/core_wasm.ts"));
    assert.ok(!server.requested.some((p) => p.endsWith(".wasm")), "no separate .wasm fetch");
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});
