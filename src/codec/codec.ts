/**
 * Build a codec from a spec text ({@linkcode createFrameCodec}), and the push-style
 * decoder and the encoder that own their buffer ({@linkcode FrameDecoder},
 * {@linkcode FrameEncoder}, {@linkcode createCodec}).
 *
 * ```
 * len:u32be    00 00 00 03 61 62 63 | 00 00 00 00   ->  "abc", ""
 * line         "a\r\nb\n"                          ->  "a", "b"
 * ```
 *
 * @module
 */
import { BufferOverflowError } from "../buffer/errors.ts";
import { IOBuffer } from "../buffer/io_buffer.ts";
import { heapStats } from "../../wasm/iobuf.ts";
import { type FrameBatch, FrameCodec } from "./frame_codec.ts";
import type { DecoderState } from "./decoder.ts";
import { type FrameOptions, type ResolvedFrameOptions, resolveFrameOptions } from "./spec.ts";
import { LengthFieldCodec } from "./length_field.ts";
import { VarintCodec } from "./varint.ts";
import { LineCodec } from "./line.ts";
import { DelimiterCodec } from "./delimiter.ts";
import { FixedLengthCodec } from "./fixed_length.ts";
import { RawCodec } from "./raw.ts";

/**
 * The built-in codec for a spec text or options: a {@linkcode LengthFieldCodec},
 * {@linkcode VarintCodec}, {@linkcode LineCodec}, {@linkcode DelimiterCodec},
 * {@linkcode FixedLengthCodec} or {@linkcode RawCodec}.
 *
 * @param spec A spec text (see {@linkcode parseFrameSpec}) or {@linkcode FrameOptions}.
 * @returns The codec (a decoder and an encoder; free it, or `using`).
 * @throws {FrameSpecSyntaxError} for a bad spec; {RangeError}/{TypeError} for bad options.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFrameCodec } from "./codec.ts";
 * import { LineCodec } from "./line.ts";
 * using codec = createFrameCodec("line,max=4KiB");
 * assert.ok(codec instanceof LineCodec);
 * assert.equal(codec.maxFrameLength, 4096);
 * ```
 */
export function createFrameCodec(spec: string | FrameOptions): FrameCodec {
  const o = resolveFrameOptions(spec);
  switch (o.kind) {
    case "length":
      return new LengthFieldCodec(o);
    case "varint":
      return new VarintCodec(o);
    case "line":
      return new LineCodec(o);
    case "delimiter":
      return new DelimiterCodec(o);
    case "fixed":
      return new FixedLengthCodec(o);
    case "raw":
      return new RawCodec(o);
  }
}

/** Options for {@linkcode FrameDecoder} beyond the codec itself. */
export interface FrameDecoderOptions {
  /**
   * Decode from this buffer (you fill it, e.g. through `writableView()` + `commit()`, and
   * the decoder consumes frames from it) instead of an internal one sized for the codec's
   * maximum. The decoder does not free it.
   */
  buffer?: IOBuffer;
}

/**
 * A push-style frame decoder: a codec ({@linkcode createFrameCodec}) and a buffer it owns.
 * Push received bytes in, take frames out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameDecoder } from "./codec.ts";
 * using d = new FrameDecoder("line");
 * d.push(new TextEncoder().encode("one\r\ntw"));
 * assert.equal(new TextDecoder().decode(d.decode()!), "one");
 * assert.equal(d.decode(), null); // need more
 * d.push(new TextEncoder().encode("o\n"));
 * assert.equal(new TextDecoder().decode(d.decode()!), "two");
 * d.finish(); // no leftovers
 * ```
 */
export class FrameDecoder {
  /** The codec that does the decoding. */
  readonly codec: FrameCodec;
  #buf: IOBuffer;
  #ownBuf: boolean;

  /**
   * Creates the FrameDecoder.
   *
   * @param options Options or a spec text (`"len:u32be"`), or a codec to use (it is freed
   *   with the decoder).
   * @param decoderOptions An external buffer to decode from.
   * @throws {RangeError} / {TypeError} / {FrameSpecSyntaxError} for bad options.
   */
  constructor(
    options: string | FrameOptions | FrameCodec,
    decoderOptions: FrameDecoderOptions = {},
  ) {
    this.codec = options instanceof FrameCodec ? options : createFrameCodec(options);
    this.#ownBuf = decoderOptions.buffer === undefined;
    this.#buf = decoderOptions.buffer ?? new IOBuffer({ maxCapacity: this.codec.maxBuffered });
  }

  /** The resolved options. */
  get options(): ResolvedFrameOptions {
    return this.codec.options;
  }

  /** The buffer the decoder reads from. */
  get buffer(): IOBuffer {
    return this.#buf;
  }

