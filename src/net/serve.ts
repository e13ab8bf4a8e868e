/**
 * `serve(handler, options)`: accept TCP (or Unix) connections and run `handler` for each, with
 * a connection cap, a per-connection idle timeout, error isolation, accept back-off (so
 * running out of file descriptors pauses accepting instead of killing the server), PROXY
 * protocol, live counters, and graceful shutdown through an `AbortSignal`, `shutdown()` or
 * (opt-in) SIGINT/SIGTERM. For several cores see `serveWorkers` in `./workers.ts`.
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
 * assert.equal(server.stats().accepted, 1);
 * ```
 *
 * @module
 */

import { listen, type TcpConnection, type TcpListenOptions } from "./tcp.ts";
import { listenUnix, type UnixConnection, type UnixListenOptions } from "./unix.ts";
import { ProxiedTcpConnection } from "./proxied_tcp.ts";
import { readProxyHeader } from "../proxy/mod.ts";
import { closeAfterHandler } from "./_close_hooks.ts";
import type { StreamConnection } from "./stream_connection.ts";
import { ffiGranted } from "../_ffi/libc.ts";

/** Addresses of a connection that was dropped because of `maxConnections`. */
export interface DropInfo {
  /** The server's address. */
  localAddr: Deno.Addr;
  /** The dropped client's address. */
  remoteAddr: Deno.Addr;
}

/** Counters of a running server (see {@linkcode Server.stats}). */
export interface ServeStats {
  /** Connections accepted (including dropped ones). */
  accepted: number;
  /** Connections whose handler (or PROXY header read) is running now. */
  active: number;
  /** Connections closed after their handler ran (or their PROXY header failed). */
  closed: number;
  /** Connections closed at once because of `maxConnections`. */
  dropped: number;
  /** Errors reported to `onError`: handler throws, failed accepts, bad PROXY headers. */
  errors: number;
  /** Bytes received on handled connections (closed ones plus active ones so far). */
  bytesRead: number;
  /** Bytes sent on handled connections (closed ones plus active ones so far). */
  bytesWritten: number;
}

/** Options shared by TCP and Unix {@linkcode serve}. */
export interface ServeCommonOptions {
  /** Aborting it shuts the server down gracefully: stop accepting, wait up to `shutdownTimeout` for handlers, then close what remains. */
  signal?: AbortSignal;
  /** Shut down gracefully (as `signal`) on SIGINT or SIGTERM. Default `false`. */
  handleSignals?: boolean;
  /** Accept at most this many connections at once; more are closed right after accept and reported to `onDrop`. Default: no limit. */
  maxConnections?: number;
  /** How long shutdown waits for running handlers before closing their connections (ms). Default 5000. */
  shutdownTimeout?: number;
  /**
   * TCP, with `--allow-ffi`: when a handler returns before the peer has acknowledged all it
   * sent, half-close and wait up to this long (ms) for the acknowledgement or the peer's close
   * before closing, so that unread input from the peer cannot make the close an RST that
   * discards the reply (a lingering close). 0 closes at once. Default 5000.
   */
  lingerTimeout?: number;
  /** Called with the bound address once listening. */
  onListen?: (addr: Deno.Addr) => void;
  /** Called for each dropped connection (see `maxConnections`). */
  onDrop?: (info: DropInfo) => void;
  /** Called when a handler throws, an accept fails or a PROXY header is bad; the server keeps running. Default: `console.error`. */
  onError?: (error: unknown) => void;
}

/** PROXY protocol setting of a listener: `"off"`, or the versions a (required) header may use. */
export type ServeProxyProtocol = "off" | "v1" | "v2" | "auto";

/**
 * Options of TCP {@linkcode serve}. The listener's `readTimeout`, `writeTimeout` and
 * `idleTimeout` apply to every accepted connection (so `idleTimeout` is the serve-level idle
 * timeout; a handler can change its connection's with `conn.setTimeouts`).
 */
export interface TcpServeOptions extends ServeCommonOptions, TcpListenOptions {
  /**
   * Expect a PROXY protocol header (HAProxy `send-proxy`/`send-proxy-v2`, nginx
   * `proxy_protocol on`) at the start of each connection. `"auto"` requires a header and takes
   * v1 or v2; `"v1"`/`"v2"` take only that version. The handler gets a
   * {@linkcode ProxiedTcpConnection} whose `remoteAddr` is the real client. A connection with a
   * bad or missing header is closed and its `ProxyProtocolError` (or `Deno.errors.TimedOut`)
   * goes to `onError`. Default `"off"`.
   */
  proxyProtocol?: ServeProxyProtocol;
  /** Milliseconds the PROXY header may take to arrive. Default 5000. */
  proxyHeaderTimeout?: number;
  /** Largest PROXY header accepted, bytes. Default 4096. */
  proxyMaxHeaderSize?: number;
  /** Peers (IP as `remoteAddr.hostname` shows it) allowed to send a PROXY header; others are closed. Default: any. */
  trustedProxies?: string[];
}
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
  /** The counters so far. */
  stats(): ServeStats;
  /** Shut down gracefully (same as aborting `signal`); resolves with {@linkcode finished}. */
  shutdown(): Promise<void>;
}

