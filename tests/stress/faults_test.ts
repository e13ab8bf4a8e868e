/**
 * Hostile and broken peers against a framed echo server: slowloris, a reset in the middle of
 * a frame, half-close, and traffic through the fault proxy (1-byte slicing, latency, stalls,
 * random RSTs). Every case checks that other clients are unaffected and the server keeps
 * serving.
 */
import assert from "node:assert/strict";
import { serve } from "../../src/net/serve.ts";
import { connect } from "../../src/net/tcp.ts";
import { abortConnection } from "../../src/sockopt/close.ts";
import { FrameEncoder } from "../../src/codec/codec.ts";
import { SocketTimeoutError } from "../../src/net/errors.ts";
import framedEcho, { SPEC } from "./_framed_echo_handler.ts";
import { runFramedClient } from "./_frames.ts";
import { startFaultProxy } from "./fault_proxy.ts";

const FULL = Deno.env.get("STRESS_FULL") === "1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function framedServer(extra: { idleTimeout?: number } = {}) {
  const errors: Error[] = [];
  const server = serve(framedEcho, {
    hostname: "127.0.0.1",
    port: 0,
    onError: (e) => errors.push(e as Error),
    ...extra,
  });
  return { server, errors };
}

Deno.test("slowloris clients (one byte per second) are closed by the idle timeout while others are served (RES-06)", async () => {
  // 600 ms: well under the slowloris gap (1 s), well over any pause of the normal clients.
  const { server, errors } = framedServer({ idleTimeout: 600 });
  await using _ = server;
  const SLOW = 20;
  const header = new FrameEncoder(SPEC).encode(new Uint8Array(100)); // header + body, sent 1 B/s
  const slow = await Promise.all(
    Array.from({ length: SLOW }, async () => {
      const c = await connect({ port: server.addr.port });
      const t0 = performance.now();
      let sent = 0;
      try {
        for (; sent < header.length && performance.now() - t0 < 5000; sent++) {
          await c.writeAll(header.subarray(sent, sent + 1));
          await sleep(1000);
        }
        return { closedAfterMs: -1, sent };
      } catch {
        return { closedAfterMs: performance.now() - t0, sent };
      } finally {
        await c.close();
      }
    }).map(async (p, i) => {
      if (i === 0) {
        // Meanwhile, normal clients are served promptly.
        const fine = await Promise.all(
          Array.from(
            { length: 10 },
            (_, id) => runFramedClient({ port: server.addr.port, id, frames: 20, size: 200 }),
          ),
        );
        for (const r of fine) {
          assert.deepEqual(r, { ok: 20 });
        }
      }
      return await p;
    }),
  );
  // Each slowloris got the first byte in, then the 600 ms idle timeout closed it; its second
  // write (a second later) failed.
  for (const s of slow) {
    assert.ok(s.closedAfterMs > 0, "a slowloris connection was never closed");
    assert.ok(s.sent <= 2, `a slowloris sent ${s.sent} bytes`);
  }
  const idle = errors.filter((e) => e instanceof SocketTimeoutError && e.operation === "idle");
  assert.equal(idle.length, SLOW, errors.map(String).join("; "));
  assert.equal(server.connections, 0);
});

Deno.test("a peer's RST in the middle of a frame ends only that connection", async () => {
  const { server, errors } = framedServer();
  await using _ = server;
  const c = await connect({ port: server.addr.port });
  const frame = new FrameEncoder(SPEC).encode(new Uint8Array(1000).fill(5));
  await c.writeAll(frame.subarray(0, 500)); // half a frame
  await sleep(50);
  abortConnection(c); // RST
  await c.close();
  for (let i = 0; i < 200 && server.connections > 0; i++) await sleep(10);
  assert.equal(server.connections, 0);
  // The handler saw the reset as a typed error (a reset, or end of stream inside a frame).
  assert.equal(errors.length, 1, errors.map(String).join("; "));
  assert.ok(
    errors[0] instanceof Deno.errors.ConnectionReset || /IncompleteFrame/.test(errors[0].name),
    String(errors[0]),
  );
  const r = await runFramedClient({ port: server.addr.port, id: 1, frames: 10, size: 100 });
  assert.deepEqual(r, { ok: 10 });
});

