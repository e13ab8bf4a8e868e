/**
 * UDP cases of the reliability catalogue (`shared/reference/anchors-reliability.md` §2.7) that
 * no other test covered, each named by its ID. Loopback only.
 */
import assert from "node:assert/strict";
import { bind, setSocketOptions, SocketTimeoutError } from "../../mod.ts";
import { Background } from "../cli/_run.ts";
import { type FaultLog, udpFaultRelay } from "./_udp_fault_relay.ts";
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

// UDP-09: through a relay that drops, duplicates and reorders (tests/reliability/_udp_fault_relay.ts).

const N = 400;

/** Datagram `seq`: a u32 BE sequence number, then 60 bytes that depend on it. */
function datagram(seq: number): Uint8Array {
  const d = new Uint8Array(64);
  new DataView(d.buffer).setUint32(0, seq);
  for (let i = 4; i < 64; i++) d[i] = (seq * 31 + i) & 0xff;
  return d;
}

/** Send datagrams 0..N-1 to `to`, 20 at a time with a pause, so no socket buffer overflows. */
async function sendAll(to: Deno.NetAddr) {
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  for (let seq = 0; seq < N; seq++) {
    await tx.sendTo(datagram(seq), to);
    if (seq % 20 === 19) await new Promise((r) => setTimeout(r, 5));
  }
}

/** Compare what arrived (in order) with what the relay did: every fault is seen, no other. */
function checkAgainstLog(arrived: Uint8Array[], log: FaultLog) {
  const seqs = arrived.map((d) => new DataView(d.buffer, d.byteOffset).getUint32(0));
  for (let i = 0; i < arrived.length; i++) {
    assert.deepEqual(arrived[i], datagram(seqs[i]), `datagram ${seqs[i]} arrived altered`);
  }
  const times = new Map<number, number>();
  for (const s of seqs) times.set(s, (times.get(s) ?? 0) + 1);
  const missing = Array.from({ length: N }, (_, s) => s).filter((s) => !times.has(s));
  const duplicates = [...times].filter(([, n]) => n > 1).map(([s]) => s).sort((a, b) => a - b);
  const late: number[] = [];
  let highest = -1;
  const seen = new Set<number>();
  for (const s of seqs) {
    if (!seen.has(s) && s < highest) late.push(s);
    seen.add(s);
    highest = Math.max(highest, s);
  }
  assert.deepEqual(missing, log.dropped, "the gaps are the relay's drops");
  assert.deepEqual(duplicates, log.duplicated, "the repeats are the relay's duplicates");
  // A held-back datagram is late unless nothing after it got through.
  const expectedLate = log.reordered.filter((s) =>
    Array.from({ length: N - s - 1 }, (_, i) => s + 1 + i).some((t) => !log.dropped.includes(t))
  );
  assert.deepEqual(late.sort((a, b) => a - b), expectedLate, "the late ones are the relay's");
  assert.equal(arrived.length, log.forwarded);
  // The seeded run has every fault at least a few times.
  assert.ok(log.dropped.length > 10 && log.duplicated.length > 10 && log.reordered.length > 10);
}

const FAULTS = { drop: 0.1, duplicate: 0.1, reorder: 0.1 };

for (const path of ["recvFrom", "recvBatch"] as const) {
  Deno.test(`UDP-09: through a relay with 10% drop, 10% duplicate and reordering, ${path} gives every datagram the relay sent, intact, and the gaps, repeats and late ones are exactly the relay's`, async () => {
    using rx = bind({ hostname: "127.0.0.1", port: 0 });
    const relay = udpFaultRelay(rx.addr, FAULTS, 9);
    const arrived: Uint8Array[] = [];
    const receiving = (async () => {
      for (;;) {
        try {
          if (path === "recvFrom") {
            arrived.push((await rx.recvFrom({ timeout: 1000 })).data.slice());
          } else {
            const batch = await rx.recvBatch({ timeout: 1000 });
            for (let i = 0; i < batch.count; i++) arrived.push(batch.data(i).slice());
          }
        } catch (e) {
          if (e instanceof SocketTimeoutError) return; // quiet for 1 s: the run is over
          throw e;
        }
      }
    })();
    await sendAll(relay.addr);
    await new Promise((r) => setTimeout(r, 100));
    await relay.close();
    await receiving;
    checkAgainstLog(arrived, relay.log);
  });
}

Deno.test("UDP-09: sockkit listen -u --json through the faulty relay reports every datagram the relay sent, bit-exact, and keeps running until -i's silence", async () => {
  await using server = new Background(["listen", "-u", "--json", "-i", "1s", "127.0.0.1:0"]);
  const port = await server.port();
  const relay = udpFaultRelay({ transport: "udp", hostname: "127.0.0.1", port }, FAULTS, 11);
  await sendAll(relay.addr);
  await new Promise((r) => setTimeout(r, 100));
  await relay.close();
  const done = await server.finish();
  const arrived = server.events.filter((e) => e.event === "datagram").map((e) => {
    assert.equal(e.length, 64);
    // Binary is hex, valid UTF-8 is text (docs/events.md).
    return e.hex === undefined
      ? new TextEncoder().encode(e.text)
      : Uint8Array.from(e.hex.match(/../g), (h: string) => parseInt(h, 16));
  });
  checkAgainstLog(arrived, relay.log);
  assert.equal(done.code, 0, done.stderr);
});

Deno.test("UDP-09: the seeds' UDP client reports a lost reply (timeout, exit 1) and does not assume delivery; with no faults the same run succeeds", async () => {
  const dir = new URL("../../examples/", import.meta.url).pathname;
  const deno = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--unstable-net", ...args],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    });
  const server = deno([`${dir}udp_server.ts`, "--port", "0", "--count", "2"]).spawn();
  const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = (await lines.read()).value ?? "";
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(first)?.[1]);
  assert.ok(port > 0, first);
  const target: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
  try {
    for (const dropReplies of [1, 0]) {
      const relay = udpFaultRelay(target, { drop: 0, duplicate: 0, reorder: 0, dropReplies }, 3);
      const client = await deno([
        `${dir}udp_client.ts`,
        "--port",
        String(relay.addr.port),
        "--timeout",
        "500",
      ]).output();
      await relay.close();
      const out = new TextDecoder().decode(client.stdout);
      if (dropReplies) {
        assert.equal(client.code, 1);
        assert.match(out, /^sendto\( \) succeeded\.\nrecvfrom\( \)Failed\.: .*500/);
        assert.equal(relay.log.repliesDropped, 1);
      } else {
        assert.equal(client.code, 0, new TextDecoder().decode(client.stderr));
        assert.equal(out, "sendto( ) succeeded.\nrecvfrom( ):Hello! I am a server.\n-----\n");
      }
    }
    assert.equal((await server.status).code, 0);
  } finally {
    lines.cancel().catch(() => {});
    try {
      server.kill("SIGKILL");
    } catch {
      // exited after --count 2
    }
    await server.status;
    await server.stderr.cancel().catch(() => {});
  }
});
