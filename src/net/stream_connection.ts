/**
 * The connection wrapper shared by TCP and Unix stream sockets: counters, read/write/idle
 * timeouts, half-close, streams, and close through src/sockopt/close.ts.
 *
 * @module
 */

import { annotateError, SocketStateError, SocketTimeoutError } from "./errors.ts";
import { checkTimeout, IdleTimer, PendingOp, raceDeadline } from "./_deadline.ts";
import { closeRaw, readEndReason } from "./_close_hooks.ts";

/** Timeouts of a stream connection, in milliseconds. `0` or `undefined` disables one. */
export interface StreamTimeouts {
  /** Reject a `read()` that gets no data for this long (the seeds' `SO_RCVTIMEO`). The read stays pending and the next `read()` resumes it, so no byte is lost. */
  readTimeout?: number;
  /** Reject a `write()` that cannot hand its bytes to the kernel for this long (the seeds' `SO_SNDTIMEO`). */
  writeTimeout?: number;
  /** Close the connection after this long with neither reads nor writes; pending and later calls reject with a {@linkcode SocketTimeoutError} whose `operation` is `"idle"`. */
  idleTimeout?: number;
}

/** Per-call options for `read` and `write`. */
export interface IoCallOptions {
  /** Overrides the connection's timeout for this call (ms, 0 = none). */
  timeout?: number;
  /** Rejects the call (not the connection) with the signal's reason. */
  signal?: AbortSignal;
}

/** How a connection ended, as far as sockkit can tell. */
export type EndReason = string;

