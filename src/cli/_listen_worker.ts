/**
 * The connection handler of `sockkit listen --workers N`: each Worker serves its connections
 * with the same echo session as the single-threaded server (see `workerSession`).
 *
 * @module
 */
import type { TcpConnection } from "../net/mod.ts";
import {
  REPORTED_SESSION_ERROR,
  workerSession,
  type WorkerSessionSettings,
} from "./_worker_session.ts";

const worker = Number(/sockkit-worker-(\d+)/.exec(self.name)?.[1] ?? -1);

/** Serve one accepted connection in this worker. */
export default async function handle(
  conn: TcpConnection,
  settings: WorkerSessionSettings,
): Promise<void> {
  if (await workerSession(conn, settings, worker)) return;
  // Counted in the server's stats.errors; the session printed its own error event already.
  const e = new Error("Cannot serve connection: it ended with an error (reported in its events)");
  e.name = REPORTED_SESSION_ERROR;
  throw e;
}
