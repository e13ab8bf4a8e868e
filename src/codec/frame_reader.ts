/**
 * {@linkcode FrameReader}: the one read driver. It owns a buffer, reads from a source (or
 * takes pushed chunks), and runs a {@linkcode Decoder} over it, with raw reads
 * (`readExact`, `readUntil`) between frames. `FramedConn`, `readFrames`, `decodeStream`,
 * `readExact`, `BufferedReader` and the PROXY header reader are all built on it.
 *
 * The driver enforces the codec contract: a frame that consumed no bytes is a decoder bug
 * and throws; at end of stream it calls `decodeEof` until it returns `null`.
 *
 * ## The `readUntil` limit, next to asyncio and Go
 *
 * `readUntil(delimiter, limit)` follows asyncio's `StreamReader.readuntil` on purpose, so
 * code ported from Python behaves the same (the interop test runs both on the same bytes):
 *
 * - the limit bounds the bytes **before** the delimiter; a line whose content is exactly
 *   `limit` bytes is returned, with its delimiter;
 * - a delimiter found after more than `limit` bytes is a {@linkcode LimitOverrunError}
 *   (`consumed` = where it starts), and the bytes stay buffered;
 * - no delimiter, and more than `limit` bytes buffered that cannot start one
 *   (`buffered - delimiter.length + 1 > limit`): {@linkcode LimitOverrunError};
 * - end of stream first: {@linkcode IncompleteReadError} with every byte in `partial`
 *   (also when a long delimiter could still have started inside the limit).
 *
 * Go's `bufio.Reader.ReadSlice` counts the delimiter toward its buffer size and fails with
 * `ErrBufferFull` when the buffer fills; `ReadBytes`/`ReadString` have no limit at all.
 * sockkit's limit is asyncio's, not Go's.
 *
 * @module
 */
import { IOBuffer } from "../buffer/io_buffer.ts";
import { BufferOverflowError } from "../buffer/errors.ts";
import { IncompleteReadError, LimitOverrunError } from "./errors.ts";
import type { Decoder } from "./decoder.ts";
import { type FrameBatch, FrameCodec, zeroConsumedError } from "./frame_codec.ts";
import type { Reader } from "./io.ts";
import { indexOfSequence } from "./_search.ts";

const DEFAULT_MAX_BUFFERED = 8 * 1024 * 1024 + 2 * 65536;

/** Options for {@linkcode FrameReader}. */
export interface FrameReaderOptions {
  /** Most bytes per read from the source. Default 65536. */
  readSize?: number;
  /**
   * Most bytes buffered at once. Default: what the decoder asks for
   * ({@linkcode Decoder.maxBuffered}), else 8 MiB + 128 KiB.
   */
  maxBuffered?: number;
}

/**
 * The read driver: a buffer, a source and a decoder.
 *
 * @typeParam T The frame type.
 *
 * Permissions: whatever the source needs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameReader } from "./frame_reader.ts";
 * import { LineCodec } from "./line.ts";
 * import { readerFromStream } from "./io.ts";
 * const src = readerFromStream(ReadableStream.from([new TextEncoder().encode("HELLO 3\r\nabc"), new TextEncoder().encode("bye\n")]));
 * using r = new FrameReader(src, new LineCodec("line"));
 * assert.equal(new TextDecoder().decode((await r.readUntil(new TextEncoder().encode("\r\n")))), "HELLO 3\r\n");
 * assert.equal(new TextDecoder().decode(await r.readExact(3)), "abc");
 * assert.equal(new TextDecoder().decode((await r.readFrame())!), "bye");
 * assert.equal(await r.readFrame(), null);
 * ```
 */
export class FrameReader<T = Uint8Array> {
  readonly #source: Reader | null;
  readonly #decoder: Decoder<T> | null;
  readonly #buf: IOBuffer;
  readonly #readSize: number;
  #eof = false;

