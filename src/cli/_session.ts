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
import type { Output } from "./_output.ts";
import type { StdinHub } from "./_stdin_hub.ts";

/** How stdin becomes datagrams (`--datagram-per`). */
export type DatagramPer = "line" | "read" | "frame";

/** What a listen/connect session was asked to do. */
export interface Session {
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

export type TcpOrUnixConnection = TcpConnection | UnixConnection;

export function addressText(a: Deno.Addr): string {
  if (a.transport === "unix" || a.transport === "unixpacket") return a.path || "(unnamed)";
  const n = a as Deno.NetAddr;
  return n.hostname.includes(":") ? `[${n.hostname}]:${n.port}` : `${n.hostname}:${n.port}`;
}

/** Options that mean something only before bind, or only on a listener. */
const LISTENER_ONLY = new Set(["reuseAddress", "reusePort"]);

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

export function isConnectionReset(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset ||
    (e as { code?: string })?.code === "ECONNRESET";
}

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
