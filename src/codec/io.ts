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
import { FrameReader } from "./frame_reader.ts";

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
 * import assert from "node:assert/strict";
 * import { writeAll } from "./io.ts";
 * const chunks: number[] = [];
 * // a writer that only takes 3 bytes per call
 * const w = { write: (p: Uint8Array) => { chunks.push(...p.subarray(0, 3)); return Promise.resolve(Math.min(3, p.length)); } };
 * await writeAll(w, new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
 * assert.deepEqual(chunks, [1, 2, 3, 4, 5, 6, 7]);
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
 * import assert from "node:assert/strict";
 * import { readExact, readerFromStream } from "./io.ts";
 * import { IncompleteReadError } from "./errors.ts";
 * const r = readerFromStream(ReadableStream.from([new Uint8Array([1, 2]), new Uint8Array([3])]));
 * assert.deepEqual(await readExact(r, 2), new Uint8Array([1, 2]));
 * await assert.rejects(readExact(r, 4), (e) => {
 *   assert.ok(e instanceof IncompleteReadError);
 *   assert.deepEqual(e.partial, new Uint8Array([3]));
 *   assert.equal(e.expected, 4);
 *   return true;
 * });
 * ```
 */
export async function readExact(reader: Reader, n: number): Promise<Uint8Array> {
  using r = new FrameReader(reader);
  return await r.readExact(n);
}

/**
 * A {@linkcode Reader} over a `ReadableStream<Uint8Array>`; keeps the rest of a chunk that
 * did not fit the caller's array.
 *
 * @param stream The byte stream.
 * @returns A reader (call `releaseLock()` on it to give the stream back).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readerFromStream } from "./io.ts";
 * const r = readerFromStream(ReadableStream.from([new Uint8Array([1, 2, 3])]));
 * const p = new Uint8Array(2);
 * assert.equal(await r.read(p), 2);
 * assert.equal(await r.read(p), 1);
 * assert.equal(await r.read(p), null);
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
 * import assert from "node:assert/strict";
 * import { writerFromStream, writeAll } from "./io.ts";
 * const got: Uint8Array[] = [];
 * const w = writerFromStream(new WritableStream({ write(c) { got.push(c); } }));
 * await writeAll(w, new Uint8Array([1, 2]));
 * assert.deepEqual(got, [new Uint8Array([1, 2])]);
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
  /** The default `readUntil` limit (bytes before the delimiter). Default 65536 (asyncio's). */
  limit?: number;
}

/**
 * A reader with a buffer, for `readUntil` and `readExact` on any stream without losing
 * over-read bytes: asyncio's `StreamReader`. It is a {@linkcode FrameReader} without a
 * decoder; `readUntil` follows asyncio's limit rule (see {@linkcode FrameReader.readUntil}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedReader, readerFromStream } from "./io.ts";
 * const src = readerFromStream(ReadableStream.from([new TextEncoder().encode("GET / HTTP/1.0\r\nHost: x\r\n\r\nbody")]));
 * using br = new BufferedReader(src);
 * const line = await br.readUntil(new TextEncoder().encode("\r\n"));
 * assert.equal(new TextDecoder().decode(line), "GET / HTTP/1.0\r\n");
 * ```
 */
export class BufferedReader extends FrameReader<never> {
  readonly #limit: number;

  /**
   * Creates the BufferedReader.
   *
   * @param source The reader to wrap.
   * @param options Buffer limit.
   * @throws {RangeError} for a bad limit.
   */
  constructor(source: Reader, options: BufferedReaderOptions = {}) {
    const limit = options.limit ?? 65536;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Cannot create reader: limit must be a positive integer, got ${limit}`);
    }
    super(source, null, { maxBuffered: Math.max(limit, 65536) + 65536 });
    this.#limit = limit;
  }

  /**
   * Read up to and including `delimiter` (asyncio's `readuntil`).
   *
   * @param delimiter One or more bytes.
   * @param limit Most bytes before the delimiter. Default: the reader's limit.
   * @returns A new array ending with the delimiter.
   * @throws {LimitOverrunError} when no delimiter is within `limit` bytes; the bytes stay buffered.
   * @throws {IncompleteReadError} at end of stream; `partial` holds (and consumes) the rest.
   */
  override readUntil(delimiter: Uint8Array, limit: number = this.#limit): Promise<Uint8Array> {
    return super.readUntil(delimiter, limit);
  }
}
