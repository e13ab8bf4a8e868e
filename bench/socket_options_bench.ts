/**
 * setSocketOptions cost per connection with 1,000 connections open (issue 4, item 8: target
 * ≤ 20 µs median). Baseline, side by side in the same run: Deno's own native
 * `setNoDelay` + `setKeepAlive` on the same connections.
 *
 * Run: deno bench -A bench/socket_options_bench.ts
 */
import { setSocketOptions } from "../mod.ts";

const PAIRS = 500; // 1,000 connections in this process (500 client + 500 server)
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const conns: Deno.TcpConn[] = [];
for (let i = 0; i < PAIRS; i++) {
  conns.push(await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }));
  conns.push(await listener.accept() as Deno.TcpConn);
}

const OPTS = { noDelay: true, keepAlive: { idle: 60, interval: 10, count: 5 } } as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

// Cold: the first call on each connection includes descriptor discovery.
const cold: number[] = [];
for (const c of conns) {
  const t = performance.now();
  setSocketOptions(c, OPTS);
  cold.push((performance.now() - t) * 1000);
}
// Warm: cached descriptor, re-validated with one fstat per call.
const warm: number[] = [];
const native: number[] = [];
for (let round = 0; round < 5; round++) {
  for (const c of conns) {
    let t = performance.now();
    setSocketOptions(c, OPTS);
    warm.push((performance.now() - t) * 1000);
    t = performance.now();
    c.setNoDelay(true);
    c.setKeepAlive(true);
    native.push((performance.now() - t) * 1000);
  }
}
console.log(
  `1,000 connections open: median µs per connection — first call ${median(cold).toFixed(2)}, ` +
    `cached ${median(warm).toFixed(2)}, Deno native setNoDelay+setKeepAlive ${
      median(native).toFixed(2)
    }; cached/native ${(median(warm) / median(native)).toFixed(2)}×`,
);

let i = 0;
Deno.bench({
  name: "setSocketOptions(noDelay + keepAlive timing), 1,000 conns open",
  group: "per connection",
  fn: () => {
    setSocketOptions(conns[i++ % conns.length], OPTS);
  },
});
let j = 0;
Deno.bench({
  name: "Deno native setNoDelay + setKeepAlive (baseline)",
  group: "per connection",
  baseline: true,
  fn: () => {
    const c = conns[j++ % conns.length];
    c.setNoDelay(true);
    c.setKeepAlive(true);
  },
});

globalThis.addEventListener("unload", () => {
  for (const c of conns) c.close();
  listener.close();
});
