/**
 * Framing adapters over any `Deno.Conn` (or reader/writer) and over web streams:
 * {@linkcode FramedConn} (`readFrame`/`writeFrame`, batches, `readExact`/`readUntil`),
 * {@linkcode readFrames} (an async iterator), and {@linkcode decodeStream} /
 * {@linkcode encodeStream} (`TransformStream`s). All are built on {@linkcode FrameDecoder}.
 *
 * @module
 */
import { IncompleteReadError, LimitOverrunError } from "./errors.ts";
import { type FrameBatch, FrameDecoder, FrameEncoder } from "./codec.ts";
import type { FrameOptions } from "./spec.ts";
import { type Reader, readerFromStream, writeAll, type Writer } from "./io.ts";
import { indexOfSequence } from "./_search.ts";

/** Options for {@linkcode FramedConn}. */
export interface FramedConnOptions {
  /** Bytes per read from the connection. Default 65536. */
  readSize?: number;
  /** Called with each too-long frame error under `oversize: "discard"` by the iterator; default: none. */
  onDiscard?: (error: Error) => void;
}

/**
 * Frames over a connection: read and write whole messages.
 *
 * Permissions: whatever the connection needed (`--allow-net` for a `Deno.Conn`).
 *
 * @example
 * ```ts
 * import { FramedConn } from "./framed_conn.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const server = (async () => {
 *   using fc = new FramedConn(await listener.accept(), "len:u32be");
 *   const req = await fc.readFrame();
 *   await fc.writeFrame(new TextEncoder().encode(`echo ${new TextDecoder().decode(req!)}`));
 * })();
 * using client = new FramedConn(await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }), "len:u32be");
 * await client.writeFrame(new TextEncoder().encode("hi"));
 * console.assert(new TextDecoder().decode((await client.readFrame())!) === "echo hi");
 * await server;
 * ```
 */
export class FramedConn {
  readonly #conn: Reader & Writer & { close?(): void };
  readonly #dec: FrameDecoder;
  readonly #enc: FrameEncoder | null;
  readonly #readSize: number;
  readonly #onDiscard?: (e: Error) => void;
  #eof = false;
  #closed = false;

  /**
   * @param conn A `Deno.Conn` or anything with `read`, `write` (and optionally `close`).
   * @param codec A frame spec (`"len:u32be"`) or {@linkcode FrameOptions}.
   * @param options Read size and discard callback.
   * @throws {FrameSpecSyntaxError} / {RangeError} for a bad codec.
   */
  constructor(
    conn: Reader & Writer & { close?(): void },
    codec: string | FrameOptions,
    options: FramedConnOptions = {},
  ) {
    this.#conn = conn;
    this.#dec = new FrameDecoder(codec);
    const o = this.#dec.options;
    this.#enc = o.kind === "length" && o.fieldOffset !== 0 ? null : new FrameEncoder(o);
    this.#readSize = options.readSize ?? 65536;
    this.#onDiscard = options.onDiscard;
  }

  /** The underlying decoder (state, buffered bytes, maximum). */
  get decoder(): FrameDecoder {
    return this.#dec;
  }

  /**
   * Read more bytes from the connection into the decoder.
   *
   * @returns false at end of stream.
   */
  async fill(): Promise<boolean> {
    if (this.#eof) return false;
    const n = await this.#dec.readFrom(this.#conn, this.#readSize);
    if (n === null) {
      this.#eof = true;
      return false;
    }
    return true;
  }

  /**
   * The next buffered frame as a view (no copy, no await), or `null` when more bytes must
   * be read first ({@linkcode FramedConn.fill}). Valid until the next read call.
   *
   * @returns A view or `null`.
   * @throws {FrameTooLongError} / {FrameCorruptError} from the decoder.
   */
  tryReadFrame(): Uint8Array | null {
    return this.#dec.decodeView();
  }

  /**
   * Read one frame (a copy you may keep).
   *
   * @returns The frame, or `null` at a clean end of stream.
   * @throws {IncompleteFrameError} when the stream ends inside a frame (`leftover` bytes).
   * @throws {FrameTooLongError} / {FrameCorruptError}; under `oversize: "discard"` the next
   *   call returns the frame after the discarded one.
   */
  readFrame(): Promise<Uint8Array | null> {
    // fast path without an async function frame when a frame is already buffered
    const f = this.#dec.decode();
    return f !== null ? Promise.resolve(f) : this.#readFrameSlow();
  }

  async #readFrameSlow(): Promise<Uint8Array | null> {
    for (;;) {
      if (!(await this.fill())) {
        this.#dec.finish();
        return null;
      }
      const f = this.#dec.decode();
      if (f !== null) return f;
    }
  }

