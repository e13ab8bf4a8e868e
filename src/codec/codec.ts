/**
 * Frame decoders and encoders backed by the Wasm core, with a batch API.
 *
 * A {@linkcode FrameDecoder} keeps the bytes pushed into it in an {@linkcode IOBuffer};
 * `decodeBatch()` finds every complete frame in one Wasm call and hands back a reusable
 * {@linkcode FrameBatch} (offsets and lengths, no object per frame). `decode()` hands out
 * one frame at a time (a copy). The codec contract (tokio-util, Netty): decode returns a
 * frame or "need more"; at end of stream, leftover bytes are an
 * {@linkcode IncompleteFrameError}; every decoder is bounded; too-long frames fail fast or
 * are discarded and decoding recovers.
 *
 * ```
 * len:u32be    00 00 00 03 61 62 63 | 00 00 00 00   ->  "abc", ""
 * line         "a\r\nb\n"                          ->  "a", "b"
 * ```
 *
 * @module
 */
import { BufferOverflowError } from "../buffer/errors.ts";
import { FrameCorruptError, FrameTooLongError, IncompleteFrameError } from "./errors.ts";
import { IOBuffer } from "../buffer/io_buffer.ts";
import { REGION } from "../_internal.ts";
import { bytes, core } from "../../wasm/loader.ts";
import { memAlloc, memFree } from "../../wasm/iobuf.ts";
import {
  type CoreFrameConfig,
  frameConsumed,
  frameDecode,
  frameEncodeHeader,
  frameErrLength,
  frameErrOffset,
  FrameFlag,
  frameFree,
  FrameKind,
  frameNew,
  frameReset,
  frameSetMax,
  frameState,
  frameStatus,
} from "../../wasm/framing.ts";
import { Status } from "../../wasm/status.ts";
import { type FrameOptions, type ResolvedFrameOptions, resolveFrameOptions } from "./spec.ts";
import { indexOfSequence } from "./_search.ts";

const TABLE_ENTRIES = 4096;
const SLAB_SIZE = 65536;
// The codec contract: a frame that consumes no input would loop forever; the driver refuses it.
const ZERO_CONSUMED = () =>
  new Error("Cannot decode: the core returned frames while consuming 0 bytes (decoder bug)");
const CHUNK_SLACK = 2 * 65536;

function toCore(o: ResolvedFrameOptions): CoreFrameConfig {
  const c: CoreFrameConfig = {
    kind: FrameKind[o.kind],
    flags: 0,
    fieldOffset: 0,
    fieldLength: 0,
    adjustment: 0,
    strip: 0,
    maxFrame: 0,
    fixedLength: 0,
    delimiters: [],
  };
  if ("oversize" in o) {
    if (o.oversize === "discard") c.flags |= FrameFlag.discard;
    if (o.failFast) c.flags |= FrameFlag.failFast;
  }
  if ("maxFrameLength" in o) c.maxFrame = o.maxFrameLength;
  switch (o.kind) {
    case "length":
      c.fieldOffset = o.fieldOffset;
      c.fieldLength = o.fieldLength;
      c.adjustment = o.lengthAdjustment;
      c.strip = o.initialBytesToStrip;
      if (o.littleEndian) c.flags |= FrameFlag.littleEndian;
      break;
    case "line":
      if (o.crlf) c.flags |= FrameFlag.crlf;
      if (o.keepDelimiter) c.flags |= FrameFlag.keep;
      break;
    case "delimiter":
      c.delimiters = o.delimiters;
      if (o.keepDelimiter) c.flags |= FrameFlag.keep;
      break;
    case "fixed":
      c.fixedLength = o.frameLength;
      c.maxFrame = o.frameLength;
      break;
  }
  return c;
}

function headerBytes(o: ResolvedFrameOptions): number {
  if (o.kind === "length") return o.fieldOffset + o.fieldLength;
  if (o.kind === "varint") return 10;
  if (o.kind === "delimiter") return 32;
  return 2;
}

// Frees core decoders whose JS object was dropped without free().
const registry = new FinalizationRegistry<[number, number]>(([dec, table]) => {
  frameFree(dec);
  memFree(table);
});

