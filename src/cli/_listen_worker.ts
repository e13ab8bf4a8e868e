/**
 * The connection handler of `sockkit listen --workers N`: each Worker serves its connections
 * with the same echo session as the single-threaded server (see `workerSession`).
 *
 * @module
 */
import { workerHandler, workerSession } from "./_worker_session.ts";

/** Serve one accepted connection in this worker. */
export default workerHandler(workerSession);
