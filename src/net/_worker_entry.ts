/**
 * The module each `serveWorkers` Worker runs: it imports the user's handler module, runs
 * `serve` on the shared port (`reusePort`), and answers the main thread's messages (stats,
 * shutdown). Private: the message shapes are in `./workers.ts`.
 *
 * @module
 */

import { serve, type Server, type TcpServeOptions } from "./serve.ts";
import type { TcpConnection } from "./tcp.ts";
import type { ToMain, ToWorker, WireError } from "./workers.ts";

const scope = globalThis as unknown as {
  postMessage(message: ToMain): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

function wire(e: unknown): WireError {
  if (e instanceof Error) {
    const x = e as Error & { code?: unknown; reason?: unknown; offset?: unknown };
    return {
      name: e.name,
      message: e.message,
      code: typeof x.code === "string" ? x.code : undefined,
      reason: typeof x.reason === "string" ? x.reason : undefined,
      offset: typeof x.offset === "number" ? x.offset : undefined,
      stack: e.stack,
    };
  }
  return { name: "Error", message: String(e) };
}

let server: Server<Deno.NetAddr> | undefined;
let id = -1;

async function start(msg: Extract<ToWorker, { type: "start" }>) {
  id = msg.id;
  let handler: (conn: TcpConnection) => void | Promise<void>;
  try {
    const mod = await import(msg.module);
    const userHandler = mod.default;
    if (typeof userHandler !== "function") {
      throw new TypeError(
        `Cannot start worker: ${msg.module} has no default export function (the connection handler)`,
      );
    }
    handler = (conn) => userHandler(conn, msg.handlerOptions);
  } catch (e) {
    scope.postMessage({ type: "fatal", id, error: wire(e) });
    return;
  }
  try {
    const options: TcpServeOptions = {
      ...msg.options,
      port: msg.port,
      reusePort: true,
      onError: (e) => scope.postMessage({ type: "error", id, error: wire(e) }),
      onDrop: (info) =>
        scope.postMessage({
          type: "drop",
          id,
          remoteAddr: info.remoteAddr as Deno.NetAddr,
        }),
    };
    server = serve(handler, options);
  } catch (e) {
    scope.postMessage({ type: "fatal", id, error: wire(e) });
    return;
  }
  scope.postMessage({ type: "listening", id, addr: server.addr });
}

scope.onmessage = (e) => {
  const msg = e.data;
  switch (msg.type) {
    case "start":
      start(msg);
      break;
    case "stats":
      if (server) scope.postMessage({ type: "stats", id, seq: msg.seq, stats: server.stats() });
      break;
    case "shutdown":
      if (!server) {
        scope.postMessage({ type: "stopped", id, stats: null });
        break;
      }
      server.shutdown().then(() => {
        scope.postMessage({ type: "stopped", id, stats: server!.stats() });
      });
      break;
  }
};
