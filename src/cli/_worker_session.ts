/**
 * `listen --workers N` and `relay --workers N`: N Workers sharing the port
 * ({@linkcode runOnWorkers}), and the echo session each `listen` worker runs per connection
 * (through `_listen_worker.ts`; relay's workers run `_relay_worker.ts`).
 *
 * @module
 */

import { type ServeProxyProtocol, serveWorkers, type TcpConnection } from "../net/mod.ts";
import { serveTlsWorkers, type TlsListenFlagOptions } from "../tls/mod.ts";
import { parseFrameSpec } from "../codec/mod.ts";
import type { SocketOptions } from "../sockopt/mod.ts";
import { addressFields, Output } from "./_output.ts";
import { StdinHub } from "./_stdin_hub.ts";
import { addressText, connectionOptions, type Session } from "./_session.ts";
import { serveAccepted } from "./_stream_session.ts";

/** Run `listen --workers N` until it is stopped or `--max-conns` were served. */
export function listenWorkers(
  session: Session,
  target: { hostname: string; port: number },
  n: number,
): Promise<number> {
  const { out } = session;
  const settings: WorkerSessionSettings = {
    json: out.json,
    hex: out.hex,
    verbose: out.verbose,
    frameSpec: session.frameSpec,
    opts: session.opts ? connectionOptions(session.opts) : undefined,
    proxyProtocol: session.proxyProtocol,
    idleTimeout: session.idleTimeout,
  };
  return runOnWorkers(session, {
    module: new URL("./_listen_worker.ts", import.meta.url),
    settings,
    target,
    workers: n,
    tls: session.tlsListen,
  });
}

/** What {@linkcode runOnWorkers} starts. */
export interface WorkersPlan {
  /** The handler module each worker loads (default export: `(conn, settings)`). */
  module: URL;
  /** The handler's settings (structured-cloneable). */
  settings: unknown;
  /** Where to listen. */
  target: { hostname: string; port: number };
  /** How many workers. */
  workers: number;
  /** More fields for the `listen` event (`target`, for relay). */
  listenFields?: Record<string, unknown>;
  /** The `listen` note's wording after the address. */
  listenNote?: string;
  /** `--tls`: each worker serves TLS with this certificate and key. */
  tls?: TlsListenFlagOptions;
}

/**
 * N Workers sharing the port (SO_REUSEPORT), each running `plan.module` per connection,
 * until SIGINT/SIGTERM or `--max-conns` connections were served; then a `stats` event.
 *
 * @returns The exit code: 1 when a connection failed.
 */
export async function runOnWorkers(session: Session, plan: WorkersPlan): Promise<number> {
  const { out } = session;
  const n = plan.workers;
  const common = {
    module: plan.module,
    handlerOptions: plan.settings,
    workers: n,
    hostname: plan.target.hostname,
    port: plan.target.port,
    handleSignals: true,
    onError: (e: Error & { worker: number }) => {
      if (e.name !== REPORTED_SESSION_ERROR) out.error(e, { worker: e.worker });
    },
  };
  const server = plan.tls
    ? await serveTlsWorkers({ ...common, ...plan.tls })
    : await serveWorkers(common);
  out.event(
    "listen",
    {
      transport: "tcp",
      ...addressFields(server.addr),
      workers: n,
      ...(plan.tls ? { tls: true } : {}),
      ...plan.listenFields,
    },
    `listening on tcp${plan.tls ? " (TLS)" : ""} ${addressText(server.addr)} with ${n} workers${
      plan.listenNote ?? ""
    }`,
  );
  if (session.maxConns !== undefined) {
    // Bounded: poll the workers' counters until enough connections have been served.
    while (!(await Promise.race([server.finished.then(() => true), sleep(100)]))) {
      const { total } = await server.stats();
      if (total.closed >= session.maxConns) break;
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

/**
 * The default export of a worker's handler module: run `serve` for each connection, with the
 * worker's index; a session that failed (and printed its own error event) is thrown as a
 * {@linkcode REPORTED_SESSION_ERROR}, so that it counts in `stats.errors`.
 */
export function workerHandler<S>(
  serve: (conn: TcpConnection, settings: S, worker: number) => Promise<boolean>,
): (conn: TcpConnection, settings: S) => Promise<void> {
  const worker = Number(/sockkit-worker-(\d+)/.exec(self.name)?.[1] ?? -1);
  return async (conn, settings) => {
    if (await serve(conn, settings, worker)) return;
    const e = new Error(
      "Cannot serve connection: it ended with an error (reported in its events)",
    );
    e.name = REPORTED_SESSION_ERROR;
    throw e;
  };
}

/** The flags a `--workers` worker needs (structured-cloneable). */
export interface WorkerSessionSettings {
  /** `--json`. */
  json: boolean;
  /** `--hex`. */
  hex: boolean;
  /** `-v`. */
  verbose: boolean;
  /** `--frame`, as text (parsed again in the worker). */
  frameSpec?: string;
  /** `--opt` for accepted connections. */
  opts?: SocketOptions;
  /** `--proxy-protocol`. */
  proxyProtocol?: Exclude<ServeProxyProtocol, "off">;
  /** `-i` (ms). */
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
  const session: Session = {
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
  return serveAccepted(session, conn, ++workerConnections, "tcp", { worker });
}
