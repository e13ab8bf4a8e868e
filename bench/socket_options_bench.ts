/**
 * setSocketOptions cost per connection with 1,000 connections open (issue 4, item 8: target
 * ≤ 20 µs median). Measures the first call on accepted and connected connections, the first
 * call on a fresh connection opened while the 1,000 stay open, and cached calls. Baseline, side
 * by side in the same run: Deno's own native `setNoDelay` + `setKeepAlive` on the same
 * connections.
 *
 * Run: deno bench -A bench/socket_options_bench.ts
 */
import { setSocketOptions, type SocketOptions } from "../mod.ts";
import type { SetSocketOptionsConfig } from "../src/sockopt/mod.ts";

const PAIRS = 500; // 1,000 connections in this process (500 client + 500 server)
const FRESH = 200; // fresh connections measured one at a time while the 1,000 stay open
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const clients: Deno.TcpConn[] = [];
const servers: Deno.TcpConn[] = [];
for (let i = 0; i < PAIRS; i++) {
  clients.push(await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }));
  servers.push(await listener.accept() as Deno.TcpConn);
}
const conns: Deno.TcpConn[] = [...clients, ...servers];

const OPTS = { noDelay: true, keepAlive: { idle: 60, interval: 10, count: 5 } } as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function timed(
  c: Deno.TcpConn,
  opts: SocketOptions = OPTS,
  config?: SetSocketOptionsConfig,
): number {
  const t = performance.now();
  setSocketOptions(c, opts, config);
  return (performance.now() - t) * 1000;
}

// Cold: the first call on each connection includes descriptor discovery. Accepted connections
// go first (Deno's internal fd is their validated hint); the first connected one sweeps once,
// the rest are found through the index that sweep left.
const coldAccepted = servers.map((c) => timed(c));
const coldConnected = clients.map((c) => timed(c));
// Fresh: a new connection while the 1,000 stay open (how a client or a server gets one), then
// its first call. The connection is closed before the next one, so numbers get reused.
// Each case in its own loop, timed right after the awaits that made the connection: the
// client's side (connected) and the server's (accepted); then the accepted side with one
// option only, and with every option read back (`readBack: "all"`, 5 more calls).
async function freshLoop(
  side: "connected" | "accepted",
  opts: SocketOptions = OPTS,
  config?: SetSocketOptionsConfig,
) {
  const times: number[] = [];
  for (let i = 0; i < FRESH; i++) {
    const c = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const s = await listener.accept() as Deno.TcpConn;
    times.push(timed(side === "connected" ? c : s, opts, config));
    c.close();
    s.close();
  }
  return times;
}
const fresh = await freshLoop("connected");
const freshAccepted = await freshLoop("accepted");
const freshOne = await freshLoop("accepted", { noDelay: true });
const freshAll = await freshLoop("accepted", OPTS, { readBack: "all" });
// Warm: cached descriptor, re-validated with one fstat per call. Native baseline interleaved.
const warm: number[] = [];
const native: number[] = [];
for (let round = 0; round < 5; round++) {
  for (const c of conns) {
    warm.push(timed(c));
    const t = performance.now();
    c.setNoDelay(true);
    c.setKeepAlive(true);
    native.push((performance.now() - t) * 1000);
  }
}
const n = median(native);
const row = (name: string, xs: number[]) =>
  `  ${name.padEnd(38)} ${median(xs).toFixed(2).padStart(8)} µs  ${
    (median(xs) / n).toFixed(1).padStart(5)
  }× native`;
console.log(
  [
    `1,000 connections open; median µs per connection (ratio to Deno native in this run):`,
    row("first call, accepted (hint)", coldAccepted),
    row("first call, connected (index)", coldConnected),
    row(`first call, fresh connected (${FRESH})`, fresh),
    row(`first call, fresh accepted (${FRESH})`, freshAccepted),
    row(`  same, noDelay only`, freshOne),
    row(`  same, readBack "all"`, freshAll),
    row("cached descriptor", warm),
    row("Deno native setNoDelay+setKeepAlive", native),
  ].join("\n"),
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
