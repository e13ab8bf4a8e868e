/**
 * `sockkit listen` and `sockkit connect`: the ncat part of the command. Both share one
 * session model: stdin goes to the socket, the socket goes to stdout (raw, hex, frames, or
 * JSON events), with socket options from `--opt` and the applied-value report.
 *
 * @module
 */

import {
  bind,
  connect,
  connectUnix,
  listen,
  listenUnix,
  serveWorkers,
  type TcpConnection,
  type UdpSocket,
  type UnixConnection,
} from "../net/mod.ts";
import {
  FramedConn,
  FrameDecoder,
  type FrameOptions,
  FrameTooLongError,
  parseFrameSpec,
} from "../codec/mod.ts";
import { lookup } from "../resolve/mod.ts";
import { setSocketOptions, type SocketOptions, type SocketOptionsReport } from "../sockopt/mod.ts";
import { ProxiedTcpConnection, type ServeProxyProtocol } from "../net/mod.ts";
import { readProxyHeader } from "../proxy/mod.ts";
import {
  bool,
  type Command,
  type FlagSpec,
  helpText,
  OPT_NAMES,
  parseDuration,
  parseFlags,
  parseInteger,
  parseOptList,
  parseTarget,
  str,
  UsageError,
} from "./_args.ts";
import { addressFields, Output } from "./_output.ts";

/** Flags both `listen` and `connect` take. */
const COMMON_FLAGS: Record<string, FlagSpec> = {
  udp: {
    type: "boolean",
    short: "u",
    help: "use UDP (each stdin line is one datagram; see --datagram-per)",
  },
  "datagram-per": {
    type: "string",
    arg: "HOW",
    help: "UDP: a datagram per stdin line (line, the default, newline kept), per read " +
      "(read, as socat), or per frame of --frame SPEC (frame)",
  },
  unix: {
    type: "string",
    arg: "PATH",
    help: "use a Unix stream socket at PATH instead of HOST:PORT",
  },
  echo: {
    type: "boolean",
    short: "e",
    help: "send back what is received (instead of using stdin)",
  },
  frame: {
    type: "string",
    short: "f",
    arg: "SPEC",
    help: "frame the stream (len:u32be, line, varint, ...): a stdin line is one frame, a " +
      "frame prints as a line (raw: bytes as they come)",
  },
  hex: {
    type: "boolean",
    short: "x",
    help: "print received bytes as a hex dump (frames as hex lines)",
  },
  opt: {
    type: "string",
    short: "o",
    arg: "K=V,...",
    help: "socket options: reuseaddr rcvbuf=1M sndbuf= linger=0|N keepalive=IDLE/INTVL/CNT " +
      "nodelay broadcast ttl=N tos=N user-timeout=MS",
  },
  verbose: { type: "boolean", short: "v", help: "notes on stderr, and the applied option values" },
  timeout: {
    type: "string",
    short: "w",
    arg: "DUR",
    help: "connect: give up connecting after DUR; listen: wait at most DUR for the first peer",
  },
  "idle-timeout": {
    type: "string",
    short: "i",
    arg: "DUR",
    help: "close a connection after DUR without traffic (UDP: stop after DUR of silence)",
  },
  json: { type: "boolean", short: "j", help: "print one JSON event per line on stdout" },
};

/** Flags only `listen` takes. */
const LISTEN_FLAGS: Record<string, FlagSpec> = {
  "keep-open": {
    type: "boolean",
    short: "k",
    help: "keep accepting connections; stdin goes to every client connected when it is " +
      "read, and what arrives while none is goes to the next (as ncat -k)",
  },
  "max-conns": {
    type: "string",
    short: "m",
    arg: "N",
    help: "serve N connections (UDP: N datagrams), then exit",
  },
  "proxy-protocol": {
    type: "string",
    arg: "MODE",
    help: "TCP: each connection starts with a PROXY header, v1, v2 or auto (either); " +
      "the real client's address is reported",
  },
  workers: {
    type: "string",
    arg: "N",
    help: "TCP, with --echo: N worker threads share the port (SO_REUSEPORT), " +
      "each with its own accept loop; stops on SIGINT/SIGTERM or after --max-conns",
  },
};

const FOOTER = `
Durations take ms, s or m (a bare number is seconds). Exit codes: 0 ok, 1 network error,
2 usage. JSON events: listen, accept, connect, options, data, frame, datagram, half-close,
close (reason FIN, RST, local, idle-timeout, error), error (type, errno, wsa, fields).`;

/** What a listen/connect session was asked to do. */
interface Session {
  out: Output;
  frame?: FrameOptions;
  /** The --frame text, for workers (they parse it again). */
  frameSpec?: string;
  proxyProtocol?: Exclude<ServeProxyProtocol, "off">;
  echo: boolean;
  keepOpen: boolean;
  maxConns?: number;
  opts?: SocketOptions;
  timeout?: number;
  idleTimeout?: number;
  /** UDP: how stdin becomes datagrams. */
  datagramPer: DatagramPer;
  stdin: StdinHub;
}

