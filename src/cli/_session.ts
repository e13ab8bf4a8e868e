/**
 * What a `listen`/`connect` session is: its settings ({@linkcode Session}), and the helpers
 * its stream, UDP and worker parts share (socket options and their report, address text,
 * how a connection ended).
 *
 * @module
 */

import type { FrameOptions } from "../codec/mod.ts";
import type { ServeProxyProtocol, TcpConnection, UnixConnection } from "../net/mod.ts";
import { setSocketOptions, type SocketOptions, type SocketOptionsReport } from "../sockopt/mod.ts";
import { OPT_NAMES, UsageError } from "./_args.ts";
import { lookup } from "../resolve/mod.ts";
import { type Output, unmapIPv4 } from "./_output.ts";
import type { StdinHub } from "./_stdin_hub.ts";
import type { SessionLog } from "./_session_log.ts";
import type { AccessList } from "./_access_list.ts";
import {
  type TlsClientOptions,
  TlsConnection,
  type TlsListenFlagOptions,
  TlsVerifyError,
} from "../tls/mod.ts";

// The library types a session's fields and helpers use, so that its readers find them here.
export type { ServeProxyProtocol } from "../net/mod.ts";
export type { KeepAliveTiming, SocketOptions } from "../sockopt/mod.ts";
export type { TlsClientOptions, TlsListenFlagOptions } from "../tls/mod.ts";

/** How stdin becomes datagrams (`--datagram-per`). */
export type DatagramPer = "line" | "read" | "frame";

/** What a listen/connect session was asked to do. */
export interface Session {
  /** Where events, data and notes go. */
  out: Output;
  /** `--frame`: the parsed spec. */
  frame?: FrameOptions;
  /** The --frame text, for workers (they parse it again). */
  frameSpec?: string;
  /** `--proxy-protocol`: the PROXY header each accepted connection starts with. */
  proxyProtocol?: Exclude<ServeProxyProtocol, "off">;
  /** `--echo`: send back what arrives instead of using stdin and stdout. */
  echo: boolean;
  /** `-k`: keep accepting connections. */
  keepOpen: boolean;
  /** `-m`: connections (UDP: datagrams) to serve before exiting. */
  maxConns?: number;
  /** `--opt`: socket options. */
  opts?: SocketOptions;
  /** `-w`: connect timeout, or how long listen waits for its first peer (ms). */
  timeout?: number;
  /** `-i`: idle timeout (ms). */
  idleTimeout?: number;
  /** UDP: how stdin becomes datagrams. */
  datagramPer: DatagramPer;
  /** stdin, shared by the session's connections. */
  stdin: StdinHub;
  /** `--send-only`: received bytes are dropped, and the end of stdin ends the session. */
  sendOnly?: boolean;
  /** `--recv-only`: stdin is never read, nothing is sent. */
  recvOnly?: boolean;
  /** `-C`: bare LF in stdin goes as CRLF. */
  crlf?: boolean;
  /** `-q`: after stdin's end, wait this many ms for the peer, then close. Default: no limit. */
  quitAfterEof?: number;
  /** `-o`/`-x`: session files. */
  log?: SessionLog;
  /** `--allow`/`--deny` (listen). */
  access?: AccessList;
  /** `-4`/`-6`: the address family, or `undefined` for either. */
  family?: 4 | 6;
  /** `-s`/`-p` on connect: the source address and port (UDP). */
  source?: { hostname?: string; port?: number };
  /** `--exec`/`--sh-exec` (listen and connect): the program for each connection. */
  exec?: { argv: string[]; shell: boolean };
  /** `--tls` (connect): how to verify the server; `connectTls` options. */
  tlsConnect?: TlsClientOptions;
  /** `--tls` (listen): the certificate, key and ALPN `listenTls` presents. */
  tlsListen?: TlsListenFlagOptions;
}

/** A stream connection of the session: TCP, Unix, or TLS over TCP. */
export type TcpOrUnixConnection = TcpConnection | UnixConnection | TlsConnection;

/** An address as notes spell it: `127.0.0.1:80`, `[::1]:80`, or the Unix path. */
export function addressText(a: Deno.Addr): string {
  if (a.transport === "unix" || a.transport === "unixpacket") return a.path || "(unnamed)";
  const n = a as Deno.NetAddr;
  const host = unmapIPv4(n.hostname);
  return host.includes(":") ? `[${host}]:${n.port}` : `${host}:${n.port}`;
}

/**
 * The `tls` field of a `connect` event: the ALPN protocol agreed and the name the
 * certificate was checked against; nothing for a plain connection.
 */
export function connectedTlsFields(
  conn: TcpOrUnixConnection,
): { tls?: { alpn: string | null; serverName: string | null } } {
  if (!(conn instanceof TlsConnection)) return {};
  return { tls: { alpn: conn.alpnProtocol, serverName: conn.serverName ?? null } };
}

/**
 * A refused certificate's message names the library's option (`caCerts`); the command's user
 * needs the flag (`--tls-ca`).
 *
 * @returns `e`, its message changed when it is a {@linkcode TlsVerifyError}.
 */