/**
 * A reusable view of the frames found by one {@linkcode FrameDecoder.decodeBatch} call:
 * no object per frame. Valid until the next call on the decoder.
 *
 * `offset(i)`/`length(i)` are the hot path and do not check for Wasm memory growth: if your
 * loop awaits (so that other code may grow Wasm memory), read `batch.bytes` again after the
 * await; that re-derives the views (the frames themselves never move). `frame(i)` always
 * checks.
 *
 * @example
 * ```ts
 * import { FrameDecoder } from "./codec.ts";
 * using d = new FrameDecoder("len:u8");
 * d.push(new Uint8Array([2, 65, 66, 1, 67]));
 * const b = d.decodeBatch();
 * console.assert(b.count === 2 && b.length(0) === 2 && b.bytes[b.offset(1)] === 67);
 * ```
 */
export class FrameBatch {
  #table = 0;
  #u32: Uint32Array = new Uint32Array(0);
  #bytes: Uint8Array = new Uint8Array(0);
  #base = 0;
  /** Number of frames. */
  count = 0;

  /**
   * All of Wasm memory; frame `i` is `bytes[offset(i) .. offset(i) + length(i))`. Read it
   * again after an `await`: if another buffer grew Wasm memory meanwhile, the old view is
   * detached (the frames themselves do not move).
   */
  get bytes(): Uint8Array {
    if (this.#bytes.length === 0) this.#reload();
    return this.#bytes;
  }

  // Wasm memory grew (the old views are detached, length 0): the frames stay where they are.
  #reload(): void {
    this.#bytes = bytes();
    this.#u32 = new Uint32Array(this.#bytes.buffer);
  }

  /** @internal */
  _set(table: number, base: number, count: number): void {
    const m = bytes();
    if (this.#bytes.buffer !== m.buffer) {
      this.#bytes = m;
      this.#u32 = new Uint32Array(m.buffer);
    }
    this.#table = table >>> 2;
    this.#base = base;
    this.count = count;
  }

  /**
   * Start of frame `i` in {@linkcode FrameBatch.bytes}.
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns The offset.
   */
  offset(i: number): number {
    return this.#base + this.#u32[this.#table + 2 * i];
  }

  /**
   * Length of frame `i`.
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns The length in bytes.
   */
  length(i: number): number {
    return this.#u32[this.#table + 2 * i + 1];
  }

