import assert from "node:assert/strict";
import { serve } from "../../src/net/serve.ts";
import { connect, type TcpConnection } from "../../src/net/tcp.ts";
import { SocketTimeoutError } from "../../src/net/errors.ts";
import { tcpInfo } from "../../src/sockopt/tcp_info.ts";
import { FrameEncoder, wasmMemoryBytes } from "../../src/codec/codec.ts";
import framedEcho, { peak, SPEC } from "../stress/_framed_echo_handler.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("serve never runs more than maxConnections handlers under a burst of 60 clients (RES-05)", async () => {
  let running = 0, most = 0, drops = 0;
  const release: (() => void)[] = [];
  await using server = serve(async (conn) => {
    running++;
    most = Math.max(most, running);
    await new Promise<void>((r) => release.push(r));
    await conn.writeAll(new Uint8Array([1]));
    running--;
  }, { hostname: "127.0.0.1", port: 0, maxConnections: 8, onDrop: () => drops++ });
  const results = await Promise.all(Array.from({ length: 60 }, async () => {
    const c = await connect({ port: server.addr.port });
    try {
      // A dropped client reads EOF (or a reset) at once; an admitted one waits for release.
      const got = c.read(new Uint8Array(1)).catch(() => null);
      const first = await Promise.race([got, sleep(400).then(() => "waiting" as const)]);
      if (first === "waiting") {
        // Admitted, or a drop whose end of stream took longer (a busy machine): the final
        // result decides, not the wait.
        while (release.length) release.shift()!();
        return (await got) === 1 ? "served" : "dropped";
      }
      return first === null ? "dropped" : "served";
    } finally {
      await c.close();
    }
  }));
  // Release stragglers so every handler returns.
  for (let i = 0; i < 50 && server.connections > 0; i++) {
    while (release.length) release.shift()!();
    await sleep(10);
  }
  assert.ok(most <= 8, `at most 8 handlers ran at once, saw ${most}`);
  const served = results.filter((r) => r === "served").length;
  assert.equal(served + drops, 60, JSON.stringify(results));
  assert.equal(results.filter((r) => r === "dropped").length, drops);
  assert.ok(served >= 8 && drops > 0);
  const s = server.stats();
  assert.equal(s.accepted, 60);
  assert.equal(s.dropped, drops);
  // After the burst, a new client is served again.
  const c = await connect({ port: server.addr.port });
  const got = c.read(new Uint8Array(1));
  for (let i = 0; i < 100 && release.length === 0; i++) await sleep(5);
  release.shift()!();
  assert.equal(await got, 1);
  await c.close();
});

Deno.test("serve idleTimeout closes a silent connection while a chatty one keeps going", async () => {
  const errors: unknown[] = [];
  await using server = serve(async (conn) => {
    const buf = new Uint8Array(64);
    for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
  }, { hostname: "127.0.0.1", port: 0, idleTimeout: 500, onError: (e) => errors.push(e) });
  await using silent = await connect({ port: server.addr.port });
  await using chatty = await connect({ port: server.addr.port });
  const t0 = performance.now();
  const silentEnd = silent.read(new Uint8Array(1)).catch(() => null);
  // 30 exchanges 50 ms apart: 1.5 s, three idle timeouts; only a stall of 450 ms would cut it.
  for (let i = 0; i < 30; i++) {
    await chatty.writeAll(new Uint8Array([i]));
    assert.deepEqual(await chatty.readFull(new Uint8Array(1)), new Uint8Array([i]));
    await sleep(50);
  }
  assert.equal(await silentEnd, null);
  assert.ok(performance.now() - t0 >= 450);
  // The chatty connection outlived the idle timeout several times over and still works.
  await chatty.writeAll(new Uint8Array([99]));
  assert.deepEqual(await chatty.readFull(new Uint8Array(1)), new Uint8Array([99]));
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof SocketTimeoutError);
  assert.equal(errors[0].operation, "idle");
});