type Stream = TcpConnection | UnixConnection;

// ---------------------------------------------------------------------------------------------
// stdin

type Subscriber = (chunk: Uint8Array | null) => Promise<void>;

/**
 * Reads stdin only while someone listens, and hands every chunk to every subscriber in turn
 * (so nothing read is lost before the first connection, and `--keep-open` broadcasts).
 */
class StdinHub {
  #subs = new Set<Subscriber>();
  /** Chunks read while nobody listened (the subscriber left before they arrived). */
  #backlog: Uint8Array[] = [];
  #wake: (() => void) | undefined;
  #started = false;
  #ended = false;
  readonly #source: { read(p: Uint8Array): Promise<number | null> };

  constructor(source: { read(p: Uint8Array): Promise<number | null> } = Deno.stdin) {
    this.#source = source;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** `true` when stdin is a terminal (a person typing, so a peer's EOF ends the session). */
  get interactive(): boolean {
    try {
      return Deno.stdin.isTerminal();
    } catch {
      return false;
    }
  }

  subscribe(fn: Subscriber): () => void {
    this.#subs.add(fn);
    this.#wake?.();
    if (!this.#started) {
      this.#started = true;
      this.#pump();
    }
    if (this.#ended) fn(null).catch(() => {});
    return () => this.#subs.delete(fn);
  }

  async #pump(): Promise<void> {
    const buf = new Uint8Array(65536);
    for (;;) {
      while (this.#subs.size === 0) await new Promise<void>((r) => this.#wake = r);
      let chunk = this.#backlog.shift();
      if (chunk === undefined) {
        let n: number | null;
        try {
          n = await this.#source.read(buf);
        } catch {
          n = null;
        }
        if (n === null) break;
        chunk = buf.slice(0, n);
      }
      // Nothing read is lost: a chunk that arrives when every subscriber has left waits for
      // the next one (`listen -k < banner`: the banner goes to the first client to stay).
      if (this.#subs.size === 0) this.#backlog.push(chunk);
      for (const s of [...this.#subs]) await s(chunk).catch(() => {});
    }
    this.#ended = true;
    for (const s of [...this.#subs]) await s(null).catch(() => {});
  }
}

/**
 * Splits chunks into lines (LF, with a CR before it dropped, or with `keepNewline` the line
 * as it came, LF included); the rest is kept for later.
 */
class LineSplitter {
  #rest: Uint8Array = new Uint8Array(0);
  readonly #keepNewline: boolean;
  constructor(keepNewline = false) {
    this.#keepNewline = keepNewline;
  }
  push(chunk: Uint8Array | null): Uint8Array[] {
    if (chunk === null) {
      const last = this.#rest;
      this.#rest = new Uint8Array(0);
      return last.length ? [last] : [];
    }
    const data = this.#rest.length ? concat(this.#rest, chunk) : chunk;
    const lines: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 10) continue;
      const end = this.#keepNewline ? i + 1 : i > start && data[i - 1] === 13 ? i - 1 : i;
      lines.push(data.slice(start, end));
      start = i + 1;
    }
    this.#rest = data.slice(start);
    return lines;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// helpers

function addrText(a: Deno.Addr): string {
  if (a.transport === "unix" || a.transport === "unixpacket") return a.path || "(unnamed)";
  const n = a as Deno.NetAddr;
  return n.hostname.includes(":") ? `[${n.hostname}]:${n.port}` : `${n.hostname}:${n.port}`;
}

/** Options that mean something only before bind, or only on a listener. */
const LISTENER_ONLY = new Set(["reuseAddress", "reusePort"]);

function applyOpts(
  s: Session,
  socket: Parameters<typeof setSocketOptions>[0],
  options: SocketOptions,
  target: string,
): void {
  if (Object.keys(options).length === 0) return;
  const report: SocketOptionsReport = setSocketOptions(socket, options, { readBack: "all" });
  if (!s.out.verbose && !s.out.json) return;
  if (s.out.json) {
    if (s.out.verbose) s.out.event("options", { target, report });
    return;
  }
  for (const [name, r] of Object.entries(report)) {
    s.out.note(
      `sockkit: ${target} option ${name}: requested ${JSON.stringify(r!.requested)}, applied ${
        JSON.stringify(r!.applied)
      }`,
    );
  }
}

function connOpts(o: SocketOptions | undefined): SocketOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (!LISTENER_ONLY.has(k)) out[k] = v;
  return out as SocketOptions;
}

/** How the peer ended the stream after a read returned end of stream (see `endReason`). */
function peerEnd(conn: Stream): string {
  if (conn.remoteAddr.transport !== "tcp") return "EOF";
  return conn.endReason ?? "EOF";
}

function isReset(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset ||
    (e as { code?: string })?.code === "ECONNRESET";
}

function isIdle(e: unknown): boolean {
  return e instanceof Deno.errors.TimedOut && (e as { operation?: string }).operation === "idle";
}

// ---------------------------------------------------------------------------------------------
// stream sessions (TCP and Unix)

/**
 * Run one stream connection until the peer ends it (or an error / idle timeout does).
 *
 * @returns `true` when it ended cleanly (peer FIN, everything sent), `false` after an error,
 *   an RST, or a send that failed.
 */
async function runStream(
  s: Session,
  conn: Stream,
  meta: Record<string, unknown>,
  role: "listen" | "connect",
): Promise<boolean> {
  const { out } = s;
  const io = {
    read: (p: Uint8Array) => conn.read(p),
    write: (p: Uint8Array) => conn.write(p),
  };
  const fc = s.frame ? new FramedConn(io, s.frame) : null;
  // `--frame raw` has no boundaries to keep: stdin goes as it is read, newlines included.
  const byLine = fc !== null && s.frame!.kind !== "raw";
  const discard = s.frame && "oversize" in s.frame && s.frame.oversize === "discard";
  let unsubscribe: (() => void) | undefined;
  let writeChain = Promise.resolve();
  let clean = true;
  /** A send failed (the peer closed or reset, a frame did not encode): the exit is 1. */
  let sendFailed = false;
  let reason: string | null = null;

  let stdinDone!: () => void;
  const sendSideDone = new Promise<void>((r) => stdinDone = r);
  if (!s.echo) {
    const lines = byLine ? new LineSplitter() : null;
    unsubscribe = s.stdin.subscribe((chunk) => {
      writeChain = writeChain.then(async () => {
        if (conn.closed) {
          // The connection ended before stdin did: what stdin still had was not sent.
          if (chunk !== null && role === "connect") sendFailed = true;
          return;
        }
        if (lines) {
          for (const line of lines.push(chunk)) {
            try {
              await fc!.writeFrame(line);
            } catch (e) {
              // A line that cannot be a frame is reported; the lines after it still go.
              if (!(e instanceof RangeError)) throw e;
              sendFailed = true;
              out.error(e, meta);
            }
          }
        } else if (chunk) await conn.writeAll(chunk);
        if (chunk === null && (role === "connect" || !s.keepOpen)) {
          await conn.closeWrite();
          out.event("half-close", { ...meta, direction: "send" }, "stdin ended: sent FIN");
        }
      }).catch((e) => {
        sendFailed = true;
        if (!conn.closed) out.error(e, meta);
        stdinDone();
      }).finally(() => {
        if (chunk === null) stdinDone();
      });
      return writeChain;
    });
  }

  try {
    if (fc) {
      for (;;) {
        let f: Uint8Array | null;
        try {
          f = await fc.readFrame();
        } catch (e) {
          if (e instanceof FrameTooLongError && discard) {
            out.error(e, meta);
            continue;
          }
          throw e;
        }
        if (f === null) break;
        if (s.echo) await fc.writeFrame(f);
        else if (byLine || out.json) out.frame(f, meta);
        else out.data(f, meta);
      }
    } else {
      const buf = new Uint8Array(65536);
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        if (s.echo) await conn.writeAll(buf.subarray(0, n));
        else out.data(buf.subarray(0, n), meta);
      }
    }
    reason = peerEnd(conn);
    if (reason === "RST") clean = false;
    // Half-close: the peer is done sending, but stdin may still have data for it. Keep
    // sending until stdin ends (not for a terminal, nor for --keep-open's shared stdin).
    if (
      reason !== "RST" && unsubscribe && !s.stdin.interactive && !(role === "listen" && s.keepOpen)
    ) {
      await sendSideDone;
    }
  } catch (e) {
    clean = false;
    reason = isReset(e) ? "RST" : isIdle(e) ? "idle-timeout" : "error";
    if (reason !== "RST") out.error(e, meta);
  } finally {
    unsubscribe?.();
    fc?.close();
  }
  await writeChain;
  const closing = conn.closed ? Promise.resolve() : conn.close();
  await closing.catch(() => {});
  out.event(
    "close",
    { ...meta, reason, bytesIn: conn.bytesRead, bytesOut: conn.bytesWritten },
    `connection closed (${reason}), ${conn.bytesRead} bytes in, ${conn.bytesWritten} bytes out`,
  );
  if (!out.json && reason === "RST") out.note("sockkit: connection reset by peer (RST)");
  return clean && !sendFailed;
}

/**
 * Read the PROXY header when `--proxy-protocol` asks for one: the connection then reports the
 * real client. A bad or late header is reported and the connection closed (by
 * `readProxyHeader`); the server goes on.
 */
async function unwrapProxy(s: Session, conn: Stream, id: number): Promise<Stream | null> {
  if (!s.proxyProtocol || conn.remoteAddr.transport !== "tcp") return conn;
  const tcp = conn as TcpConnection;
  try {
    const { header, rest } = await readProxyHeader(tcp.raw, { mode: s.proxyProtocol });
    return new ProxiedTcpConnection(tcp.raw, header, rest, { idleTimeout: s.idleTimeout });
  } catch (e) {
    s.out.error(e, { conn: id, remote: addressFields(conn.remoteAddr) });
    if (!conn.closed) await conn.close().catch(() => {});
    return null;
  }
}

/** One accepted connection: PROXY header, accept event, options, then the session. */
async function serveAccepted(
  s: Session,
  accepted: Stream,
  id: number,
  transport: string,
  extra: Record<string, unknown> = {},
): Promise<boolean> {
  const { out } = s;
  const conn = await unwrapProxy(s, accepted, id);
  if (conn === null) return false;
  const meta = { conn: id, ...extra, remote: addressFields(conn.remoteAddr) };
  const via = conn instanceof ProxiedTcpConnection
    ? {
      proxy: addressFields(conn.socketRemoteAddr),
      proxied: { version: conn.proxied.version, command: conn.proxied.command },
    }
    : {};
  out.event(
    "accept",
    { ...meta, local: addressFields(conn.localAddr), ...via },
    `connection ${id} from ${addrText(conn.remoteAddr)}` +
      ("proxy" in via ? ` (via ${addrText((conn as ProxiedTcpConnection).socketRemoteAddr)})` : ""),
  );
  try {
    if (transport === "tcp") applyOpts(s, conn, connOpts(s.opts), `connection ${id}`);
  } catch (e) {
    out.error(e, meta);
  }
  return runStream(s, conn, meta, "listen");
}

/**
 * `listen --workers N`: an echo server on N Workers sharing the port. Each worker runs
 * {@linkcode workerSession} (in `_listen_worker.ts`) with the same flags.
 */
async function listenWorkers(s: Session, target: { hostname: string; port: number }, n: number) {
  const { out } = s;
  const settings: WorkerSessionSettings = {
    json: out.json,
    hex: out.hex,
    verbose: out.verbose,
    frameSpec: s.frameSpec,
    opts: s.opts ? connOpts(s.opts) : undefined,
    proxyProtocol: s.proxyProtocol,
    idleTimeout: s.idleTimeout,
  };
  const server = await serveWorkers({
    module: new URL("./_listen_worker.ts", import.meta.url),
    handlerOptions: settings,
    workers: n,
    hostname: target.hostname,
    port: target.port,
    handleSignals: true,
    onError: (e) => {
      if (e.name !== REPORTED_SESSION_ERROR) out.error(e, { worker: e.worker });
    },
  });
  out.event(
    "listen",
    { transport: "tcp", ...addressFields(server.addr), workers: n },
    `listening on tcp ${addrText(server.addr)} with ${n} workers`,
  );
  if (s.maxConns !== undefined) {
    // Bounded: poll the workers' counters until enough connections have been served.
    while (!(await Promise.race([server.finished.then(() => true), sleep(100)]))) {
      const { total } = await server.stats();
      if (total.closed >= s.maxConns) break;
    }
    await server.shutdown();
  }
  await server.finished;
  const { total, perWorker } = await server.stats();
  out.event(
    "stats",
    { ...total, perWorker: perWorker.map((w) => w.accepted) },
    `served ${total.accepted} connections on ${n} workers (${
      perWorker.map((w) => w.accepted).join(" + ")
    }), ${total.bytesRead} bytes in, ${total.bytesWritten} bytes out`,
  );
  return total.errors > 0 ? 1 : 0;
}

const sleep = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms));

/** The error name a worker's handler throws for a session that reported its own error. */
export const REPORTED_SESSION_ERROR = "ReportedSessionError";

/** The flags a `--workers` worker needs (structured-cloneable). */
export interface WorkerSessionSettings {
  json: boolean;
  hex: boolean;
  verbose: boolean;
  frameSpec?: string;
  opts?: SocketOptions;
  proxyProtocol?: Exclude<ServeProxyProtocol, "off">;
  idleTimeout?: number;
}

let workerConnections = 0;

/**
 * Serve one connection inside a `--workers` worker: the same echo session, events and
 * options as the single-threaded server, with the worker's index in every event.
 */
export function workerSession(
  conn: TcpConnection,
  settings: WorkerSessionSettings,
  worker: number,
): Promise<boolean> {
  const s: Session = {
    out: new Output(settings),
    frame: settings.frameSpec === undefined ? undefined : parseFrameSpec(settings.frameSpec),
    frameSpec: settings.frameSpec,
    proxyProtocol: settings.proxyProtocol,
    echo: true,
    keepOpen: true,
    opts: settings.opts,
    idleTimeout: settings.idleTimeout,
    datagramPer: "line",
    stdin: new StdinHub(),
  };
  return serveAccepted(s, conn, ++workerConnections, "tcp", { worker });
}

/**
 * Remove a Unix socket file that nothing listens on any more (a server that died without
 * unlinking it), as a restart needs: connecting to it is refused. A live socket is left alone,
 * so that the listen fails with `AddrInUse`. Needs only `--allow-read`/`--allow-write`
 * (`/proc/net/unix` would need `-A` on Deno 2.9.6).
 */
async function removeStaleSocket(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch {
    return;
  }
  if (!info.isSocket) return;
  try {
    const probe = await Deno.connect({ transport: "unix", path });
    probe.close();
  } catch (e) {
    if (e instanceof Deno.errors.ConnectionRefused) await Deno.remove(path).catch(() => {});
  }
}

async function listenStream(s: Session, target: { hostname: string; port: number } | string) {
  const { out } = s;
  if (typeof target === "string") await removeStaleSocket(target);
  const server = typeof target === "string"
    ? listenUnix({ path: target, idleTimeout: s.idleTimeout })
    : listen({ hostname: target.hostname, port: target.port, idleTimeout: s.idleTimeout });
  const transport = typeof target === "string" ? "unix" : "tcp";
  let allClean = true;
  try {
    if (s.opts && transport === "tcp") applyOpts(s, server, s.opts, "listener");
    out.event(
      "listen",
      { transport, ...addressFields(server.addr) },
      `listening on ${transport} ${addrText(server.addr)}`,
    );
    const limit = s.maxConns ?? (s.keepOpen ? Infinity : 1);
    const active = new Set<Promise<boolean>>();
    let served = 0;
    let id = 0;
    while (served < limit) {
      let conn: Stream;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const accepted = server.accept() as Promise<Stream>;
        conn = served === 0 && s.timeout !== undefined
          ? await Promise.race([
            accepted,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                reject(
                  Object.assign(
                    new Deno.errors.TimedOut(
                      `Cannot accept: no connection within ${s.timeout} ms`,
                    ),
                    { code: "ETIMEDOUT" },
                  ),
                );
              }, s.timeout);
            }),
          ])
          : await accepted;
      } catch (e) {
        // A client that reset before its accept (ENOTCONN, ECONNABORTED) is that client's
        // failure, not the server's: report it and go on.
        if (
          !(e instanceof Deno.errors.NotConnected || e instanceof Deno.errors.ConnectionAborted)
        ) {
          throw e;
        }
        out.error(e);
        allClean = false;
        served++;
        continue;
      } finally {
        clearTimeout(timer);
      }
      served++;
      const p: Promise<boolean> = serveAccepted(s, conn, ++id, transport).then((ok) => {
        if (!ok) allClean = false;
        return ok;
      }).finally(() => active.delete(p));
      active.add(p);
      if (!s.keepOpen) await p;
    }
    server.close();
    await Promise.all(active);
  } finally {
    if (!server.closed) server.close();
  }
  // As ncat: a connection that ended in an RST, an error or a failed send makes the exit 1.
  return allClean ? 0 : 1;
}

