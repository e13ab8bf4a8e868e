import assert from "node:assert/strict";
import { bind, SocketStateError, SocketTimeoutError, UdpSocket } from "../../src/net/mod.ts";

Deno.test("UdpSocket sendTo/recvFrom carries a datagram and its sender on IPv4 and IPv6", async () => {
  for (const host of ["127.0.0.1", "::1"]) {
    using a = bind({ hostname: host, port: 0 });
    using b = bind({ hostname: host, port: 0 });
    await a.sendTo(new Uint8Array([1, 2, 3]), b.addr);
    const d = await b.recvFrom({ timeout: 2000 });
    assert.deepEqual(d.data, new Uint8Array([1, 2, 3]));
    assert.equal(d.remoteAddr.port, a.addr.port);
    assert.equal(d.remoteAddr.hostname, host);
    assert.equal(a.bytesSent, 3);
    assert.equal(b.bytesReceived, 3);
  }
});

Deno.test("a zero-length datagram arrives as an empty payload", async () => {
  using a = bind({ hostname: "127.0.0.1" });
  using b = bind({ hostname: "127.0.0.1" });
  await a.sendTo(new Uint8Array(0), b.addr);
  const d = await b.recvFrom({ timeout: 2000 });
  assert.equal(d.data.length, 0);
  assert.equal(d.remoteAddr.port, a.addr.port);
});

Deno.test("a receive timeout rejects with TimedOut and the datagram is not lost", async () => {
  using a = bind({ hostname: "127.0.0.1" });
  using b = bind({ hostname: "127.0.0.1", receiveTimeout: 50 });
  const err = await b.recvFrom().then(() => null, (e) => e);
  assert.ok(err instanceof SocketTimeoutError);
  assert.ok(err instanceof Deno.errors.TimedOut);
  assert.equal(err.operation, "receive");
  await a.sendTo(new Uint8Array([42]), b.addr);
  const d = await b.recvFrom({ timeout: 2000 });
  assert.deepEqual(d.data, new Uint8Array([42]));
});

Deno.test("connect sets a default peer and filters datagrams from other peers", async () => {
  using server = bind({ hostname: "127.0.0.1" });
  using peer = bind({ hostname: "127.0.0.1" });
  using stranger = bind({ hostname: "127.0.0.1" });
  server.connect(peer.addr);
  await stranger.sendTo(new Uint8Array([9]), server.addr);
  await peer.sendTo(new Uint8Array([1]), server.addr);
  const d = await server.recvFrom({ timeout: 2000 });
  assert.deepEqual(d.data, new Uint8Array([1]));
  assert.equal(server.droppedFromOtherPeers, 1);
  await server.send(new Uint8Array([2]));
  assert.deepEqual((await peer.recvFrom({ timeout: 2000 })).data, new Uint8Array([2]));
});

Deno.test("send without a peer is EDESTADDRREQ and use after close is EBADF", async () => {
  const s = bind({ hostname: "127.0.0.1" });
  const err = await s.send(new Uint8Array(1)).then(() => null, (e) => e);
  assert.ok(err instanceof SocketStateError);
  assert.equal(err.code, "EDESTADDRREQ");
  s.close();
  s.close();
  await assert.rejects(s.recvFrom(), (e: SocketStateError) => e.code === "EBADF");
});

Deno.test("a 65508-byte IPv4 datagram fails with EMSGSIZE; 65507 bytes arrive intact", async () => {
  using a = bind({ hostname: "127.0.0.1" });
  using b = bind({ hostname: "127.0.0.1" });
  const big = new Uint8Array(65507).map((_, i) => i & 0xff);
  await a.sendTo(big, b.addr);
  assert.deepEqual((await b.recvFrom({ timeout: 2000 })).data, big);
  const err = await a.sendTo(new Uint8Array(65508), b.addr).then(() => null, (e) => e);
  assert.ok(err instanceof Error, "oversized datagram was sent");
  assert.equal((err as { code?: string }).code, "EMSGSIZE");
  assert.equal((err as { explanation?: { wsaName: string } }).explanation?.wsaName, "WSAEMSGSIZE");
});

Deno.test("binding a port in use fails with AddrInUse unless reuseAddress is set", () => {
  using a = bind({ hostname: "127.0.0.1", reuseAddress: true });
  using _b = bind({ hostname: "127.0.0.1", port: a.addr.port, reuseAddress: true });
  using c = bind({ hostname: "127.0.0.1" });
  assert.throws(() => bind({ hostname: "127.0.0.1", port: c.addr.port }), Deno.errors.AddrInUse);
});

