/**
 * TCP over `Deno.connect` and `Deno.listen`, with connect timeouts and `AbortSignal`, read,
 * write and idle timeouts (the seeds' `SO_RCVTIMEO`/`SO_SNDTIMEO`, done asynchronously),
 * half-close, byte counters, streams, and socket options applied at connect or listen time.
 *
 * Permissions: `--allow-net`. Socket options other than `noDelay` and boolean `keepAlive`
 * also need `--allow-ffi`.
 *
 * @example Echo one message over loopback
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, listen } from "./tcp.ts";
 * await using server = listen({ hostname: "127.0.0.1", port: 0 });
 * const echo = (async () => {
 *   await using c = await server.accept();
 *   const buf = new Uint8Array(64);
 *   const n = await c.read(buf);
 *   await c.writeAll(buf.subarray(0, n!));
 * })();
 * await using client = await connect({ port: server.addr.port, timeout: 2000 });
 * await client.writeAll(new TextEncoder().encode("hello"));
 * const got = new Uint8Array(5);
 * await client.readFull(got);
 * assert.equal(new TextDecoder().decode(got), "hello");
 * await echo;
 * ```
 *
 * @module
 */

import { annotateError, SocketTimeoutError } from "./errors.ts";
import { checkTimeout } from "./_deadline.ts";
import { StreamConnection, type StreamTimeouts } from "./stream_connection.ts";
import {
  applySocketOptions,
  type InlineSocketOptions,
  pickSocketOptions,
} from "./inline_options.ts";
import { acceptUntilClosed, closeIgnoringBadResource } from "./_listener.ts";

/** A TCP connection made by {@linkcode connect} or accepted by a {@linkcode TcpServer}. */
export class TcpConnection extends StreamConnection<Deno.NetAddr, Deno.TcpConn> {
  /**
   * Wrap a `Deno.TcpConn` you already have.
   *
   * @param raw The connection; it is used as is and closed by {@linkcode close}.
   * @param timeouts Read, write and idle timeouts in ms.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TcpConnection } from "./tcp.ts";
   * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * using raw = await Deno.connect({ port: l.addr.port });
   * using peer = await l.accept();
   * const c = new TcpConnection(raw, { readTimeout: 1000 });
   * assert.equal(c.raw, raw);
   * assert.equal(c.remoteAddr.port, l.addr.port);
   * ```
   */
  constructor(raw: Deno.TcpConn, timeouts?: StreamTimeouts) {
    super(raw, timeouts);
  }
  /** Turn Nagle's algorithm off (`true`) or on (`TCP_NODELAY`), through Deno (no FFI). */
  setNoDelay(noDelay = true): void {
    this.raw.setNoDelay(noDelay);
  }
  /** Turn `SO_KEEPALIVE` on or off through Deno (no FFI). For timers use `setSocketOptions(conn, { keepAlive: { idle, interval, count } })`. */
  setKeepAlive(keepAlive = true): void {
    this.raw.setKeepAlive(keepAlive);
  }
}

/** Options of {@linkcode connect}. */
export interface TcpConnectOptions extends StreamTimeouts, InlineSocketOptions {
  /** Host name or IP literal. Default `"127.0.0.1"`. */
  hostname?: string;
  /** Port, 1–65535. */
  port: number;
  /** Give up connecting after this many ms with a {@linkcode SocketTimeoutError}. Default: none (the kernel's SYN retries, about 2 minutes). */
  timeout?: number;
  /** Abort connecting; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Happy Eyeballs across IPv6 and IPv4 (Deno's option). Default `true`. */
  autoSelectFamily?: boolean;
}

/** Throw a RangeError unless `port` is an integer in [min, 65535]. */
export function checkPort(port: unknown, min: number): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < min || port > 65535) {
    throw new RangeError(`Cannot use port: expected an integer ${min}-65535, got ${port}`);
  }
  return port;
}

