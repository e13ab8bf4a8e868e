/**
 * `serveWorkers(options)`: run a TCP server on several cores. It starts N Deno Workers; each
 * imports your handler module (its default export is the connection handler, since functions
 * cannot be sent to a Worker), and runs its own `serve` accept loop on the same port with
 * `SO_REUSEPORT`, so the Linux kernel spreads new connections across them. Counters are
 * gathered from every worker through `postMessage`. Shutdown (an `AbortSignal`, `shutdown()`,
 * or SIGINT/SIGTERM when `handleSignals` is set) stops accepting in every worker, waits for
 * running handlers up to `shutdownTimeout`, closes what remains, and terminates the workers.
 *
 * Port 0 works: the first worker binds port 0 and reports the port; the others then bind it.
 *
 * Permissions: the Workers inherit the caller's permissions; they need `--allow-net`,
 * `--allow-read` for a `file:` handler module, and `--allow-ffi` when socket options are given.
 * Linux only in practice (`reusePort` load balancing).
 *
 * @example Two workers echo on one port
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveWorkers } from "./workers.ts";
 * import { connect } from "./tcp.ts";
 * const module = "data:application/javascript," + encodeURIComponent(
 *   "export default async (c) => { const b = new Uint8Array(64); let n;" +
 *     " while ((n = await c.read(b)) !== null) await c.writeAll(b.subarray(0, n)); }",
 * );
 * await using server = await serveWorkers({ module, workers: 2, hostname: "127.0.0.1", port: 0 });
 * {
 *   await using c = await connect({ port: server.addr.port });
 *   await c.writeAll(new Uint8Array([1, 2, 3]));
 *   assert.deepEqual(await c.readFull(new Uint8Array(3)), new Uint8Array([1, 2, 3]));
 * }
 * await server.shutdown();
 * const stats = await server.stats();
 * assert.equal(stats.total.accepted, 1);
 * assert.equal(stats.perWorker.length, 2);
 * ```
 *
 * @module
 */

import type { ServeStats, TcpServeOptions } from "./serve.ts";
import { ProxyProtocolError } from "../proxy/errors.ts";

/** An error as it crosses from a worker (private wire format). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  reason?: string;
  offset?: number;
  stack?: string;
}

/** The serializable part of the options, as sent to each worker. */
export type WorkerServeSettings = Omit<
  TcpServeOptions,
  "signal" | "handleSignals" | "onListen" | "onDrop" | "onError" | "reusePort" | "port"
>;

/** Messages from the main thread to a worker (private). */
export type ToWorker =
  | {
    type: "start";
    id: number;
    module: string;
    port: number;
    options: WorkerServeSettings;
    handlerOptions: unknown;
  }
  | { type: "stats"; seq: number }
  | { type: "shutdown" };

/** Messages from a worker to the main thread (private). */
export type ToMain =
  | { type: "listening"; id: number; addr: Deno.NetAddr }
  | { type: "fatal"; id: number; error: WireError }
  | { type: "error"; id: number; error: WireError }
  | { type: "drop"; id: number; remoteAddr: Deno.NetAddr }
  | { type: "stats"; id: number; seq: number; stats: ServeStats }
  | { type: "stopped"; id: number; stats: ServeStats | null };

/** Options of {@linkcode serveWorkers}. */
export interface WorkerServeOptions extends WorkerServeSettings {
  /**
   * The handler module: a URL (or a path, resolved against the current directory) whose
   * default export is `(conn: TcpConnection, handlerOptions) => void | Promise<void>`.
   */
  module: URL | string;
  /**
   * A structured-cloneable value handed to the handler as its second argument in every worker
   * (settings such as an echo mode or a frame spec, since closures cannot cross to a Worker).
   * Default `undefined`.
   */
  handlerOptions?: unknown;
  /** How many workers (accept loops). Default: `navigator.hardwareConcurrency`. */
  workers?: number;
  /** Port; `0` (the default) lets the kernel pick one for all workers. */
  port?: number;
  /** Aborting it shuts every worker down gracefully (see {@linkcode WorkerServer.shutdown}). */
  signal?: AbortSignal;
  /** Shut down gracefully on SIGINT or SIGTERM. Default `false`. */
  handleSignals?: boolean;
  /** Called with the bound address once every worker listens. */
  onListen?: (addr: Deno.NetAddr) => void;
  /** Called for each connection a worker dropped because of `maxConnections` (which is per worker). */
  onDrop?: (info: { worker: number; remoteAddr: Deno.NetAddr }) => void;
  /**
   * Called with errors from the workers (handler throws, failed accepts, bad PROXY headers),
   * rebuilt as `ProxyProtocolError`, `Deno.errors.*`, a standard `TypeError`/`RangeError`/... or `Error`, with `worker` (its index) and
   * `code` attached. Default: `console.error`.
   */
  onError?: (error: Error & { worker: number; code?: string }) => void;
}