Deno.test("multicast join, TTL, loopback and leave are accepted on the loopback interface", async () => {
  // Only membership calls here: sending to a group from the host could leave it by the default
  // route, so multicast delivery is not exercised outside a namespace.
  const group = "239.255.42.99";
  using rx = bind({ hostname: "0.0.0.0", port: 0, multicastLoop: true });
  await rx.joinMulticast(group, "127.0.0.1");
  await rx.setMulticastTtl(1);
  await rx.setMulticastLoopback(true);
  await assert.rejects(rx.joinMulticast("10.0.0.1", "127.0.0.1"), Error, "not a group address");
  await rx.leaveMulticast(group);
  await assert.rejects(rx.leaveMulticast(group), RangeError);
  await assert.rejects(rx.setMulticastTtl(300), RangeError);
});

Deno.test("recvFrom returns datagrams that stay intact after later receives", async () => {
  using server = bind({ hostname: "127.0.0.1", port: 0 });
  using client = bind({ hostname: "127.0.0.1", port: 0 });
  const enc = new TextEncoder();
  await client.sendTo(enc.encode("first datagram"), server.addr);
  await client.sendTo(enc.encode("second"), server.addr);
  const a = await server.recvFrom({ timeout: 2000 });
  const b = await server.recvFrom({ timeout: 2000 });
  const dec = new TextDecoder();
  assert.equal(dec.decode(a.data), "first datagram");
  assert.equal(dec.decode(b.data), "second");
  assert.equal(a.data.byteLength, 14, "the payload only, not the receive buffer");
  assert.equal(a.data.buffer.byteLength, 14, "a copy, not a view of a shared buffer");
});

Deno.test("a datagram that arrives after a receive timed out, before the next call, is returned by the next call", async () => {
  using a = bind({ hostname: "127.0.0.1" });
  using b = bind({ hostname: "127.0.0.1" });
  await assert.rejects(b.recvFrom({ timeout: 30 }), SocketTimeoutError);
  await a.sendTo(new Uint8Array([7]), b.addr);
  // Long enough for the pending receive to complete before anyone asks for it.
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual((await b.recvFrom({ timeout: 2000 })).data, new Uint8Array([7]));
  await assert.rejects(b.recvBatch({ timeout: 30 }), SocketTimeoutError);
  await a.sendTo(new Uint8Array([8]), b.addr);
  await new Promise((r) => setTimeout(r, 100));
  const batch = await b.recvBatch({ timeout: 2000 });
  assert.deepEqual(batch.data(0), new Uint8Array([8]));
});

/** A `Deno.DatagramConn` whose receives the test settles by hand. */
function fakeConn() {
  const receives: ((r: [Uint8Array, Deno.Addr]) => void)[] = [];
  const addr: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: 9 };
  const conn = {
    addr,
    receive(buf: Uint8Array) {
      return new Promise<[Uint8Array, Deno.Addr]>((resolve) =>
        receives.push((r) => {
          buf.set(r[0]);
          resolve([buf.subarray(0, r[0].length), r[1]]);
        })
      );
    },
    close() {},
  } as unknown as Deno.DatagramConn;
  return { conn, receives, addr };
}

Deno.test("a datagram whose receive settles in the same turn as the abort is returned by the next call", async () => {
  const { conn, receives, addr } = fakeConn();
  const sock = new UdpSocket(conn);
  const ac = new AbortController();
  const first = sock.recvFrom({ signal: ac.signal });
  assert.equal(receives.length, 1);
  // The datagram is there (its promise resolves) and the caller aborts before the wrapper's
  // reaction runs: the abort wins the race, the datagram must stay for the next call.
  receives[0]([new Uint8Array([1, 2, 3]), addr]);
  ac.abort();
  await assert.rejects(first, (e) => e === ac.signal.reason);
  const next = await sock.recvFrom({ timeout: 1000 });
  assert.deepEqual(next.data, new Uint8Array([1, 2, 3]));
  assert.equal(receives.length, 1, "the next call resumed the first receive, it started none");
  assert.equal(sock.bytesReceived, 3);
  // After it was delivered, the next call starts a receive of its own (the fast path).
  const third = sock.recvFrom();
  assert.equal(receives.length, 2);
  receives[1]([new Uint8Array([4]), addr]);
  assert.deepEqual((await third).data, new Uint8Array([4]));
});
