/**
 * A small TCP fault proxy for reliability tests: it sits between a client and a server on
 * loopback and injects latency, byte slicing (down to 1 byte per write), stalls and random
 * RSTs, each decided by a seeded PRNG so that a failing run can be replayed.
 *
 * Use it as a module (`startFaultProxy`) or from the command line:
 *
 * ```sh
 * deno run -A tests/stress/fault_proxy.ts --target 127.0.0.1:7000 --slice 1 --latency 5 \
 *   --stall-probability 0.01 --stall 200 --rst-probability 0.001 --seed 42
 * ```
 *
 * It only ever connects to the target it is given, and refuses targets outside loopback.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { abortConnection } from "../../src/sockopt/close.ts";

/** What the proxy does to the bytes that cross it. Every probability is per forwarded chunk. */
export interface FaultProxyOptions {
  /** Where to forward connections. Must be a loopback address. */
  target: { hostname: string; port: number };
  /** Address to listen on. Default `127.0.0.1`, port 0. */
  hostname?: string;
  /** Port to listen on. Default 0 (the kernel picks one). */
  port?: number;
  /** Delay before each chunk is forwarded, ms. Default 0. */
  latencyMs?: number;
  /** Forward at most this many bytes per write (1 = one byte at a time). Default: no slicing. */
  slice?: number;
  /** Chance that a chunk is held back for {@linkcode FaultProxyOptions.stallMs} first. Default 0. */
  stallProbability?: number;
  /** Length of a stall, ms. Default 250. */
  stallMs?: number;
  /** Chance that, instead of forwarding a chunk, both sides are reset (RST). Default 0. */
  rstProbability?: number;
  /** Seed of the PRNG behind every random decision. Default 1. */
  seed?: number;
}

/** What a proxy did so far. */
export interface FaultProxyStats {
  /** Connections accepted from clients. */
  connections: number;
  /** Bytes forwarded client → server. */
  bytesUp: number;
  /** Bytes forwarded server → client. */
  bytesDown: number;
  /** Writes made (more than chunks read when slicing). */
  writes: number;
  /** Stalls injected. */
  stalls: number;
  /** Connection pairs reset. */
  resets: number;
}

/** A running fault proxy. */
export interface FaultProxy extends AsyncDisposable {
  /** The address clients connect to. */
  readonly addr: Deno.NetAddr;
  /** Counters, updated live. */
  readonly stats: FaultProxyStats;
  /** Stops accepting, closes every proxied pair, and waits for them to finish. */
  close(): Promise<void>;
}

/** A small deterministic PRNG (mulberry32), returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isLoopback(hostname: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === "::1" ||
    hostname === "localhost";
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Start a fault proxy in front of `options.target`.
 *
 * Permissions: `--allow-net`; `--allow-ffi` when `rstProbability` > 0 (an RST needs FFI).
 *
 * @throws {RangeError} For a target outside loopback or an out-of-range option.
 *
 * @example Forward one byte at a time
 * ```ts
 * import assert from "node:assert/strict";
 * import { startFaultProxy } from "./fault_proxy.ts";
 * using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * await using proxy = startFaultProxy({ target: server.addr, slice: 1 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
 * using peer = await server.accept();
 * await client.write(new TextEncoder().encode("hello"));
 * client.close();
 * const got = new Uint8Array(await new Response(peer.readable).arrayBuffer());
 * assert.equal(new TextDecoder().decode(got), "hello");
 * assert.equal(proxy.stats.writes, 5);
 * ```
 */
