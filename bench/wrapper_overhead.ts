/**
 * The wrapped connection's overhead against plain Deno, side by side in one process:
 * rounds alternate between a plain `Deno.TcpConn` pair and a sockkit `TcpConnection` pair
 * (`listen`/`connect`) doing the same work over loopback, in alternating order, and the median
 * of the per-round ratios is reported, so that load changes on a shared machine hit both alike.
 *
 * ```sh
 * deno run -A bench/wrapper_overhead.ts [ROUNDS]   # default 8 rounds
 * ```
 *
 * Workloads: ping-pong of 64-byte messages (5,000 round trips a round, TCP_NODELAY on both
 * ends) and bulk echo (64 MiB a round in 64 KiB writes, echoed back).
 *
 * @module
 */
import { connect, listen } from "../mod.ts";

const ROUNDS = Number(Deno.args[0] ?? 8);
// Bounded: the whole run stops by itself after two minutes.
const guard = setTimeout(() => {
  console.error("wrapper_overhead: stopped after 120 s");
  Deno.exit(3);
}, 120_000);
const PINGS = 5000;
const BULK = 64 * 1024 * 1024;
const CHUNK = 64 * 1024;

interface Io {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
}
async function readFull(c: Io, p: Uint8Array) {
  for (let got = 0; got < p.length;) {
    const n = await c.read(p.subarray(got));
    if (n === null) throw new Error("early end of stream");
    got += n;
  }
}
async function writeAll(c: Io, p: Uint8Array) {
  for (let w = 0; w < p.length;) w += await c.write(p.subarray(w));
}

/** One round of `work` over a pair of connections made by `open`; returns ops per second. */
async function round(
  open: () => Promise<[Io & { close(): unknown }, Io & { close(): unknown }, () => void]>,
  work: "pingpong" | "bulk",
): Promise<number> {
  const [client, server, closeListener] = await open();
  const buf = new Uint8Array(CHUNK);
  const serving = (async () => {
    if (work === "pingpong") {
      const b = buf.subarray(0, 64);
      for (let i = 0; i < PINGS; i++) {
        await readFull(server, b);
        await writeAll(server, b);
      }
    } else {
      for (let n; (n = await server.read(buf)) !== null;) {
        await writeAll(server, buf.subarray(0, n));
      }
      await (server as unknown as { closeWrite(): Promise<void> }).closeWrite();
    }
  })();
  const t0 = performance.now();
  if (work === "pingpong") {
    const m = new Uint8Array(64), r = new Uint8Array(64);
    for (let i = 0; i < PINGS; i++) {
      await writeAll(client, m);
      await readFull(client, r);
    }
  } else {
    const out = new Uint8Array(CHUNK).fill(120);
    const rbuf = new Uint8Array(CHUNK);
    const writer = (async () => {
      for (let sent = 0; sent < BULK; sent += CHUNK) await writeAll(client, out);
      await (client as unknown as { closeWrite(): Promise<void> }).closeWrite();
    })();
    let got = 0;
    for (let n; (n = await client.read(rbuf)) !== null;) got += n;
    await writer;
    if (got !== BULK) throw new Error(`short echo ${got}`);
  }
  const dt = performance.now() - t0;
  await serving;
  await client.close();
  await server.close();
  closeListener();
  return (work === "pingpong" ? PINGS : BULK * 8 / 1e9) / (dt / 1000);
}

async function plainPair() {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const c = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  const s = await l.accept();
  c.setNoDelay(true);
  s.setNoDelay(true);
  return [c, s, () => l.close()] as [Deno.TcpConn, Deno.TcpConn, () => void];
}

async function wrappedPair() {
  const l = listen({ hostname: "127.0.0.1", port: 0 });
  const c = await connect({ hostname: "127.0.0.1", port: l.addr.port });
  const s = await l.accept();
  c.setNoDelay(true);
  s.setNoDelay(true);
  return [c, s, () => l.close()] as const;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

for (const work of ["pingpong", "bulk"] as const) {
  const ratios: number[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    // Alternate which goes first (ABBA), so that a warm-up or GC left by one does not always
    // land on the same side.
    let plain: number, wrapped: number;
    if (k % 2 === 0) {
      plain = await round(plainPair, work);
      wrapped = await round(wrappedPair as never, work);
    } else {
      wrapped = await round(wrappedPair as never, work);
      plain = await round(plainPair, work);
    }
    ratios.push(wrapped / plain);
    const unit = work === "pingpong" ? "rt/s" : "Gbit/s";
    const f = (x: number) => work === "pingpong" ? x.toFixed(0) : x.toFixed(2);
    console.log(
      `${work} round ${k + 1}: plain ${f(plain)} ${unit}, wrapped ${f(wrapped)} ${unit}, ` +
        `ratio ${(wrapped / plain).toFixed(3)}`,
    );
  }
  console.log(`${work}: median wrapped/plain ${median(ratios).toFixed(3)} over ${ROUNDS} rounds`);
}
clearTimeout(guard);