Deno.test("a half-closed client still gets every echo, then end of stream", async () => {
  const { server, errors } = framedServer();
  await using _ = server;
  await using c = await connect({ port: server.addr.port });
  const enc = new FrameEncoder(SPEC);
  const frames = Array.from({ length: 20 }, (_, i) => new Uint8Array(300).fill(i));
  await c.writeAll(enc.encodeAll(frames));
  enc.free();
  await c.closeWrite();
  const expect = 20 * 304;
  const got = await c.readFull(new Uint8Array(expect));
  for (let i = 0; i < 20; i++) assert.equal(got![i * 304 + 4], i);
  assert.equal(await c.read(new Uint8Array(1)), null);
  assert.deepEqual(errors, []);
});

const PROXY_CASES = [
  { name: "1-byte slicing", opts: { slice: 1 }, conns: 10, frames: FULL ? 200 : 20 },
  { name: "latency and 7-byte slicing", opts: { latencyMs: 2, slice: 7 }, conns: 10, frames: 20 },
  {
    name: "stalls",
    opts: { stallProbability: 0.05, stallMs: 100, slice: 64 },
    conns: 10,
    frames: FULL ? 200 : 30,
  },
];
for (const pc of PROXY_CASES) {
  Deno.test(`frames through the fault proxy with ${pc.name} arrive intact`, async () => {
    const { server, errors } = framedServer();
    await using _ = server;
    await using proxy = startFaultProxy({ target: server.addr, seed: 7, ...pc.opts });
    const res = await Promise.all(Array.from({ length: pc.conns }, (_, id) =>
      runFramedClient({
        port: proxy.addr.port,
        id,
        frames: pc.frames,
        size: 120,
        window: 4,
        timeout: 30000,
      })));
    for (const r of res) assert.deepEqual(r, { ok: pc.frames });
    assert.deepEqual(errors, []);
    if (pc.opts.stallProbability) assert.ok(proxy.stats.stalls > 0);
  });
}

Deno.test("random RSTs from the fault proxy surface as typed errors, never as corrupt frames", async () => {
  const { server, errors } = framedServer();
  await using _ = server;
  await using proxy = startFaultProxy({
    target: server.addr,
    seed: 11,
    slice: 50,
    rstProbability: 0.02,
  });
  const CONNS = 30;
  const res = await Promise.all(Array.from({ length: CONNS }, (_, id) =>
    runFramedClient({
      port: proxy.addr.port,
      id,
      frames: 40,
      size: 200,
      window: 4,
      timeout: 30000,
    })));
  assert.ok(proxy.stats.resets > 0, "the proxy reset nothing; raise the probability");
  const failed = res.filter((r) => r.error);
  for (const r of res) assert.equal(r.corrupt, undefined, r.corrupt);
  for (const r of failed) {
    assert.ok(
      r.errorName === "ConnectionReset" || r.errorName === "UnexpectedEof" ||
        r.errorName === "BrokenPipe",
      r.error,
    );
  }
  assert.ok(failed.length > 0 && failed.length <= proxy.stats.resets);
  // Server-side errors are typed too (resets or frames cut short), and it keeps serving.
  for (const e of errors) {
    assert.ok(
      e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
        /IncompleteFrame/.test(e.name),
      String(e),
    );
  }
  for (let i = 0; i < 200 && server.connections > 0; i++) await sleep(10);
  assert.equal(server.connections, 0);
  const after = await runFramedClient({ port: server.addr.port, id: 99, frames: 10, size: 64 });
  assert.deepEqual(after, { ok: 10 });
  console.log(
    `fault proxy RST: ${proxy.stats.resets} resets, ${failed.length}/${CONNS} clients cut off, ` +
      `${res.reduce((a, r) => a + r.ok, 0)} frames intact, ${errors.length} server errors`,
  );
});
