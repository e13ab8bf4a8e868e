/**
 * `serve(handler, options)`: accept TCP (or Unix) connections and run `handler` for each, with
 * a connection cap, error isolation, accept back-off and graceful shutdown through an
 * `AbortSignal`. The options object is open for later additions (workers, PROXY protocol).
 *
 * Permissions: `--allow-net` (plus `--allow-read`/`--allow-write` for a Unix `path`, and
 * `--allow-ffi` when socket options are given).
 *
 * @example An echo server that shuts down gracefully
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve } from "./serve.ts";
 * import { connect } from "./tcp.ts";
 * const ac = new AbortController();
 * const server = serve(async (conn) => {
 *   const buf = new Uint8Array(1024);
 *   for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
 * }, { hostname: "127.0.0.1", port: 0, signal: ac.signal });
 * {
 *   await using c = await connect({ port: server.addr.port });
 *   await c.writeAll(new Uint8Array([7, 8, 9]));
 *   assert.deepEqual(await c.readFull(new Uint8Array(3)), new Uint8Array([7, 8, 9]));
 * }
 * ac.abort();
 * await server.finished;
 * ```
 *
 * @module
 */

import { listen, type TcpConnection, type TcpListenOptions } from "./tcp.ts";
import { listenUnix, type UnixConnection, type UnixListenOptions } from "./unix.ts";

/** Addresses of a connection that was dropped because of `maxConnections`. */
export interface DropInfo {
  /** The server's address. */
  localAddr: Deno.Addr;
  /** The dropped client's address. */
  remoteAddr: Deno.Addr;
}

/** Options shared by TCP and Unix {@linkcode serve}. */
export interface ServeCommonOptions {
  /** Aborting it shuts the server down gracefully: stop accepting, wait up to `shutdownTimeout` for handlers, then close what remains. */
  signal?: AbortSignal;
  /** Accept at most this many connections at once; more are closed right after accept and reported to `onDrop`. Default: no limit. */
  maxConnections?: number;
  /** How long shutdown waits for running handlers before closing their connections (ms). Default 5000. */
  shutdownTimeout?: number;
  /** Called with the bound address once listening. */
  onListen?: (addr: Deno.Addr) => void;
  /** Called for each dropped connection (see `maxConnections`). */
  onDrop?: (info: DropInfo) => void;
  /** Called when a handler throws or an accept fails; the server keeps running. Default: `console.error`. */
  onError?: (error: unknown) => void;
}

/** Options of TCP {@linkcode serve}. */
export interface TcpServeOptions extends ServeCommonOptions, TcpListenOptions {}
/** Options of Unix {@linkcode serve}: give `path`. */
export interface UnixServeOptions extends ServeCommonOptions, UnixListenOptions {}

/** A running server. */
export interface Server<A extends Deno.Addr = Deno.Addr> extends AsyncDisposable {
  /** The bound address. */
  readonly addr: A;
  /** Connections whose handler is running. */
  readonly connections: number;
  /** Settles when the server has shut down and every handler finished or was cut off. */
  readonly finished: Promise<void>;
  /** Shut down gracefully (same as aborting `signal`); resolves with {@linkcode finished}. */
  shutdown(): Promise<void>;
}

type Handler<C> = (conn: C) => void | Promise<void>;

/**
 * Serve TCP connections (or Unix ones when `path` is given), calling `handler` for each. The
 * connection is closed when the handler returns or throws.
 *
 * @param handler Runs once per connection.
 * @param options Where to listen, limits, shutdown signal and hooks.
 * @returns The running server.
 * @throws whatever `listen` throws (bad port, `AddrInUse`), synchronously.
 */
export function serve(
  handler: Handler<TcpConnection>,
  options?: TcpServeOptions,
): Server<Deno.NetAddr>;
export function serve(
  handler: Handler<UnixConnection>,
  options: UnixServeOptions,
): Server<Deno.UnixAddr>;
export function serve(
  // deno-lint-ignore no-explicit-any
  handler: Handler<any>,
  options: TcpServeOptions | UnixServeOptions = {},
): Server {
  const max = options.maxConnections;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new RangeError(`Cannot serve: maxConnections must be a positive integer, got ${max}`);
  }
  const shutdownTimeout = options.shutdownTimeout ?? 5000;
  const onError = options.onError ?? ((e: unknown) => console.error("sockkit serve:", e));
  const listener = "path" in options && options.path !== undefined
    ? listenUnix(options as UnixListenOptions)
    : listen(options as TcpListenOptions);
  const active = new Set<TcpConnection | UnixConnection>();
  const running = new Set<Promise<void>>();
  let stopping = false;
  let stopWaiter: (() => void) | undefined;
  const stopped = new Promise<void>((r) => (stopWaiter = r));

  const stop = () => {
    if (stopping) return;
    stopping = true;
    listener.close();
    stopWaiter!();
  };
  const onAbort = () => stop();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop();

  const runOne = (conn: TcpConnection | UnixConnection) => {
    active.add(conn);
    const p = (async () => {
      try {
        await handler(conn);
      } catch (e) {
        if (!(stopping && conn.closed)) onError(e);
      } finally {
        active.delete(conn);
        await conn.close().catch(onError);
      }
    })();
    running.add(p);
    p.finally(() => running.delete(p));
  };

  const acceptLoop = async () => {
    let backoff = 5;
    while (!stopping) {
      let conn: TcpConnection | UnixConnection;
      try {
        conn = await listener.accept();
        backoff = 5;
      } catch (e) {
        if (stopping || listener.closed) break;
        onError(e);
        // EMFILE and friends: back off instead of spinning, then try again.
        await Promise.race([new Promise((r) => setTimeout(r, backoff)), stopped]);
        backoff = Math.min(backoff * 2, 1000);
        continue;
      }
      if (stopping) {
        conn.close().catch(onError);
        break;
      }
      if (max !== undefined && active.size >= max) {
        const info = { localAddr: conn.localAddr, remoteAddr: conn.remoteAddr };
        conn.close().catch(onError);
        options.onDrop?.(info);
        continue;
      }
      runOne(conn);
    }
  };

  const finished = (async () => {
    await acceptLoop();
    options.signal?.removeEventListener("abort", onAbort);
    if (running.size) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<void>((r) => (timer = setTimeout(r, shutdownTimeout)));
      await Promise.race([Promise.allSettled([...running]), timedOut]);
      clearTimeout(timer);
      for (const c of active) c.close().catch(onError);
      await Promise.allSettled([...running]);
    }
  })();

  options.onListen?.(listener.addr);
  return {
    get addr() {
      return listener.addr;
    },
    get connections() {
      return active.size;
    },
    finished,
    shutdown() {
      stop();
      return finished;
    },
    [Symbol.asyncDispose]() {
      stop();
      return finished;
    },
  };
}