/** Counters of a {@linkcode WorkerServer}: per worker and summed. */
export interface WorkersStats {
  /** Sums over all workers (`active` is the sum of each worker's active connections). */
  total: ServeStats;
  /** One entry per worker, in start order. */
  perWorker: ServeStats[];
}

/** A running multi-worker server. */
export interface WorkerServer extends AsyncDisposable {
  /** The bound address, shared by every worker. */
  readonly addr: Deno.NetAddr;
  /** Number of workers. */
  readonly workers: number;
  /** Settles when every worker has shut down and been terminated. */
  readonly finished: Promise<void>;
  /** Fresh counters from every worker (after shutdown: the final ones). */
  stats(): Promise<WorkersStats>;
  /** Shut down gracefully; resolves with {@linkcode finished}. */
  shutdown(): Promise<void>;
}

const ZERO: ServeStats = {
  accepted: 0,
  active: 0,
  closed: 0,
  dropped: 0,
  errors: 0,
  bytesRead: 0,
  bytesWritten: 0,
};

/** Sum counters. */
function sumStats(list: ServeStats[]): ServeStats {
  const t = { ...ZERO };
  for (const s of list) {
    for (const k of Object.keys(t) as (keyof ServeStats)[]) t[k] += s[k];
  }
  return t;
}

const STANDARD_ERRORS: Record<string, new (m: string) => Error> = {
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
};

function rebuild(w: WireError, worker: number): Error & { worker: number; code?: string } {
  let e: Error;
  if (w.name === "ProxyProtocolError") {
    e = new ProxyProtocolError(w.reason ?? "unknown", w.offset ?? 0, w.message);
  } else {
    const Ctor = STANDARD_ERRORS[w.name] ??
      (Deno.errors as Record<string, (new (m: string) => Error) | undefined>)[w.name];
    e = Ctor ? new Ctor(w.message) : new Error(w.message);
    if (!Ctor) e.name = w.name;
  }
  if (w.stack) e.stack = w.stack;
  return Object.assign(e, { worker, ...(w.code !== undefined ? { code: w.code } : {}) });
}

function moduleUrl(spec: URL | string): string {
  if (spec instanceof URL) return spec.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) return spec;
  return new URL(spec, `file://${Deno.cwd()}/`).href;
}

const ENTRY = new URL("./_worker_entry.ts", import.meta.url).href;
const SIGNALS = ["SIGINT", "SIGTERM"] as const;

class WorkerHandle {
  readonly worker: Worker;
  last: ServeStats = { ...ZERO };
  stopped = false;
  #waiters = new Map<string, (m: ToMain) => void>();
  constructor(
    readonly id: number,
    entry: string,
    onMessage: (h: WorkerHandle, m: ToMain) => void,
    onCrash: (h: WorkerHandle, e: ErrorEvent) => void,
  ) {
    this.worker = new Worker(entry, { type: "module", name: `sockkit-worker-${id}` });
    this.worker.onmessage = (e: MessageEvent<ToMain>) => {
      const m = e.data;
      const key = m.type === "stats" ? `stats:${m.seq}` : m.type;
      const w = this.#waiters.get(key);
      if (w) {
        this.#waiters.delete(key);
        w(m);
      }
      onMessage(this, m);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      onCrash(this, e);
    };
  }
  send(m: ToWorker) {
    if (!this.stopped) this.worker.postMessage(m);
  }
  /** Resolve with the next message of `key` (type, or `stats:<seq>`), or undefined after `ms`. */
  wait(key: string, ms: number): Promise<ToMain | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#waiters.delete(key);
        resolve(undefined);
      }, ms);
      this.#waiters.set(key, (m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }
  /** Resolve with `listening`, or reject with the worker's fatal error. */
  started(): Promise<Deno.NetAddr> {
    return new Promise((resolve, reject) => {
      this.#waiters.set("listening", (m) => resolve((m as { addr: Deno.NetAddr }).addr));
      this.#waiters.set(
        "fatal",
        (m) => reject(rebuild((m as { error: WireError }).error, this.id)),
      );
    });
  }
  failStart(e: Error) {
    const f = this.#waiters.get("fatal");
    this.#waiters.delete("fatal");
    this.#waiters.delete("listening");
    f?.({ type: "fatal", id: this.id, error: { name: e.name, message: e.message } });
  }
  terminate() {
    this.stopped = true;
    this.worker.terminate();
  }
}

