import assert from "node:assert/strict";
import { connectUnix, listenUnix, serve, SocketTimeoutError } from "../../src/net/mod.ts";

async function tempSock(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "sockkit-unix-" });
  return {
    path: `${dir}/s.sock`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("UnixConnection echoes, half-closes and counts bytes", async () => {
  await using tmp = await tempSock();
  await using server = listenUnix({ path: tmp.path });
  const accepted = server.accept();
  await using c = await connectUnix({ path: tmp.path });
  await using s = await accepted;
  await c.writeAll(new TextEncoder().encode("hello"));
  await c.closeWrite();
  assert.equal(new TextDecoder().decode((await s.readFull(new Uint8Array(5)))!), "hello");
  assert.equal(await s.read(new Uint8Array(1)), null);
  await s.writeAll(new Uint8Array([7]));
  assert.deepEqual(await c.readFull(new Uint8Array(1)), new Uint8Array([7]));
  assert.equal(c.bytesWritten, 5);
  assert.equal(s.bytesRead, 5);
});

Deno.test("closing a Unix server removes its socket file", async () => {
  await using tmp = await tempSock();
  const server = listenUnix({ path: tmp.path });
  assert.ok(Deno.lstatSync(tmp.path).isSocket);
  server.close();
  assert.throws(() => Deno.lstatSync(tmp.path), Deno.errors.NotFound);
});

Deno.test("listenUnix refuses a live path but replaces a stale one when asked", async () => {
  await using tmp = await tempSock();
  {
    using _live = listenUnix({ path: tmp.path });
    assert.throws(() => listenUnix({ path: tmp.path, replaceStale: true }), Deno.errors.AddrInUse);
  }
  // Leave a stale socket file behind, as a crashed server would (Deno removes its own on close).
  const py = await new Deno.Command("python3", {
    args: ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", tmp.path],
  }).output();
  assert.equal(py.code, 0);
  assert.ok(Deno.lstatSync(tmp.path).isSocket);
  assert.throws(() => listenUnix({ path: tmp.path }), Deno.errors.AddrInUse);
  using server = listenUnix({ path: tmp.path, replaceStale: true });
  assert.equal(server.addr.path, tmp.path);
});

Deno.test("connecting to a missing Unix path fails with NotFound (ENOENT)", async () => {
  await using tmp = await tempSock();
  const err = await connectUnix({ path: tmp.path }).then(() => null, (e) => e);
  assert.equal(err instanceof Deno.errors.NotFound, true);
  assert.equal(err.code, "ENOENT");
  assert.equal(err.address, tmp.path);
});

Deno.test("a Unix read timeout rejects with TimedOut", async () => {
  await using tmp = await tempSock();
  await using server = listenUnix({ path: tmp.path, readTimeout: 40 });
  const accepted = server.accept();
  await using _c = await connectUnix({ path: tmp.path });
  await using s = await accepted;
  await assert.rejects(s.read(new Uint8Array(1)), SocketTimeoutError);
});

Deno.test("serve accepts Unix connections when given a path", async () => {
  await using tmp = await tempSock();
  const server = serve(async (conn) => {
    await conn.writeAll(new Uint8Array([1, 2]));
  }, { path: tmp.path });
  {
    await using c = await connectUnix({ path: tmp.path });
    assert.deepEqual(await c.readFull(new Uint8Array(2)), new Uint8Array([1, 2]));
  }
  await server.shutdown();
  assert.throws(() => Deno.lstatSync(tmp.path), Deno.errors.NotFound);
});