  /**
   * Wait for at least one frame and return every buffered one as a reusable batch: no
   * object per frame. The batch is valid until the next read call.
   *
   * @returns The batch, or `null` at a clean end of stream.
   * @throws Like {@linkcode FramedConn.readFrame}.
   * @example
   * ```ts
   * import { FramedConn } from "./framed_conn.ts";
   * const input = ReadableStream.from([new Uint8Array([1, 65, 1, 66, 0])]);
   * const r = input.getReader();
   * const conn = {
   *   async read(p: Uint8Array) { const { value } = await r.read(); if (!value) return null; p.set(value); return value.length; },
   *   write: (p: Uint8Array) => Promise.resolve(p.length),
   * };
   * using fc = new FramedConn(conn, "len:u8");
   * const b = (await fc.readBatch())!;
   * console.assert(b.count === 3 && b.bytes[b.offset(1)] === 66 && b.length(2) === 0);
   * ```
   */
  async readBatch(): Promise<FrameBatch | null> {
    for (;;) {
      const b = this.#dec.decodeBatch();
      if (b.count > 0) return b;
      if (!(await this.fill())) {
        this.#dec.finish();
        return null;
      }
    }
  }

  /**
   * Write one frame with write-all semantics.
   *
   * @param payload The frame content.
   * @throws {FrameTooLongError} / {RangeError} when the codec cannot carry it (nothing is written).
   */
  async writeFrame(payload: Uint8Array): Promise<void> {
    await writeAll(this.#conn, this.#encoder().encode(payload));
  }

  /**
   * Write many frames in one write.
   *
   * @param payloads The frames' contents.
   * @throws Like {@linkcode FramedConn.writeFrame}; nothing is written on failure.
   */
  async writeFrames(payloads: Iterable<Uint8Array>): Promise<void> {
    await writeAll(this.#conn, this.#encoder().encodeAll(payloads));
  }

  #encoder(): FrameEncoder {
    if (this.#enc === null) {
      throw new RangeError("Cannot write frame: this codec has no encoder (fieldOffset > 0)");
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
  async readExact(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const avail = this.#takeBuffered(out.subarray(got));
      got += avail;
      if (got < n && !(await this.fill())) throw new IncompleteReadError(out.slice(0, got), n);
    }
    return out;
  }

  /**
   * Read raw bytes up to and including `delimiter`.
   *
   * @param delimiter One or more bytes.
   * @param limit Most bytes to look through. Default 65536.
   * @returns A new array ending with the delimiter.
   * @throws {LimitOverrunError} when no delimiter ends within `limit` bytes.
   * @throws {IncompleteReadError} at end of stream first.
   */
  async readUntil(delimiter: Uint8Array, limit = 65536): Promise<Uint8Array> {
    if (delimiter.length === 0) {
      throw new RangeError("Cannot read until delimiter: delimiter is empty");
    }
    for (;;) {
      const view = this.#bufferedView();
      const i = indexOfSequence(view, delimiter);
      if (i >= 0) {
        if (i + delimiter.length > limit) throw new LimitOverrunError(i, limit);
        const out = new Uint8Array(i + delimiter.length);
        this.#takeBuffered(out);
        return out;
      }
      if (view.length > limit) throw new LimitOverrunError(view.length, limit);
      if (!(await this.fill())) {
        const partial = new Uint8Array(view.length);
        this.#takeBuffered(partial);
        throw new IncompleteReadError(partial, null);
      }
    }
  }

  #bufferedView(): Uint8Array {
    // raw access goes through a raw decoder-independent copy of the buffered bytes
    const p = new Uint8Array(this.#dec.buffered);
    this.#dec.peekInto(p);
    return p;
  }

  #takeBuffered(out: Uint8Array): number {
    const n = Math.min(out.length, this.#dec.buffered);
    this.#dec.takeInto(out.subarray(0, n));
    return n;
  }

  /**
   * Iterate over frames (copies) until end of stream. Under `oversize: "discard"`, too-long
   * frames go to `onDiscard` and iteration continues.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const discarding = this.#onDiscard !== undefined && "oversize" in this.#dec.options &&
      this.#dec.options.oversize === "discard";
    const slow = async (): Promise<IteratorResult<Uint8Array>> => {
      for (;;) {
        try {
          const f = await this.readFrame();
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
      next: (): Promise<IteratorResult<Uint8Array>> => {
        // fast path: a buffered frame costs no async function frame
        try {
          const f = this.#dec.decode();
          if (f !== null) return Promise.resolve({ value: f, done: false });
        } catch (e) {
          if (!(discarding && e instanceof RangeError)) return Promise.reject(e);
          this.#onDiscard!(e);
        }
        return slow();
      },
    };
  }

  /** Free the decoder and close the connection (if it has `close`). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dec.free();
    this.#enc?.free();
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
 * @param codec A frame spec or options.
 * @returns An async iterator of frames.
 * @throws {IncompleteFrameError} when the stream ends inside a frame, and decode errors.
 * @example
 * ```ts
 * import { readFrames } from "./framed_conn.ts";
 * const src = ReadableStream.from([new TextEncoder().encode("a\nb"), new TextEncoder().encode("c\n")]);
 * const lines: string[] = [];
 * for await (const f of readFrames(src, "line")) lines.push(new TextDecoder().decode(f));
 * console.assert(lines.join() === "a,bc");
 * ```
 */
export async function* readFrames(
  source: Reader | ReadableStream<Uint8Array>,
  codec: string | FrameOptions,
): AsyncGenerator<Uint8Array> {
  const reader = source instanceof ReadableStream ? readerFromStream(source) : source;
  using dec = new FrameDecoder(codec);
  for (;;) {
    const f = dec.decode();
    if (f !== null) {
      yield f;
      continue;
    }
    const n = await dec.readFrom(reader);
    if (n === null) {
      dec.finish();
      return;
    }
  }
}

/**
 * A `TransformStream` from bytes to frames (copies).
 *
 * @param codec A frame spec or options.
 * @returns The stream; errors with {@linkcode IncompleteFrameError} at a mid-frame end.
 * @example
 * ```ts
 * import { decodeStream } from "./framed_conn.ts";
 * const frames = ReadableStream.from([new Uint8Array([0, 2, 7]), new Uint8Array([8])]).pipeThrough(decodeStream("len:u16be"));
 * const got = await Array.fromAsync(frames);
 * console.assert(got.length === 1 && got[0].join() === "7,8");
 * ```
 */
export function decodeStream(
  codec: string | FrameOptions,
): TransformStream<Uint8Array, Uint8Array> {
  const dec = new FrameDecoder(codec);
  const drain = (ctl: TransformStreamDefaultController<Uint8Array>) => {
    for (let f = dec.decode(); f !== null; f = dec.decode()) ctl.enqueue(f);
  };
  return new TransformStream({
    transform(chunk, ctl) {
      try {
        let off = 0;
        while (off < chunk.length) {
          const n = Math.min(chunk.length - off, Math.max(1, Math.min(dec.writable, 65536)));
          dec.push(chunk.subarray(off, off + n));
          off += n;
          drain(ctl);
        }
      } catch (e) {
        dec.free();
        throw e;
      }
    },
    flush() {
      try {
        dec.finish();
      } finally {
        dec.free();
      }
    },
  });
}

/**
 * A `TransformStream` from payloads to encoded frames.
 *
 * @param codec A frame spec or options.
 * @returns The stream; errors when a payload cannot be encoded.
 * @example
 * ```ts
 * import { encodeStream } from "./framed_conn.ts";
 * const out = await Array.fromAsync(ReadableStream.from([new Uint8Array([9])]).pipeThrough(encodeStream("len:u16be")));
 * console.assert(out[0].join() === "0,1,9");
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