/**
 * Serve TCP connections on `workers` Deno Workers sharing one port (`SO_REUSEPORT`).
 *
 * @param options The handler `module`, `workers`, where to listen, and every serializable
 *   {@linkcode TcpServeOptions} (limits such as `maxConnections` apply per worker;
 *   `idleTimeout`, `proxyProtocol`, socket options), plus `signal`, `handleSignals`, `onListen`,
 *   `onDrop` and `onError`.
 * @returns The running server, once every worker listens.
 * @throws {RangeError} for a bad `workers` count (and, from a worker, bad options).
 * @throws {TypeError} when the module has no default export function.
 * @throws whatever `listen` throws in a worker (`AddrInUse`, rebuilt as `Deno.errors.AddrInUse`);
 *   the workers already started are terminated.
 */
export function serveWorkers(options: WorkerServeOptions): Promise<WorkerServer> {
  return startWorkers(ENTRY, options);
}

/**
 * {@linkcode serveWorkers} with another Worker entry module: `serveTlsWorkers` in ./tls runs
 * `serveTls` in each Worker. Every field of `options` other than the callbacks, `signal`,
 * `module`, `workers` and `port` goes to each Worker's serve function.
 *
 * @param entry The entry module's URL; it calls `runWorker` from `./_worker_runtime.ts`.
 * @param options As for {@linkcode serveWorkers}, plus what the entry's serve function takes.
 * @returns The running server, once every worker listens.
 */
export async function startWorkers(
  entry: string,
  options: WorkerServeOptions,
): Promise<WorkerServer> {
  const n = options.workers ?? navigator.hardwareConcurrency ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new RangeError(`Cannot serve: workers must be an integer 1-1024, got ${n}`);
  }
  const module = moduleUrl(options.module);
  const {
    module: _m,
    handlerOptions,
    workers: _w,
    port: _p,
    signal,
    handleSignals,
    onListen,
    onDrop,
    onError: userOnError,
    ...settings
  } = options;
  const onError = userOnError ??
    ((e: Error) =>
      console.error(`sockkit serveWorkers (worker ${(e as { worker?: number }).worker}):`, e));
  const shutdownTimeout = options.shutdownTimeout ?? 5000;

  const onMessage = (h: WorkerHandle, m: ToMain) => {
    if (m.type === "error") onError(rebuild(m.error, h.id));
    else if (m.type === "drop") onDrop?.({ worker: h.id, remoteAddr: m.remoteAddr });
    else if (m.type === "stats" || (m.type === "stopped" && m.stats)) h.last = m.stats!;
  };
  const onCrash = (h: WorkerHandle, e: ErrorEvent) => {
    const err = Object.assign(
      new Error(`Worker ${h.id} crashed: ${e.message}`),
      { worker: h.id },
    );
    h.failStart(err);
    onError(err);
  };

  const handles: WorkerHandle[] = [];
  const startOne = (port: number) => {
    const h = new WorkerHandle(handles.length, entry, onMessage, onCrash);
    handles.push(h);
    const started = h.started();
    h.send({ type: "start", id: h.id, module, port, options: settings, handlerOptions });
    return started;
  };
  let addr: Deno.NetAddr;
  try {
    // The first worker binds (port 0: the kernel picks), then the others join its port.
    addr = await startOne(options.port ?? 0);
    await Promise.all(Array.from({ length: n - 1 }, () => startOne(addr.port)));
  } catch (e) {
    for (const h of handles) h.terminate();
    throw e;
  }

  let stopping: Promise<void> | undefined;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((r) => (resolveFinished = r));
  const stop = (): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      signal?.removeEventListener("abort", onAbort);
      for (const s of signals) Deno.removeSignalListener(s, onAbort);
      await Promise.all(handles.map(async (h) => {
        const done = h.wait("stopped", shutdownTimeout + 2000);
        h.send({ type: "shutdown" });
        await done;
        h.terminate();
      }));
      resolveFinished();
    })();
    return stopping;
  };
  const onAbort = () => void stop();
  signal?.addEventListener("abort", onAbort, { once: true });
  const signals: Deno.Signal[] = [];
  if (handleSignals) {
    for (const s of SIGNALS) {
      try {
        Deno.addSignalListener(s, onAbort);
        signals.push(s);
      } catch {
        // Not supported on this platform.
      }
    }
  }
  if (signal?.aborted) stop();
  onListen?.(addr);

  let seq = 0;
  return {
    addr,
    workers: n,
    finished,
    async stats() {
      const s = ++seq;
      await Promise.all(handles.map(async (h) => {
        if (h.stopped) return;
        const reply = h.wait(`stats:${s}`, 2000);
        h.send({ type: "stats", seq: s });
        await reply;
      }));
      const perWorker = handles.map((h) => ({ ...h.last }));
      return { total: sumStats(perWorker), perWorker };
    },
    shutdown: stop,
    [Symbol.asyncDispose]: stop,
  };
}
