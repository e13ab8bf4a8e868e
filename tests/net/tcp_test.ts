import assert from "node:assert/strict";
import { connect, listen, SocketStateError, SocketTimeoutError } from "../../src/net/mod.ts";
import { serve } from "../../src/net/serve.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("TcpConnection echoes over IPv4 and counts bytes both ways", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const peer = (async () => {
    await using c = await server.accept();
    const buf = new Uint8Array(100);
    const n = await c.read(buf);
    await c.writeAll(buf.subarray(0, n!));
    return c.bytesRead;
  })();
  await using c = await connect({ port: server.addr.port });
  assert.equal(c.remoteAddr.port, server.addr.port);
  assert.equal(c.localAddr.hostname, "127.0.0.1");
  await c.writeAll(enc.encode("Welcome"));
  const got = await c.readFull(new Uint8Array(7));
  assert.equal(dec.decode(got!), "Welcome");
  assert.equal(c.bytesWritten, 7);
  assert.equal(c.bytesRead, 7);
  assert.equal(await peer, 7);
});

Deno.test("TcpConnection works over IPv6 loopback", async () => {
  await using server = listen({ hostname: "::1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ hostname: "::1", port: server.addr.port });
  await using s = await accepted;
  assert.equal(s.remoteAddr.hostname, "::1");
  await c.writeAll(new Uint8Array([1, 2]));
  assert.deepEqual(await s.readFull(new Uint8Array(2)), new Uint8Array([1, 2]));
});

Deno.test("half-close delivers every byte then EOF, and the other direction still works (TCP-01)", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ port: server.addr.port });
  await using s = await accepted;
  await c.writeAll(enc.encode("abc"));
  await c.closeWrite();
  assert.equal(dec.decode((await s.readFull(new Uint8Array(3)))!), "abc");
  assert.equal(await s.read(new Uint8Array(10)), null);
  assert.ok(s.eof);
  await s.writeAll(enc.encode("xyz"));
  assert.equal(dec.decode((await c.readFull(new Uint8Array(3)))!), "xyz");
  await assert.rejects(c.write(new Uint8Array(1)), Deno.errors.BrokenPipe);
});

Deno.test("a read timeout rejects with TimedOut and the next read still gets the bytes", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ port: server.addr.port, readTimeout: 50 });
  await using s = await accepted;
  const buf = new Uint8Array(16);
  const err = await c.read(buf).then(() => null, (e) => e);
  assert.ok(err instanceof SocketTimeoutError);
  assert.ok(err instanceof Deno.errors.TimedOut);
  assert.equal(err.operation, "read");
  assert.equal(err.timeout, 50);
  await s.writeAll(enc.encode("late"));
  const other = new Uint8Array(16);
  const n = await c.read(other, { timeout: 2000 });
  assert.equal(dec.decode(other.subarray(0, n!)), "late");
  assert.equal(c.bytesRead, 4);
});

Deno.test("an idle timeout closes a silent connection and reports TimedOut (TCP-11)", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ port: server.addr.port, idleTimeout: 80 });
  await using s = await accepted;
  const err = await c.read(new Uint8Array(4)).then(() => null, (e) => e);
  assert.ok(err instanceof SocketTimeoutError, String(err));
  assert.equal(err.operation, "idle");
  assert.ok(c.closed);
  // The peer sees the close as EOF.
  assert.equal(await s.read(new Uint8Array(4), { timeout: 2000 }), null);
});

Deno.test("traffic keeps an idle timeout from firing; 0 disables it (TCP-11)", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ port: server.addr.port, idleTimeout: 500 });
  await using s = await accepted;
  // 1.5 s of traffic every 50 ms: three idle timeouts; only a stall of 450 ms would cut it.
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 50));
    await c.writeAll(new Uint8Array([i]));
  }
  assert.ok(!c.closed, "connection closed despite traffic every 50 ms");
  c.setTimeouts({ idleTimeout: 0 });
  await new Promise((r) => setTimeout(r, 600));
  assert.ok(!c.closed);
  const sent = Uint8Array.from({ length: 30 }, (_, i) => i);
  assert.deepEqual(await s.readFull(new Uint8Array(30)), sent);
});

Deno.test("connect to a closed port rejects with ConnectionRefused carrying the Winsock name (TCP-10)", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  const err = await connect({ port, timeout: 2000 }).then(() => null, (e) => e);
  assert.equal(err instanceof Deno.errors.ConnectionRefused, true);
  assert.equal(err.code, "ECONNREFUSED");
  assert.equal(err.operation, "connect");
  assert.equal(err.address, `127.0.0.1:${port}`);
  assert.equal(err.explanation.wsaName, "WSAECONNREFUSED");
  assert.equal(err.explanation.wsaCode, 10061);
});