export function tlsFlagHint(e: unknown, flag: string): unknown {
  if (e instanceof TlsVerifyError) e.message = e.message.replace("in caCerts", `with ${flag}`);
  return e;
}

/** Options that mean something only before bind, or only on a listener. */
const LISTENER_ONLY = new Set(["reuseAddress", "reusePort"]);

/**
 * Apply `options` to `socket` and report what the kernel applied (`-v`: a note per option, or
 * with `--json` an `options` event).
 */
export function applySessionOptions(
  session: Session,
  socket: Parameters<typeof setSocketOptions>[0],
  options: SocketOptions,
  target: string,
): void {
  if (Object.keys(options).length === 0) return;
  const report: SocketOptionsReport = setSocketOptions(socket, options, { readBack: "all" });
  if (!session.out.verbose && !session.out.json) return;
  if (session.out.json) {
    if (session.out.verbose) session.out.event("options", { target, report });
    return;
  }
  for (const [name, r] of Object.entries(report)) {
    session.out.note(
      `sockkit: ${target} option ${name}: requested ${JSON.stringify(r!.requested)}, applied ${
        JSON.stringify(r!.applied)
      }`,
    );
  }
}

/** The options of `--opt` that apply to an accepted or connected socket (not the listener's). */
export function connectionOptions(o: SocketOptions | undefined): SocketOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (!LISTENER_ONLY.has(k)) out[k] = v;
  return out as SocketOptions;
}

/** How the peer ended the stream after a read returned end of stream (see `endReason`). */
export function peerEndReason(conn: TcpOrUnixConnection): string {
  if (conn.remoteAddr.transport !== "tcp") return "EOF";
  return conn.endReason ?? "EOF";
}

/** Whether `e` is a connection reset (ECONNRESET). */
export function isConnectionReset(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset ||
    (e as { code?: string })?.code === "ECONNRESET";
}

/** Whether `e` is the idle timeout of `-i`. */
export function isIdleTimeout(e: unknown): boolean {
  return e instanceof Deno.errors.TimedOut && (e as { operation?: string }).operation === "idle";
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
export function checkOptsFit(
  opts: SocketOptions,
  transport: "tcp" | "udp" | "unix",
  role: string,
): void {
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
export function requireUnstableNet(): void {
  if (typeof (Deno as { listenDatagram?: unknown }).listenDatagram === "function") return;
  throw new Error(
    "Cannot open a UDP socket: Deno.listenDatagram is missing; run with --unstable-net " +
      '(or "unstable": ["net"] in deno.json)',
  );
}

/** A `HOST:PORT` the command listens on or connects to. */
export interface SessionTarget {
  /** Host name or address text. */
  hostname: string;
  /** Port. */
  port: number;
  /** `listen PORT` without a host nor `-4`/`-6`: `::` with IPv4 too (ncat's dual stack). */
  dualStack?: boolean;
}

/**
 * Open a listening socket on `target`: for a dual-stack target, `::` (Linux's default
 * `IPV6_V6ONLY` off lets IPv4 clients in, as `::ffff:a.b.c.d`), or `0.0.0.0` when the host has
 * no IPv6.
 */
export function listenDualStack<T>(
  target: SessionTarget,
  open: (hostname: string) => T,
): T {
  if (!target.dualStack) return open(target.hostname);
  try {
    return open("::");
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (
      !(e instanceof Deno.errors.AddrNotAvailable) && code !== "EAFNOSUPPORT" &&
      code !== "EADDRNOTAVAIL"
    ) throw e;
    return open("0.0.0.0");
  }
}

/**
 * Whether `listen` lets a peer in: `--allow`/`--deny`, and `-6` (an IPv4 client that came
 * through `::` as v4-mapped is turned away, since Deno cannot set `IPV6_V6ONLY`).
 *
 * @returns `null` to let it in, or why not.
 */
export function refusal(session: Session, remote: Deno.Addr): string | null {
  if (remote.transport !== "tcp" && remote.transport !== "udp") return null;
  const host = remote.hostname;
  if (session.family === 6 && /^::ffff:\d/i.test(host)) return "an IPv4 peer, with -6";
  if (session.access && !session.access.permits(host)) return "not allowed by --allow/--deny";
  return null;
}

/**
 * The address to connect to for `-4`/`-6`: a name is looked up in that family (a literal of
 * the other family is an error); without a family the name goes to Deno as it is.
 */
export async function addressInFamily(session: Session, hostname: string): Promise<string> {
  if (session.family === undefined) return hostname;
  const literal = /^[\d.]+$/.test(hostname) ? 4 : hostname.includes(":") ? 6 : 0;
  if (literal !== 0) {
    if (literal !== session.family) {
      throw new UsageError(
        `${hostname} is not an IPv${session.family} address (-${session.family})`,
      );
    }
    return hostname;
  }
  const found = await lookup(hostname, undefined, { family: session.family, socktype: "stream" });
  if (found.length === 0) {
    throw new Deno.errors.NotFound(
      `Cannot resolve ${hostname}: no IPv${session.family} address (-${session.family})`,
    );
  }
  return found[0].address;
}
