/**
 * Exact reads and writes over any reader/writer: the seeds' `readn`/`writen`, and asyncio's
 * `readexactly`/`readuntil`.
 *
 * - {@linkcode writeAll} loops until every byte is written (a `write()` may be short).
 * - {@linkcode readExact} loops until exactly `n` bytes arrived, never reading past them.
 * - {@linkcode BufferedReader} keeps what it over-reads, so `readUntil(delimiter)` loses
 *   nothing between calls.
 *
 * @module
 */
import { IncompleteReadError, LimitOverrunError } from "./errors.ts";
import { IOBuffer } from "../buffer/io_buffer.ts";
import { indexOfSequence } from "./_search.ts";

/** Anything with `read(p)`: `Deno.Conn`, `Deno.FsFile`, {@linkcode readerFromStream}. */
export interface Reader {
  /** Read up to `p.length` bytes into `p`; `null` at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
}

/** Anything with `write(p)`: `Deno.Conn`, `Deno.FsFile`, {@linkcode writerFromStream}. */
export interface Writer {
  /** Write some prefix of `p`; returns how many bytes were written. */
  write(p: Uint8Array): Promise<number>;
}

/**
 * Write every byte of `data` (the seeds' `writen`): loops over short writes.
 *
 * @param writer A `Deno.Conn` or any {@linkcode Writer}.
 * @param data The bytes to write.
 * @returns When all bytes are written.
 * @throws Whatever `writer.write` throws (e.g. `Deno.errors.BrokenPipe`); a writer that
 *   reports 0 bytes written raises `Deno.errors.WriteZero`-like `Error`.
 * @example
 * ```ts
 * import { writeAll } from "./io.ts";
 * const chunks: number[] = [];
 * // a writer that only takes 3 bytes per call
 * const w = { write: (p: Uint8Array) => { chunks.push(...p.subarray(0, 3)); return Promise.resolve(Math.min(3, p.length)); } };
 * await writeAll(w, new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
 * console.assert(chunks.length === 7);
 * ```
 */
export async function writeAll(writer: Writer, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const n = await writer.write(data.subarray(off));
    if (n <= 0) {
      throw new Error(
        `Cannot write all bytes: writer accepted 0 bytes after ${off} of ${data.length}`,
      );
    }
    off += n;
  }
}

/**
 * Read exactly `n` bytes (the seeds' `readn`). Never reads past them.
 *
 * @param reader A `Deno.Conn` or any {@linkcode Reader}.
 * @param n How many bytes.
 * @returns A new array of exactly `n` bytes.
 * @throws {IncompleteReadError} when the stream ends first; `partial` holds what arrived.
 * @throws {RangeError} when `n` is not a non-negative integer.
 * @example
 * ```ts
 * import { readExact, readerFromStream } from "./io.ts";
 * import { IncompleteReadError } from "./errors.ts";
 * const r = readerFromStream(ReadableStream.from([new Uint8Array([1, 2]), new Uint8Array([3])]));
 * console.assert((await readExact(r, 2)).join() === "1,2");
 * try { await readExact(r, 4); } catch (e) {
 *   console.assert(e instanceof IncompleteReadError && e.partial.length === 1 && e.expected === 4);
 * }
 * ```
 */
export async function readExact(reader: Reader, n: number): Promise<Uint8Array> {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`Cannot read exactly ${n} bytes: expected a non-negative integer`);
  }
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await reader.read(out.subarray(got));
    if (r === null) throw new IncompleteReadError(out.slice(0, got), n);
    got += r;
  }
  return out;
}

/**
 * A {@linkcode Reader} over a `ReadableStream<Uint8Array>`; keeps the rest of a chunk that
 * did not fit the caller's array.
 *
 * @param stream The byte stream.
 * @returns A reader (call `releaseLock()` on it to give the stream back).
 * @example
 * ```ts
 * import { readerFromStream } from "./io.ts";
 * const r = readerFromStream(ReadableStream.from([new Uint8Array([1, 2, 3])]));
 * const p = new Uint8Array(2);
 * console.assert(await r.read(p) === 2 && await r.read(p) === 1 && await r.read(p) === null);
 * ```
 */
export function readerFromStream(
  stream: ReadableStream<Uint8Array>,
): Reader & { releaseLock(): void } {
  const rd = stream.getReader();
  let rest: Uint8Array | null = null;
  return {
    async read(p: Uint8Array): Promise<number | null> {
      while (rest === null || rest.length === 0) {
        const { value, done } = await rd.read();
        if (done) return null;
        rest = value;
      }
      const n = Math.min(p.length, rest.length);
      p.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return n;
    },
    releaseLock() {
      rd.releaseLock();
    },
  };
}

/**
 * A {@linkcode Writer} over a `WritableStream<Uint8Array>` (copies each chunk: streams may
 * hold on to it).
 *
 * @param stream The byte sink.
 * @returns A writer.
 * @example
 * ```ts
 * import { writerFromStream, writeAll } from "./io.ts";
 * const got: Uint8Array[] = [];
 * const w = writerFromStream(new WritableStream({ write(c) { got.push(c); } }));
 * await writeAll(w, new Uint8Array([1, 2]));
 * console.assert(got[0].length === 2);
 * ```
 */
