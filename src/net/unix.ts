/**
 * Unix domain stream sockets over `Deno.connect`/`Deno.listen` with `transport: "unix"`: the
 * same connection API as TCP (timeouts, half-close, counters, streams), plus removal of the
 * socket file when the server closes.
 *
 * Permissions: `--allow-read`, `--allow-write` and `--allow-net` (Deno's rule for Unix sockets;
 * `--allow-net=unix:<path>` narrows it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectUnix, listenUnix } from "./unix.ts";
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/echo.sock`;
 * {
 *   await using server = listenUnix({ path });
 *   const accepted = server.accept();
 *   await using client = await connectUnix({ path, timeout: 2000 });
 *   await using peer = await accepted;
 *   await client.writeAll(new Uint8Array([1, 2, 3]));
 *   assert.deepEqual(await peer.readFull(new Uint8Array(3)), new Uint8Array([1, 2, 3]));
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { annotateError, SocketTimeoutError } from "./errors.ts";
import { checkTimeout, raceDeadline } from "./_deadline.ts";
import { StreamConnection, type StreamTimeouts } from "./stream_connection.ts";
import { acceptUntilClosed, closeIgnoringBadResource } from "./_listener.ts";

/** A Unix stream connection. */
export class UnixConnection extends StreamConnection<Deno.UnixAddr, Deno.UnixConn> {
  /**
   * Wrap a `Deno.UnixConn` you already have.
   *
   * @param raw The connection.
   * @param timeouts Read, write and idle timeouts in ms.
   */
  constructor(raw: Deno.UnixConn, timeouts?: StreamTimeouts) {
    super(raw, timeouts);
  }
}

/** Options of {@linkcode connectUnix}. */
export interface UnixConnectOptions extends StreamTimeouts {
  /** The socket file. */
  path: string;
  /** Give up after this many ms with a {@linkcode SocketTimeoutError}. Default: none. */
  timeout?: number;
  /** Abort connecting; rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Connect to a Unix stream socket.
 *
 * Permissions: `--allow-read`, `--allow-net`.
 *
 * @param options The path, a connect timeout or signal, and the connection's timeouts.
 * @returns The connection.
 * @throws `Deno.errors.NotFound` (ENOENT) when the path does not exist,
 *   `Deno.errors.ConnectionRefused` (ECONNREFUSED) when nothing listens on it; annotated.
 * @throws {SocketTimeoutError} when `timeout` passes first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectUnix } from "./unix.ts";
 * import type { AnnotatedError } from "./errors.ts";
 * const err = await connectUnix({ path: "/nonexistent/sockkit.sock" })
 *   .then(() => null, (e: AnnotatedError) => e);
 * assert.equal(err instanceof Deno.errors.NotFound, true);
 * assert.equal(err?.code, "ENOENT");
 * ```
 */
export async function connectUnix(options: UnixConnectOptions): Promise<UnixConnection> {
  const timeout = checkTimeout("timeout", options.timeout);
  options.signal?.throwIfAborted();
  const p = Deno.connect({ transport: "unix", path: options.path });
  let raw: Deno.UnixConn;
  try {
    raw = await raceDeadline(p, "connect", timeout, options.signal);
  } catch (e) {
    // Deno's Unix connect takes no signal: close the connection if it completes later.
    p.then((c) => c.close(), () => {});
    if (e instanceof SocketTimeoutError) {
      throw new SocketTimeoutError("connect", timeout!, `to ${options.path}`);
    }
    if (options.signal?.aborted) throw e;
    throw annotateError(e, { operation: "connect", address: options.path });
  }
  return new UnixConnection(raw, options);
}

/** Options of {@linkcode listenUnix}. */
export interface UnixListenOptions extends StreamTimeouts {
  /** The socket file to create. */
  path: string;
  /** Remove the socket file when the server closes. Default `true`. */
  unlinkOnClose?: boolean;
  /** If the path exists and is a socket nothing listens on (connect is refused), remove it first. Default `false`. */
  replaceStale?: boolean;
}

/** A Unix stream listener. */
export class UnixServer implements AsyncDisposable, Disposable, AsyncIterable<UnixConnection> {
  /** The underlying Deno listener. */
  readonly raw: Deno.UnixListener;
  readonly #timeouts: StreamTimeouts;
  readonly #unlink: boolean;
  #closed = false;

  /**
   * Wrap a `Deno.UnixListener`.
   *
   * @param raw The listener.
   * @param options Timeouts for accepted connections; `unlinkOnClose` (default `false` here,
   *   since the caller created the file).
   */
  constructor(raw: Deno.UnixListener, options: StreamTimeouts & { unlinkOnClose?: boolean } = {}) {
    this.raw = raw;
    this.#timeouts = {
      readTimeout: options.readTimeout,
      writeTimeout: options.writeTimeout,
      idleTimeout: options.idleTimeout,
    };
    this.#unlink = options.unlinkOnClose ?? false;
  }
  /** The bound address. */
  get addr(): Deno.UnixAddr {
    return this.raw.addr;
  }
  /** `true` once closed. */
  get closed(): boolean {
    return this.#closed;
  }
  /** Wait for the next connection. */
  async accept(): Promise<UnixConnection> {
    try {
      return new UnixConnection(await this.raw.accept(), this.#timeouts);
    } catch (e) {
      throw annotateError(e, { operation: "accept", address: this.addr.path ?? undefined });
    }
  }
  /** Accept until closed; the loop then ends without an error. */
  [Symbol.asyncIterator](): AsyncIterableIterator<UnixConnection> {
    return acceptUntilClosed(() => this.#closed, () => this.accept());
  }
  /** Stop listening and (by default for {@linkcode listenUnix}) remove the socket file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const path = this.addr.path;
    closeIgnoringBadResource(this.raw);
    if (this.#unlink && path) {
      try {
        Deno.removeSync(path);
      } catch {
        // Already gone, or not ours to remove any more.
      }
    }
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
 * Listen on a Unix stream socket.
 *
 * Permissions: `--allow-read`, `--allow-write`, `--allow-net`.
 *
 * @param options The path, stale-file handling and the accepted connections' timeouts.
 * @returns The server.
 * @throws `Deno.errors.AddrInUse` (EADDRINUSE) when the path exists (unless `replaceStale` finds it stale).
 */
export function listenUnix(options: UnixListenOptions): UnixServer {
  const { path } = options;
  const open = () => Deno.listen({ transport: "unix", path });
  let raw: Deno.UnixListener;
  try {
    raw = open();
  } catch (e) {
    if (!(options.replaceStale && e instanceof Deno.errors.AddrInUse && isStaleSocket(path))) {
      throw annotateError(e, { operation: "listen", address: path });
    }
    Deno.removeSync(path);
    try {
      raw = open();
    } catch (e2) {
      throw annotateError(e2, { operation: "listen", address: path });
    }
  }
  return new UnixServer(raw, { ...options, unlinkOnClose: options.unlinkOnClose ?? true });
}

function isStaleSocket(path: string): boolean {
  try {
    if (!Deno.lstatSync(path).isSocket) return false;
  } catch {
    return false;
  }
  // A synchronous probe is not available; a socket file whose owner process is gone refuses
  // connections, which /proc/net/unix shows as no listening entry with that path.
  try {
    const table = Deno.readTextFileSync("/proc/net/unix");
    return !table.split("\n").some((l) => l.endsWith(` ${path}`) && l.includes(" 00010000 "));
  } catch {
    return false;
  }
}
