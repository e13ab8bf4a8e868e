/**
 * The connection handler of `sockkit relay --workers N`: each Worker relays its clients with
 * the same code as the single-threaded relay (see `relayWorkerSession`).
 *
 * @module
 */
import { relayWorkerSession } from "./_relay_session.ts";
import { workerHandler } from "./_worker_session.ts";

/** Relay one accepted client in this worker. */
export default workerHandler(relayWorkerSession);
