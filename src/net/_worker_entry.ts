/**
 * The module each `serveWorkers` Worker runs (plain TCP): the shared worker runtime with
 * `serve`. Private.
 *
 * @module
 */
import { serve } from "./serve.ts";
import { runWorker } from "./_worker_runtime.ts";

runWorker(serve);