  /**
   * Frame `i` as a view (allocates one `subarray`; valid until the next decoder call).
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns The view.
   */
  frame(i: number): Uint8Array {
    if (this.#u32.length === 0) this.#reload();
    const t = this.#table + 2 * i;
    const o = this.#base + this.#u32[t];
    return this.#bytes.subarray(o, o + this.#u32[t + 1]);
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

/** The decoder's explicit state. */
export type DecoderState = "header" | "body" | "discarding";

/**
 * A frame decoder over the Wasm core.
 *
 * @example
 * ```ts
 * import { FrameDecoder } from "./codec.ts";
 * using d = new FrameDecoder("line");
 * d.push(new TextEncoder().encode("one\r\ntw"));
 * console.assert(new TextDecoder().decode(d.decode()!) === "one");
 * console.assert(d.decode() === null); // need more
 * d.push(new TextEncoder().encode("o\n"));
 * console.assert(new TextDecoder().decode(d.decode()!) === "two");
 * d.finish(); // no leftovers
 * ```
 */
export class FrameDecoder {
  /** The resolved options. */
  readonly options: ResolvedFrameOptions;
  #dec: number;
  #table: number;
  #buf: IOBuffer;
  #ownBuf: boolean;
  #batch = new FrameBatch();
  // an error found by the core but not thrown yet (frames before it come first)
  #pending: { error: Error; fatal: boolean } | null = null;
  // a thrown error that stops the decoder (policy "error", corrupt length)
  #fatal: Error | null = null;
  #streamPos = 0; // stream offset of the buffer's read index

  /**
   * @param options Options or a spec text (`"len:u32be"`).
   * @param decoderOptions An external buffer to decode from.
   * @throws {RangeError} / {TypeError} / {FrameSpecSyntaxError} for bad options.
   */
  constructor(options: string | FrameOptions, decoderOptions: FrameDecoderOptions = {}) {
    this.options = resolveFrameOptions(options);
    const dec = frameNew(toCore(this.options));
    if (dec < 0) throw new RangeError(`Cannot create decoder: core status ${dec}`);
    const table = memAlloc(TABLE_ENTRIES * 8);
    if (table < 0) {
      frameFree(dec);
      throw new RangeError(`Cannot create decoder: core status ${table}`);
    }
    this.#dec = dec;
    this.#table = table;
    const max = "maxFrameLength" in this.options
      ? this.options.maxFrameLength
      : this.options.frameLength;
    this.#ownBuf = decoderOptions.buffer === undefined;
    this.#buf = decoderOptions.buffer ?? new IOBuffer({
      maxCapacity: Math.min(max + headerBytes(this.options) + CHUNK_SLACK, 512 * 1024 * 1024),
    });
    registry.register(this, [dec, table], this);
  }

  /** The explicit decoder state: waiting for a header, for a body, or discarding. */
  get state(): DecoderState {
    const s = frameState(this.#dec);
    return s === 1 ? "body" : s === 2 ? "discarding" : "header";
  }

  /** Bytes pushed and not yet consumed by a frame. */
  get buffered(): number {
    this.#dropQueue();
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
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`Cannot set maximum frame length: ${max}`);
    }
    frameSetMax(this.#dec, max);
    // deno-lint-ignore no-explicit-any
    (this.options as any).maxFrameLength = max;
  }

  /**
   * Append received bytes.
   *
   * @param chunk Bytes from the stream (copied).
   * @throws {BufferOverflowError} when more than {@linkcode FrameDecoder.writable} bytes are
   *   pushed without decoding in between.
   */
  push(chunk: Uint8Array): void {
    this.#dropQueue();
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
    this.#dropQueue();
    return this.#buf.readFrom(reader, Math.min(maxBytes, this.#buf.remaining));
  }

  #error(status: number, region: number): Error {
    const off = this.#streamPos + region + frameErrOffset(this.#dec);
    const len = frameErrLength(this.#dec);
    const o = this.options;
    if (status === Status.FRAME_TOO_LONG) {
      const max = "maxFrameLength" in o ? o.maxFrameLength : 0;
      return o.kind === "line" || o.kind === "delimiter"
        ? new FrameTooLongError(
          len,
          max,
          `Cannot decode frame: no delimiter within ${len} bytes, maximum is ${max} bytes`,
        )
        : new FrameTooLongError(len, max);
    }
    if (status === Status.BAD_VARINT) {
      return new FrameCorruptError(
        "varint length prefix longer than 10 bytes or over 64 bits",
        off,
      );
    }
    if (o.kind === "line") return new FrameCorruptError("bare LF in strict CRLF mode", off);
    if (len < 0) return new FrameCorruptError(`adjusted length ${len} is negative`, off);
    return new FrameCorruptError(
      `initialBytesToStrip ${
        "initialBytesToStrip" in o ? o.initialBytesToStrip : 0
      } exceeds frame length ${len}`,
      off,
    );
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
  decodeBatch(max = TABLE_ENTRIES): FrameBatch {
    this.#dropQueue();
    this.#throwPending();
    const n = this.#run(max);
    const consumed = frameConsumed(this.#dec);
    if (n > 0 && consumed === 0) throw ZERO_CONSUMED();
    this.#buf.consume(consumed);
    this.#streamPos += consumed;
    if (n === 0 && this.#pending !== null) return this.decodeBatch(max);
    return this.#batch;
  }

  // one core call over the buffered bytes; sets #batch and #pending, consumes nothing
  #run(max: number): number {
    const ptr = this.#buf[REGION]();
    const n = frameDecode(
      this.#dec,
      ptr,
      this.#buf.length,
      this.#table,
      Math.min(max, TABLE_ENTRIES),
    );
    const status = frameStatus(this.#dec);
    if (status !== 0) {
      const e = this.#error(status, 0);
      const recoverable = status === Status.FRAME_TOO_LONG
        ? (this.options as { oversize?: string }).oversize === "discard"
        : this.options.kind === "line";
      this.#pending = { error: e, fatal: !recoverable };
    }
    this.#batch._set(this.#table, ptr, n);
    return n;
  }

  // One-at-a-time queue: frames found by one core call, handed out one by one. The batch's
  // bytes are consumed only when the queue is drained; if the caller pushes or reads raw
  // bytes before that, the buffer is consumed up to the end of the last frame handed out
  // and the core state is reset, so the rest is decoded again later (nothing is skipped).
  #qn = 0;
  #qi = 0;
  #qBase = 0;

  #dropQueue(): void {
    if (this.#qn === 0) return;
    if (this.#qi === this.#qn) {
      const consumed = frameConsumed(this.#dec);
      this.#buf.consume(consumed);
      this.#streamPos += consumed;
    } else {
      const b = this.#batch;
      const end = this.#qi === 0
        ? 0
        : b.offset(this.#qi - 1) + b.length(this.#qi - 1) - this.#qBase;
      this.#buf.consume(end);
      this.#streamPos += end;
      this.#pending = null;
      frameReset(this.#dec);
    }
    this.#qn = this.#qi = 0;
  }

  /**
   * Call `fn(bytes, start, length)` for every complete frame (no object per frame).
   *
   * @param fn Receives all of Wasm memory and the frame's position in it.
   * @returns The number of frames.
   * @throws Like {@linkcode FrameDecoder.decodeBatch}.
   */
  forEach(fn: (bytes: Uint8Array, start: number, length: number) => void): number {
    let total = 0;
    for (;;) {
      const b = this.decodeBatch();
      if (b.count === 0) return total;
      for (let i = 0; i < b.count; i++) fn(b.bytes, b.offset(i), b.length(i));
      total += b.count;
      if (b.count < TABLE_ENTRIES) return total;
    }
  }

  /**
   * The next frame as a view into Wasm memory (no copy), or `null` if more bytes are needed.
   * The view is valid until the next `push`/`readFrom`/decode call.
   *
   * @returns The frame view or `null`.
   * @throws Like {@linkcode FrameDecoder.decodeBatch}.
   */
  decodeView(): Uint8Array | null {
    if (this.#qi < this.#qn) return this.#batch.frame(this.#qi++);
    this.#dropQueue();
    const k = this.options.kind;
    if (k === "line" || k === "delimiter") {
      // a frame's end is not offset + length here: decode one frame per core call
      const b = this.decodeBatch(1);
      return b.count === 0 ? null : b.frame(0);
    }
    this.#throwPending();
    const n = this.#run(TABLE_ENTRIES);
    if (n === 0) {
      const consumed = frameConsumed(this.#dec);
      this.#buf.consume(consumed);
      this.#streamPos += consumed;
      if (this.#pending !== null) return this.decodeView();
      return null;
    }
    if (frameConsumed(this.#dec) === 0) throw ZERO_CONSUMED();
    this.#qn = n;
    this.#qi = 1;
    this.#qBase = this.#buf[REGION]();
    return this.#batch.frame(0);
  }

  #throwPending(): void {
    if (this.#fatal) throw this.#fatal;
    const p = this.#pending;
    if (p) {
      this.#pending = null;
      if (p.fatal) this.#fatal = p.error;
      throw p.error;
    }
  }

  /**
   * The next frame (a copy you may keep), or `null` if more bytes are needed.
   *
   * @returns The frame or `null`.
   * @throws Like {@linkcode FrameDecoder.decodeBatch}.
   */
  decode(): Uint8Array | null {
    const v = this.decodeView();
    if (v === null) return null;
    const n = v.length;
    // Small frames are copied into a shared 64 KiB slab and handed out as subarrays: one
    // ArrayBuffer per frame costs far more than the copy. A slab stays alive while any
    // frame cut from it does.
    if (n === 0) return new Uint8Array(0);
    if (n > 2048) return v.slice();
    if (this.#slabPos + n > SLAB_SIZE) {
      this.#slab = new Uint8Array(SLAB_SIZE);
      this.#slabPos = 0;
    }
    const p = this.#slabPos;
    this.#slab.set(v, p);
    this.#slabPos = p + n;
    return this.#slab.subarray(p, p + n);
  }

  #slab = new Uint8Array(0);
  #slabPos = SLAB_SIZE;

  /**
   * Copy the first `out.length` buffered (undecoded) bytes into `out` without consuming them.
   *
   * @param out Destination; at most {@linkcode FrameDecoder.buffered} bytes.
   */
  peekInto(out: Uint8Array): void {
    this.#dropQueue();
    out.set(this.#buf.peek(out.length));
  }

  /**
   * Take the first `out.length` buffered bytes out as raw bytes (for `readExact`/`readUntil`
   * between frames). Resets the decoder's partial-frame state.
   *
   * @param out Destination; at most {@linkcode FrameDecoder.buffered} bytes.
   */
  takeInto(out: Uint8Array): void {
    this.#dropQueue();
    out.set(this.#buf.peek(out.length));
    this.#buf.consume(out.length);
    this.#streamPos += out.length;
    this.#pending = null; // an error found ahead of the raw read is not the caller's concern
    frameReset(this.#dec);
  }

  /**
   * Declare end of stream: throws if bytes of an incomplete frame are left over.
   *
   * @throws {IncompleteFrameError} with `leftover` (count) and `partial` (the bytes).
   * @throws A pending decode error that was not reported yet.
   */
  finish(): void {
    if (this.#qi < this.#qn) return; // frames are still queued
    this.#dropQueue();
    this.#throwPending();
    if (this.#buf.length > 0 && this.state !== "discarding") {
      throw new IncompleteFrameError(this.#buf.toBytes());
    }
  }

  /** Release the Wasm memory (decoder state, offsets table, buffer). Idempotent. */
  free(): void {
    if (this.#dec === 0) return;
    registry.unregister(this);
    frameFree(this.#dec);
    memFree(this.#table);
    if (this.#ownBuf) this.#buf.free();
    this.#dec = 0;
    this.#table = 0;
    this.#fatal = new RangeError("Cannot decode: decoder was freed");
  }

  /** Same as {@linkcode FrameDecoder.free}. */
  [Symbol.dispose](): void {
    this.free();
  }
}

/**
 * A frame encoder: prepends the header (length field, varint) or appends the delimiter.
 * It refuses a payload its format cannot carry, writing nothing.
 *
 * @example
 * ```ts
 * import { FrameEncoder } from "./codec.ts";
 * import { FrameTooLongError } from "./errors.ts";
 * using e = new FrameEncoder("len:u8");
 * console.assert(e.encode(new Uint8Array([7, 8])).join() === "2,7,8");
 * try { e.encode(new Uint8Array(256)); } catch (err) { console.assert(err instanceof FrameTooLongError); }
 * ```
 */
export class FrameEncoder {
  /** The resolved options. */
  readonly options: ResolvedFrameOptions;
  #dec = 0;
  #hdr = 0;
  #trailer: Uint8Array | null = null;

  /**
   * @param options Options or a spec text.
   * @throws {RangeError} for a length field with `fieldOffset` other than 0 (the encoder
   *   would have to invent those bytes), and for bad options.
   */
  constructor(options: string | FrameOptions) {
    const o = this.options = resolveFrameOptions(options);
    if (o.kind === "length" || o.kind === "varint") {
      if (o.kind === "length" && o.fieldOffset !== 0) {
        throw new RangeError(
          `Cannot create encoder: fieldOffset ${o.fieldOffset} is not supported (only 0)`,
        );
      }
      const dec = frameNew(toCore(o));
      const hdr = memAlloc(16);
      if (dec < 0 || hdr < 0) throw new RangeError("Cannot create encoder: out of Wasm memory");
      this.#dec = dec;
      this.#hdr = hdr;
      registry.register(this, [dec, hdr], this);
    } else if (o.kind === "line") {
      this.#trailer = o.crlf ? new Uint8Array([13, 10]) : new Uint8Array([10]);
    } else if (o.kind === "delimiter") {
      this.#trailer = o.delimiters[0];
    }
  }

  /**
   * The header for a payload of `length` bytes (empty for kinds without one).
   *
   * @param length Payload length.
   * @returns A new array with the header bytes.
   * @throws {FrameTooLongError} over the maximum, or when the field cannot hold the value.
   * @throws {RangeError} when the adjusted value would be negative.
   */
  header(length: number): Uint8Array {
    const o = this.options;
    if (this.#dec === 0) {
      const max = "maxFrameLength" in o ? o.maxFrameLength : Infinity;
      if (length > max) {
        throw new FrameTooLongError(
          length,
          max,
          `Cannot encode frame: length ${length} bytes exceeds maximum of ${max} bytes`,
        );
      }
      return new Uint8Array(0);
    }
    const n = frameEncodeHeader(this.#dec, length, this.#hdr);
    if (n >= 0) return bytes().slice(this.#hdr, this.#hdr + n);
    const max = (o as { maxFrameLength: number }).maxFrameLength;
    if (n === Status.FRAME_TOO_LONG) {
      if (length > max) {
        throw new FrameTooLongError(
          length,
          max,
          `Cannot encode frame: length ${length} bytes exceeds maximum of ${max} bytes`,
        );
      }
      const fl = (o as { fieldLength: number }).fieldLength;
      throw new FrameTooLongError(
        length,
        max,
        `Cannot encode frame: length ${length} bytes does not fit a ${fl}-byte length field`,
      );
    }
    throw new RangeError(
      `Cannot encode frame: length ${length} bytes minus the adjustment is negative`,
    );
  }

  /**
   * Encode one frame: header + payload (+ delimiter).
   *
   * @param payload The frame's content.
   * @returns A new array holding the whole frame.
   * @throws {FrameTooLongError} / {RangeError} when the format cannot carry it; a line or
   *   delimited payload that contains its delimiter is a `RangeError`; a fixed-size frame
   *   of the wrong size too.
   */
  encode(payload: Uint8Array): Uint8Array {
    const o = this.options;
    if (o.kind === "fixed" && payload.length !== o.frameLength) {
      throw new RangeError(
        `Cannot encode frame: payload is ${payload.length} bytes, fixed size is ${o.frameLength} bytes`,
      );
    }
    const h = this.header(payload.length);
    const t = this.#trailer;
    if (t !== null && indexOfSequence(payload, o.kind === "line" ? new Uint8Array([10]) : t) >= 0) {
      throw new RangeError("Cannot encode frame: payload contains the delimiter");
    }
    const out = new Uint8Array(h.length + payload.length + (t ? t.length : 0));
    out.set(h, 0);
    out.set(payload, h.length);
    if (t) out.set(t, h.length + payload.length);
    return out;
  }

  /**
   * Encode several frames into one array (one write for many frames).
   *
   * @param payloads The frames' contents.
   * @returns A new array with every frame, in order.
   * @throws Like {@linkcode FrameEncoder.encode}; nothing is returned on failure.
   */
  encodeAll(payloads: Iterable<Uint8Array>): Uint8Array {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const p of payloads) {
      const f = this.encode(p);
      parts.push(f);
      total += f.length;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const f of parts) {
      out.set(f, off);
      off += f.length;
    }
    return out;
  }

  /** Release the Wasm memory. Idempotent. */
  free(): void {
    if (this.#dec === 0) return;
    registry.unregister(this);
    frameFree(this.#dec);
    memFree(this.#hdr);
    this.#dec = 0;
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
 * Build a decoder and an encoder from a spec text or an options object: the one entry
 * point for the CLI (`--frame len:u32be`) and for programs.
 *
 * @param spec A spec text (see {@linkcode parseFrameSpec}) or {@linkcode FrameOptions}.
 * @returns `{ options, decoder, encoder }`, disposable.
 * @throws {FrameSpecSyntaxError} for a bad spec; {RangeError}/{TypeError} for bad options.
 * @example
 * ```ts
 * import { createCodec } from "./codec.ts";
 * using c = createCodec("len:u32be");
 * c.decoder.push(c.encoder!.encodeAll([new Uint8Array([1]), new Uint8Array(0)]));
 * const b = c.decoder.decodeBatch();
 * console.assert(b.count === 2 && b.length(0) === 1 && b.length(1) === 0);
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
  return core.memory.buffer.byteLength;
}