async function connectStream(s: Session, target: { hostname: string; port: number } | string) {
  const { out } = s;
  const conn: Stream = typeof target === "string"
    ? await connectUnix({ path: target, timeout: s.timeout, idleTimeout: s.idleTimeout })
    : await connect({
      hostname: target.hostname,
      port: target.port,
      timeout: s.timeout,
      idleTimeout: s.idleTimeout,
    });
  if (s.opts && typeof target !== "string") {
    try {
      applyOpts(s, conn, s.opts, "connection");
    } catch (e) {
      await conn.close();
      throw e;
    }
  }
  const meta = { remote: addressFields(conn.remoteAddr), local: addressFields(conn.localAddr) };
  out.event("connect", meta, `connected to ${addrText(conn.remoteAddr)}`);
  return (await runStream(s, conn, {}, "connect")) ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// UDP

/** How stdin becomes datagrams (`--datagram-per`). */
export type DatagramPer = "line" | "read" | "frame";

/** The largest UDP payload over IPv4 (65,535 - 20 IP - 8 UDP bytes). */
export const MAX_DATAGRAM = 65507;

/**
 * Cut stdin into datagrams: one per line (the newline kept, as `nc -u` sends it), one per
 * read (as socat, cut at {@linkcode MAX_DATAGRAM}), or one per frame of `--frame SPEC` (stdin
 * is then a framed byte stream, so a datagram may hold any bytes, newlines included).
 */
function datagramCutter(
  per: DatagramPer,
  frame: FrameOptions | undefined,
): (chunk: Uint8Array | null) => Uint8Array[] {
  if (per === "read") {
    return (chunk) => {
      const out: Uint8Array[] = [];
      for (let i = 0; chunk && i < chunk.length; i += MAX_DATAGRAM) {
        out.push(chunk.subarray(i, i + MAX_DATAGRAM));
      }
      return out;
    };
  }
  if (per === "frame") {
    const decoder = new FrameDecoder(frame!);
    return (chunk) => {
      if (chunk === null) {
        decoder.finish(); // leftover bytes of a partial frame are an IncompleteFrameError
        decoder.free();
        return [];
      }
      // Push at most what the decoder can take between decodes.
      const out: Uint8Array[] = [];
      for (let off = 0; off < chunk.length;) {
        const n = Math.min(chunk.length - off, Math.max(decoder.writable, 1));
        decoder.push(chunk.subarray(off, off + n));
        off += n;
        for (let f; (f = decoder.decode()) !== null;) out.push(f.slice());
      }
      return out;
    };
  }
  const lines = new LineSplitter(true);
  return (chunk) => lines.push(chunk);
}

async function udpLoop(
  s: Session,
  sock: UdpSocket,
  role: "listen" | "connect",
): Promise<number> {
  const { out } = s;
  let peer: { hostname: string; port: number } | undefined = sock.remoteAddr;
  let unsubscribe: (() => void) | undefined;
  let sendChain = Promise.resolve();
  let code = 0;
  const cut = datagramCutter(s.datagramPer, s.frame);
  // Aborted once stdin has ended and everything from it was sent: the client then waits the
  // grace for replies instead of forever.
  const stdinEnded = new AbortController();
  const subscribe = () => {
    unsubscribe = s.stdin.subscribe((chunk) => {
      sendChain = sendChain.then(async () => {
        for (const datagram of cut(chunk)) {
          try {
            await sock.sendTo(datagram, peer!);
          } catch (e) {
            // EMSGSIZE, ECONNREFUSED from an earlier ICMP: reported, the exit is 1.
            code = 1;
            out.error(e, { length: datagram.length });
          }
        }
      }).catch((e) => {
        code = 1;
        out.error(e);
      }).finally(() => {
        if (chunk === null) stdinEnded.abort();
      });
      return sendChain;
    });
  };
  if (!s.echo && peer) subscribe();
  const limit = s.maxConns ?? Infinity;
  let received = 0;
  try {
    while (received < limit) {
      const ended = stdinEnded.signal.aborted;
      // After stdin ended, a client waits for late replies for the idle timeout (default 1 s).
      const grace = role === "connect" && ended ? s.idleTimeout ?? UDP_REPLY_GRACE : undefined;
      // listen -w: wait at most that long for the first datagram.
      const first = role === "listen" && received === 0 ? s.timeout : undefined;
      const wait = grace ?? first ?? s.idleTimeout;
      let d;
      try {
        d = await sock.recvFrom({
          ...(wait === undefined ? {} : { timeout: wait }),
          ...(role === "connect" && !ended ? { signal: stdinEnded.signal } : {}),
        });
      } catch (e) {
        if (stdinEnded.signal.aborted && !ended && e === stdinEnded.signal.reason) continue;
        if (e instanceof Deno.errors.TimedOut) {
          await sendChain;
          if (first !== undefined && wait === first) {
            throw Object.assign(
              new Deno.errors.TimedOut(`Cannot receive: no datagram within ${first} ms`),
              { code: "ETIMEDOUT" },
            );
          }
          out.event("close", { reason: "idle-timeout" }, "no datagram for the idle timeout");
          break;
        }
        throw e;
      }
      received++;
      const from = addressFields(d.remoteAddr);
      if (s.echo) await sock.sendTo(d.data, d.remoteAddr);
      if (out.json) out.datagram(d.data, { from });
      else if (!s.echo) out.data(d.data);
      if (role === "listen" && !s.echo) {
        peer = { hostname: d.remoteAddr.hostname, port: d.remoteAddr.port };
        if (!unsubscribe) subscribe();
      }
    }
  } catch (e) {
    out.error(e);
    code = 1;
  } finally {
    unsubscribe?.();
    await sendChain;
    sock.close();
  }
  return code;
}

/** How long `connect -u` waits for replies after stdin ended, without `--idle-timeout`. */
const UDP_REPLY_GRACE = 1000;

async function listenUdp(s: Session, target: { hostname: string; port: number }) {
  const reuse = s.opts?.reuseAddress === true;
  const rest: Record<string, unknown> = { ...s.opts };
  delete rest.reuseAddress;
  const sock = bind({ hostname: target.hostname, port: target.port, reuseAddress: reuse });
  try {
    applyOpts(s, sock, rest as SocketOptions, "socket");
  } catch (e) {
    sock.close();
    throw e;
  }
  s.out.event(
    "listen",
    { transport: "udp", ...addressFields(sock.addr) },
    `listening on udp ${addrText(sock.addr)}`,
  );
  return await udpLoop(s, sock, "listen");
}

async function connectUdp(s: Session, target: { hostname: string; port: number }) {
  const [first] = await lookup(target.hostname, undefined, { socktype: "dgram" });
  const v6 = first.family === 6;
  const loopback = first.address === "::1" || first.address.startsWith("127.");
  const sock = bind({
    hostname: loopback ? (v6 ? "::1" : "127.0.0.1") : (v6 ? "::" : "0.0.0.0"),
    port: 0,
  });
  try {
    if (s.opts) applyOpts(s, sock, s.opts, "socket");
    sock.connect({ hostname: first.address, port: target.port });
  } catch (e) {
    sock.close();
    throw e;
  }
  s.out.event(
    "connect",
    {
      transport: "udp",
      remote: { address: first.address, port: target.port },
      local: addressFields(sock.addr),
    },
    `sending to udp ${addrText({ transport: "udp", hostname: first.address, port: target.port })}`,
  );
  return await udpLoop(s, sock, "connect");
}

// ---------------------------------------------------------------------------------------------
// the commands

/**
 * A length field of 1–3 bytes cannot carry the default 8 MiB maximum: without `max=`, the
 * maximum becomes the largest length the field holds, so errors report the real limit.
 */
function fitLengthField(o: FrameOptions): FrameOptions {
  if (o.kind !== "length" || o.maxFrameLength !== undefined || o.lengthAdjustment) return o;
  const field = o.fieldLength ?? 4;
  return field >= 4 ? o : { ...o, maxFrameLength: 2 ** (8 * field) - 1 };
}

/** Socket options that mean something only for one transport. */
const OPTS_FOR: Readonly<Record<string, readonly string[]>> = {
  tcp: [
    "reuseAddress",
    "reusePort",
    "receiveBufferSize",
    "sendBufferSize",
    "linger",
    "keepAlive",
    "noDelay",
    "ttl",
    "tos",
    "userTimeout",
    "cork",
    "quickAck",
  ],
  udp: [
    "reuseAddress",
    "reusePort",
    "receiveBufferSize",
    "sendBufferSize",
    "broadcast",
    "ttl",
    "tos",
  ],
  unix: [],
};

/** An `--opt` that the socket type cannot take is a usage error, before any socket exists. */
function checkOptsFit(opts: SocketOptions, transport: "tcp" | "udp" | "unix", role: string): void {
  const names = Object.fromEntries(Object.entries(OPT_NAMES).map(([k, v]) => [v, k]));
  const wrong = Object.keys(opts).filter((k) => !OPTS_FOR[transport].includes(k));
  if (wrong.length === 0) return;
  throw new UsageError(
    `--opt ${wrong.map((k) => names[k] ?? k).join(", ")} does not apply to a ${
      transport === "unix" ? "Unix" : transport.toUpperCase()
    } socket`,
    role,
  );
}

/** UDP needs `Deno.listenDatagram`, which Deno 2.9.6 has only with `--unstable-net`. */
function requireUnstableNet(): void {
  if (typeof (Deno as { listenDatagram?: unknown }).listenDatagram === "function") return;
  throw new Error(
    "Cannot open a UDP socket: Deno.listenDatagram is missing; run with --unstable-net " +
      '(or "unstable": ["net"] in deno.json)',
  );
}

function makeCommand(role: "listen" | "connect"): Command {
  const usage = role === "listen"
    ? "sockkit listen [options] [HOST:]PORT\n       sockkit listen --unix PATH [options]"
    : "sockkit connect [options] HOST:PORT\n       sockkit connect --unix PATH [options]";
  const summary = role === "listen"
    ? "Listen on PORT (default host 0.0.0.0; use [::]:PORT for IPv6). stdin goes to the peer,\n" +
      "the peer goes to stdout. Without --keep-open or --max-conns, one connection is served."
    : "Connect to HOST:PORT. stdin goes to the peer and the peer goes to stdout; when stdin\n" +
      "ends, the write side is shut down (FIN) and output continues until the peer closes.";
  const flags = role === "listen" ? { ...COMMON_FLAGS, ...LISTEN_FLAGS } : COMMON_FLAGS;
  const help = helpText(usage, summary, flags) + FOOTER + "\n";
  return {
    name: role,
    summary: role === "listen"
      ? "listen on [HOST:]PORT (TCP, --udp, --unix) and relay stdin/stdout"
      : "connect to HOST:PORT (TCP, --udp, --unix) and relay stdin/stdout",
    help,
    async run(argv: string[]): Promise<number> {
      const p = parseFlags(role, argv, flags);
      if (bool(p, "help")) {
        console.log(help.trimEnd());
        return 0;
      }
      const unixPath = str(p, "unix");
      const udp = bool(p, "udp");
      if (udp && unixPath !== undefined) {
        throw new UsageError("--udp and --unix cannot be combined", role);
      }
      if (p.positionals.length > (unixPath === undefined ? 1 : 0)) {
        throw new UsageError(`unexpected argument "${p.positionals.at(-1)}"`, role);
      }
      if (unixPath === undefined && p.positionals.length === 0) {
        throw new UsageError(
          `missing ${role === "listen" ? "[HOST:]PORT" : "HOST:PORT"} (or --unix PATH)`,
          role,
        );
      }
      const per = str(p, "datagram-per") ?? "line";
      if (per !== "line" && per !== "read" && per !== "frame") {
        throw new UsageError(`--datagram-per must be line, read or frame, got "${per}"`, role);
      }
      if (str(p, "datagram-per") !== undefined && !udp) {
        throw new UsageError("--datagram-per applies to UDP (--udp)", role);
      }
      let frame: FrameOptions | undefined;
      const spec = str(p, "frame");
      if (spec !== undefined) {
        if (udp && per !== "frame") {
          throw new UsageError(
            "--frame applies to stream sockets: a UDP datagram is already one message " +
              "(with --datagram-per frame, stdin is read as frames)",
            role,
          );
        }
        try {
          frame = fitLengthField(parseFrameSpec(spec));
        } catch (e) {
          throw new UsageError(`invalid --frame: ${(e as Error).message}`, role);
        }
      } else if (per === "frame") {
        throw new UsageError("--datagram-per frame needs --frame SPEC", role);
      }
      const wrap = <T>(fn: () => T): T => {
        try {
          return fn();
        } catch (e) {
          if (e instanceof UsageError) throw new UsageError(e.message, role);
          throw e;
        }
      };
      const optText = str(p, "opt");
      const s: Session = {
        out: new Output({
          json: bool(p, "json"),
          hex: bool(p, "hex"),
          verbose: bool(p, "verbose"),
        }),
        frame,
        frameSpec: spec,
        proxyProtocol: wrap(() => {
          const m = str(p, "proxy-protocol");
          if (m === undefined || m === "off") return undefined;
          if (m !== "v1" && m !== "v2" && m !== "auto") {
            throw new UsageError(`--proxy-protocol must be v1, v2, auto or off, got "${m}"`);
          }
          return m;
        }),
        echo: bool(p, "echo"),
        keepOpen: bool(p, "keep-open"),
        maxConns: wrap(() => {
          const m = str(p, "max-conns");
          return m === undefined ? undefined : parseInteger(m, "--max-conns");
        }),
        opts: optText === undefined ? undefined : wrap(() => parseOptList(optText)),
        timeout: wrap(() => {
          const t = str(p, "timeout");
          return t === undefined ? undefined : parseDuration(t, "--timeout");
        }),
        idleTimeout: wrap(() => {
          const t = str(p, "idle-timeout");
          return t === undefined ? undefined : parseDuration(t, "--idle-timeout");
        }),
        datagramPer: per,
        stdin: new StdinHub(),
      };
      if (s.opts) checkOptsFit(s.opts, udp ? "udp" : unixPath !== undefined ? "unix" : "tcp", role);
      if (udp) requireUnstableNet();
      const workersText = str(p, "workers");
      const workers = workersText === undefined
        ? undefined
        : wrap(() => parseInteger(workersText, "--workers"));
      if ((udp || unixPath !== undefined) && (workers !== undefined || s.proxyProtocol)) {
        throw new UsageError("--workers and --proxy-protocol apply to TCP", role);
      }
      if (workers !== undefined && (workers < 1 || workers > 64)) {
        throw new UsageError(`--workers must be 1-64, got ${workers}`, role);
      }
      if (workers !== undefined && !s.echo) {
        throw new UsageError(
          "--workers needs --echo (workers cannot share stdin and stdout)",
          role,
        );
      }
      if (unixPath !== undefined) {
        return role === "listen"
          ? await listenStream(s, unixPath)
          : await connectStream(s, unixPath);
      }
      const target = wrap(() =>
        parseTarget(p.positionals[0], role, role === "listen" ? "0.0.0.0" : undefined)
      );
      if (udp) return role === "listen" ? await listenUdp(s, target) : await connectUdp(s, target);
      if (workers !== undefined) return await listenWorkers(s, target, workers);
      return role === "listen" ? await listenStream(s, target) : await connectStream(s, target);
    },
  };
}

/** `sockkit listen`. */
export const listenCommand: Command = makeCommand("listen");
/** `sockkit connect`. */
export const connectCommand: Command = makeCommand("connect");
