/**
 * The load client, run as its own process so that client and server each have an event loop:
 * `--conns` concurrent connections, `--frames` checksummed frames each, through a framed echo
 * server. Prints one `RESULT <json>` line: totals, corruptions, errors, time.
 *
 * ```sh
 * deno run -A tests/stress/_load_client.ts --port 7000 --conns 2000 --frames 1000 --size 64
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runFramedClient } from "./_frames.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    hostname: { type: "string", default: "127.0.0.1" },
    conns: { type: "string", default: "200" },
    frames: { type: "string", default: "50" },
    size: { type: "string", default: "64" },
    window: { type: "string", default: "8" },
    timeout: { type: "string", default: "120000" },
    "connect-batch": { type: "string", default: "250" },
  },
});
const conns = Number(values.conns), frames = Number(values.frames);
const t0 = performance.now();
const results: Promise<Awaited<ReturnType<typeof runFramedClient>>>[] = [];
const batch = Number(values["connect-batch"]);
for (let i = 0; i < conns; i++) {
  results.push(runFramedClient({
    port: Number(values.port),
    hostname: values.hostname,
    id: i,
    frames,
    size: Number(values.size),
    window: Number(values.window),
    timeout: Number(values.timeout),
  }));
  // Stagger connects a little so the accept queue is not the thing being tested.
  if ((i + 1) % batch === 0) await new Promise((r) => setTimeout(r, 20));
}
const all = await Promise.all(results);
const ms = performance.now() - t0;
const ok = all.reduce((a, r) => a + r.ok, 0);
const corrupt = all.filter((r) => r.corrupt).map((r) => r.corrupt);
const errors = all.filter((r) => r.error).map((r) => r.error);
console.log(`RESULT ${
  JSON.stringify({
    conns,
    frames,
    expected: conns * frames,
    ok,
    corrupt: corrupt.length,
    firstCorrupt: corrupt[0],
    errors: errors.length,
    firstError: errors[0],
    ms: Math.round(ms),
    framesPerSec: Math.round(ok / (ms / 1000)),
    clientRss: Deno.memoryUsage().rss,
  })
}`);
