/**
 * `sockkit bench tcp|udp|frames`: loopback throughput, bounded in count and in time, with a
 * live progress line on a terminal and a summary at the end.
 *
 * @module
 */

import { bind, connect, listen } from "../net/mod.ts";
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
  json: { type: "boolean", short: "j", help: "print the summary as one JSON object" },
};

const help = helpText(
  "sockkit bench [options] tcp|udp|frames",
  "Measure loopback throughput on 127.0.0.1 in this process: tcp (one stream), udp\n" +
    "(datagrams; loss is reported), frames (framed messages over TCP, decoded in batches).\n" +
    "Bounded by --count and --time. A progress line is shown only when stderr is a terminal.",
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

async function benchUdp(
  count: number,
  size: number,
  deadline: number,
  progress: Progress,
): Promise<Result> {
  using rx = bind({ hostname: "127.0.0.1", port: 0, receiveBufferSize: 4 << 20 });
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  const to = { hostname: "127.0.0.1", port: rx.addr.port };
  let got = 0;
  let bytes = 0;
  let lastArrival = 0;
  // Aborted when the sender stops, so a pending receive does not hold the run past --time.
  const senderDone = new AbortController();
  const t0 = performance.now();
  progress.start("udp", () => bytes, t0);
  const reader = (async () => {
    while (got < count) {
      const sending = !senderDone.signal.aborted;
      try {
        // Once the sender is done, 300 ms of silence means the rest was dropped.
        const d = await rx.recvFrom({
          timeout: sending ? Math.max(1, deadline - performance.now()) + 300 : 300,
          ...(sending ? { signal: senderDone.signal } : {}),
        });
        got++;
        bytes += d.data.length;
        lastArrival = performance.now();
      } catch (e) {
        if (sending && senderDone.signal.aborted) continue;
        if (e instanceof Deno.errors.TimedOut) break;
        throw e;
      }
    }
  })();
  const payload = new Uint8Array(size).fill(0x62);
  let sent = 0;
  while (sent < count && performance.now() < deadline) {
    await tx.sendTo(payload, to);
    sent++;
    // Let the receiver run now and then so loss measures the path, not starvation.
    if ((sent & 63) === 0) await new Promise((r) => setTimeout(r, 0));
  }
  senderDone.abort();
  await reader;
  progress.stop();
  // The rate is over the time datagrams were arriving, not the silence that ended the wait.
  return result("udp", sent, size, bytes, got, t0, sent === count, lastArrival || undefined);
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
    let count: number, size: number, time: number;
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
    } catch (e) {
      throw new UsageError((e as Error).message, "bench");
    }
    const deadline = performance.now() + time;
    const progress = new Progress();
    const r = kind === "tcp"
      ? await benchTcp(count, size, deadline, progress)
      : kind === "udp"
      ? await benchUdp(count, size, deadline, progress)
      : await benchFrames(count, size, spec, deadline, progress);
    const out = new Output({ json: bool(p, "json") });
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
