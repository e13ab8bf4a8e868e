/**
 * A server program for subprocess tests and the benchmark: `serve` (or `serveWorkers` with
 * `--workers N`) running a handler module, shutting down gracefully on SIGINT/SIGTERM.
 * It prints `LISTENING <port>` once ready, and `STATS <json>` after shutdown; `--report-ms`
 * also prints `STATS <json>` (with `rss`) periodically.
 *
 * ```sh
 * deno run -A tests/stress/_server_main.ts --module tests/stress/_echo_handler.ts --workers 2
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { serve } from "../../src/net/serve.ts";
import { serveWorkers } from "../../src/net/workers.ts";

const args = parseArgs({
  options: {
    module: { type: "string" },
    workers: { type: "string", default: "0" },
    port: { type: "string", default: "0" },
    hostname: { type: "string", default: "127.0.0.1" },
    "idle-timeout": { type: "string" },
    "max-connections": { type: "string" },
    "shutdown-timeout": { type: "string", default: "5000" },
    "report-ms": { type: "string" },
  },
});
const module = new URL(args.values.module!, `file://${Deno.cwd()}/`);
const workers = Number(args.values.workers);
const common = {
  hostname: args.values.hostname,
  port: Number(args.values.port),
  handleSignals: true,
  shutdownTimeout: Number(args.values["shutdown-timeout"]),
  ...(args.values["idle-timeout"] ? { idleTimeout: Number(args.values["idle-timeout"]) } : {}),
  ...(args.values["max-connections"]
    ? { maxConnections: Number(args.values["max-connections"]) }
    : {}),
  backlog: 4096,
};
let errors = 0;
const countError = (e: unknown) => {
  if (errors++ < 5) console.error("server error:", (e as Error)?.message ?? e);
};
const print = (s: unknown) =>
  console.log(`STATS ${JSON.stringify({ ...(s as object), rss: Deno.memoryUsage().rss })}`);

if (workers > 0) {
  const server = await serveWorkers({ ...common, module, workers, onError: countError });
  console.log(`LISTENING ${server.addr.port}`);
  const every = args.values["report-ms"];
  const t = every
    ? setInterval(async () => print((await server.stats()).total), Number(every))
    : undefined;
  await server.finished;
  clearInterval(t);
  print((await server.stats()).total);
} else {
  const handler = (await import(module.href)).default;
  const server = serve(handler, { ...common, onError: countError });
  console.log(`LISTENING ${server.addr.port}`);
  const every = args.values["report-ms"];
  const t = every ? setInterval(() => print(server.stats()), Number(every)) : undefined;
  await server.finished;
  clearInterval(t);
  print(server.stats());
}
