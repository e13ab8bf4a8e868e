/**
 * `sockkit bench tcp|udp|frames`: loopback throughput, bounded in count and in time, with a
 * live progress line on a terminal and a summary at the end.
 *
 * @module
 */

import { bind, connect, listen, type UdpBindOptions, type UdpSocket } from "../net/mod.ts";
import { FramedConn, parseFrameSpec } from "../codec/mod.ts";
import {
  bool,
  type Command,
  type FlagSpec,
  helpText,
  parseDuration,
  parseFlags,
  parseInteger,
  parseSize,
  str,
  UsageError,
} from "./_args.ts";
import { Output, writeAllSync } from "./_output.ts";

const FLAGS: Record<string, FlagSpec> = {
  count: {
    type: "string",
    short: "n",
    arg: "N",
    help: "messages to send (default: tcp 1024 writes, udp 20000 datagrams, frames 200000)",
  },
  size: {
    type: "string",
    short: "s",
    arg: "BYTES",
    help: "bytes per message (default: tcp 64K, udp 1200, frames 64)",
  },
  time: {
    type: "string",
    short: "t",
    arg: "DUR",
    help: "stop after DUR even if not done (default 10s)",
  },
  frame: {
    type: "string",
    short: "f",
    arg: "SPEC",
    help: "frames: the frame spec (default len:u32be)",
  },
  batch: {
    type: "string",
    short: "b",
    arg: "N",
    help: "udp: datagrams per recvmmsg/sendmmsg call, 1-1024 (default 64; 1: one per call)",
  },
  json: { type: "boolean", short: "j", help: "print the summary as one JSON object" },
  verbose: {
    type: "boolean",
    short: "v",
    help: "notes on stderr (udp: batched through recvmmsg/sendmmsg, or why not)",
  },
};

const help = helpText(
  "sockkit bench [options] tcp|udp|frames",
  "Measure loopback throughput on 127.0.0.1 in this process: tcp (one stream), udp\n" +
    "(datagrams; loss is reported), frames (framed messages over TCP, decoded in batches).\n" +
    "udp moves datagrams in batches (recvmmsg/sendmmsg) when --allow-ffi is granted on Linux,\n" +
    "else one per call. Bounded by --count and --time. A progress line is shown only when\n" +
    "stderr is a terminal.",
  FLAGS,
);

interface Result {
  kind: string;
  messages: number;
  messageSize: number;
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  messagesPerSecond: number;
  received: number;
  complete: boolean;
  /** udp: datagrams per receive/send call asked for (1 when not batched). */
  batch?: number;
  /** udp: whether recvmmsg/sendmmsg were used. */
  batched?: boolean;
}

class Progress {
  #timer: ReturnType<typeof setInterval> | undefined;
  #tty = (() => {
    try {
      return Deno.stderr.isTerminal();
    } catch {
      return false;
    }
  })();
  start(kind: string, read: () => number, t0: number): void {
    if (!this.#tty) return;
    this.#timer = setInterval(() => {
      const b = read();
      const s = (performance.now() - t0) / 1000;
      const line = `\r${kind}: ${(b / 1048576).toFixed(1)} MiB, ${
        (b / 1048576 / s).toFixed(1)
      } MiB/s `;
      writeAllSync(Deno.stderr, new TextEncoder().encode(line));
    }, 250);
  }
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    writeAllSync(Deno.stderr, new TextEncoder().encode("\r\x1b[K"));
  }
}

function result(
  kind: string,
  sent: number,
  size: number,
  recvBytes: number,
  received: number,
  t0: number,
  complete: boolean,
  end = performance.now(),
): Result {
  const seconds = Math.max((end - t0) / 1000, 1e-6);
  return {
    kind,
    messages: sent,
    messageSize: size,
    bytes: recvBytes,
    seconds: Number(seconds.toFixed(3)),
    mibPerSecond: Number((recvBytes / 1048576 / seconds).toFixed(1)),
    messagesPerSecond: Math.round(received / seconds),
    received,
    complete,
  };
}

async function benchTcp(
  count: number,
  size: number,
  deadline: number,
  progress: Progress,
): Promise<Result> {
  using server = listen({ hostname: "127.0.0.1", port: 0 });
  const client = await connect({ hostname: "127.0.0.1", port: server.addr.port });
  const peer = await server.accept();
  let got = 0;
  const t0 = performance.now();
  progress.start("tcp", () => got, t0);
  const reader = (async () => {
    const buf = new Uint8Array(256 * 1024);
    for (;;) {
      const n = await peer.read(buf);
      if (n === null) break;
      got += n;
    }
  })();
  const chunk = new Uint8Array(size).fill(0x61);
  let sent = 0;
  while (sent < count && performance.now() < deadline) {
    await client.writeAll(chunk);
    sent++;
  }
  await client.closeWrite();
  await reader;
  progress.stop();
  const r = result("tcp", sent, size, got, Math.floor(got / size), t0, sent === count);
  await client.close();
  await peer.close();
  return r;
}