/** Base class of {@linkcode TcpConnection} and {@linkcode UnixConnection}. */
export class StreamConnection<A extends Deno.Addr, C extends Deno.Conn<A> = Deno.Conn<A>>
  implements AsyncDisposable, Disposable {
  /** The underlying Deno connection. Pass it to any API that takes a `Deno.Conn`. */
  readonly raw: C;
  #bytesRead = 0;
  #bytesWritten = 0;
  #readTimeout: number | undefined;
  #writeTimeout: number | undefined;
  #idle: IdleTimer | undefined;
  #idleError: SocketTimeoutError | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #eof = false;
  #endReason: EndReason | null = null;
  #readOp = new PendingOp<number | null>();
  #readBuf: Uint8Array | undefined;
  #leftover: Uint8Array | undefined;
  #writeOp = new PendingOp<number>();
  #readable: ReadableStream<Uint8Array> | undefined;
  #writable: WritableStream<Uint8Array> | undefined;
  #address: string;

  /** Wraps a Deno connection, with optional read and write timeouts. */
  constructor(raw: C, timeouts: StreamTimeouts = {}) {
    this.raw = raw;
    const r = raw.remoteAddr as Deno.Addr;
    this.#address = r.transport === "unix" || r.transport === "unixpacket"
      ? (raw.localAddr as Deno.UnixAddr).path ?? (r as Deno.UnixAddr).path ?? ""
      : `${(r as Deno.NetAddr).hostname}:${(r as Deno.NetAddr).port}`;
    this.setTimeouts(timeouts);
  }

  /** The local address (Deno's `NetAddr` or `UnixAddr`). */
  get localAddr(): A {
    return this.raw.localAddr;
  }
  /** The peer's address. */
  get remoteAddr(): A {
    return this.raw.remoteAddr;
  }
  /** Bytes received so far. */
  get bytesRead(): number {
    return this.#bytesRead;
  }
  /** Count bytes a subclass delivered from its own buffer (e.g. those read with a PROXY header). */
  protected countRead(n: number): void {
    this.#bytesRead += n;
  }
  /** Bytes handed to the kernel so far. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }
  /** `true` once `close()` ran (or the idle timeout closed the connection). */
  get closed(): boolean {
    return this.#closed;
  }
  /** `true` once a read returned end of stream. */
  get eof(): boolean {
    return this.#eof;
  }
  /**
   * How the peer ended the stream, recorded when a read first returned end of stream:
   * `"FIN"` or `"RST"` (read from the TCP state through FFI, when `--allow-ffi` is granted),
   * or `null` when not known.
   */
  get endReason(): EndReason | null {
    return this.#endReason;
  }

  /**
   * Change the timeouts. Fields left out keep their value; `0` disables one.
   *
   * @throws {RangeError} for a negative or non-numeric timeout.
   */
  setTimeouts(t: StreamTimeouts): void {
    if ("readTimeout" in t) this.#readTimeout = checkTimeout("readTimeout", t.readTimeout);
    if ("writeTimeout" in t) this.#writeTimeout = checkTimeout("writeTimeout", t.writeTimeout);
    if ("idleTimeout" in t) {
      const ms = checkTimeout("idleTimeout", t.idleTimeout);
      this.#idle?.stop();
      this.#idle = ms === undefined || this.#closed ? undefined : new IdleTimer(ms, () => {
        this.#idleError = new SocketTimeoutError("idle", ms, "(no reads or writes)");
        this.#idle = undefined;
        this.close().catch(() => {});
      });
    }
  }

  #check(op: string): void {
    if (this.#idleError) throw this.#idleError;
    if (this.#closed) {
      throw new SocketStateError(`Cannot ${op}: the connection was closed`, "EBADF");
    }
  }

  #fail(op: string) {
    return (e: unknown): never => {
      if (this.#idleError) throw this.#idleError;
      throw annotateError(e, { operation: op, address: this.#address });
    };
  }

  #failRead = this.#fail("read");
  #failWrite = this.#fail("write");
  // Annotate a runtime error in place (the caller rejects with the same object); never rethrow.
  #annotateRead = (e: unknown): void => {
    annotateError(e, { operation: "read", address: this.#address });
  };
  #annotateWrite = (e: unknown): void => {
    annotateError(e, { operation: "write", address: this.#address });
  };

  #onRead = (n: number | null): number | null => {
    if (n === null) {
      if (!this.#eof) {
        this.#eof = true;
        this.#endReason = readEndReason(this.raw, this.#bytesRead);
      }
    } else {
      this.#bytesRead += n;
      this.#idle?.touch();
    }
    return n;
  };

  /**
   * Read into `p`. Resolves to the number of bytes read, or `null` at end of stream (after
   * the peer's FIN or RST; see {@linkcode endReason}).
   *
   * @param p The buffer to fill.
   * @param options A per-call timeout or abort signal.
   * @returns Bytes read, or `null` at end of stream.
   * @throws {SocketTimeoutError} (a `Deno.errors.TimedOut`) when the read timeout passes. The
   *   read stays pending and the next `read()` returns its bytes.
   * @throws {SocketStateError} (a `Deno.errors.BadResource`) after `close()`.
   * @throws the runtime's `Deno.errors.ConnectionReset` etc., annotated with `code` and `explanation`.
   */
  read(p: Uint8Array, options?: IoCallOptions): Promise<number | null> {
    try {
      this.#check("read");
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#leftover) return Promise.resolve(this.#takeLeftover(p));
    const timeout = options?.timeout !== undefined
      ? checkTimeout("timeout", options.timeout)
      : this.#readTimeout;
    if (timeout === undefined && !options?.signal && !this.#readOp.pending) {
      if (this.#idle === undefined) return this.#readBare(p);
      return this.#readFast(p);
    }
    return this.#readSlow(p, timeout, options?.signal);
  }

  // No timeout of any kind, no signal, nothing pending: the caller awaits Deno's own promise,
  // and the bookkeeping runs as a reaction registered on it first, so it is done (bytes
  // counted, end of stream recorded, a rejection annotated in place) before the caller
  // resumes. No promise is added between the caller and the runtime.
  #readBare(p: Uint8Array): Promise<number | null> {
    const promise = this.raw.read(p);
    promise.then(this.#onRead, this.#annotateRead);
    return promise;
  }

  // With an idle timer: one await, so an idle close can replace the runtime's error.
  async #readFast(p: Uint8Array): Promise<number | null> {
    let n: number | null;
    try {
      n = await this.raw.read(p);
    } catch (e) {
      return this.#failRead(e);
    }
    return this.#onRead(n);
  }

  async #readSlow(
    p: Uint8Array,
    timeout: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<number | null> {
    const { promise, resumed } = this.#readOp.run(() => {
      this.#readBuf = p;
      return this.raw.read(p);
    });
    const src = this.#readBuf!;
    let n: number | null;
    try {
      n = await raceDeadline(promise, "read", timeout, signal);
    } catch (e) {
      if (e instanceof SocketTimeoutError) throw e;
      return this.#fail("read")(e);
    }
    this.#onRead(n);
    if (!resumed || n === null || src === p) return n;
    // A read started by an earlier (timed-out) call filled that call's buffer: copy it over.
    this.#leftover = src.slice(0, n);
    return this.#takeLeftover(p);
  }

  #takeLeftover(p: Uint8Array): number {
    const l = this.#leftover!;
    const n = Math.min(l.length, p.length);
    p.set(l.subarray(0, n));
    this.#leftover = n < l.length ? l.subarray(n) : undefined;
    return n;
  }

  #onWrite = (n: number): number => {
    this.#bytesWritten += n;
    this.#idle?.touch();
    return n;
  };

  /**
   * Write some of `p`; resolves to how many bytes the kernel took (maybe fewer than
   * `p.length`). Use {@linkcode writeAll} to write everything.
   *
   * @throws {SocketTimeoutError} when the write timeout passes (the write stays pending; the next write waits for it first).
   * @throws the runtime's `Deno.errors.BrokenPipe` after the peer closed, or after `closeWrite()`.
   */
  write(p: Uint8Array, options?: IoCallOptions): Promise<number> {
    try {
      this.#check("write");
    } catch (e) {
      return Promise.reject(e);
    }
    const timeout = options?.timeout !== undefined
      ? checkTimeout("timeout", options.timeout)
      : this.#writeTimeout;
    if (timeout === undefined && !options?.signal && !this.#writeOp.pending) {
      if (this.#idle === undefined) return this.#writeBare(p);
      return this.#writeFast(p);
    }
    return this.#writeSlow(p, timeout, options?.signal);
  }

  // As #readBare: the caller awaits the runtime's promise; counting and annotation run first.
  #writeBare(p: Uint8Array): Promise<number> {
    const promise = this.raw.write(p);
    promise.then(this.#onWrite, this.#annotateWrite);
    return promise;
  }

  // With an idle timer: one await, so an idle close can replace the runtime's error.
  async #writeFast(p: Uint8Array): Promise<number> {
    let n: number;
    try {
      n = await this.raw.write(p);
    } catch (e) {
      return this.#failWrite(e);
    }
    return this.#onWrite(n);
  }

  async #writeSlow(p: Uint8Array, timeout: number | undefined, signal?: AbortSignal) {
    const earlier = this.#writeOp.pending;
    if (earlier) {
      // An earlier write timed out but is still in the kernel's hands: let it finish first.
      await raceDeadline(earlier, "write", timeout, signal).catch((e) => {
        if (e instanceof SocketTimeoutError) throw e;
        return this.#fail("write")(e);
      });
    }
    const { promise } = this.#writeOp.run(() => this.raw.write(p).then(this.#onWrite));
    try {
      return await raceDeadline(promise, "write", timeout, signal);
    } catch (e) {
      if (e instanceof SocketTimeoutError) throw e;
      return this.#fail("write")(e);
    }
  }

  /**
   * Write all of `p`, looping over partial writes (the seeds' `writen`).
   *
   * @returns `p.length`.
   * @throws as {@linkcode write}; on error, `bytesWritten` tells how much went out.
   */
  async writeAll(p: Uint8Array, options?: IoCallOptions): Promise<number> {
    let off = 0;
    while (off < p.length) off += await this.write(off ? p.subarray(off) : p, options);
    return p.length;
  }

  /**
   * Read exactly `p.length` bytes (the seeds' `readn`).
   *
   * @returns `p` filled, or `null` if the stream ended before the first byte.
   * @throws {Deno.errors.UnexpectedEof} if the stream ends part way; `partial` on the error holds the bytes that arrived.
   */
  async readFull(p: Uint8Array, options?: IoCallOptions): Promise<Uint8Array | null> {
    let off = 0;
    while (off < p.length) {
      const n = await this.read(p.subarray(off), options);
      if (n === null) {
        if (off === 0) return null;
        const e = new Deno.errors.UnexpectedEof(
          `Cannot read ${p.length} bytes: stream ended after ${off} bytes`,
        ) as Deno.errors.UnexpectedEof & { partial: Uint8Array };
        e.partial = p.slice(0, off);
        throw e;
      }
      off += n;
    }
    return p;
  }

  /**
   * Half-close: send FIN (`shutdown(SHUT_WR)`), keep reading. Later writes reject with
   * `Deno.errors.BrokenPipe` (EPIPE).
   */
  async closeWrite(): Promise<void> {
    this.#check("closeWrite");
    await this.raw.closeWrite().catch(this.#fail("closeWrite"));
  }

  /**
   * Close the connection through `closeSocket` (src/sockopt/close.ts), so a `linger: 0` set by
   * `setSocketOptions` sends an RST and a linger of N > 0 closes gracefully within N seconds
   * without blocking. The descriptor is released at once otherwise; the promise settles when
   * the close is complete. A second call returns the same promise. A pending read settles.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#idle?.stop();
    this.#idle = undefined;
    return this.#closing = closeRaw(this.raw);
  }

  /**
   * A byte stream over {@linkcode read} (so counters and timeouts apply). Cancelling it
   * closes the connection.
   */
  get readable(): ReadableStream<Uint8Array> {
    return this.#readable ??= new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: 16384,
      pull: async (ctrl) => {
        const req = ctrl.byobRequest!;
        const v = req.view!;
        const n = await this.read(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        if (n === null) {
          ctrl.close();
          req.respond(0);
        } else req.respond(n);
      },
      cancel: () => this.close(),
    });
  }

  /** A writable stream over {@linkcode writeAll}; closing it half-closes the connection, aborting it closes the connection. */
  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= new WritableStream({
      write: async (chunk) => {
        await this.writeAll(chunk);
      },
      close: () => this.closeWrite(),
      abort: () => this.close(),
    });
  }

  /** Same as {@linkcode close}. */
  [Symbol.dispose](): void {
    this.close().catch(() => {});
  }
  /** Same as {@linkcode close}, awaited. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