/**
 * What {@linkcode serve} calls for each accepted connection. The connection is closed when the
 * returned promise settles (or the function returns).
 */
export type ConnectionHandler<C> = (conn: C) => void | Promise<void>;

const PROXY_MODES = ["off", "v1", "v2", "auto"];
const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Serve TCP connections (or Unix ones when `path` is given), calling `handler` for each. The
 * connection is closed when the handler returns or throws.
 *
 * @param handler Runs once per connection.
 * @param options Where to listen, limits, timeouts, PROXY protocol, shutdown signal and hooks.
 * @returns The running server.
 * @throws {RangeError} for a bad `maxConnections`, `proxyProtocol` or timeout.
 * @throws whatever `listen` throws (bad port, `AddrInUse`), synchronously.
 *
 * @example The handler sees the real client behind a proxy
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve } from "./serve.ts";
 * import { connect } from "./tcp.ts";
 * import { encodeProxyHeader } from "../proxy/mod.ts";
 * const seen: string[] = [];
 * await using server = serve((conn) => {
 *   seen.push(conn.remoteAddr.hostname);
 * }, { hostname: "127.0.0.1", port: 0, proxyProtocol: "v2" });
 * const c = await connect({ port: server.addr.port });
 * await c.writeAll(encodeProxyHeader({
 *   source: { transport: "tcp", hostname: "198.51.100.4", port: 1234 },
 *   destination: { transport: "tcp", hostname: "127.0.0.1", port: server.addr.port },
 * }));
 * assert.equal(await c.read(new Uint8Array(1)), null); // the handler returned: closed
 * await c.close();
 * assert.deepEqual(seen, ["198.51.100.4"]);
 * ```
 */
export function serve(
  handler: ConnectionHandler<TcpConnection>,
  options?: TcpServeOptions,
): Server<Deno.NetAddr>;
/** Serves a Unix stream socket at `options.path`, one handler call per connection. */
export function serve(
  handler: ConnectionHandler<UnixConnection>,
  options: UnixServeOptions,
): Server<Deno.UnixAddr>;
export function serve(
  // deno-lint-ignore no-explicit-any
  handler: ConnectionHandler<any>,
  options: TcpServeOptions | UnixServeOptions = {},
): Server {
  const isUnix = "path" in options && options.path !== undefined;
  const checked = checkServeOptions(options, isUnix ? "off" : undefined);
  const listener = isUnix
    ? listenUnix(options as UnixListenOptions)
    : listen(options as TcpListenOptions);
  return serveOn(listener, handler, options, checked);
}

/** What {@linkcode serveOn} accepts from: a sockkit listener of any transport. */
export interface ServeListener<C extends ServedConnection> {
  readonly addr: Deno.Addr;
  readonly closed: boolean;
  accept(): Promise<C>;
  close(): void;
}

/** What {@linkcode serveOn} serves: a sockkit stream connection (TCP, Unix or TLS). */
export type ServedConnection = StreamConnection<Deno.Addr, Deno.Conn>;

/** The checked numbers of {@linkcode ServeCommonOptions} and the PROXY settings. */
export interface CheckedServeOptions {
  max: number | undefined;
  proxyMode: ServeProxyProtocol;
  headerTimeout: number;
  shutdownTimeout: number;
  lingerTimeout: number;
}

/**
 * Check the options `serve` (and `serveTls` in ./tls) take, before anything listens.
 *
 * @param options The options.
 * @param proxyMode The PROXY mode when the transport fixes it (Unix: `"off"`).
 * @returns The checked values.
 * @throws {RangeError} for a bad `maxConnections`, `proxyProtocol`, `proxyHeaderTimeout` or
 *   `lingerTimeout`.
 */
export function checkServeOptions(
  options:
    & ServeCommonOptions
    & Partial<Pick<TcpServeOptions, "proxyProtocol" | "proxyHeaderTimeout">>,
  proxyMode: ServeProxyProtocol = options.proxyProtocol ?? "off",
): CheckedServeOptions {
  const max = options.maxConnections;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new RangeError(`Cannot serve: maxConnections must be a positive integer, got ${max}`);
  }
  if (!PROXY_MODES.includes(proxyMode)) {
    throw new RangeError(
      `Cannot serve: proxyProtocol must be "off", "v1", "v2" or "auto", got ${proxyMode}`,
    );
  }
  const headerTimeout = options.proxyHeaderTimeout ?? 5000;
  if (!(typeof headerTimeout === "number" && headerTimeout > 0)) {
    throw new RangeError(
      `Cannot serve: proxyHeaderTimeout must be a positive number of ms, got ${headerTimeout}`,
    );
  }
  const shutdownTimeout = options.shutdownTimeout ?? 5000;
  const lingerTimeout = options.lingerTimeout ?? 5000;
  if (
    !(typeof lingerTimeout === "number" && lingerTimeout >= 0 && Number.isFinite(lingerTimeout))
  ) {
    throw new RangeError(
      `Cannot serve: lingerTimeout must be a finite number of ms >= 0, got ${lingerTimeout}`,
    );
  }
  return { max, proxyMode, headerTimeout, shutdownTimeout, lingerTimeout };
}

/**
 * The accept loop of `serve`, on a listener that is already open (`serve` opens TCP or Unix,
 * `serveTls` in ./tls a TLS one): one handler call per connection, limits, the lingering
 * close, counters and graceful shutdown, as {@linkcode serve} documents.
 *
 * @param listener The listener; the server closes it on shutdown.
 * @param handler Called once per accepted connection.
 * @param options The options, as given to `serve`.
 * @param checked Their checked values, from {@linkcode checkServeOptions}.
 * @returns The running server.
 */
export function serveOn<C extends ServedConnection>(
  listener: ServeListener<C>,
  handler: ConnectionHandler<C>,
  options: ServeCommonOptions & Partial<TcpServeOptions>,
  checked: CheckedServeOptions,
): Server {
  const { max, proxyMode, headerTimeout, shutdownTimeout, lingerTimeout } = checked;
  // Asked once: the lingering close needs FFI (SIOCOUTQ); without it connections close at once.
  const lingerWait = lingerTimeout > 0 && ffiGranted() ? lingerTimeout : 0;
  const userOnError = options.onError ?? ((e: unknown) => console.error("sockkit serve:", e));
  const timeouts = {
    readTimeout: options.readTimeout,
    writeTimeout: options.writeTimeout,
    idleTimeout: options.idleTimeout,
  };
  const counts = { accepted: 0, closed: 0, dropped: 0, errors: 0, bytesRead: 0, bytesWritten: 0 };
  const onError = (e: unknown) => {
    counts.errors++;
    userOnError(e);
  };
  const active = new Set<C>();
  const running = new Set<Promise<void>>();
  let stopping = false;
  let stopWaiter: (() => void) | undefined;
  const stopped = new Promise<void>((r) => (stopWaiter = r));
  const stopCtl = new AbortController();

  const stop = () => {
    if (stopping) return;
    stopping = true;
    listener.close();
    stopCtl.abort(
      new Deno.errors.Interrupted("Cannot read PROXY header: the server is shutting down"),
    );
    stopWaiter!();
  };
  const onAbort = () => stop();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const signals: string[] = [];
  if (options.handleSignals) {
    for (const s of SHUTDOWN_SIGNALS) {
      try {
        Deno.addSignalListener(s, onAbort);
        signals.push(s);
      } catch {
        // Not supported on this platform (SIGTERM on Windows).
      }
    }
  }
  if (options.signal?.aborted) stop();

  const account = (conn: C) => {
    counts.bytesRead += conn.bytesRead;
    counts.bytesWritten += conn.bytesWritten;
  };

  const runOne = (accepted: C) => {
    active.add(accepted);
    const p = (async () => {
      let conn = accepted;
      let inHeader = false;
      try {
        if (proxyMode !== "off") {
          inHeader = true;
          const raw = (accepted as unknown as TcpConnection).raw;
          // The wrapper's idle timer would run during the header read: the header has its own.
          accepted.setTimeouts({ idleTimeout: 0 });
          const { header, rest } = await readProxyHeader(raw, {
            mode: proxyMode as "v1" | "v2" | "auto",
            timeout: headerTimeout,
            maxHeaderSize: options.proxyMaxHeaderSize,
            trustedProxies: options.trustedProxies,
            signal: stopCtl.signal,
          });
          inHeader = false;
          conn = new ProxiedTcpConnection(raw, header, rest, timeouts) as unknown as C;
          active.delete(accepted);
          if (stopping) return;
          active.add(conn);
        }
        await handler(conn);
      } catch (e) {
        // Errors caused by shutdown cutting a connection off are not reported.
        if (!(stopping && (conn.closed || inHeader))) onError(e);
      } finally {
        active.delete(accepted);
        active.delete(conn);
        counts.closed++;
        account(conn);
        await closeAfterHandler(conn, lingerWait);
        if (conn !== accepted) await accepted.close().catch(() => {});
      }
    })();
    running.add(p);
    p.finally(() => running.delete(p));
  };

  const acceptLoop = async () => {
    let backoff = 5;
    while (!stopping) {
      let conn: C;
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
      counts.accepted++;
      if (stopping) {
        conn.close().catch(onError);
        break;
      }
      if (max !== undefined && active.size >= max) {
        const info = { localAddr: conn.localAddr, remoteAddr: conn.remoteAddr };
        counts.dropped++;
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
    for (const s of signals) Deno.removeSignalListener(s as Deno.Signal, onAbort);
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
    stats() {
      let bytesRead = counts.bytesRead, bytesWritten = counts.bytesWritten;
      for (const c of active) {
        bytesRead += c.bytesRead;
        bytesWritten += c.bytesWritten;
      }
      return {
        accepted: counts.accepted,
        active: active.size,
        closed: counts.closed,
        dropped: counts.dropped,
        errors: counts.errors,
        bytesRead,
        bytesWritten,
      };
    },
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