Deno.test("connect times out when the listener's backlog is full (TCP-10, RES-02)", async () => {
  // Linux drops SYNs once the accept queue is full, so a further connect hangs: all on loopback.
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0, tcpBacklog: 1 });
  const fillers: Deno.TcpConn[] = [];
  try {
    let err: unknown;
    for (let i = 0; i < 8 && !err; i++) {
      try {
        const c = await connect({ port: l.addr.port, timeout: 300 });
        fillers.push(c.raw);
      } catch (e) {
        err = e;
      }
    }
    assert.ok(err instanceof SocketTimeoutError, `no timeout after 8 connects: ${err}`);
    assert.equal(err.operation, "connect");
    assert.ok(err instanceof Deno.errors.TimedOut);
  } finally {
    for (const c of fillers) c.close();
  }
});

Deno.test("connect rejects with the signal's reason when aborted", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ac = new AbortController();
  ac.abort(new Error("stop"));
  await assert.rejects(connect({ port: l.addr.port, signal: ac.signal }), /stop/);
});

Deno.test("bad ports and timeouts fail fast with RangeError", async () => {
  await assert.rejects(connect({ port: 0 }), RangeError);
  await assert.rejects(connect({ port: 70000 }), RangeError);
  await assert.rejects(connect({ port: 80, timeout: -1 }), RangeError);
  assert.throws(() => listen({ port: -1 }), RangeError);
});

Deno.test("close twice is a no-op and I/O after close is a typed BadResource (TCP-09)", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  const c = await connect({ port: server.addr.port });
  await using _s = await accepted;
  c.close();
  c.close();
  const err = await c.write(new Uint8Array(1)).then(() => null, (e) => e);
  assert.ok(err instanceof SocketStateError);
  assert.ok(err instanceof Deno.errors.BadResource);
  assert.equal(err.code, "EBADF");
  await assert.rejects(c.read(new Uint8Array(1)), Deno.errors.BadResource);
});

Deno.test("listen on a port in use throws AddrInUse with EADDRINUSE", () => {
  using a = listen({ hostname: "127.0.0.1", port: 0 });
  const err = (() => {
    try {
      listen({ hostname: "127.0.0.1", port: a.addr.port }).close();
    } catch (e) {
      return e;
    }
  })() as Deno.errors.AddrInUse & { code?: string };
  assert.ok(err instanceof Deno.errors.AddrInUse);
  assert.equal(err.code, "EADDRINUSE");
});

Deno.test("the server's iterator ends cleanly when the server closes", async () => {
  const server = listen({ hostname: "127.0.0.1", port: 0 });
  let accepted!: () => void;
  const first = new Promise<void>((r) => accepted = r);
  const loop = (async () => {
    let n = 0;
    for await (const c of server) {
      n++;
      c.close();
      accepted();
    }
    return n;
  })();
  (await connect({ port: server.addr.port })).close();
  await first; // the iterator has yielded the connection
  server.close();
  assert.equal(await loop, 1);
});

Deno.test("readable and writable streams carry the bytes and respect EOF", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ port: server.addr.port });
  await using s = await accepted;
  const payload = new Uint8Array(100_000).map((_, i) => i & 0xff);
  const sending = ReadableStream.from([payload.subarray(0, 40_000), payload.subarray(40_000)])
    .pipeTo(c.writable);
  const received = new Uint8Array(await new Response(s.readable).arrayBuffer());
  await sending;
  assert.deepEqual(received, payload);
  assert.equal(s.bytesRead, payload.length);
});

Deno.test("readFull reports the partial bytes when the stream ends early", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ port: server.addr.port });
  await using s = await accepted;
  await c.writeAll(new Uint8Array([9, 9]));
  await c.closeWrite();
  const err = await s.readFull(new Uint8Array(5)).then(() => null, (e) => e);
  assert.equal(err instanceof Deno.errors.UnexpectedEof, true);
  assert.deepEqual(err.partial, new Uint8Array([9, 9]));
});

