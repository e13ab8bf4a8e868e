/**
 * The `sockkit` command and an example run straight from an `http://` URL: the test serves
 * this checkout over loopback HTTP as `text/plain` (tests/_http_serve.ts) and runs them in
 * subprocesses with a fresh, empty DENO_DIR and no config file, so every module (the Wasm
 * core included) comes over HTTP.
 */
import assert from "node:assert/strict";
import { serveCheckout } from "../_http_serve.ts";

const dec = new TextDecoder();

async function run(args: string[], env: Record<string, string>, stdin?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1", ...env },
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("the CLI and an example run from an http:// URL with a fresh DENO_DIR", async () => {
  const server = serveCheckout();
  const tmp = await Deno.makeTempDir({ prefix: "sockkit_cli_url_" });
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const env = { DENO_DIR: `${tmp}/deno_dir` };
    const base = server.base;
    const flags = [
      "run",
      "--no-config",
      "--no-lock",
      "--no-prompt",
      "--unstable-net",
      `--allow-import=127.0.0.1:${server.addr.port}`,
    ];
    const cli = [
      ...flags,
      "--allow-net=127.0.0.1",
      "--allow-ffi",
      "--allow-read",
      "--allow-sys",
      `${base}/src/cli/main.ts`,
    ];
    // The first run fills the empty DENO_DIR over HTTP; later runs reuse it.
    const addr = await run([...cli, "addr", "--json", "127.0.0.1:8080"], env);
    assert.equal(addr.code, 0, addr.stderr);
    assert.equal(
      JSON.parse(addr.stdout).sockaddr,
      "02 00 1f 90 7f 00 00 01 00 00 00 00 00 00 00 00",
    );
    // A network subcommand from the URL: connect to a loopback listener, send stdin, print the reply.
    const serverSide = (async () => {
      using conn = await listener.accept();
      const buf = new Uint8Array(64);
      const n = await conn.read(buf);
      await conn.write(new TextEncoder().encode(`got ${dec.decode(buf.subarray(0, n!))}`));
    })();
    const connect = await run(
      [...cli, "connect", "--json", `127.0.0.1:${listener.addr.port}`],
      env,
      "hi\n",
    );
    await serverSide;
    assert.equal(connect.code, 0, connect.stderr);
    const data = connect.stdout.trim().split("\n").map((l) => JSON.parse(l))
      .filter((e) => e.event === "data").map((e) => e.text).join("");
    assert.equal(data, "got hi\n");
    // One example, from the URL and locally: the same output.
    const example = await run([...flags, `${base}/examples/address_tour.ts`], env);
    assert.equal(example.code, 0, example.stderr);
    const local = await run([
      "run",
      new URL("../../examples/address_tour.ts", import.meta.url).pathname,
    ], {});
    assert.equal(example.stdout, local.stdout);
    assert.ok(server.requested.includes("/src/cli/main.ts"));
    assert.ok(server.requested.includes("/wasm/core_wasm.ts"));
    assert.ok(server.requested.includes("/examples/address_tour.ts"));
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});