  /**
   * Creates the FrameReader.
   *
   * @param source Where bytes come from (a `Deno.Conn`, any {@linkcode Reader}), or `null`
   *   to push them with {@linkcode FrameReader.push}.
   * @param decoder The framing; `null` for raw reads only. The reader does not free it.
   * @param options Read size and buffer bound.
   * @throws {RangeError} for a read size or bound that is not a positive integer.
   */
  constructor(
    source: Reader | null,
    decoder: Decoder<T> | null = null,
    options: FrameReaderOptions = {},
  ) {
    const readSize = options.readSize ?? 65536;
    if (!Number.isInteger(readSize) || readSize < 1) {
      throw new RangeError(
        `Cannot create reader: readSize must be a positive integer, got ${readSize}`,
      );
    }
    const max = options.maxBuffered ?? decoder?.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot create reader: maxBuffered must be a positive integer, got ${max}`,
      );
    }
    this.#source = source;
    this.#decoder = decoder;
    this.#readSize = readSize;
    this.#buf = new IOBuffer({ maxCapacity: max });
  }

  /** The decoder (or `null` for a raw reader). */
  get decoder(): Decoder<T> | null {
    return this.#decoder;
  }

  /** The buffer: bytes received and not consumed yet. */
  get buffer(): IOBuffer {
    return this.#buf;
  }

  /** Bytes buffered and not consumed yet. */
  get buffered(): number {
    return this.#buf.length;
  }

  /** True once the source reported end of stream (or {@linkcode FrameReader.end} was called). */
  get eof(): boolean {
    return this.#eof;
  }

  /**
   * Append bytes (push mode, or bytes read elsewhere that come first).
   *
   * @param chunk The bytes (copied).
   * @throws {BufferOverflowError} when they do not fit the buffer's bound.
   */
  push(chunk: Uint8Array): void {
    if (chunk.length > this.#buf.remaining) {
      throw new BufferOverflowError(this.#buf.length + chunk.length, this.#buf.maxCapacity);
    }
    this.#buf.append(chunk);
  }

  /** Declare end of stream (push mode). */
  end(): void {
    this.#eof = true;
  }

  /**
   * Read once from the source into the buffer (at most what the decoder's `readHint`
   * allows).
   *
   * @returns `false` at end of stream.
   */
  async fill(): Promise<boolean> {
    if (this.#eof || this.#source === null) return false;
    let want = this.#readSize;
    const hint = this.#decoder?.readHint?.(this.#buf) ?? 0;
    if (hint > 0 && hint < want) want = hint;
    const n = await this.#buf.readFrom(this.#source, Math.min(want, this.#buf.remaining));
    if (n === null) {
      this.#eof = true;
      return false;
    }
    return true;
  }

  #need(): Decoder<T> {
    if (this.#decoder === null) {
      throw new TypeError("Cannot read frame: this reader has no decoder");
    }
    return this.#decoder;
  }

  /**
   * The next frame from the buffered bytes, without reading (no await), or `null`.
   *
   * @returns The frame or `null` (need more).
   * @throws What the decoder throws; an `Error` when it returns a frame without consuming.
   */
  tryReadFrame(): T | null {
    const d = this.#need();
    const before = this.#buf.length;
    const f = d.decode(this.#buf);
    if (f !== null && this.#buf.length === before) throw zeroConsumedError();
    return f;
  }

  /**
   * Read one frame.
   *
   * @returns The frame, or `null` at a clean end of stream.
   * @throws {IncompleteFrameError} when the stream ends inside a frame (from `decodeEof`).
   * @throws What the decoder throws.
   */
  readFrame(): Promise<T | null> {
    // fast path without an async function frame when a frame is already buffered
    const f = this.tryReadFrame();
    return f !== null ? Promise.resolve(f) : this.#readFrameSlow();
  }

  async #readFrameSlow(): Promise<T | null> {
    for (;;) {
      if (this.#eof || !(await this.fill())) return this.#decodeEof();
      const f = this.tryReadFrame();
      if (f !== null) return f;
    }
  }

  #decodeEof(): T | null {
    const d = this.#need();
    const before = this.#buf.length;
    const f = d.decodeEof(this.#buf);
    if (f !== null && this.#buf.length === before) throw zeroConsumedError();
    return f;
  }

  /**
   * Wait for at least one frame and return every buffered one as a reusable batch (built-in
   * codecs only). Valid until the next read call.
   *
   * @returns The batch, or `null` at a clean end of stream.
   * @throws {TypeError} when the decoder is not one of the built-in codecs.
   * @throws Like {@linkcode FrameReader.readFrame}.
   */
  async readBatch(): Promise<FrameBatch | null> {
    const d = this.#need();
    if (!(d instanceof FrameCodec)) {
      throw new TypeError("Cannot read batch: the decoder is not a built-in frame codec");
    }
    for (;;) {
      const b = d.decodeBatch(this.#buf);
      if (b.count > 0) return b;
      if (!(await this.fill())) {
        d.checkEof(this.#buf);
        return null;
      }
    }
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.peek(n).slice();
    this.#buf.consume(n);
    if (n > 0) this.#decoder?.reset?.();
    return out;
  }

  /**
   * Read exactly `n` raw bytes (the seeds' `readn`, asyncio's `readexactly`): buffered
   * bytes first, then straight from the source, never reading past them.
   *
   * @param n How many bytes.
   * @returns A new array of `n` bytes.
   * @throws {IncompleteReadError} at end of stream first; `partial` holds what arrived.
   * @throws {RangeError} when `n` is not a non-negative integer.
   */
  async readExact(n: number): Promise<Uint8Array> {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`Cannot read exactly ${n} bytes: expected a non-negative integer`);
    }
    const have = Math.min(n, this.#buf.length);
    if (have === n) return this.#take(n);
    const out = new Uint8Array(n);
    out.set(this.#take(have));
    let got = have;
    while (got < n) {
      const r = this.#eof || this.#source === null
        ? null
        : await this.#source.read(out.subarray(got));
      if (r === null) {
        this.#eof = true;
        throw new IncompleteReadError(out.slice(0, got), n);
      }
      got += r;
    }
    return out;
  }

  /**
   * Read raw bytes up to and including `delimiter`, with asyncio's limit rule (see the
   * module doc).
   *
   * @param delimiter One or more bytes.
   * @param limit Most bytes before the delimiter. Default 65536 (asyncio's).
   * @returns A new array ending with the delimiter.
   * @throws {LimitOverrunError} when the delimiter is not within `limit` bytes; the bytes
   *   stay buffered.
   * @throws {IncompleteReadError} at end of stream first; `partial` holds (and consumes) the rest.
   * @throws {RangeError} for an empty delimiter.
   */
  async readUntil(delimiter: Uint8Array, limit = 65536): Promise<Uint8Array> {
    const sep = delimiter.length;
    if (sep === 0) throw new RangeError("Cannot read until delimiter: delimiter is empty");
    let offset = 0;
    for (;;) {
      const v = this.#buf.view();
      if (v.length - offset >= sep) {
        const i = indexOfSequence(v, delimiter, offset);
        if (i >= 0) {
          if (i > limit) {
            throw new LimitOverrunError(
              i,
              limit,
              `Cannot read until delimiter: found after ${i} bytes, limit is ${limit} bytes`,
            );
          }
          return this.#take(i + sep);
        }
        offset = v.length + 1 - sep;
        if (offset > limit) throw new LimitOverrunError(offset, limit);
      }
      if (!(await this.fill())) {
        throw new IncompleteReadError(this.#take(this.#buf.length), null);
      }
    }
  }

  /**
   * Read whatever is available (buffered bytes first), at most `max` bytes.
   *
   * @param max Upper bound. Default 65536.
   * @returns A new array, or `null` at end of stream.
   */
  async read(max = 65536): Promise<Uint8Array | null> {
    if (this.#buf.length === 0 && !(await this.fill())) return null;
    return this.#take(Math.min(max, this.#buf.length));
  }

  /** Iterate over frames until end of stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (let f = await this.readFrame(); f !== null; f = await this.readFrame()) yield f;
  }

  /** Free the buffer (the source and the decoder are not closed). Idempotent. */
  free(): void {
    this.#buf.free();
  }

  /** Same as {@linkcode FrameReader.free}. */
  [Symbol.dispose](): void {
    this.free();
  }
}
