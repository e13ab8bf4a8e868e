/**
 * Framing adapters over any `Deno.Conn` (or reader/writer) and over web streams:
 * {@linkcode FramedConn} (`readFrame`/`writeFrame`, batches, `readExact`/`readUntil`),
 * {@linkcode readFrames} (an async iterator), and {@linkcode decodeStream} /
 * {@linkcode encodeStream} (`TransformStream`s). All read through {@linkcode FrameReader}.
 *
 * @module
 */
import type { FrameBatch } from "./frame_codec.ts";
import { FrameCodec } from "./frame_codec.ts";
import { createFrameCodec, FrameDecoder, FrameEncoder } from "./codec.ts";
import type { Decoder, Encoder } from "./decoder.ts";
import { FrameReader } from "./frame_reader.ts";
import type { FrameOptions } from "./spec.ts";
import { type Reader, readerFromStream, writeAll, type Writer } from "./io.ts";

/** Options for {@linkcode FramedConn}. */
export interface FramedConnOptions<T = Uint8Array> {
  /** Bytes per read from the connection. Default 65536. */
  readSize?: number;
  /** Called with each too-long frame error under `oversize: "discard"` by the iterator; default: none. */
  onDiscard?: (error: Error) => void;
  /**
   * The encoder for `writeFrame` when `codec` is your own decoder. Default: the decoder
   * itself if it has `encode`, else none (writing frames throws).
   */
  encoder?: Encoder<T>;
}

function isDecoder<T>(c: unknown): c is Decoder<T> {
  return typeof c === "object" && c !== null && typeof (c as Decoder<T>).decode === "function";
}

/**
 * Frames over a connection: read and write whole messages. The codec is a spec text, options,
 * or any {@linkcode Decoder} (your own framing plugs in here).
 *
 * Permissions: whatever the connection needed (`--allow-net` for a `Deno.Conn`).
 *
 * @typeParam T The frame type: `Uint8Array` for the built-in codecs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FramedConn } from "./framed_conn.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const server = (async () => {
 *   using fc = new FramedConn(await listener.accept(), "len:u32be");
 *   const req = await fc.readFrame();
 *   await fc.writeFrame(new TextEncoder().encode(`echo ${new TextDecoder().decode(req!)}`));
 * })();
 * using client = new FramedConn(await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }), "len:u32be");
 * await client.writeFrame(new TextEncoder().encode("hi"));
 * assert.equal(new TextDecoder().decode((await client.readFrame())!), "echo hi");
 * await server;
 * ```
 */
export class FramedConn<T = Uint8Array> {
  readonly #conn: Reader & Writer & { close?(): void };
  readonly #dec: Decoder<T>;
  readonly #enc: Encoder<T> | null;
  readonly #reader: FrameReader<T>;
  readonly #ownCodec: boolean;
  readonly #onDiscard?: (e: Error) => void;
  #closed = false;

  /**
   * Creates the FramedConn.
   *
   * @param conn A `Deno.Conn` or anything with `read`, `write` (and optionally `close`).
   * @param codec A frame spec (`"len:u32be"`), {@linkcode FrameOptions}, or a
   *   {@linkcode Decoder} (not freed by the connection).
   * @param options Read size, discard callback, encoder.
   * @throws {FrameSpecSyntaxError} / {RangeError} for a bad codec.
   */
  constructor(
    conn: Reader & Writer & { close?(): void },
    codec: string | FrameOptions | Decoder<T>,
    options: FramedConnOptions<T> = {},
  ) {
    this.#conn = conn;
    this.#ownCodec = !isDecoder(codec);
    const dec = isDecoder<T>(codec) ? codec : createFrameCodec(codec) as unknown as Decoder<T>;
    this.#dec = dec;
    let enc: Encoder<T> | null = options.encoder ??
      (typeof (dec as Partial<Encoder<T>>).encode === "function"
        ? dec as unknown as Encoder<T>
        : null);
    if (
      enc instanceof FrameCodec && enc.options.kind === "length" && enc.options.fieldOffset !== 0
    ) {
      enc = null;
    }
    this.#enc = enc;
    this.#reader = new FrameReader(conn, dec, { readSize: options.readSize });
    this.#onDiscard = options.onDiscard;
  }

