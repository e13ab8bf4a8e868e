/**
 * The connection handler of `sockkit listen --workers N`: each Worker serves its connections
 * with the same echo session as the single-threaded server (see `workerSession`).
 *
 * @module
 */
import type { TcpConnection } from "../net/mod.ts";
import { workerSession, type WorkerSessionSettings } from "./netcat.ts";

const worker = Number(/sockkit-worker-(\d+)/.exec(self.name)?.[1] ?? -1);

/** Serve one accepted connection in this worker. */
export default async function handle(
  conn: TcpConnection,
  settings: WorkerSessionSettings,
): Promise<void> {
  await workerSession(conn, settings, worker);
}