  /** The explicit decoder state: waiting for a header, for a body, or discarding. */
  get state(): DecoderState {
    return this.codec.state;
  }

  /** Bytes pushed and not yet consumed by a frame. */
  get buffered(): number {
    return this.#buf.length;
  }

  /** Bytes that can still be pushed before decoding must make room. */
  get writable(): number {
    return this.#buf.remaining;
  }

  /**
   * Change the maximum frame length. A frame whose header was already read keeps the old limit.
   *
   * @param max New maximum in bytes.
   */
  setMaxFrameLength(max: number): void {
    this.codec.setMaxFrameLength(max);
  }

  /**
   * Append received bytes.
   *
   * @param chunk Bytes from the stream (copied).
   * @throws {BufferOverflowError} when more than {@linkcode FrameDecoder.writable} bytes are
   *   pushed without decoding in between.
   */
  push(chunk: Uint8Array): void {
    if (chunk.length > this.#buf.remaining) {
      throw new BufferOverflowError(this.#buf.length + chunk.length, this.#buf.maxCapacity);
    }
    this.#buf.append(chunk);
  }

  /**
   * Read once from `reader` straight into the decoder's buffer.
   *
   * @param reader A `Deno.Conn` or any reader.
   * @param maxBytes Upper bound for this read. Default 65536.
   * @returns Bytes read, or `null` at end of stream.
   */
  readFrom(
    reader: { read(p: Uint8Array): Promise<number | null> },
    maxBytes = 65536,
  ): Promise<number | null> {
    return this.#buf.readFrom(reader, Math.min(maxBytes, this.#buf.remaining));
  }

  /**
   * Find every complete frame in the buffered bytes, in one Wasm call.
   *
   * @param max Most frames to return. Default 4096.
   * @returns A reusable {@linkcode FrameBatch} (count 0 = need more). Valid until the next call.
   * @throws {FrameTooLongError} / {FrameCorruptError} after the frames before the bad one
   *   were returned by an earlier call. With `oversize: "discard"` the decoder goes on
   *   with the next frame after throwing; otherwise every later call throws again.
   */
  decodeBatch(max?: number): FrameBatch {
    return this.codec.decodeBatch(this.#buf, max);
  }

  /**
   * Call `fn(bytes, start, length)` for every complete frame (no object per frame).
   *
   * @param fn Receives all of Wasm memory and the frame's position in it.
   * @returns The number of frames.
   * @throws Like {@linkcode FrameDecoder.decodeBatch}.
   */
  forEach(fn: (bytes: Uint8Array, start: number, length: number) => void): number {
    return this.codec.forEach(this.#buf, fn);
  }

  /**
   * The next frame as a view into Wasm memory (no copy), or `null` if more bytes are needed.
   * The view is valid until the next `push`/`readFrom`/decode call.
   *
   * @returns The frame view or `null`.
   * @throws Like {@linkcode FrameDecoder.decodeBatch}.
   */
  decodeView(): Uint8Array | null {
    return this.codec.decodeView(this.#buf);
  }

  /**
   * The next frame (a copy you may keep), or `null` if more bytes are needed.
   *
   * @returns The frame or `null`.
   * @throws Like {@linkcode FrameDecoder.decodeBatch}.
   */
  decode(): Uint8Array | null {
    return this.codec.decode(this.#buf);
  }

  /**
   * Copy the first `out.length` buffered (undecoded) bytes into `out` without consuming them.
   *
   * @param out Destination; at most {@linkcode FrameDecoder.buffered} bytes.
   */
  peekInto(out: Uint8Array): void {
    out.set(this.#buf.peek(out.length));
  }

  /**
   * Take the first `out.length` buffered bytes out as raw bytes (for `readExact`/`readUntil`
   * between frames). Resets the decoder's partial-frame state.
   *
   * @param out Destination; at most {@linkcode FrameDecoder.buffered} bytes.
   */
  takeInto(out: Uint8Array): void {
    out.set(this.#buf.peek(out.length));
    this.#buf.consume(out.length);
    this.codec.reset();
  }

  /**
   * Declare end of stream: throws if bytes of an incomplete frame are left over.
   *
   * @throws {IncompleteFrameError} with `leftover` (count) and `partial` (the bytes).
   * @throws A pending decode error that was not reported yet.
   */
  finish(): void {
    this.codec.checkEof(this.#buf);
  }

  /** Release the Wasm memory (decoder state, offsets table, buffer). Idempotent. */
  free(): void {
    this.codec.free();
    if (this.#ownBuf) this.#buf.free();
  }

  /** Same as {@linkcode FrameDecoder.free}. */
  [Symbol.dispose](): void {
    this.free();
  }
}

/**
 * A frame encoder built from a spec: prepends the header (length field, varint) or appends
 * the delimiter. It refuses a payload its format cannot carry, writing nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameEncoder } from "./codec.ts";
 * import { PayloadTooLongError } from "./errors.ts";
 * using e = new FrameEncoder("len:u8");
 * assert.deepEqual(e.encode(new Uint8Array([7, 8])), new Uint8Array([2, 7, 8]));
 * assert.throws(() => e.encode(new Uint8Array(256)), PayloadTooLongError);
 * ```
 */
export class FrameEncoder {
  /** The codec that does the encoding. */
  readonly codec: FrameCodec;

  /**
   * Creates the FrameEncoder.
   *
   * @param options Options or a spec text.
   * @throws {RangeError} for a length field with `fieldOffset` other than 0 (the encoder
   *   would have to invent those bytes), and for bad options.
   */
  constructor(options: string | FrameOptions) {
    const c = createFrameCodec(options);
    if (c.options.kind === "length" && c.options.fieldOffset !== 0) {
      const off = c.options.fieldOffset;
      c.free();
      throw new RangeError(`Cannot create encoder: fieldOffset ${off} is not supported (only 0)`);
    }
    this.codec = c;
  }

  /** The resolved options. */
  get options(): ResolvedFrameOptions {
    return this.codec.options;
  }

  /**
   * The header for a payload of `length` bytes (empty for kinds without one).
   *
   * @param length Payload length.
   * @returns A new array with the header bytes.
   * @throws {PayloadTooLongError} over the maximum, or when the field cannot hold the value.
   * @throws {RangeError} when the adjusted value would be negative.
   */
  header(length: number): Uint8Array {
    return this.codec.header(length);
  }

  /**
   * Encode one frame: header + payload (+ delimiter).
   *
   * @param payload The frame's content.
   * @returns A new array holding the whole frame.
   * @throws {PayloadTooLongError} / {RangeError} when the format cannot carry it; a line or
   *   delimited payload that contains its delimiter is a `RangeError`; a fixed-size frame
   *   of the wrong size too.
   */
  encode(payload: Uint8Array): Uint8Array {
    return this.codec.encode(payload);
  }

  /**
   * Encode several frames into one array (one write for many frames).
   *
   * @param payloads The frames' contents.
   * @returns A new array with every frame, in order.
   * @throws Like {@linkcode FrameEncoder.encode}; nothing is returned on failure.
   */
  encodeAll(payloads: Iterable<Uint8Array>): Uint8Array {
    return this.codec.encodeAll(payloads);
  }

  /** Release the Wasm memory. Idempotent. */
  free(): void {
    this.codec.free();
  }

  /** Same as {@linkcode FrameEncoder.free}. */
  [Symbol.dispose](): void {
    this.free();
  }
}

/** A decoder and an encoder built from the same options. */
export interface Codec {
  /** The resolved options. */
  options: ResolvedFrameOptions;
  /** A new decoder. */
  decoder: FrameDecoder;
  /** A new encoder, or `null` for a length field at an offset other than 0 (nothing to put before it). */
  encoder: FrameEncoder | null;
  /** Frees both. */
  [Symbol.dispose](): void;
}

/**
 * Build a push-style decoder and an encoder from a spec text or an options object: the
 * one entry point for the CLI (`--frame len:u32be`) and for programs.
 *
 * @param spec A spec text (see {@linkcode parseFrameSpec}) or {@linkcode FrameOptions}.
 * @returns `{ options, decoder, encoder }`, disposable.
 * @throws {FrameSpecSyntaxError} for a bad spec; {RangeError}/{TypeError} for bad options.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCodec } from "./codec.ts";
 * using c = createCodec("len:u32be");
 * c.decoder.push(c.encoder!.encodeAll([new Uint8Array([1]), new Uint8Array(0)]));
 * const b = c.decoder.decodeBatch();
 * assert.equal(b.count, 2);
 * assert.equal(b.length(0), 1);
 * assert.equal(b.length(1), 0);
 * ```
 */
export function createCodec(spec: string | FrameOptions): Codec {
  const decoder = new FrameDecoder(spec);
  let encoder: FrameEncoder | null = null;
  if (!(decoder.options.kind === "length" && decoder.options.fieldOffset !== 0)) {
    try {
      encoder = new FrameEncoder(decoder.options);
    } catch (e) {
      decoder.free();
      throw e;
    }
  }
  return {
    options: decoder.options,
    decoder,
    encoder,
    [Symbol.dispose]() {
      decoder.free();
      encoder?.free();
    },
  };
}

/** The memory in bytes the core currently uses for linear memory (for diagnostics). */
export function wasmMemoryBytes(): number {
  return heapStats().memoryBytes;
}
