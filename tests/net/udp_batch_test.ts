import assert from "node:assert/strict";
import {
  bind,
  SocketStateError,
  SocketTimeoutError,
  type UdpBatch,
  type UdpSocket,
} from "../../src/net/mod.ts";
import { resolveSocket } from "../../src/_ffi/fd.ts";
import { jsonChild } from "../_child.ts";
import { exchangeDatagrams } from "./_udp_batch_data.ts";

interface Got {
  data: Uint8Array;
  port: number;
  hostname: string;
  truncated: boolean;
}

/** Receive `n` datagrams with recvBatch; also returns the largest batch seen. */
async function collect(sock: UdpSocket, n: number): Promise<{ got: Got[]; largest: number }> {
  const got: Got[] = [];
  let largest = 0;
  while (got.length < n) {
    const b: UdpBatch = await sock.recvBatch({ timeout: 5000 });
    largest = Math.max(largest, b.count);
    for (let i = 0; i < b.count; i++) {
      got.push({
        data: b.data(i).slice(),
        port: b.remotePort(i),
        hostname: b.remoteAddr(i).hostname,
        truncated: b.truncated(i),
      });
    }
  }
  return { got, largest };
}

function seq(i: number, size = 16): Uint8Array {
  const d = new Uint8Array(size);
  new DataView(d.buffer).setUint32(0, i);
  return d;
}

/** The kernel's drop counter for the UDP socket bound to 127.0.0.1:port (/proc/net/udp). */
function kernelDrops(port: number): number {
  const want = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of Deno.readTextFileSync("/proc/net/udp").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === want) return Number(f[12]);
  }
  throw new Error(`no /proc/net/udp entry for ${want}`);
}

Deno.test("recvBatch loses nothing while the receiver keeps up, and counts bytes both ways", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  assert.equal(rx.batched, true, rx.batchFallbackReason);
  const chunk = 64, rounds = 20;
  let next = 0, largest = 0;
  for (let r = 0; r < rounds; r++) {
    const msgs = Array.from({ length: chunk }, (_, k) => seq(r * chunk + k));
    assert.equal(await tx.sendBatch(msgs, rx.addr), chunk);
    const { got, largest: l } = await collect(rx, chunk);
    largest = Math.max(largest, l);
    for (const g of got) assert.equal(new DataView(g.data.buffer).getUint32(0), next++);
  }
  assert.equal(next, chunk * rounds);
  assert.ok(largest > 1, "recvmmsg returned more than one datagram per batch");
  assert.equal(rx.bytesReceived, chunk * rounds * 16);
  assert.equal(tx.bytesSent, chunk * rounds * 16);
});

Deno.test("under overload, every datagram recvBatch misses is one the kernel counted as dropped", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  const total = 64 * 64, chunk = 64;
  const dropsBefore = kernelDrops(rx.addr.port);
  for (let k = 0; k < total; k += chunk) {
    assert.equal(
      await tx.sendBatch(Array.from({ length: chunk }, (_, j) => seq(k + j)), rx.addr),
      chunk,
    );
  }
  const seen: number[] = [];
  for (;;) {
    let b: UdpBatch;
    try {
      b = await rx.recvBatch({ timeout: 300 });
    } catch (e) {
      assert.ok(e instanceof SocketTimeoutError);
      break;
    }
    for (let i = 0; i < b.count; i++) {
      seen.push(new DataView(b.buffer.buffer).getUint32(b.offset(i)));
    }
  }
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], "in order, no duplicates");
  const drops = kernelDrops(rx.addr.port) - dropsBefore;
  assert.ok(drops > 0, `the receive buffer overflowed (${seen.length} of ${total} arrived)`);
  assert.equal(seen.length + drops, total, "received + kernel drops = sent");
  assert.equal(rx.bytesReceived, seen.length * 16);
});

Deno.test("recvBatch reports MSG_TRUNC per datagram and keeps maxDatagramSize bytes", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0, maxDatagramSize: 8 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  const sizes = [4, 8, 9, 100, 0, 8];
  const msgs = sizes.map((n, k) => new Uint8Array(n).fill(k + 1));
  await tx.sendBatch(msgs, rx.addr);
  const { got, largest } = await collect(rx, sizes.length);
  assert.equal(largest, sizes.length, "all queued datagrams came in one batch");
  assert.deepEqual(got.map((g) => g.data.length), [4, 8, 8, 8, 0, 8]);
  assert.deepEqual(got.map((g) => g.truncated), [false, false, true, true, false, false]);
  got.forEach((g, k) => assert.deepEqual(g.data, new Uint8Array(g.data.length).fill(k + 1)));
  // The first datagram of a batch comes through Deno's receive: a cut is visible there too.
  await tx.sendTo(new Uint8Array(20), rx.addr);
  const b = await rx.recvBatch({ timeout: 2000 });
  assert.equal(b.count, 1);
  assert.equal(b.truncated(0), true);
  assert.equal(b.length(0), 8);
  assert.throws(() => b.length(1), RangeError);
});

