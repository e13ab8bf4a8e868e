import assert from "node:assert/strict";
import { mulberry32, startFaultProxy } from "./fault_proxy.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Reads until EOF without closing the connection (unlike consuming `conn.readable`). */
async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: number[] = [];
  const buf = new Uint8Array(4096);
  for (let n; (n = await conn.read(buf)) !== null;) parts.push(...buf.subarray(0, n));
  return new Uint8Array(parts);
}

Deno.test("the fault proxy forwards both directions byte for byte when slicing to 1 byte", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using proxy = startFaultProxy({ target: server.addr as Deno.NetAddr, slice: 1 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
  const peer = await server.accept();
  const payload = enc.encode("x".repeat(300) + "end");
  await client.write(payload);
  await client.closeWrite();
  const up = await readAll(peer);
  assert.deepEqual(up, payload);
  await peer.write(enc.encode("reply"));
  peer.close();
  assert.equal(dec.decode(await readAll(client)), "reply");
  client.close();
  assert.equal(proxy.stats.bytesUp, payload.length);
  assert.equal(proxy.stats.bytesDown, 5);
  assert.ok(proxy.stats.writes >= payload.length, `${proxy.stats.writes} writes`);
});

Deno.test("the fault proxy delays each chunk by its latency", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using proxy = startFaultProxy({ target: server.addr as Deno.NetAddr, latencyMs: 150 });
  using client = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
  using peer = await server.accept();
  const t0 = performance.now();
  await client.write(enc.encode("ping"));
  const buf = new Uint8Array(8);
  const n = await peer.read(buf);
  const elapsed = performance.now() - t0;
  assert.equal(dec.decode(buf.subarray(0, n!)), "ping");
  assert.ok(elapsed >= 140, `arrived after ${elapsed.toFixed(0)} ms, latency is 150 ms`);
});

Deno.test("the fault proxy resets both sides when an RST is drawn", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using proxy = startFaultProxy({ target: server.addr as Deno.NetAddr, rstProbability: 1 });
  using client = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
  using peer = await server.accept();
  await client.write(enc.encode("doomed"));
  // The server side sees a reset (never the bytes), the client side too.
  await assert.rejects(peer.read(new Uint8Array(8)), Deno.errors.ConnectionReset);
  await assert.rejects(client.read(new Uint8Array(8)), Deno.errors.ConnectionReset);
  assert.equal(proxy.stats.resets, 1);
  assert.equal(proxy.stats.bytesUp, 0);
});

Deno.test("the fault proxy counts the stalls it injects", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using proxy = startFaultProxy({
    target: server.addr as Deno.NetAddr,
    stallProbability: 1,
    stallMs: 50,
  });
  using client = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
  using peer = await server.accept();
  await client.write(enc.encode("a"));
  assert.equal(await peer.read(new Uint8Array(4)), 1);
  assert.equal(proxy.stats.stalls, 1);
});

Deno.test("the fault proxy refuses a target outside loopback", () => {
  assert.throws(
    () => startFaultProxy({ target: { hostname: "192.0.2.1", port: 80 } }),
    RangeError,
  );
  assert.throws(
    () => startFaultProxy({ target: { hostname: "127.0.0.1", port: 80 }, rstProbability: 2 }),
    RangeError,
  );
});

Deno.test("mulberry32 replays the same sequence for the same seed", () => {
  const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
  const sa = Array.from({ length: 5 }, a);
  assert.deepEqual(sa, Array.from({ length: 5 }, b));
  assert.notDeepEqual(sa, Array.from({ length: 5 }, c));
  assert.ok(sa.every((x) => x >= 0 && x < 1));
});
