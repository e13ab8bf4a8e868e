/**
 * `listen --workers N`: the echo session on N Workers sharing the port, and the per-connection
 * entry each worker runs (through `_listen_worker.ts`).
 *
 * @module
 */

import { type ServeProxyProtocol, serveWorkers, type TcpConnection } from "../net/mod.ts";
import { parseFrameSpec } from "../codec/mod.ts";
import type { SocketOptions } from "../sockopt/mod.ts";
import { addressFields, Output } from "./_output.ts";
import { StdinHub } from "./_stdin_hub.ts";
import { addressText, connectionOptions, type Session } from "./_session.ts";
import { serveAccepted } from "./_stream_session.ts";

/**
 * `listen --workers N`: an echo server on N Workers sharing the port. Each worker runs
 * {@linkcode workerSession} (in `_listen_worker.ts`) with the same flags.
 */
/** Run `listen --workers N` until it is stopped or `--max-conns` were served. */
export async function listenWorkers(
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
    `listening on tcp ${addressText(server.addr)} with ${n} workers`,
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