for (const host of ["127.0.0.1", "::1"]) {
  Deno.test(`recvBatch keeps two senders apart (${host})`, async () => {
    using rx = bind({ hostname: host, port: 0 });
    using a = bind({ hostname: host, port: 0 });
    using b = bind({ hostname: host, port: 0 });
    const tag = (s: string, i: number) => new TextEncoder().encode(`${s}${i}`);
    for (let i = 0; i < 10; i++) {
      await a.sendBatch([tag("a", i), tag("a", i + 100)], rx.addr);
      await b.sendTo(tag("b", i), rx.addr);
    }
    const { got, largest } = await collect(rx, 30);
    assert.ok(largest > 1);
    const dec = new TextDecoder();
    const from = { a: [] as string[], b: [] as string[] };
    for (const g of got) {
      const text = dec.decode(g.data);
      assert.equal(g.hostname, host);
      assert.equal(g.port, text[0] === "a" ? a.addr.port : b.addr.port, text);
      from[text[0] as "a" | "b"].push(text);
    }
    assert.equal(from.a.length, 20);
    assert.deepEqual(from.b, Array.from({ length: 10 }, (_, i) => `b${i}`));
  });
}

Deno.test("recvBatch after connect drops datagrams from other peers and counts them", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0 });
  using peer = bind({ hostname: "127.0.0.1", port: 0 });
  using stranger = bind({ hostname: "127.0.0.1", port: 0 });
  rx.connect(peer.addr);
  for (let i = 0; i < 5; i++) {
    await stranger.sendTo(seq(1000 + i), rx.addr);
    await peer.sendTo(seq(i), rx.addr);
  }
  const { got } = await collect(rx, 5);
  assert.deepEqual(got.map((g) => new DataView(g.data.buffer).getUint32(0)), [0, 1, 2, 3, 4]);
  assert.ok(got.every((g) => g.port === peer.addr.port));
  assert.equal(rx.droppedFromOtherPeers, 5);
});

Deno.test("closing the socket during a pending recvBatch rejects it with a typed error", async () => {
  const rx = bind({ hostname: "127.0.0.1", port: 0 });
  const pending = rx.recvBatch();
  setTimeout(() => rx.close(), 20);
  const err = await pending.then(() => null, (e) => e);
  assert.ok(
    err instanceof Deno.errors.Interrupted || err instanceof Deno.errors.BadResource,
    String(err),
  );
  assert.equal((err as { operation?: string }).operation, "recvBatch");
  await assert.rejects(rx.recvBatch(), (e: SocketStateError) => e.code === "EBADF");
  await assert.rejects(
    rx.sendBatch([new Uint8Array(1)], { hostname: "127.0.0.1", port: 9 }),
    (e: SocketStateError) => e instanceof SocketStateError && e.code === "EBADF",
  );
});

Deno.test("a timed-out recvBatch loses nothing: the next call returns the datagram", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  await assert.rejects(rx.recvBatch({ timeout: 30 }), SocketTimeoutError);
  await tx.sendBatch([seq(1), seq(2)], rx.addr);
  const { got } = await collect(rx, 2);
  assert.deepEqual(got.map((g) => g.data[3]), [1, 2]);
});

