/**
 * The UDP wrapper's per-datagram cost against plain Deno, side by side in one process, with
 * the sender taken out of the measurement:
 *
 * - receive: a round queues N datagrams of 64 B on a socket with a 4 MiB receive buffer (sent
 *   beforehand, not timed), then times draining them: plain `conn.receive(buf)` against
 *   sockkit's `recvFrom({ buffer })`, `recvFrom()` (a copy per datagram) and `recvBatch()`,
 *   and plain `receive(buf)` with one `.then` that builds a result object: the floor for any
 *   wrapper that returns an object of its own.
 * - send: a round times N sends of 64 B to a socket nobody reads (the kernel drops what does
 *   not fit): plain `await conn.send()` against sockkit's `await sendTo()` and `sendBatch()`
 *   of 64, and plain `send()` with one `.then` reaction (the floor for a wrapper that counts
 *   the bytes sent).
 *
 * Rounds alternate the order of the variants (ABBA), and the median of the per-round ratios
 * to plain Deno is reported, so load changes on a shared machine hit every variant alike.
 *
 * ```sh
 * deno run -A bench/udp_overhead.ts [ROUNDS]   # default 12
 * ```
 *
 * @module
 */
import { bind } from "../mod.ts";

const ROUNDS = Number(Deno.args[0] ?? 12);
const N = 2000;
const guard = setTimeout(() => {
  console.error("udp_overhead: stopped after 120 s");
  Deno.exit(3);
}, 120_000);

const msg = new Uint8Array(64).fill(117);
const host = "127.0.0.1";
// One receiver socket per variant family: plain Deno objects are measured on plain sockets,
// sockkit's on sockkit sockets (its descriptor lookup is done once, before timing).
const plainRx = Deno.listenDatagram({ transport: "udp", hostname: host, port: 0 });
const skRx = bind({ hostname: host, port: 0, receiveBufferSize: 4 << 20, maxDatagramSize: 2048 });
const plainSk = bind({ hostname: host, port: 0, receiveBufferSize: 4 << 20 });
// plainRx's buffer: set through a sockkit wrapper around the same Deno socket? No: give the
// plain socket the same 4 MiB through setSocketOptions-free means: bind a sockkit socket and
// use its raw Deno object for the plain variant.
plainRx.close();
const plainConn = plainSk.raw;
const feeder = Deno.listenDatagram({ transport: "udp", hostname: host, port: 0 });
const sink = Deno.listenDatagram({ transport: "udp", hostname: host, port: 0 });
const sinkAddr = sink.addr as Deno.NetAddr;
const plainTx = Deno.listenDatagram({ transport: "udp", hostname: host, port: 0 });
const skTx = bind({ hostname: host, port: 0 });

async function fill(to: Deno.NetAddr) {
  for (let i = 0; i < N; i++) await feeder.send(msg, to);
}

const buf = new Uint8Array(2048);
const asDatagram = (r: [Uint8Array, Deno.Addr]) => ({ data: r[0], remoteAddr: r[1] });
let counted = 0;
const count = (n: number) => {
  counted += n;
};
const ignore = (e: unknown) => e;
const recvVariants: Record<string, () => Promise<number>> = {
  "plain receive(buf)": async () => {
    await fill(plainConn.addr as Deno.NetAddr);
    const t = performance.now();
    for (let i = 0; i < N; i++) await plainConn.receive(buf);
    return performance.now() - t;
  },
  // The floor for any wrapper that hands back its own object: one promise reaction.
  "plain + one .then": async () => {
    await fill(plainConn.addr as Deno.NetAddr);
    const t = performance.now();
    for (let i = 0; i < N; i++) await plainConn.receive(buf).then(asDatagram);
    return performance.now() - t;
  },
  "recvFrom({ buffer })": async () => {
    await fill(skRx.addr);
    const t = performance.now();
    for (let i = 0; i < N; i++) await skRx.recvFrom({ buffer: buf });
    return performance.now() - t;
  },
  "recvFrom() (copy)": async () => {
    await fill(skRx.addr);
    const t = performance.now();
    for (let i = 0; i < N; i++) await skRx.recvFrom();
    return performance.now() - t;
  },
  "recvBatch() of 64": async () => {
    await fill(skRx.addr);
    const t = performance.now();
    for (let got = 0; got < N;) got += (await skRx.recvBatch()).count;
    return performance.now() - t;
  },
};
const batch = new Array<Uint8Array>(64).fill(msg);
const sendVariants: Record<string, () => Promise<number>> = {
  "plain send()": async () => {
    const t = performance.now();
    for (let i = 0; i < N; i++) await plainTx.send(msg, sinkAddr);
    return performance.now() - t;
  },
  // The floor for a wrapper that counts bytes and annotates errors: one promise reaction.
  "plain + one .then": async () => {
    const t = performance.now();
    for (let i = 0; i < N; i++) {
      const p = plainTx.send(msg, sinkAddr);
      p.then(count, ignore);
      await p;
    }
    return performance.now() - t;
  },
  "sendTo()": async () => {
    const t = performance.now();
    for (let i = 0; i < N; i++) await skTx.sendTo(msg, sinkAddr);
    return performance.now() - t;
  },
  "sendBatch() of 64": async () => {
    const t = performance.now();
    for (let i = 0; i < N; i += 64) await skTx.sendBatch(batch, sinkAddr);
    return performance.now() - t;
  },
};

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function measure(variants: Record<string, () => Promise<number>>, title: string) {
  const names = Object.keys(variants);
  const times = new Map(names.map((n) => [n, [] as number[]]));
  for (const n of names) await variants[n](); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const n of order) times.get(n)!.push(await variants[n]());
  }
  const base = times.get(names[0])!;
  console.log(`\n${title} (${N} datagrams of 64 B per round, ${ROUNDS} rounds)\n`);
  console.log("| variant | median µs/datagram | time / plain Deno (median of rounds) |");
  console.log("| --- | ---: | ---: |");
  for (const n of names) {
    const t = times.get(n)!;
    const ratios = t.map((v, i) => v / base[i]);
    console.log(`| ${n} | ${(median(t) * 1000 / N).toFixed(2)} | ${median(ratios).toFixed(3)} |`);
  }
}

await measure(recvVariants, "Receive, datagrams already queued");
await measure(sendVariants, "Send");
if (counted === 0) console.error("udp_overhead: the send reaction never ran");
console.log(`\nbatched: ${skRx.batched}${skRx.batched ? "" : ` (${skRx.batchFallbackReason})`}`);
for (const s of [skRx, plainSk, skTx]) s.close();
for (const s of [feeder, sink, plainTx]) s.close();
clearTimeout(guard);