Deno.test("serve runs a handler per connection, drops over maxConnections and shuts down on abort (RES-05)", async () => {
  const ac = new AbortController();
  const drops: unknown[] = [];
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const server = serve(async (conn) => {
    await conn.writeAll(enc.encode("hi"));
    await hold;
  }, {
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    maxConnections: 1,
    onDrop: (d) => drops.push(d),
  });
  await using first = await connect({ port: server.addr.port });
  assert.equal(dec.decode((await first.readFull(new Uint8Array(2)))!), "hi");
  await using second = await connect({ port: server.addr.port });
  assert.equal(await second.read(new Uint8Array(2), { timeout: 2000 }), null, "second is dropped");
  assert.equal(drops.length, 1);
  assert.equal(server.connections, 1);
  ac.abort();
  release();
  await server.finished;
  assert.equal(server.connections, 0);
  assert.equal(await first.read(new Uint8Array(2), { timeout: 2000 }), null);
});

Deno.test("serve keeps running when a handler throws, and reports the error", async () => {
  const errors: unknown[] = [];
  await using server = serve(() => {
    throw new Error("handler failed");
  }, { hostname: "127.0.0.1", port: 0, onError: (e) => errors.push(e) });
  for (let i = 0; i < 2; i++) {
    await using c = await connect({ port: server.addr.port });
    assert.equal(await c.read(new Uint8Array(1), { timeout: 2000 }), null);
  }
  assert.equal(errors.length, 2);
});

Deno.test("a python peer sees the bytes and a clean EOF after close", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const py = new Deno.Command("python3", {
    args: [
      "-c",
      `import socket,sys
s=socket.create_connection(("127.0.0.1",${server.addr.port}),timeout=5)
d=b""
while True:
  b=s.recv(100)
  if not b: break
  d+=b
print(d.decode())`,
    ],
    stdout: "piped",
  }).spawn();
  {
    await using c = await server.accept();
    await c.writeAll(enc.encode("Welcome"));
  }
  const out = await py.output();
  assert.equal(out.code, 0);
  assert.equal(dec.decode(out.stdout).trim(), "Welcome");
});

Deno.test("connect with linger 0 makes close() send an RST that the peer sees as ConnectionReset", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  const c = await connect({ port: server.addr.port, linger: 0, noDelay: true });
  await using s = await accepted;
  await c.close();
  await assert.rejects(s.read(new Uint8Array(1), { timeout: 2000 }), Deno.errors.ConnectionReset);
});

Deno.test("endReason records FIN when the peer closes gracefully", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ port: server.addr.port });
  const s = await accepted;
  await s.close();
  assert.equal(await c.read(new Uint8Array(1), { timeout: 2000 }), null);
  assert.equal(c.endReason, "FIN");
});

Deno.test("endReason records FIN when the peer closes after our own half-close", async () => {
  // Our FIN is acknowledged first, so the socket ends in CLOSED whether the peer then sends a
  // FIN or an RST; the wrapper settles it from the bytes it read.
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ port: server.addr.port });
  const s = await accepted;
  await c.closeWrite();
  assert.equal(await s.read(new Uint8Array(1), { timeout: 2000 }), null);
  await s.writeAll(new TextEncoder().encode("last words"));
  await s.close();
  const buf = new Uint8Array(64);
  let got = 0;
  for (let n; (n = await c.read(buf, { timeout: 2000 })) !== null;) got += n;
  assert.equal(got, 10);
  assert.equal(c.endReason, "FIN");
});

Deno.test("without timeouts, read/write settle with the bookkeeping already done (counts, end reason, annotated reset)", async () => {
  // The plain path hands the runtime's own promise to the caller; the wrapper's reaction runs
  // first, so everything is visible the moment the caller resumes.
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  const c = await connect({ port: server.addr.port });
  await using s = await accepted;
  const wrote = await c.write(enc.encode("hello"));
  assert.equal(c.bytesWritten, wrote);
  const buf = new Uint8Array(16);
  const n = await s.read(buf);
  assert.equal(s.bytesRead, n);
  await s.writeAll(enc.encode("bye"));
  await s.closeWrite();
  assert.equal(await c.readFull(new Uint8Array(3)).then((b) => dec.decode(b!)), "bye");
  assert.equal(c.bytesRead, 3);
  assert.equal(c.eof, false);
  assert.equal(await c.read(buf), null);
  assert.equal(c.eof, true);
  assert.equal(c.endReason, "FIN");
  // An abortive close: the peer's next read rejects with the runtime's error, annotated.
  const r = await connect({ port: server.addr.port, linger: 0 });
  const rs = await server.accept();
  await r.close();
  const err = await rs.read(buf).then(
    () => null,
    (e) => e as Error & { operation?: string; code?: string },
  );
  if (err !== null) {
    assert.ok(err instanceof Deno.errors.ConnectionReset);
    assert.equal(err.operation, "read");
    assert.equal(err.code, "ECONNRESET");
  } else assert.equal(rs.endReason, "RST");
  await rs.close();
  await c.close();
});