Deno.test("a socket whose descriptor number was reused by another socket never reads or writes the other one", async () => {
  const victim = bind({ hostname: "127.0.0.1", port: 0 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  await tx.sendTo(seq(1), victim.addr);
  await victim.recvBatch({ timeout: 2000 }); // resolves and caches the descriptor
  const fd = resolveSocket(victim).fd;
  victim.raw.close(); // closed behind the wrapper's back: the number is free
  using other = bind({ hostname: "127.0.0.1", port: 0 });
  assert.equal(resolveSocket(other).fd, fd, "the new socket took the same number");
  await tx.sendBatch([seq(7), seq(8)], other.addr);
  await assert.rejects(victim.recvBatch({ timeout: 500 }), Deno.errors.BadResource);
  await assert.rejects(victim.sendBatch([seq(9), seq(9)], tx.addr), Deno.errors.BadResource);
  const { got } = await collect(other, 2);
  assert.deepEqual(got.map((g) => g.data[3]), [7, 8], "the other socket's datagrams are intact");
  await assert.rejects(tx.recvFrom({ timeout: 100 }), SocketTimeoutError);
  victim.close();
});

Deno.test("the batched and the per-datagram paths deliver identical bytes", async () => {
  const msgs = exchangeDatagrams();
  using rx1 = bind({ hostname: "127.0.0.1", port: 0, maxDatagramSize: 1500 });
  using rx2 = bind({ hostname: "127.0.0.1", port: 0, maxDatagramSize: 1500 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  const batched: Uint8Array[] = [], single: Uint8Array[] = [];
  for (let k = 0; k < msgs.length; k += 32) {
    const chunk = msgs.slice(k, k + 32);
    await tx.sendBatch(chunk, rx1.addr);
    for (const d of chunk) await tx.sendTo(d, rx2.addr);
    batched.push(...(await collect(rx1, chunk.length)).got.map((g) => g.data));
    for (let i = 0; i < chunk.length; i++) {
      single.push((await rx2.recvFrom({ timeout: 5000 })).data);
    }
  }
  assert.deepEqual(batched, msgs);
  assert.deepEqual(single, msgs);
});

Deno.test("without --allow-ffi the batch calls fall back to one datagram each, say so, and deliver the same bytes", async () => {
  const child = new URL("./_udp_batch_child.ts", import.meta.url);
  const base = ["--allow-net", "--unstable-net", "--allow-read", "--allow-env"];
  const [without, withFfi] = await Promise.all([
    jsonChild<Record<string, unknown>>(child, base),
    jsonChild<Record<string, unknown>>(child, [...base, "--allow-ffi"]),
  ]);
  assert.equal(without.batched, false);
  assert.match(String(without.reason), /--allow-ffi/);
  assert.equal(without.largest, 1);
  assert.equal(withFfi.batched, true);
  assert.ok((withFfi.largest as number) > 1);
  for (const r of [without, withFfi]) {
    assert.equal(r.count, 256);
    assert.equal(r.wrongSender, 0);
  }
  assert.equal(without.sha256, withFfi.sha256);
});

Deno.test("sendBatch sends to one destination per datagram and checks its arguments", async () => {
  using r1 = bind({ hostname: "127.0.0.1", port: 0 });
  using r2 = bind({ hostname: "127.0.0.1", port: 0 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  const msgs = [seq(1), seq(2), seq(3), seq(4)];
  assert.equal(await tx.sendBatch(msgs, [r1.addr, r2.addr, r1.addr, r2.addr]), 4);
  assert.deepEqual((await collect(r1, 2)).got.map((g) => g.data[3]), [1, 3]);
  assert.deepEqual((await collect(r2, 2)).got.map((g) => g.data[3]), [2, 4]);
  await assert.rejects(tx.sendBatch(msgs, [r1.addr]), RangeError);
  await assert.rejects(tx.sendBatch(msgs), (e: SocketStateError) => e.code === "EDESTADDRREQ");
  await assert.rejects(tx.sendBatch("x" as unknown as Uint8Array[], r1.addr), TypeError);
  await assert.rejects(tx.sendBatch(msgs, { hostname: "127.0.0.1", port: 0 }), RangeError);
  assert.equal(await tx.sendBatch([], r1.addr), 0);
  assert.throws(() => bind({ batchSize: 0 }), RangeError);
});

Deno.test("sendBatch reports EMSGSIZE like sendTo, with how many datagrams went out", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  const err = await tx.sendBatch([seq(1), seq(2), new Uint8Array(65508), seq(4)], rx.addr)
    .then(() => null, (e) => e);
  assert.ok(err instanceof Error, "the oversized datagram was sent");
  const e = err as { code?: string; datagramsSent?: number; datagramSize?: number };
  assert.equal(e.code, "EMSGSIZE");
  assert.equal(e.datagramsSent, 2);
  assert.equal(e.datagramSize, 65508);
  assert.deepEqual((await collect(rx, 2)).got.map((g) => g.data[3]), [1, 2]);
});

Deno.test("equal-sized datagrams sent as one UDP_SEGMENT run arrive as separate datagrams, a shorter last one too", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  // 1 (through Deno's send) + 40 of 100 bytes + one of 37: the 41 after the first qualify for GSO.
  const msgs = [...Array.from({ length: 41 }, (_, i) => seq(i, 100)), seq(41, 37)];
  assert.equal(await tx.sendBatch(msgs, rx.addr), 42);
  assert.equal(tx.bytesSent, 41 * 100 + 37);
  for (let i = 0; i < msgs.length; i++) {
    const d = await rx.recvFrom({ timeout: 2000 });
    assert.deepEqual(d.data, msgs[i], `datagram ${i}`);
    assert.equal(d.remoteAddr.port, tx.addr.port);
  }
  await assert.rejects(rx.recvFrom({ timeout: 50 }), SocketTimeoutError);
});
