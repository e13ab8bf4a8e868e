/**
 * What serve's lingering close costs per connection: 1,000 loopback connections a round, each
 * a 1-byte reply read to the end, with `lingerTimeout: 0` (close at once, the baseline) and the
 * default 5000 (one `SIOCOUTQ` check through FFI, which finds the descriptor first), in
 * alternating order over 14 rounds; medians per connection. No reply here is left
 * unacknowledged, so no connection actually lingers: this is the check's cost alone.
 *
 * ```sh
 * deno run -A bench/serve_linger_bench.ts
 * ```
 *
 * @module
 */
import { serve } from "../mod.ts";

async function round(lingerTimeout: number, n: number): Promise<number> {
  await using server = serve(async (c) => {
    await c.writeAll(new Uint8Array([1]));
  }, { hostname: "127.0.0.1", port: 0, lingerTimeout, onError: () => {} });
  const buf = new Uint8Array(4);
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const c = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    while ((await c.read(buf)) !== null);
    c.close();
  }
  return (performance.now() - t) * 1000 / n;
}

const ROUNDS = 14;
await round(0, 300); // warm-up
await round(5000, 300);
const times: Record<"0" | "5000", number[]> = { "0": [], "5000": [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const l of r % 2 ? [0, 5000] as const : [5000, 0] as const) {
    times[l].push(await round(l, 1000));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const base = median(times["0"]), linger = median(times["5000"]);
console.log(`per connection, median of ${ROUNDS} rounds of 1,000:`);
console.log(`  lingerTimeout 0 (baseline)  ${base.toFixed(1)} µs`);
console.log(
  `  lingerTimeout 5000          ${linger.toFixed(1)} µs  (${(linger / base).toFixed(2)}x, +${
    (linger - base).toFixed(1)
  } µs)`,
);