export function startFaultProxy(options: FaultProxyOptions): FaultProxy {
  const { target } = options;
  if (!isLoopback(target.hostname)) {
    throw new RangeError(
      `Cannot start fault proxy: target ${target.hostname} is not a loopback address`,
    );
  }
  for (const k of ["stallProbability", "rstProbability"] as const) {
    const p = options[k] ?? 0;
    if (!(p >= 0 && p <= 1)) {
      throw new RangeError(`Cannot start fault proxy: ${k} must be in [0, 1], got ${p}`);
    }
  }
  const slice = options.slice ?? Infinity;
  if (!(slice >= 1)) {
    throw new RangeError(`Cannot start fault proxy: slice must be at least 1, got ${slice}`);
  }
  const latency = options.latencyMs ?? 0;
  const stallP = options.stallProbability ?? 0;
  const stallMs = options.stallMs ?? 250;
  const rstP = options.rstProbability ?? 0;
  const random = mulberry32(options.seed ?? 1);
  const stats: FaultProxyStats = {
    connections: 0,
    bytesUp: 0,
    bytesDown: 0,
    writes: 0,
    stalls: 0,
    resets: 0,
  };
  const listener = Deno.listen({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
  });
  const pairs = new Set<Promise<void>>();
  const open = new Set<Deno.Conn>();

  function closeQuietly(c: Deno.Conn) {
    if (!open.delete(c)) return;
    try {
      c.close();
    } catch { /* already closed */ }
  }

  function reset(a: Deno.Conn, b: Deno.Conn) {
    stats.resets++;
    for (const c of [a, b]) {
      if (!open.delete(c)) continue;
      try {
        abortConnection(c);
      } catch {
        try {
          c.close();
        } catch { /* already closed */ }
      }
    }
  }

  async function pump(from: Deno.Conn, to: Deno.Conn, up: boolean) {
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await from.read(buf);
        if (n === null) break;
        if (rstP > 0 && random() < rstP) return reset(from, to);
        if (stallP > 0 && random() < stallP) {
          stats.stalls++;
          await sleep(stallMs);
        }
        if (latency > 0) await sleep(latency);
        for (let off = 0; off < n;) {
          const end = Math.min(n, off + slice);
          let w = off;
          while (w < end) w += await to.write(buf.subarray(w, end));
          stats.writes++;
          off = end;
        }
        if (up) stats.bytesUp += n;
        else stats.bytesDown += n;
      }
      // Pass the half-close on.
      if (open.has(to)) await to.closeWrite().catch(() => {});
    } catch {
      // A reset or closed side ends both directions.
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  async function handle(client: Deno.Conn) {
    stats.connections++;
    open.add(client);
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: target.hostname, port: target.port });
    } catch {
      closeQuietly(client);
      return;
    }
    open.add(server);
    await Promise.all([pump(client, server, true), pump(server, client, false)]);
    closeQuietly(client);
    closeQuietly(server);
  }

  const acceptLoop = (async () => {
    try {
      for await (const client of listener) {
        const p = handle(client);
        pairs.add(p);
        p.finally(() => pairs.delete(p));
      }
    } catch { /* listener closed */ }
  })();

  let closed = false;
  async function close() {
    if (closed) return;
    closed = true;
    listener.close();
    await acceptLoop;
    for (const c of [...open]) closeQuietly(c);
    await Promise.all(pairs);
  }

  return {
    addr: listener.addr as Deno.NetAddr,
    stats,
    close,
    [Symbol.asyncDispose]: close,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      target: { type: "string" },
      port: { type: "string", default: "0" },
      latency: { type: "string", default: "0" },
      slice: { type: "string" },
      "stall-probability": { type: "string", default: "0" },
      stall: { type: "string", default: "250" },
      "rst-probability": { type: "string", default: "0" },
      seed: { type: "string", default: "1" },
      seconds: { type: "string", default: "60" },
    },
  });
  const m = /^(.*):(\d+)$/.exec(values.target ?? "");
  if (!m) {
    console.error("usage: fault_proxy.ts --target HOST:PORT [--slice N] [--latency MS] ...");
    Deno.exit(2);
  }
  const proxy = startFaultProxy({
    target: { hostname: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) },
    port: Number(values.port),
    latencyMs: Number(values.latency),
    slice: values.slice ? Number(values.slice) : undefined,
    stallProbability: Number(values["stall-probability"]),
    stallMs: Number(values.stall),
    rstProbability: Number(values["rst-probability"]),
    seed: Number(values.seed),
  });
  console.log(`PORT ${proxy.addr.port}`);
  // Bounded: the proxy stops by itself.
  await sleep(Number(values.seconds) * 1000);
  await proxy.close();
  console.log(JSON.stringify(proxy.stats));
}