/**
 * Connect to a TCP server.
 *
 * Permissions: `--allow-net`; `--allow-ffi` too when socket options other than `noDelay` and
 * boolean `keepAlive` are given.
 *
 * @param options Where to connect, the connect timeout, and options for the new connection.
 * @returns The connection.
 * @throws {RangeError} for a bad port or timeout.
 * @throws {SocketTimeoutError} (a `Deno.errors.TimedOut`) when `timeout` passes first.
 * @throws `Deno.errors.ConnectionRefused` and the runtime's other errors, with `code`,
 *   `operation`, `address` and `explanation` attached (errno and Winsock names).
 *
 * @example A refused connection explains itself
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "./tcp.ts";
 * import type { AnnotatedError } from "./errors.ts";
 * const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = l.addr.port;
 * l.close();
 * const err = await connect({ port, timeout: 2000 }).then(() => null, (e: AnnotatedError) => e);
 * assert.equal(err instanceof Deno.errors.ConnectionRefused, true);
 * assert.equal(err?.code, "ECONNREFUSED");
 * assert.equal(err?.explanation?.wsaName, "WSAECONNREFUSED");
 * ```
 */
export async function connect(options: TcpConnectOptions): Promise<TcpConnection> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = checkPort(options.port, 1);
  const timeout = checkTimeout("timeout", options.timeout);
  const address = `${hostname}:${port}`;
  const userSignal = options.signal;
  userSignal?.throwIfAborted();
  const timer = timeout === undefined ? undefined : new AbortController();
  const id = timer ? setTimeout(() => timer.abort(), timeout) : undefined;
  const signal = timer && userSignal
    ? AbortSignal.any([timer.signal, userSignal])
    : timer?.signal ?? userSignal;
  let raw: Deno.TcpConn;
  try {
    raw = await Deno.connect({
      hostname,
      port,
      signal,
      ...(options.autoSelectFamily !== undefined
        ? { autoSelectFamily: options.autoSelectFamily }
        : {}),
    });
  } catch (e) {
    if (userSignal?.aborted) throw userSignal.reason;
    if (timer?.signal.aborted) throw new SocketTimeoutError("connect", timeout!, `to ${address}`);
    throw annotateError(e, { operation: "connect", address });
  } finally {
    if (id !== undefined) clearTimeout(id);
  }
  try {
    applySocketOptions(raw, pickSocketOptions(options));
  } catch (e) {
    raw.close();
    throw e;
  }
  return new TcpConnection(raw, options);
}

/** Options of {@linkcode listen}. Socket options are set on the listener; Linux copies most of them to accepted connections (see the README). */
export interface TcpListenOptions extends StreamTimeouts, InlineSocketOptions {
  /** Address to bind. Default `"0.0.0.0"`; use `"::"` for IPv6 (dual-stack on Linux). */
  hostname?: string;
  /** Port; `0` (the default) lets the kernel pick. */
  port?: number;
  /** `SO_REUSEPORT` (Deno's own option, Linux). Default `false`. */
  reusePort?: boolean;
  /** The accept backlog (`listen(fd, backlog)`). Default 511 (Deno's). */
  backlog?: number;
}

/**
 * A TCP listener. Accepted connections get the listener's read, write and idle timeouts.
 *
 * The type parameters let a protocol over TCP reuse it: `TlsServer` (from `./tls`) is a
 * `TcpServer<TlsConnection, Deno.TlsListener>` that overrides {@linkcode TcpServer.wrap}.
 *
 * @typeParam C The connection type {@linkcode accept} returns.
 * @typeParam L The Deno listener underneath.
 */
export class TcpServer<
  C extends StreamConnection<Deno.NetAddr> = TcpConnection,
  L extends Deno.Listener<Deno.Conn<Deno.NetAddr>, Deno.NetAddr> = Deno.TcpListener,
