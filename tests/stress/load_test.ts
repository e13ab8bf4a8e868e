/**
 * Load: many concurrent connections, each sending checksummed frames through a framed echo
 * server; no frame may be lost or corrupted, and the server's RSS stays bounded. The client
 * runs in its own process. Short by default (200 x 50); `STRESS_FULL=1` (set by
 * `deno task test:stress`) runs 2,000 connections x 1,000 frames.
 */
import assert from "node:assert/strict";
import { serve } from "../../src/net/serve.ts";
import framedEcho from "./_framed_echo_handler.ts";
import { spawn } from "./_subprocess.ts";

const FULL = Deno.env.get("STRESS_FULL") === "1";
const CONNS = FULL ? 2000 : 200;
const FRAMES = Number(Deno.env.get("STRESS_FRAMES") ?? (FULL ? 1000 : 50));
const SIZE = 64;

Deno.test(`framed echo server carries ${CONNS} connections x ${FRAMES} frames with no frame lost or corrupted (TCP-14)`, async () => {
  const errors: unknown[] = [];
  await using server = serve(framedEcho, {
    hostname: "127.0.0.1",
    port: 0,
    backlog: 4096,
    onError: (e) => errors.push(e),
  });
  const rss0 = Deno.memoryUsage().rss;
  let rssPeak = rss0;
  let activePeak = 0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, Deno.memoryUsage().rss);
    activePeak = Math.max(activePeak, server.connections);
  }, 50);
  await using client = spawn(Deno.execPath(), [
    "run",
    "-A",
    new URL("./_load_client.ts", import.meta.url).pathname,
    "--port",
    String(server.addr.port),
    "--conns",
    String(CONNS),
    "--frames",
    String(FRAMES),
    "--size",
    String(SIZE),
    "--timeout",
    String(FULL ? 300000 : 60000),
  ]);
  let r;
  try {
    r = JSON.parse(await client.line("RESULT", FULL ? 320000 : 90000));
  } finally {
    clearInterval(sampler);
  }
  const status = await client.exit();
  assert.equal(status.code, 0, client.stderr());
  for (let i = 0; i < 200 && server.connections > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const s = server.stats();
  const report = {
    connections: CONNS,
    framesEach: FRAMES,
    frameBytes: SIZE + 4,
    framesOk: r.ok,
    corrupt: r.corrupt,
    clientErrors: r.errors,
    seconds: r.ms / 1000,
    framesPerSec: r.framesPerSec,
    serverActivePeak: activePeak,
    serverRssStartMiB: +(rss0 / 2 ** 20).toFixed(1),
    serverRssPeakMiB: +(rssPeak / 2 ** 20).toFixed(1),
    serverRssGrowthMiB: +((rssPeak - rss0) / 2 ** 20).toFixed(1),
    clientRssMiB: +(r.clientRss / 2 ** 20).toFixed(1),
  };
  console.log(`LOAD ${JSON.stringify(report)}`);
  assert.deepEqual(
    errors.slice(0, 1).map((e) => (e as Error).stack),
    [],
    `${errors.length} server errors`,
  );
  assert.equal(r.corrupt, 0, r.firstCorrupt);
  assert.equal(r.errors, 0, r.firstError);
  assert.equal(r.ok, CONNS * FRAMES);
  assert.deepEqual(errors, []);
  assert.equal(s.accepted, CONNS);
  assert.equal(s.closed, CONNS);
  assert.equal(s.bytesRead, CONNS * FRAMES * (SIZE + 4));
  assert.equal(s.bytesWritten, s.bytesRead);
  // Bounded: per connection the server holds one decoder buffer and one batch in flight. Allow
  // 256 KiB per concurrent connection on top of where it started (far above what it uses).
  assert.ok(rssPeak - rss0 < CONNS * 256 * 1024, `RSS grew ${rssPeak - rss0} bytes`);
});
