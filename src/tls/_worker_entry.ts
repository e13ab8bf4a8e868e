/**
 * The module each `serveTlsWorkers` Worker runs: the shared worker runtime with `serveTls`.
 * Private.
 *
 * @module
 */
import { runWorker } from "../net/_worker_runtime.ts";
import { serveTls, type TlsServeOptions } from "./serve.ts";

runWorker((handler, options) => serveTls(handler, options as TlsServeOptions));