> implements AsyncDisposable, Disposable, AsyncIterable<C> {
  /** The underlying Deno listener. */
  readonly raw: L;
  #timeouts: StreamTimeouts;
  #closed = false;

  /**
   * Wrap a `Deno.TcpListener` you already have.
   *
   * @param raw The listener.
   * @param timeouts Timeouts to give each accepted connection.
   */
  constructor(raw: L, timeouts: StreamTimeouts = {}) {
    this.raw = raw;
    this.#timeouts = {
      readTimeout: timeouts.readTimeout,
      writeTimeout: timeouts.writeTimeout,
      idleTimeout: timeouts.idleTimeout,
    };
  }
  /**
   * Wrap a connection the listener accepted; a subclass returns its own connection type.
   *
   * @param raw The accepted Deno connection.
   * @param timeouts The listener's read, write and idle timeouts.
   * @returns A {@linkcode TcpConnection} here.
   */
  protected wrap(raw: Deno.Conn<Deno.NetAddr>, timeouts: StreamTimeouts): C {
    return new TcpConnection(raw as Deno.TcpConn, timeouts) as unknown as C;
  }
  /** The bound address (with the kernel-chosen port when `port` was 0). */
  get addr(): Deno.NetAddr {
    return this.raw.addr;
  }
  /** `true` once closed. */
  get closed(): boolean {
    return this.#closed;
  }
  /**
   * Wait for the next connection.
   *
   * @throws `Deno.errors.BadResource` (or `Interrupted`) once the server is closed.
   */
  async accept(): Promise<C> {
    let raw: Deno.Conn<Deno.NetAddr>;
    try {
      raw = await this.raw.accept();
    } catch (e) {
      throw annotateError(e, {
        operation: "accept",
        address: `${this.addr.hostname}:${this.addr.port}`,
      });
    }
    return this.wrap(raw, this.#timeouts);
  }
  /** Accept connections until the server is closed; the loop then ends without an error. */
  [Symbol.asyncIterator](): AsyncIterableIterator<C> {
    return acceptUntilClosed(() => this.#closed, () => this.accept());
  }
  /** Stop listening. A pending `accept()` rejects; a second call does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeIgnoringBadResource(this.raw);
  }
  /** Same as {@linkcode close}. */
  [Symbol.dispose](): void {
    this.close();
  }
  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * Listen for TCP connections.
 *
 * Permissions: `--allow-net`; `--allow-ffi` too when socket options are given.
 *
 * @param options Address, port, backlog, `reusePort`, socket options (set on the listener) and
 *   the timeouts accepted connections get.
 * @returns The server; `server.addr.port` is the bound port.
 * @throws {RangeError} for a bad port.
 * @throws `Deno.errors.AddrInUse` etc., annotated with the errno and Winsock names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listen } from "./tcp.ts";
 * using server = listen({ hostname: "::1", port: 0 });
 * assert.equal(server.addr.hostname, "::1");
 * assert.ok(server.addr.port > 0);
 * ```
 */
export function listen(options: TcpListenOptions = {}): TcpServer {
  const port = checkPort(options.port ?? 0, 0);
  const hostname = options.hostname ?? "0.0.0.0";
  return listenWith(
    (o) => Deno.listen({ ...o, transport: "tcp" }),
    (raw) => new TcpServer(raw, options),
    { ...options, hostname, port },
  );
}

/**
 * What {@linkcode listen} does, for any Deno TCP-based listener (TLS uses it): create the Deno
 * listener with the address, `reusePort` and `backlog`, wrap it, then set the socket options
 * on it (closing it again if that fails).
 *
 * @param create Makes the Deno listener from Deno's listen options.
 * @param wrap Makes the sockkit server.
 * @param options `hostname` and `port` (checked by the caller), the rest as {@linkcode listen}.
 * @returns The wrapped server.
 * @throws as {@linkcode listen}.
 */
export function listenWith<S extends { close(): void }, R>(
  create: (o: { hostname: string; port: number; reusePort?: boolean; tcpBacklog?: number }) => R,
  wrap: (raw: R) => S & { readonly raw: R },
  options: TcpListenOptions & { hostname: string; port: number },
): S {
  const { hostname, port } = options;
  let raw: R;
  try {
    raw = create({
      hostname,
      port,
      ...(options.reusePort ? { reusePort: true } : {}),
      ...(options.backlog !== undefined ? { tcpBacklog: options.backlog } : {}),
    });
  } catch (e) {
    throw annotateError(e, { operation: "listen", address: `${hostname}:${port}` });
  }
  const server = wrap(raw);
  const sockopts = pickSocketOptions(options);
  if (sockopts) {
    // A failure closes the listener again.
    try {
      applySocketOptions(server.raw, sockopts);
    } catch (e) {
      server.close();
      throw e;
    }
  }
  return server;
}
