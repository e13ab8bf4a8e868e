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
import { FramedConn, type FrameOptions, FrameTooLongError, parseFrameSpec } from "../codec/mod.ts";
import { lookup } from "../resolve/mod.ts";
import { setSocketOptions, type SocketOptions, type SocketOptionsReport } from "../sockopt/mod.ts";
import { ProxiedTcpConnection, type ServeProxyProtocol } from "../net/mod.ts";
import { readProxyHeader } from "../proxy/mod.ts";
import {
  bool,
  type Command,
  type FlagSpec,
  helpText,
  parseDuration,
  parseFlags,
  parseInteger,
  parseOptList,
  parseTarget,
  str,
  UsageError,
} from "./_args.ts";
import { Output } from "./_output.ts";

const FLAGS: Record<string, FlagSpec> = {
  udp: { type: "boolean", short: "u", help: "use UDP (each stdin line is one datagram)" },
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
  "keep-open": {
    type: "boolean",
    short: "k",
    help: "listen: keep accepting connections (stdin is sent to every connection)",
  },
  "max-conns": {
    type: "string",
    short: "m",
    arg: "N",
    help: "listen: serve N connections (UDP: N datagrams), then exit",
  },
  frame: {
    type: "string",
    short: "f",
    arg: "SPEC",
    help:
      "frame the stream (len:u32be, line, varint, ...): a stdin line is one frame, a frame prints as a line",
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
  "proxy-protocol": {
    type: "string",
    arg: "MODE",
    help: "listen (TCP): each connection starts with a PROXY header, v1, v2 or auto (either); " +
      "the real client's address is reported",
  },
  workers: {
    type: "string",
    arg: "N",
    help: "listen (TCP, with --echo): N worker threads share the port (SO_REUSEPORT), " +
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
      let n: number | null;
      try {
        n = await this.#source.read(buf);
      } catch {
        n = null;
      }
      if (n === null) break;
      const chunk = buf.slice(0, n);
      for (const s of [...this.#subs]) await s(chunk).catch(() => {});
    }
    this.#ended = true;
    for (const s of [...this.#subs]) await s(null).catch(() => {});
  }
}

/** Splits chunks into lines (LF, with a CR before it dropped); the rest is kept for later. */
class LineSplitter {
  #rest: Uint8Array = new Uint8Array(0);
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
      const end = i > start && data[i - 1] === 13 ? i - 1 : i;
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

function netAddr(a: Deno.Addr): Record<string, unknown> {
  if (a.transport === "unix" || a.transport === "unixpacket") return { path: a.path };
  const n = a as Deno.NetAddr;
  return { address: n.hostname, port: n.port };
}

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
 * @returns `true` when it ended cleanly (peer FIN), `false` after an error or RST.
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
  const discard = s.frame && "oversize" in s.frame && s.frame.oversize === "discard";
  let unsubscribe: (() => void) | undefined;
  let writeChain = Promise.resolve();
  let clean = true;
  let reason: string | null = null;

  let stdinDone!: () => void;
  const sendSideDone = new Promise<void>((r) => stdinDone = r);
  if (!s.echo) {
    const lines = fc ? new LineSplitter() : null;
    unsubscribe = s.stdin.subscribe((chunk) => {
      writeChain = writeChain.then(async () => {
        if (conn.closed) return;
        if (lines) {
          for (const line of lines.push(chunk)) await fc!.writeFrame(line);
        } else if (chunk) await conn.writeAll(chunk);
        if (chunk === null && (role === "connect" || !s.keepOpen)) {
          await conn.closeWrite();
          out.event("half-close", { ...meta, direction: "send" }, "stdin ended: sent FIN");
        }
      }).catch((e) => {
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
        else out.frame(f, meta);
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
  return clean;
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
    s.out.error(e, { conn: id, remote: netAddr(conn.remoteAddr) });
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
  const meta = { conn: id, ...extra, remote: netAddr(conn.remoteAddr) };
  const via = conn instanceof ProxiedTcpConnection
    ? {
      proxy: netAddr(conn.socketRemoteAddr),
      proxied: { version: conn.proxied.version, command: conn.proxied.command },
    }
    : {};
  out.event(
    "accept",
    { ...meta, local: netAddr(conn.localAddr), ...via },
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
    onError: (e) => out.error(e, { worker: e.worker }),
  });
  out.event(
    "listen",
    { transport: "tcp", ...netAddr(server.addr), workers: n },
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
  return 0;
}

const sleep = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms));

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
    stdin: new StdinHub(),
  };
  return serveAccepted(s, conn, ++workerConnections, "tcp", { worker });
}

async function listenStream(s: Session, target: { hostname: string; port: number } | string) {
  const { out } = s;
  const server = typeof target === "string"
    ? listenUnix({ path: target, idleTimeout: s.idleTimeout, replaceStale: true })
    : listen({ hostname: target.hostname, port: target.port, idleTimeout: s.idleTimeout });
  const transport = typeof target === "string" ? "unix" : "tcp";
  try {
    if (s.opts && transport === "tcp") applyOpts(s, server, s.opts, "listener");
    out.event(
      "listen",
      { transport, ...netAddr(server.addr) },
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
      } finally {
        clearTimeout(timer);
      }
      served++;
      const p: Promise<boolean> = serveAccepted(s, conn, ++id, transport).finally(() =>
        active.delete(p)
      );
      active.add(p);
      if (!s.keepOpen) await p;
    }
    server.close();
    await Promise.all(active);
  } finally {
    if (!server.closed) server.close();
  }
  return 0;
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
  const meta = { remote: netAddr(conn.remoteAddr), local: netAddr(conn.localAddr) };
  out.event("connect", meta, `connected to ${addrText(conn.remoteAddr)}`);
  return (await runStream(s, conn, {}, "connect")) ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// UDP

async function udpLoop(
  s: Session,
  sock: UdpSocket,
  role: "listen" | "connect",
): Promise<number> {
  const { out } = s;
  let peer: { hostname: string; port: number } | undefined = sock.remoteAddr;
  let unsubscribe: (() => void) | undefined;
  let sendChain = Promise.resolve();
  const lines = new LineSplitter();
  const subscribe = () => {
    unsubscribe = s.stdin.subscribe((chunk) => {
      sendChain = sendChain.then(async () => {
        for (const line of lines.push(chunk)) {
          await sock.sendTo(concat(line, new Uint8Array([10])), peer!);
        }
      }).catch((e) => out.error(e));
      return sendChain;
    });
  };
  if (!s.echo && peer) subscribe();
  const limit = s.maxConns ?? Infinity;
  let received = 0;
  let code = 0;
  try {
    while (received < limit) {
      // After stdin ended, a client waits for late replies for the idle timeout (default 1 s).
      const wait = s.idleTimeout ?? (role === "connect" && s.stdin.ended ? 1000 : undefined);
      let d;
      try {
        d = await sock.recvFrom(wait === undefined ? {} : { timeout: wait });
      } catch (e) {
        if (e instanceof Deno.errors.TimedOut) {
          await sendChain;
          if (role === "connect" && !s.stdin.ended && s.idleTimeout === undefined) continue;
          out.event("close", { reason: "idle-timeout" }, "no datagram for the idle timeout");
          break;
        }
        throw e;
      }
      received++;
      const from = { address: d.remoteAddr.hostname, port: d.remoteAddr.port };
      if (s.echo) await sock.sendTo(d.data, d.remoteAddr);
      if (out.json || !s.echo) {
        if (out.json) {
          const t = new TextDecoder().decode(d.data);
          out.event("datagram", {
            from,
            length: d.data.length,
            ...(out.hex
              ? { hex: [...d.data].map((b) => b.toString(16).padStart(2, "0")).join("") }
              : { text: t }),
          });
        } else out.data(d.data);
      }
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
    { transport: "udp", ...netAddr(sock.addr) },
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
      local: netAddr(sock.addr),
    },
    `sending to udp ${addrText({ transport: "udp", hostname: first.address, port: target.port })}`,
  );
  return await udpLoop(s, sock, "connect");
}

// ---------------------------------------------------------------------------------------------
// the commands

function makeCommand(role: "listen" | "connect"): Command {
  const usage = role === "listen"
    ? "sockkit listen [options] [HOST:]PORT\n       sockkit listen --unix PATH [options]"
    : "sockkit connect [options] HOST:PORT\n       sockkit connect --unix PATH [options]";
  const summary = role === "listen"
    ? "Listen on PORT (default host 0.0.0.0; use [::]:PORT for IPv6). stdin goes to the peer,\n" +
      "the peer goes to stdout. Without --keep-open or --max-conns, one connection is served."
    : "Connect to HOST:PORT. stdin goes to the peer and the peer goes to stdout; when stdin\n" +
      "ends, the write side is shut down (FIN) and output continues until the peer closes.";
  const help = helpText(usage, summary, FLAGS) + FOOTER + "\n";
  return {
    name: role,
    summary: role === "listen"
      ? "listen on [HOST:]PORT (TCP, --udp, --unix) and relay stdin/stdout"
      : "connect to HOST:PORT (TCP, --udp, --unix) and relay stdin/stdout",
    help,
    async run(argv: string[]): Promise<number> {
      const p = parseFlags(role, argv, FLAGS);
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
      let frame: FrameOptions | undefined;
      const spec = str(p, "frame");
      if (spec !== undefined) {
        if (udp) {
          throw new UsageError(
            "--frame applies to stream sockets: a UDP datagram is already one message",
            role,
          );
        }
        try {
          frame = parseFrameSpec(spec);
        } catch (e) {
          throw new UsageError(`invalid --frame: ${(e as Error).message}`, role);
        }
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
        stdin: new StdinHub(),
      };
      if (s.maxConns !== undefined && role === "connect") {
        throw new UsageError("--max-conns applies to listen", role);
      }
      const workersText = str(p, "workers");
      const workers = workersText === undefined
        ? undefined
        : wrap(() => parseInteger(workersText, "--workers"));
      if (role === "connect" && (workers !== undefined || s.proxyProtocol !== undefined)) {
        throw new UsageError("--workers and --proxy-protocol apply to listen", role);
      }
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
