/**
 * The seeds' "make the welcome server multithreaded" exercise on several cores: `serveWorkers`
 * starts N Deno Workers, each running its own accept loop on the same port (`SO_REUSEPORT`),
 * and the kernel spreads the clients across them. From a client's view it behaves like
 * examples/tcp_concurrent_server.ts (Welcome plus NUL, then one message); each client's log
 * says which worker served it. The handler is examples/_concurrent_worker_handler.ts, a
 * separate module because a Worker imports it.
 *
 * There is no BSD-style version of this one: C's answer, a thread per client, is what
 * examples/bsd/tcp_concurrent_server.ts ports (a task per client); the bsd module has no
 * Workers.
 *
 * Stops after `--max-clients` clients have been served (0: never), or on SIGINT/SIGTERM,
 * gracefully: running clients are finished first.
 *
 * Run: deno run --allow-net --allow-read examples/tcp_concurrent_server_workers.ts [--host 127.0.0.1] [--port 5000] [--workers 2] [--max-clients N]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { serveWorkers } from "../mod.ts";
import type { WelcomeHandlerOptions } from "./_concurrent_worker_handler.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
    workers: { type: "string", default: "2" },
    "max-clients": { type: "string", default: "0" },
  },
});
const max = Number(values["max-clients"]);
const handlerOptions: WelcomeHandlerOptions = { readTimeout: 10_000 };
const server = await serveWorkers({
  module: new URL("./_concurrent_worker_handler.ts", import.meta.url),
  handlerOptions,
  workers: Number(values.workers),
  hostname: values.host,
  port: Number(values.port),
  backlog: 5,
  handleSignals: true,
});
console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
console.log(`Server start... (${server.workers} workers)`);

if (max) {
  // Poll the workers' counters; shut down once `max` clients have been served.
  const poll = setInterval(async () => {
    const { total } = await server.stats();
    if (total.closed >= max) {
      clearInterval(poll);
      await server.shutdown();
    }
  }, 50);
  server.finished.then(() => clearInterval(poll));
}
await server.finished;
const { total, perWorker } = await server.stats();
console.log(
  `served ${total.closed} clients (${
    perWorker.map((s, i) => `worker ${i}: ${s.closed}`).join(", ")
  }); shut down`,
);