  /** The decoder: a built-in codec, or the one you passed. */
  get codec(): Decoder<T> {
    return this.#dec;
  }

  #frameDecoder?: FrameDecoder;

  /**
   * The built-in codec with the connection's buffer, as a {@linkcode FrameDecoder} (state,
   * buffered bytes, maximum, batches).
   *
   * @throws {TypeError} when the connection runs your own decoder (see
   *   {@linkcode FramedConn.codec}).
   */
  get decoder(): FrameDecoder {
    if (!(this.#dec instanceof FrameCodec)) {
      throw new TypeError("Cannot get decoder: this connection runs a custom decoder (use codec)");
    }
    return this.#frameDecoder ??= new FrameDecoder(this.#dec, { buffer: this.#reader.buffer });
  }

  /** The read driver (buffer, raw reads). */
  get reader(): FrameReader<T> {
    return this.#reader;
  }

  /**
   * Read more bytes from the connection into the buffer.
   *
   * @returns false at end of stream.
   */
  fill(): Promise<boolean> {
    return this.#reader.fill();
  }

  /**
   * The next buffered frame (no await), or `null` when more bytes must be read first
   * ({@linkcode FramedConn.fill}). For the built-in codecs, a view valid until the next
   * read call.
   *
   * @returns The frame or `null`.
   * @throws {FrameTooLongError} / {FrameCorruptError} from the decoder.
   */
  tryReadFrame(): T | null {
    const d = this.#dec;
    if (d instanceof FrameCodec) return d.decodeView(this.#reader.buffer) as T | null;
    return this.#reader.tryReadFrame();
  }

  /**
   * Read one frame (for the built-in codecs a copy you may keep).
   *
   * @returns The frame, or `null` at a clean end of stream.
   * @throws {IncompleteFrameError} when the stream ends inside a frame (`leftover` bytes).
   * @throws {FrameTooLongError} / {FrameCorruptError}; under `oversize: "discard"` the next
   *   call returns the frame after the discarded one.
   */
  readFrame(): Promise<T | null> {
    return this.#reader.readFrame();
  }

  /**
   * Wait for at least one frame and return every buffered one as a reusable batch: no
   * object per frame. The batch is valid until the next read call. Built-in codecs only.
   *
   * @returns The batch, or `null` at a clean end of stream.
   * @throws Like {@linkcode FramedConn.readFrame}.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FramedConn } from "./framed_conn.ts";
   * const input = ReadableStream.from([new Uint8Array([1, 65, 1, 66, 0])]);
   * const r = input.getReader();
   * const conn = {
   *   async read(p: Uint8Array) { const { value } = await r.read(); if (!value) return null; p.set(value); return value.length; },
   *   write: (p: Uint8Array) => Promise.resolve(p.length),
   * };
   * using fc = new FramedConn(conn, "len:u8");
   * const b = (await fc.readBatch())!;
   * assert.equal(b.count, 3);
   * assert.equal(b.bytes[b.offset(1)], 66);
   * assert.equal(b.length(2), 0);
   * ```
   */
  readBatch(): Promise<FrameBatch | null> {
    return this.#reader.readBatch();
  }

  /**
   * Write one frame with write-all semantics.
   *
   * @param payload The frame.
   * @throws {PayloadTooLongError} / {RangeError} when the codec cannot carry it (nothing is written).
   */
  async writeFrame(payload: T): Promise<void> {
    await writeAll(this.#conn, this.#encoder().encode(payload));
  }

  /**
   * Write many frames in one write.
   *
   * @param payloads The frames.
   * @throws Like {@linkcode FramedConn.writeFrame}; nothing is written on failure.
   */
  async writeFrames(payloads: Iterable<T>): Promise<void> {
    const enc = this.#encoder();
    if (enc instanceof FrameCodec) {
      await writeAll(this.#conn, enc.encodeAll(payloads as Iterable<Uint8Array>));
      return;
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const p of payloads) {
      const b = enc.encode(p);
      parts.push(b);
      total += b.length;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const b of parts) {
      out.set(b, off);
      off += b.length;
    }
    await writeAll(this.#conn, out);
  }

  #encoder(): Encoder<T> {
    if (this.#enc === null) {
      throw new RangeError(
        "Cannot write frame: this codec has no encoder (fieldOffset > 0, or a decoder without encode)",
      );
    }
    return this.#enc;
  }

  /**
   * Write raw bytes (no framing), all of them.
   *
   * @param data Bytes to write.
   */
  writeAll(data: Uint8Array): Promise<void> {
    return writeAll(this.#conn, data);
  }

  /**
   * Read exactly `n` raw bytes, taking buffered bytes first.
   *
   * @param n How many bytes.
   * @returns A new array.
   * @throws {IncompleteReadError} at end of stream first (`partial`, `expected`).
   */
  readExact(n: number): Promise<Uint8Array> {
    return this.#reader.readExact(n);
  }

  /**
   * Read raw bytes up to and including `delimiter` (asyncio's `readuntil` rule: the limit
   * bounds the bytes before the delimiter; see {@linkcode FrameReader.readUntil}).
   *
   * @param delimiter One or more bytes.
   * @param limit Most bytes before the delimiter. Default 65536.
   * @returns A new array ending with the delimiter.
   * @throws {LimitOverrunError} when no delimiter is within `limit` bytes.
   * @throws {IncompleteReadError} at end of stream first.
   */
  readUntil(delimiter: Uint8Array, limit = 65536): Promise<Uint8Array> {
    return this.#reader.readUntil(delimiter, limit);
  }

  /**
   * Iterate over frames until end of stream. Under `oversize: "discard"`, too-long
   * frames go to `onDiscard` and iteration continues.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const o = (this.#dec as { options?: { oversize?: string } }).options;
    const discarding = this.#onDiscard !== undefined && o?.oversize === "discard";
    const r = this.#reader;
    const slow = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        try {
          const f = await r.readFrame();
          return f === null ? { value: undefined, done: true } : { value: f, done: false };
        } catch (e) {
          if (discarding && e instanceof RangeError) {
            this.#onDiscard!(e);
            continue;
          }
          throw e;
        }
      }
    };
    return {
      next: (): Promise<IteratorResult<T>> => {
        // fast path: a buffered frame costs no async function frame
        try {
          const f = r.tryReadFrame();
          if (f !== null) return Promise.resolve({ value: f, done: false });
        } catch (e) {
          if (!(discarding && e instanceof RangeError)) return Promise.reject(e);
          this.#onDiscard!(e);
        }
        return slow();
      },
    };
  }

  /** Free the buffer (and a codec built from a spec) and close the connection (if it has `close`). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.free();
    if (this.#ownCodec) (this.#dec as unknown as FrameCodec).free();
    try {
      this.#conn.close?.();
    } catch (e) {
      if (!(e instanceof Deno.errors.BadResource)) throw e;
    }
  }

  /** Same as {@linkcode FramedConn.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Iterate over the frames of a connection or byte stream (copies), until end of stream.
 *
 * @param source A `Deno.Conn`, any reader, or a `ReadableStream<Uint8Array>`.
 * @param codec A frame spec, options, or a {@linkcode Decoder}.
 * @returns An async iterator of frames.
 * @throws {IncompleteFrameError} when the stream ends inside a frame, and decode errors.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFrames } from "./framed_conn.ts";
 * const src = ReadableStream.from([new TextEncoder().encode("a\nb"), new TextEncoder().encode("c\n")]);
 * const lines: string[] = [];
 * for await (const f of readFrames(src, "line")) lines.push(new TextDecoder().decode(f));
 * assert.deepEqual(lines, ["a", "bc"]);
 * ```
 */
export async function* readFrames<T = Uint8Array>(
  source: Reader | ReadableStream<Uint8Array>,
  codec: string | FrameOptions | Decoder<T>,
): AsyncGenerator<T> {
  const reader = source instanceof ReadableStream ? readerFromStream(source) : source;
  const own = !isDecoder<T>(codec);
  const dec = isDecoder<T>(codec) ? codec : createFrameCodec(codec) as unknown as Decoder<T>;
  using r = new FrameReader(reader, dec);
  try {
    yield* r;
  } finally {
    if (own) (dec as unknown as FrameCodec).free();
  }
}

/**
 * A readable/writable pair from bytes to frames (copies), for `pipeThrough`.
 *
 * Frames are decoded as the readable side is read (pull), so a decode error reaches the
 * reader only after every frame before it: the frames a stream hands out do not depend on
 * how its input was chunked. (An errored `TransformStream` drops the frames still queued,
 * which made the output depend on the chunking.)
 *
 * @param codec A frame spec, options, or a {@linkcode Decoder} (not freed).
 * @returns The pair; the readable side errors with {@linkcode IncompleteFrameError} at a
 *   mid-frame end, and with the decoder's error after the frames before it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeStream } from "./framed_conn.ts";
 * const frames = ReadableStream.from([new Uint8Array([0, 2, 7]), new Uint8Array([8])]).pipeThrough(decodeStream("len:u16be"));
 * const got = await Array.fromAsync(frames);
 * assert.deepEqual(got, [new Uint8Array([7, 8])]);
 * ```
 */
export function decodeStream<T = Uint8Array>(
  codec: string | FrameOptions | Decoder<T>,
): ReadableWritablePair<T, Uint8Array> {
  const own = !isDecoder<T>(codec);
  const dec = isDecoder<T>(codec) ? codec : createFrameCodec(codec) as unknown as Decoder<T>;
  const r = new FrameReader<T>(null, dec);
  let failure: { error: unknown } | null = null;
  let freed = false;
  const free = () => {
    if (freed) return;
    freed = true;
    r.free();
    if (own) (dec as unknown as FrameCodec).free();
  };
  // one waiter on each side: the reader waits for bytes, the writer for room
  let wakeReader: (() => void) | null = null;
  let wakeWriter: (() => void) | null = null;
  const wake = (which: "reader" | "writer") => {
    const w = which === "reader" ? wakeReader : wakeWriter;
    if (which === "reader") wakeReader = null;
    else wakeWriter = null;
    w?.();
  };
  const readable = new ReadableStream<T>({
    async pull(ctl) {
      for (;;) {
        try {
          const f = r.tryReadFrame();
          if (f !== null) {
            ctl.enqueue(f);
            wake("writer");
            return;
          }
          if (r.eof) {
            const last = dec.decodeEof(r.buffer);
            if (last !== null) {
              ctl.enqueue(last);
              return;
            }
            ctl.close();
            free();
            return;
          }
        } catch (e) {
          failure = { error: e };
          ctl.error(e);
          free();
          wake("writer");
          return;
        }
        if (failure !== null) {
          ctl.error((failure as { error: unknown }).error);
          free();
          return;
        }
        wake("writer");
        await new Promise<void>((resolve) => (wakeReader = resolve));
      }
    },
    cancel() {
      failure ??= { error: new Error("Cannot decode stream: the readable side was cancelled") };
      free();
      wake("writer");
    },
  }, { highWaterMark: 0 });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      let off = 0;
      while (off < chunk.length) {
        if (failure !== null) throw failure.error;
        const room = r.buffer.remaining;
        if (room === 0) {
          await new Promise<void>((resolve) => (wakeWriter = resolve));
          continue;
        }
        const n = Math.min(chunk.length - off, room, 65536);
        r.push(chunk.subarray(off, off + n));
        off += n;
        wake("reader");
      }
    },
    close() {
      r.end();
      wake("reader");
    },
    abort(reason) {
      failure ??= { error: reason };
      r.end();
      wake("reader");
    },
  });
  return { readable, writable };
}

/**
 * A `TransformStream` from payloads to encoded frames.
 *
 * @param codec A frame spec or options.
 * @returns The stream; errors when a payload cannot be encoded.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeStream } from "./framed_conn.ts";
 * const out = await Array.fromAsync(ReadableStream.from([new Uint8Array([9])]).pipeThrough(encodeStream("len:u16be")));
 * assert.deepEqual(out, [new Uint8Array([0, 1, 9])]);
 * ```
 */
export function encodeStream(
  codec: string | FrameOptions,
): TransformStream<Uint8Array, Uint8Array> {
  const enc = new FrameEncoder(codec);
  return new TransformStream({
    transform(chunk, ctl) {
      ctl.enqueue(enc.encode(chunk));
    },
    flush() {
      enc.free();
    },
  });
}
