/**
 * What each `serveWorkers` Worker runs: it imports the user's handler module, runs a serve
 * loop on the shared port (`reusePort`), and answers the main thread's messages (stats,
 * shutdown). `runWorker(serveFn)` is shared by the plain entry (`./_worker_entry.ts`, with
 * `serve`) and the TLS one (`../tls/_worker_entry.ts`, with `serveTls`). Private: the message
 * shapes are in `./workers.ts`.
 *
 * @module
 */

import type { Server, TcpServeOptions } from "./serve.ts";
import type { ToMain, ToWorker, WireError } from "./workers.ts";

/** A serve function for one worker: `serve`, or `serveTls` from ./tls. */
export type WorkerServeFn = (
  // deno-lint-ignore no-explicit-any
  handler: (conn: any) => void | Promise<void>,
  options: TcpServeOptions,
) => Server<Deno.NetAddr>;

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

/**
 * Run this Worker's side of `serveWorkers` with `serveFn`.
 *
 * @param serveFn Opens the listener and serves it.
 */
export function runWorker(serveFn: WorkerServeFn): void {
  let server: Server<Deno.NetAddr> | undefined;
  let id = -1;

  async function start(msg: Extract<ToWorker, { type: "start" }>) {
    id = msg.id;
    // deno-lint-ignore no-explicit-any
    let handler: (conn: any) => void | Promise<void>;
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
      server = serveFn(handler, options);
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
}
