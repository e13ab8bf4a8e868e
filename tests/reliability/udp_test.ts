/**
 * UDP cases of the reliability catalogue (`shared/reference/anchors-reliability.md` §2.7) that
 * no other test covered, each named by its ID. Loopback only.
 */
import assert from "node:assert/strict";
import { bind, setSocketOptions } from "../../mod.ts";
import * as bsd from "../../src/bsd/mod.ts";

Deno.test("UDP-03: a 10-byte datagram into a 4-byte buffer gives 4 bytes, and the next receive the next datagram", async () => {
  const { AF_INET, SOCK_DGRAM } = bsd;
  const server = bsd.socket(AF_INET, SOCK_DGRAM, 0);
  const client = bsd.socket(AF_INET, SOCK_DGRAM, 0);
  try {
    const addr = new bsd.sockaddr_in();
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = bsd.inet_addr("127.0.0.1");
    bsd.bind(server, addr);
    bsd.getsockname(server, addr);
    await bsd.sendto(client, new TextEncoder().encode("0123456789"), 10, 0, addr);
    await bsd.sendto(client, new TextEncoder().encode("next"), 4, 0, addr);
    const buf = new Uint8Array(4);
    assert.equal(await bsd.recvfrom(server, buf, 4, 0), 4);
    assert.equal(new TextDecoder().decode(buf), "0123"); // the rest is discarded, as in C
    const next = new Uint8Array(16);
    const n = await bsd.recvfrom(server, next, 16, 0);
    assert.equal(new TextDecoder().decode(next.subarray(0, n)), "next");
  } finally {
    await bsd.closesocket(client);
    await bsd.closesocket(server);
  }
});

/** The `drops` column of /proc/net/udp for the socket bound to `port` on 127.0.0.1. */
function udpDrops(port: number): number | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const line of Deno.readTextFileSync("/proc/net/udp").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === `0100007F:${hexPort}`) return Number(f[f.length - 1]);
  }
  return null;
}

Deno.test("UDP-04: with SO_RCVBUF 4096 and no reader, the kernel drops datagrams and /proc/net/udp counts them", async () => {
  using receiver = bind({ hostname: "127.0.0.1", port: 0 });
  const report = setSocketOptions(receiver, { receiveBufferSize: 4096 });
  assert.ok(report.receiveBufferSize !== undefined);
  using sender = bind({ hostname: "127.0.0.1", port: 0 });
  const before = udpDrops(receiver.addr.port);
  assert.notEqual(before, null, "the receiver's row is in /proc/net/udp");
  const datagram = new Uint8Array(1000);
  for (let i = 0; i < 200; i++) await sender.sendTo(datagram, receiver.addr);
  const after = udpDrops(receiver.addr.port)!;
  assert.ok(after - before! > 100, `most of 200 datagrams were dropped (${after - before!})`);
  let received = 0;
  for (;;) {
    const got = await receiver.recvFrom({ timeout: 100 }).catch(() => null);
    if (!got) break;
    received++;
  }
  assert.ok(received >= 1 && received < 200, `a few were queued (${received})`);
  assert.equal(received + (after - before!), 200, "every datagram was either received or dropped");
});

Deno.test("UDP-05: a datagram to a closed loopback port is lost silently, connected or not", async () => {
  const closed = bind({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  using unconnected = bind({ hostname: "127.0.0.1", port: 0 });
  assert.equal(await unconnected.sendTo(new Uint8Array(3), { hostname: "127.0.0.1", port }), 3);
  await assert.rejects(unconnected.recvFrom({ timeout: 100 }), Deno.errors.TimedOut);
  // sockkit's connect sets a default peer and a receive filter in user space (Deno has no UDP
  // connect), so the kernel's ICMP "port unreachable" is not reported: no ConnectionRefused.
  using connected = bind({ hostname: "127.0.0.1", port: 0 });
  connected.connect({ hostname: "127.0.0.1", port });
  assert.equal(await connected.send(new Uint8Array(3)), 3);
  await assert.rejects(connected.recvFrom({ timeout: 100 }), Deno.errors.TimedOut);
  assert.equal(await connected.send(new Uint8Array(3)), 3, "the next send still succeeds");
});

Deno.test("UDP-07: binding port 0 without a hostname binds 0.0.0.0 and a system-chosen port", () => {
  using sock = bind({ port: 0 });
  assert.equal(sock.addr.hostname, "0.0.0.0");
  assert.ok(sock.addr.port > 0);
});

/** FNV-1a over the bytes: the hash each datagram carries. */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

for (const host of ["127.0.0.1", "::1"]) {
  Deno.test(`UDP-08: 1000 datagrams each way at once over ${host} arrive bit-exact, unmixed, from the right address`, async () => {
    using a = bind({ hostname: host, port: 0 });
    using b = bind({ hostname: host, port: 0 });
    for (const s of [a, b]) setSocketOptions(s, { receiveBufferSize: 4 * 1024 * 1024 });
    const COUNT = 1000;
    const make = (from: number, seq: number) => {
      const d = new Uint8Array(64);
      const v = new DataView(d.buffer);
      v.setUint32(0, from);
      v.setUint32(4, seq);
      for (let i = 12; i < 64; i++) d[i] = (seq * 31 + i + from) & 0xff;
      v.setUint32(8, fnv1a(d.subarray(12)));
      return d;
    };
    const receive = async (sock: typeof a, from: number, peer: Deno.NetAddr) => {
      const seen = new Set<number>();
      while (seen.size < COUNT) {
        const { data, remoteAddr } = await sock.recvFrom({ timeout: 5000 });
        assert.equal(remoteAddr.hostname, peer.hostname);
        assert.equal(remoteAddr.port, peer.port);
        const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
        assert.equal(data.length, 64);
        assert.equal(v.getUint32(0), from, "no datagram of the other direction");
        assert.equal(v.getUint32(8), fnv1a(data.subarray(12)), "payload intact");
        seen.add(v.getUint32(4));
      }
      return seen.size;
    };
    const send = async (sock: typeof a, from: number, to: Deno.NetAddr) => {
      for (let seq = 0; seq < COUNT; seq++) await sock.sendTo(make(from, seq), to);
    };
    const [gotAtB, gotAtA] = await Promise.all([
      receive(b, 1, a.addr),
      receive(a, 2, b.addr),
      send(a, 1, b.addr),
      send(b, 2, a.addr),
    ]);
    assert.equal(gotAtB, COUNT);
    assert.equal(gotAtA, COUNT);
  });
}