/** The receiver with a 4 MiB receive buffer; without `--allow-ffi`, with the system's default. */
function bindReceiver(opts: UdpBindOptions, out: Output): UdpSocket {
  try {
    return bind({ ...opts, receiveBufferSize: 4 << 20 });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable)) throw e;
    if (out.verbose) {
      out.note("sockkit: udp: the receive buffer keeps the system's size (no --allow-ffi)");
    }
    return bind(opts);
  }
}

/** How far (datagrams) the udp sender may run ahead of the receiver before it waits. */
const UDP_WINDOW = 64;
/** How long (ms) the udp sender waits for the receiver to move before it counts the gap as lost. */
const FLOW_WAIT = 20;

async function benchUdp(
  count: number,
  size: number,
  deadline: number,
  progress: Progress,
  batchSize: number,
  out: Output,
): Promise<Result> {
  const opts = { hostname: "127.0.0.1", port: 0, batchSize, maxDatagramSize: size };
  using rx = bindReceiver(opts, out);
  using tx = bind(opts);
  // Batches when asked for and when the FFI path is there; else one datagram per call.
  const batched = batchSize > 1 && rx.batched && tx.batched;
  if (out.verbose) {
    out.note(
      batchSize === 1
        ? "sockkit: udp: one datagram per receive and per send (--batch 1)"
        : batched
        ? `sockkit: udp: batches of up to ${batchSize} datagrams (recvmmsg, sendmmsg${
          size * 2 <= 65507 ? " with UDP_SEGMENT when the kernel takes it" : ""
        })`
        : `sockkit: udp: one datagram per receive and per send: ${
          rx.batchFallbackReason ?? tx.batchFallbackReason
        }`,
    );
  }
  const to = { hostname: "127.0.0.1", port: rx.addr.port };
  let got = 0;
  let bytes = 0;
  let lastArrival = 0;
  // Aborted when the sender stops, so a pending receive does not hold the run past --time.
  const senderDone = new AbortController();
  // Flow control: the sender waits for the receiver once it is a window ahead, so the loss
  // figure measures the path, not a receiver starved of turns (both run on this thread).
  let wake = null as (() => void) | null;
  const t0 = performance.now();
  progress.start("udp", () => bytes, t0);
  const reader = (async () => {
    while (got < count) {
      if (wake !== null) {
        wake();
        wake = null;
      }
      const sending = !senderDone.signal.aborted;
      // Once the sender is done, 300 ms of silence means the rest was dropped.
      const wait = {
        timeout: sending ? Math.max(1, deadline - performance.now()) + 300 : 300,
        ...(sending ? { signal: senderDone.signal } : {}),
      };
      try {
        if (batched) {
          const b = await rx.recvBatch(wait);
          got += b.count;
          for (let i = 0; i < b.count; i++) bytes += b.length(i);
        } else {
          const d = await rx.recvFrom(wait);
          got++;
          bytes += d.data.length;
        }
        lastArrival = performance.now();
      } catch (e) {
        if (sending && senderDone.signal.aborted) continue;
        if (e instanceof Deno.errors.TimedOut) break;
        throw e;
      }
    }
  })();
  const payload = new Uint8Array(size).fill(0x62);
  const payloads = new Array<Uint8Array>(batchSize).fill(payload);
  const window = Math.max(2 * batchSize, UDP_WINDOW);
  let written = 0; // datagrams given up for lost: the receiver did not move for FLOW_WAIT ms
  let sent = 0;
  while (sent < count && performance.now() < deadline) {
    if (batched) {
      const n = Math.min(batchSize, count - sent);
      sent += await tx.sendBatch(n === batchSize ? payloads : payloads.slice(0, n), to);
    } else {
      await tx.sendTo(payload, to);
      sent++;
    }
    if (sent - got - written > window) {
      const moved = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), FLOW_WAIT);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!moved) {
        wake = null;
        written = sent - got;
      }
    }
  }
  senderDone.abort();
  await reader;
  progress.stop();
  // The rate is over the time datagrams were arriving, not the silence that ended the wait.
  return {
    ...result("udp", sent, size, bytes, got, t0, sent === count, lastArrival || undefined),
    batch: batched ? batchSize : 1,
    batched,
  };
}