Deno.test("a framed echo server whose client never reads stalls on backpressure with bounded buffers (TCP-12)", async () => {
  peak.buffered = 0;
  const errors: unknown[] = [];
  await using server = serve(framedEcho, {
    hostname: "127.0.0.1",
    port: 0,
    onError: (e) => errors.push(e),
  });
  const client = await connect({ port: server.addr.port });
  const enc = new FrameEncoder(SPEC);
  const frame = enc.encode(new Uint8Array(16384).fill(7));
  enc.free();
  const wasmBefore = wasmMemoryBytes();
  const rssBefore = Deno.memoryUsage().rss;
  // Write up to 256 MiB, never reading. Stop once a write has been stuck for 500 ms.
  let sent = 0;
  let stalled = false;
  const deadline = performance.now() + 15000;
  while (sent < 256 * 1024 * 1024 && performance.now() < deadline) {
    // write() may take part of a frame: continue where it stopped, so the stream stays valid.
    const off = sent % frame.length;
    const w = client.write(frame.subarray(off), { timeout: 500 }).then((n) => n, (e) => e);
    const r = await w;
    if (r instanceof SocketTimeoutError) {
      stalled = true;
      break;
    }
    if (typeof r !== "number") throw new Error(`write failed: ${r}; server errors: ${errors}`);
    sent += r;
  }
  const rssGrowth = Deno.memoryUsage().rss - rssBefore;
  const wasmGrowth = wasmMemoryBytes() - wasmBefore;
  console.log(
    `slow reader: client sent ${(sent / 2 ** 20).toFixed(1)} MiB before stalling; server peak ` +
      `decoder buffer ${peak.buffered} B, Wasm memory +${wasmGrowth} B, RSS +${
        (rssGrowth / 2 ** 20).toFixed(1)
      } MiB`,
  );
  assert.ok(stalled, "the client's writes never blocked");
  // What got through sits in kernel socket buffers (a few MiB on loopback), not in the server.
  assert.ok(sent < 64 * 1024 * 1024, `sent ${sent} bytes before stalling`);
  assert.ok(peak.buffered <= 65536 + 4 + 65536, `decoder held ${peak.buffered} bytes`);
  assert.ok(wasmGrowth <= 4 * 1024 * 1024, `Wasm memory grew by ${wasmGrowth}`);
  assert.ok(rssGrowth < 128 * 1024 * 1024, `RSS grew by ${rssGrowth}`);
  assert.equal(server.connections, 1, "the server still holds the connection");
  // Cut the client off: the stuck server write fails, the handler ends, the server lives on.
  (client as TcpConnection).raw.close();
  await client.close();
  for (let i = 0; i < 200 && server.connections > 0; i++) await sleep(10);
  assert.equal(server.connections, 0);
  await using again = await connect({ port: server.addr.port });
  const e2 = new FrameEncoder(SPEC);
  await again.writeAll(e2.encode(new Uint8Array([1, 2, 3])));
  e2.free();
  assert.deepEqual(await again.readFull(new Uint8Array(7)), new Uint8Array([0, 0, 0, 3, 1, 2, 3]));
});

Deno.test("serve stats count accepted, closed and bytes both ways", async () => {
  await using server = serve(async (conn) => {
    const buf = new Uint8Array(64);
    for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
  }, { hostname: "127.0.0.1", port: 0 });
  for (let i = 0; i < 3; i++) {
    await using c = await connect({ port: server.addr.port });
    await c.writeAll(new Uint8Array(10));
    await c.readFull(new Uint8Array(10));
  }
  for (let i = 0; i < 100 && server.stats().closed < 3; i++) await sleep(5);
  const s = server.stats();
  assert.deepEqual(
    { ...s },
    { accepted: 3, active: 0, closed: 3, dropped: 0, errors: 0, bytesRead: 30, bytesWritten: 30 },
  );
});

// TCP-05: a handler replies and returns while the client has sent a byte it never read (a
// pipelined request) and has not read the reply yet. The reply (1 MiB) fits in the server's
// send buffer (2 MiB) but not in the client's receive buffer (128 KiB), so part of it is still
// queued on our side when the handler returns. A plain close then is an RST that throws that
// part away; serve's lingering close waits until it is acknowledged.
async function replyToSlowPipeliningClient(lingerTimeout: number) {
  const SIZE = 1 << 20;
  let returned!: () => void;
  const handlerDone = new Promise<void>((r) => returned = r);
  await using server = serve(async (conn) => {
    await conn.readFull(new Uint8Array(1)); // the first request; the second stays unread
    await conn.writeAll(new Uint8Array(SIZE).fill(1)); // completes: the send buffer holds it
    returned();
  }, { hostname: "127.0.0.1", port: 0, lingerTimeout, sendBufferSize: 1 << 20 });
  await using c = await connect({ port: server.addr.port, receiveBufferSize: 1 << 16 });
  await c.writeAll(new Uint8Array([1]));
  await sleep(20);
  await c.writeAll(new Uint8Array([2]));
  await handlerDone;
  // Let the close happen before reading: an RST reaches us at once (state CLOSED); a lingering
  // close sends nothing yet (its FIN waits behind the data).
  for (let i = 0; i < 100 && tcpInfo(c).state !== "CLOSED"; i++) await sleep(5);
  const buf = new Uint8Array(1 << 16);
  let got = 0, error: unknown;
  try {
    for (let n; (n = await c.read(buf)) !== null;) got += n;
  } catch (e) {
    error = e;
  }
  return { size: SIZE, got, error };
}

Deno.test("serve's lingering close delivers the whole reply to a slow client that sent more than was read (TCP-05)", async () => {
  const lingering = await replyToSlowPipeliningClient(5000);
  assert.equal(lingering.got, lingering.size, String(lingering.error));
  // The control: closing at once loses the queued part of the reply to an RST.
  const abrupt = await replyToSlowPipeliningClient(0);
  console.log(
    `TCP-05: lingering ${lingering.got}/${lingering.size}, abrupt ${abrupt.got}/${abrupt.size}`,
  );
  assert.ok(abrupt.got < abrupt.size, `got all ${abrupt.got} bytes without lingering`);
  assert.ok(abrupt.error instanceof Deno.errors.ConnectionReset, String(abrupt.error));
});

Deno.test("serve rejects a negative or non-finite lingerTimeout", () => {
  for (const lingerTimeout of [-1, NaN, Infinity]) {
    assert.throws(() => serve(() => {}, { port: 0, lingerTimeout }), RangeError);
  }
});