export function writerFromStream(stream: WritableStream<Uint8Array>): Writer {
  const wr = stream.getWriter();
  return {
    async write(p: Uint8Array): Promise<number> {
      await wr.write(p.slice());
      return p.length;
    },
  };
}

/** Options for {@linkcode BufferedReader}. */
export interface BufferedReaderOptions {
  /** Maximum bytes buffered (and the default `readUntil` limit). Default 65536 (asyncio's). */
  limit?: number;
}

/**
 * A reader with a buffer (an {@linkcode IOBuffer}), for `readUntil` and `readExact` on any
 * stream without losing over-read bytes: asyncio's `StreamReader`.
 *
 * @example
 * ```ts
 * import { BufferedReader, readerFromStream } from "./io.ts";
 * const src = readerFromStream(ReadableStream.from([new TextEncoder().encode("GET / HTTP/1.0\r\nHost: x\r\n\r\nbody")]));
 * using br = new BufferedReader(src);
 * const line = await br.readUntil(new TextEncoder().encode("\r\n"));
 * console.assert(new TextDecoder().decode(line) === "GET / HTTP/1.0\r\n");
 * ```
 */
export class BufferedReader {
  readonly #src: Reader;
  readonly #buf: IOBuffer;
  readonly #limit: number;
  #eof = false;

  /**
   * @param source The reader to wrap.
   * @param options Buffer limit.
   * @throws {RangeError} for a bad limit.
   */
  constructor(source: Reader, options: BufferedReaderOptions = {}) {
    const limit = options.limit ?? 65536;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Cannot create reader: limit must be a positive integer, got ${limit}`);
    }
    this.#src = source;
    this.#limit = limit;
    this.#buf = new IOBuffer({ maxCapacity: Math.max(limit, 65536) + 65536 });
  }

  /** Bytes buffered and not yet returned. */
  get buffered(): number {
    return this.#buf.length;
  }

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const n = await this.#buf.readFrom(this.#src, 65536);
    if (n === null) {
      this.#eof = true;
      return false;
    }
    return true;
  }

  /**
   * Read exactly `n` bytes.
   *
   * @param n How many bytes.
   * @returns A new array of `n` bytes.
   * @throws {IncompleteReadError} at end of stream first; `partial` holds (and consumes) the rest.
   */
  async readExact(n: number): Promise<Uint8Array> {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`Cannot read exactly ${n} bytes: expected a non-negative integer`);
    }
    if (n <= this.#buf.length) {
      const out = this.#buf.peek(n).slice();
      this.#buf.consume(n);
      return out;
    }
    const out = new Uint8Array(n);
    let got = this.#buf.length;
    out.set(this.#buf.view());
    this.#buf.reset();
    while (got < n) {
      if (this.#eof) throw new IncompleteReadError(out.slice(0, got), n);
      const r = await this.#src.read(out.subarray(got));
      if (r === null) {
        this.#eof = true;
        throw new IncompleteReadError(out.slice(0, got), n);
      }
      got += r;
    }
    return out;
  }

  /**
   * Read up to and including `delimiter` (asyncio's `readuntil`).
   *
   * @param delimiter One or more bytes.
   * @param limit Most bytes (delimiter included) to look through. Default: the reader's limit.
   * @returns A new array ending with the delimiter.
   * @throws {LimitOverrunError} when no delimiter ends within `limit` bytes; the bytes stay buffered.
   * @throws {IncompleteReadError} at end of stream; `partial` holds (and consumes) the rest.
   */
  async readUntil(delimiter: Uint8Array, limit: number = this.#limit): Promise<Uint8Array> {
    if (delimiter.length === 0) {
      throw new RangeError("Cannot read until delimiter: delimiter is empty");
    }
    let from = 0;
    for (;;) {
      const v = this.#buf.view();
      const idx = indexOfSequence(v, delimiter, from);
      if (idx >= 0) {
        const end = idx + delimiter.length;
        if (end > limit) throw new LimitOverrunError(idx, limit);
        const out = v.slice(0, end);
        this.#buf.consume(end);
        return out;
      }
      if (v.length > limit) throw new LimitOverrunError(v.length, limit);
      from = Math.max(0, v.length - delimiter.length + 1);
      if (!(await this.#fill())) {
        const partial = this.#buf.toBytes();
        this.#buf.reset();
        throw new IncompleteReadError(partial, null);
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
    if (this.#buf.length === 0 && !(await this.#fill())) return null;
    const n = Math.min(max, this.#buf.length);
    const out = this.#buf.peek(n).slice();
    this.#buf.consume(n);
    return out;
  }

  /** Free the buffer (the wrapped reader is not closed). */
  [Symbol.dispose](): void {
    this.#buf.free();
  }
}