async function benchFrames(
  count: number,
  size: number,
  spec: string,
  deadline: number,
  progress: Progress,
): Promise<Result> {
  const frame = parseFrameSpec(spec);
  using server = listen({ hostname: "127.0.0.1", port: 0 });
  const client = await connect({ hostname: "127.0.0.1", port: server.addr.port });
  const peer = await server.accept();
  let frames = 0;
  let bytes = 0;
  const t0 = performance.now();
  progress.start("frames", () => bytes, t0);
  const rx = new FramedConn({ read: (p) => peer.read(p), write: (p) => peer.write(p) }, frame);
  const reader = (async () => {
    for (;;) {
      const b = await rx.readBatch();
      if (b === null) break;
      frames += b.count;
      for (let i = 0; i < b.count; i++) bytes += b.length(i);
    }
  })();
  const tx = new FramedConn({ read: (p) => client.read(p), write: (p) => client.write(p) }, frame);
  const payload = new Uint8Array(size).fill(0x63);
  const batch = Array.from({ length: 256 }, () => payload);
  let sent = 0;
  while (sent < count && performance.now() < deadline) {
    const n = Math.min(batch.length, count - sent);
    await tx.writeFrames(n === batch.length ? batch : batch.slice(0, n));
    sent += n;
  }
  await client.closeWrite();
  await reader;
  progress.stop();
  tx.close();
  rx.close();
  await client.close();
  await peer.close();
  return result("frames", sent, size, bytes, frames, t0, sent === count);
}

/** `sockkit bench`. */
export const benchCommand: Command = {
  name: "bench",
  summary: "loopback throughput: tcp, udp or frames",
  help,
  async run(argv: string[]): Promise<number> {
    const p = parseFlags("bench", argv, FLAGS);
    if (bool(p, "help")) {
      console.log(help.trimEnd());
      return 0;
    }
    const kind = p.positionals[0];
    if (p.positionals.length !== 1 || !["tcp", "udp", "frames"].includes(kind)) {
      throw new UsageError(
        p.positionals.length
          ? `unknown bench "${p.positionals.join(" ")}": expected tcp, udp or frames`
          : "missing tcp|udp|frames",
        "bench",
      );
    }
    let count: number, size: number, time: number, batch = 64;
    const spec = str(p, "frame") ?? "len:u32be";
    try {
      const c = str(p, "count"), s = str(p, "size");
      count = c !== undefined
        ? parseInteger(c, "--count")
        : kind === "tcp"
        ? 1024
        : kind === "udp"
        ? 20000
        : 200000;
      size = s !== undefined
        ? parseSize(s, "--size")
        : kind === "tcp"
        ? 65536
        : kind === "udp"
        ? 1200
        : 64;
      time = parseDuration(str(p, "time") ?? "10s", "--time");
      if (kind === "udp" && (size < 1 || size > 65507)) {
        throw new UsageError(`--size ${size} does not fit a UDP datagram: expected 1..65507`);
      }
      if (size < 1) throw new UsageError("--size must be at least 1 byte");
      if (kind === "frames") parseFrameSpec(spec);
      const b = str(p, "batch");
      if (b !== undefined) {
        if (kind !== "udp") throw new UsageError("--batch applies to bench udp");
        batch = parseInteger(b, "--batch");
        if (batch > 1024) throw new UsageError(`--batch ${batch} is too large: expected 1..1024`);
      }
    } catch (e) {
      throw new UsageError((e as Error).message, "bench");
    }
    const deadline = performance.now() + time;
    const progress = new Progress();
    const out = new Output({ json: bool(p, "json"), verbose: bool(p, "verbose") });
    const r = kind === "tcp"
      ? await benchTcp(count, size, deadline, progress)
      : kind === "udp"
      ? await benchUdp(count, size, deadline, progress, batch, out)
      : await benchFrames(count, size, spec, deadline, progress);
    if (out.json) out.print(JSON.stringify(r) + "\n");
    else {
      out.print(
        `${r.kind}: ${r.received}/${r.messages} messages of ${r.messageSize} B, ${
          (r.bytes / 1048576).toFixed(1)
        } MiB in ${r.seconds} s: ${r.mibPerSecond} MiB/s, ${r.messagesPerSecond} msg/s` +
          `${r.complete ? "" : " (stopped by --time)"}${
            r.kind === "udp" && r.received < r.messages
              ? `, ${r.messages - r.received} lost (${
                ((1 - r.received / r.messages) * 100).toFixed(1)
              }%)`
              : ""
          }\n` +
          "(loopback on this machine, shared with other work: treat figures as rough)\n",
      );
    }
    return 0;
  },
};
