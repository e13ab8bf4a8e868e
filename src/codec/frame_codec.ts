/**
 * The shared engine of the built-in codecs: {@linkcode FrameCodec} runs one Wasm core
 * decoder (`core/frame_codec.ts`) over an {@linkcode IOBuffer}, and {@linkcode FrameBatch}
 * hands out the frames one core call found as offsets. The framings themselves are the
 * subclasses: {@linkcode LengthFieldCodec}, {@linkcode VarintCodec}, {@linkcode LineCodec},
 * {@linkcode DelimiterCodec}, {@linkcode FixedLengthCodec}, {@linkcode RawCodec}.
 *
 * @module
 */
import {
  FrameCorruptError,
  FrameTooLongError,
  IncompleteFrameError,
  PayloadTooLongError,
} from "./errors.ts";
import type { IOBuffer } from "../buffer/io_buffer.ts";
import { REGION, SKIP } from "../_internal.ts";
import {
  type CoreFrameConfig,
  CoreFrameDecoder,
  FRAME_TABLE_ENTRIES,
  FrameFlag,
  FrameKind,
} from "../../wasm/framing.ts";
import { Status } from "../../wasm/status.ts";
import type { BatchDecoder, DecoderState, Encoder } from "./decoder.ts";
import type { ResolvedFrameOptions } from "./spec.ts";

const TABLE_ENTRIES = FRAME_TABLE_ENTRIES;
const SLAB_SIZE = 65536;
const CHUNK_SLACK = 2 * 65536;

/** The codec contract: a frame that consumes no input would loop forever; the driver refuses it. */
export function zeroConsumedError(): Error {
  return new Error(
    "Cannot decode: the decoder returned a frame while consuming 0 bytes (decoder bug)",
  );
}

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

// Sets a batch's views and count after a core call (FrameBatch's static block defines it).
let loadBatch: (batch: FrameBatch, count: number) => void;

/**
 * A reusable view of the frames found by one {@linkcode FrameCodec.decodeBatch} call:
 * no object per frame. Valid until the next call on the decoder.
 *
 * `offset(i)`/`length(i)` are the hot path and do not check for Wasm memory growth: if your
 * loop awaits (so that other code may grow Wasm memory), read `batch.bytes` again after the
 * await; that re-derives the views (the frames themselves never move). `frame(i)` always
 * checks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameDecoder } from "./codec.ts";
 * using d = new FrameDecoder("len:u8");
 * d.push(new Uint8Array([2, 65, 66, 1, 67]));
 * const b = d.decodeBatch();
 * assert.equal(b.count, 2);
 * assert.equal(b.length(0), 2);
 * assert.equal(b.bytes[b.offset(1)], 67);
 * ```
 */
export class FrameBatch {
  #core: CoreFrameDecoder;
  // the core's table (start, length pairs) and where the region starts in `bytes`, copied
  // here after each decode so that offset(i)/length(i) are one field load and an index
  #tab: Uint32Array = new Uint32Array(0);
  #bytes: Uint8Array = new Uint8Array(0);
  #base = 0;
  /** Number of frames. */
  count = 0;

  /**
   * A batch over the table of a core decoder (made by {@linkcode FrameCodec}).
   *
   * @param core The core decoder whose table the batch reads.
   * @internal
   */
  constructor(core: CoreFrameDecoder) {
    this.#core = core;
  }

  static {
    loadBatch = (b: FrameBatch, count: number) => {
      const c = b.#core;
      if (b.#bytes.length === 0 || b.#bytes.buffer !== c.bytes.buffer) b.#views();
      b.#base = c.regionStart;
      b.count = count;
    };
  }

  #views(): void {
    this.#bytes = this.#core.bytes;
    this.#tab = this.#core.table;
  }

  /**
   * All of Wasm memory; frame `i` is `bytes[offset(i) .. offset(i) + length(i))`. Read it
   * again after an `await`: if another buffer grew Wasm memory meanwhile, the old view is
   * detached (the frames themselves do not move).
   */
  get bytes(): Uint8Array {
    if (this.#bytes.length === 0) this.#views();
    return this.#bytes;
  }

  /**
   * Start of frame `i` in {@linkcode FrameBatch.bytes}.
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns The offset.
   */
  offset(i: number): number {
    return this.#base + this.#tab[2 * i];
  }

  /**
   * Length of frame `i`.
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns The length in bytes.
   */
  length(i: number): number {
    return this.#tab[2 * i + 1];
  }

  /**
   * Frame `i` as a view (allocates one `subarray`; valid until the next decoder call).
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns The view.
   */
  frame(i: number): Uint8Array {
    return this.#core.frame(i);
  }
}

/**
 * The base of the built-in codecs: a {@linkcode Decoder} and {@linkcode Encoder} over one
 * Wasm core decoder. Use a subclass ({@linkcode LengthFieldCodec}, {@linkcode LineCodec},
 * ...) or {@linkcode createFrameCodec}.
 *
 * Decoding reads the bytes of any {@linkcode IOBuffer} and consumes each frame's bytes as
 * it hands the frame out. One core call finds many frames; they are handed out one by one
 * from a queue, which is dropped (and decoded again, nothing skipped) when the buffer's
 * bytes move or the caller takes bytes out of it; call {@linkcode FrameCodec.reset} after
 * taking bytes yourself.
 *
 * Errors: a peer's too-long frame is a {@linkcode FrameTooLongError}, reported after the
 * frames before it; with `oversize: "discard"` decoding goes on with the next frame, else
 * every later call throws it again. A malformed frame is a {@linkcode FrameCorruptError}.
 */
export abstract class FrameCodec implements BatchDecoder, Encoder<Uint8Array> {
  /** The resolved options. */
  readonly options: ResolvedFrameOptions;
  #core: CoreFrameDecoder;
  #batch: FrameBatch;
  // an error found by the core but not thrown yet (frames before it come first)
  #pending: { error: Error; fatal: boolean } | null = null;
  // a thrown error that stops the decoder (policy "error", corrupt length)
  #fatal: Error | null = null;
  #streamPos = 0; // stream offset of the buffer's read index
  // the queue of frames found by one core call over `#qBuf` at address `#qBase`
  #qn = 0;
  #qi = 0;
  #qDone = 0; // bytes of the region consumed so far
  #qBuf: IOBuffer | null = null;
  #slab = new Uint8Array(0);
  #slabPos = SLAB_SIZE;

  /**
   * Creates the decoder.
   *
   * @param options The resolved options of the subclass's kind.
   * @throws {RangeError} when the core refuses them.
   */
  protected constructor(options: ResolvedFrameOptions) {
    this.options = options;
    this.#core = new CoreFrameDecoder(toCore(options));
    this.#batch = new FrameBatch(this.#core);
  }

  /** The largest payload a frame may have (the options' maximum, or the fixed size). */
  get maxFrameLength(): number {
    const o = this.options;
    return "maxFrameLength" in o ? o.maxFrameLength : o.frameLength;
  }

  /** How many bytes a buffer for this codec needs at most: one whole frame and some slack. */
  get maxBuffered(): number {
    return Math.min(this.maxFrameLength + this.headerBytes() + CHUNK_SLACK, 512 * 1024 * 1024);
  }

  /** Most header (or delimiter) bytes a frame has beyond its payload. */
  protected abstract headerBytes(): number;

  /** The explicit decoder state: waiting for a header, for a body, or discarding. */
  get state(): DecoderState {
    const s = this.#live().state;
    return s === 1 ? "body" : s === 2 ? "discarding" : "header";
  }

  /** True while frames found by the last core call are still to be handed out. */
  get queued(): boolean {
    return this.#qi < this.#qn;
  }

  #live(): CoreFrameDecoder {
    if (this.#core.freed) throw new RangeError("Cannot decode: decoder was freed");
    return this.#core;
  }

  /**
   * Change the maximum frame length. A frame whose header was already read keeps the old limit.
   *
   * @param max New maximum in bytes.
   * @throws {RangeError} for a negative or fractional maximum, and for fixed-size frames.
   */
  setMaxFrameLength(max: number): void {
    if (!Number.isInteger(max) || max < 0 || !("maxFrameLength" in this.options)) {
      throw new RangeError(`Cannot set maximum frame length: ${max}`);
    }
    this.#live().setMaxFrameLength(max);
    // deno-lint-ignore no-explicit-any
    (this.options as any).maxFrameLength = max;
  }

  /**
   * The error for a core status. Subclasses name their own cases (a line's bare LF, a
   * varint's overlong prefix); this handles a too-long frame.
   *
   * @param status The core status.
   * @param offset Stream offset of the bad frame.
   * @param length The declared (or seen) length.
   * @returns The error to throw.
   */
  protected describeError(status: number, offset: number, length: number): Error {
    if (status === Status.FRAME_TOO_LONG) return new FrameTooLongError(length, this.maxFrameLength);
    return new FrameCorruptError(`core status ${status}`, offset);
  }

  /**
   * Whether an error with this status lets decoding go on after it: a too-long frame under
   * `oversize: "discard"`.
   *
   * @param status The core status.
   * @returns True when the next frame can be decoded.
   */
  protected recoverable(status: number): boolean {
    return status === Status.FRAME_TOO_LONG &&
      (this.options as { oversize?: string }).oversize === "discard";
  }

  // one core call over the buffered bytes; sets #batch and #pending, consumes nothing
  #run(buf: IOBuffer, max: number): number {
    const dec = this.#live();
    const n = dec.decode(buf[REGION](), buf.length, max);
    const status = dec.status;
    if (status !== 0) {
      const off = this.#streamPos + dec.errorOffset;
      this.#pending = {
        error: this.describeError(status, off, dec.errorLength),
        fatal: !this.recoverable(status),
      };
    }
    loadBatch(this.#batch, n);
    return n;
  }

  #consume(buf: IOBuffer, n: number): void {
    if (n === 0) return;
    buf.consume(n);
    this.#streamPos += n;
  }

  #dropQueue(): void {
    this.#qn = this.#qi = 0;
    this.#qBuf = null;
    this.#pending = null;
    this.#core.reset();
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
   * Forget any partial-frame state and queued frames (after bytes were taken out of the
   * buffer other than through this decoder). An error already thrown stays thrown.
   */
  reset(): void {
    this.#dropQueue();
  }

  /**
   * Find every complete frame in `buffer`, in one Wasm call, and consume them.
   *
   * @param buffer The bytes received (an {@linkcode IOBuffer}).
   * @param max Most frames to return. Default 4096.
   * @returns A reusable {@linkcode FrameBatch} (count 0 = need more). Valid until the next
   *   call or until `buffer` is written to.
   * @throws {FrameTooLongError} / {FrameCorruptError} after the frames before the bad one
   *   were returned by an earlier call.
   */
  decodeBatch(buffer: IOBuffer, max: number = TABLE_ENTRIES): FrameBatch {
    if (this.#qn !== 0) this.#dropQueue();
    this.#throwPending();
    const n = this.#run(buffer, max);
    const consumed = this.#core.consumed;
    if (n > 0 && consumed === 0) throw zeroConsumedError();
    this.#consume(buffer, consumed);
    if (n === 0 && this.#pending !== null) return this.decodeBatch(buffer, max);
    return this.#batch;
  }

  /**
   * Call `fn(bytes, start, length)` for every complete frame (no object per frame).
   *
   * @param buffer The bytes received.
   * @param fn Receives all of Wasm memory and the frame's position in it.
   * @returns The number of frames.
   * @throws Like {@linkcode FrameCodec.decodeBatch}.
   */
  forEach(
    buffer: IOBuffer,
    fn: (bytes: Uint8Array, start: number, length: number) => void,
  ): number {
    let total = 0;
    for (;;) {
      const b = this.decodeBatch(buffer);
      if (b.count === 0) return total;
      for (let i = 0; i < b.count; i++) fn(b.bytes, b.offset(i), b.length(i));
      total += b.count;
      if (b.count < TABLE_ENTRIES) return total;
    }
  }

  /**
   * The next frame as a view into Wasm memory (no copy), or `null` if more bytes are needed.
   * The view is valid until the next call on the decoder or the buffer.
   *
   * @param buffer The bytes received.
   * @returns The frame view or `null`.
   * @throws Like {@linkcode FrameCodec.decodeBatch}.
   */
  decodeView(buffer: IOBuffer): Uint8Array | null {
    // Small enough to be inlined into the caller's loop: a queued frame while the buffer's
    // bytes have neither moved nor been taken out. Anything else takes the slow path.
    if (
      this.#qi < this.#qn && buffer === this.#qBuf &&
      this.#core.isRegion(buffer[REGION](), this.#qDone)
    ) {
      return this.#next(buffer);
    }
    return this.#decodeViewSlow(buffer);
  }

  #decodeViewSlow(buffer: IOBuffer): Uint8Array | null {
    // a queue that no longer matches the buffer is dropped and the core reset, so the rest
    // is decoded again from a frame boundary
    if (this.#qi < this.#qn) this.#dropQueue();
    const k = this.options.kind;
    if (k === "line" || k === "delimiter") {
      // a frame's end is not offset + length here: decode one frame per core call
      const b = this.decodeBatch(buffer, 1);
      return b.count === 0 ? null : b.frame(0);
    }
    this.#throwPending();
    const n = this.#run(buffer, TABLE_ENTRIES);
    if (n === 0) {
      this.#consume(buffer, this.#core.consumed);
      if (this.#pending !== null) return this.#decodeViewSlow(buffer);
      return null;
    }
    if (this.#core.consumed === 0) throw zeroConsumedError();
    this.#qn = n;
    this.#qi = 0;
    this.#qDone = 0;
    this.#qBuf = buffer;
    return this.#next(buffer);
  }

  // hand out queued frame #qi, consuming up to its end (the last one: all the core consumed)
  #next(buffer: IOBuffer): Uint8Array {
    const c = this.#core;
    const i = this.#qi++;
    const view = c.frame(i);
    if (this.#qi === this.#qn) {
      this.#qn = this.#qi = 0;
      this.#qBuf = null;
      this.#consume(buffer, c.consumed - this.#qDone);
      return view;
    }
    // a frame that is not the last one ends before the bytes of the next: n > 0, and the
    // buffer keeps the bytes of the frames still queued
    const end = c.end(i);
    const n = end - this.#qDone;
    buffer[SKIP](n);
    this.#streamPos += n;
    this.#qDone = end;
    return view;
  }

  /**
   * The next frame (a copy you may keep), or `null` if more bytes are needed.
   *
   * @param buffer The bytes received.
   * @returns The frame or `null`.
   * @throws Like {@linkcode FrameCodec.decodeBatch}.
   */
  decode(buffer: IOBuffer): Uint8Array | null {
    const v = this.decodeView(buffer);
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

  /**
   * Decode at end of stream: a last frame, or `null` when none is left.
   *
   * @param buffer The bytes left.
   * @returns A frame or `null`.
   * @throws {IncompleteFrameError} when bytes of an incomplete frame are left over.
   * @throws A pending decode error that was not reported yet.
   */
  decodeEof(buffer: IOBuffer): Uint8Array | null {
    const f = this.decode(buffer);
    if (f !== null) return f;
    this.checkEof(buffer);
    return null;
  }

  /**
   * Check the end of stream without decoding: throws a pending error, or an
   * {@linkcode IncompleteFrameError} for leftover bytes (not while discarding).
   *
   * @param buffer The bytes left.
   */
  checkEof(buffer: IOBuffer): void {
    if (this.queued) return;
    this.#throwPending();
    if (buffer.length > 0 && this.state !== "discarding") {
      throw new IncompleteFrameError(buffer.toBytes());
    }
  }

  /**
   * Encode one frame: header + payload (+ delimiter). Nothing is returned on failure.
   *
   * @param payload The frame's content.
   * @returns A new array holding the whole frame.
   * @throws {PayloadTooLongError} over the maximum or what the length field holds.
   * @throws {RangeError} when the format cannot carry the payload otherwise.
   */
  abstract encode(payload: Uint8Array): Uint8Array;

  /**
   * Encode several frames into one array (one write for many frames).
   *
   * @param payloads The frames' contents.
   * @returns A new array with every frame, in order.
   * @throws Like {@linkcode FrameCodec.encode}; nothing is returned on failure.
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

  /**
   * The header for a payload of `length` bytes: empty here (the delimited and fixed kinds
   * have none); the length-field and varint codecs write theirs.
   *
   * @param length Payload length.
   * @returns The header bytes.
   * @throws {PayloadTooLongError} over the maximum.
   */
  header(length: number): Uint8Array {
    if ("maxFrameLength" in this.options) this.checkPayload(length);
    return new Uint8Array(0);
  }

  /**
   * Refuse a payload over the maximum.
   *
   * @param length The payload's length.
   * @throws {PayloadTooLongError} when it exceeds {@linkcode FrameCodec.maxFrameLength}.
   */
  protected checkPayload(length: number): void {
    if (length > this.maxFrameLength) {
      throw new PayloadTooLongError(length, this.maxFrameLength);
    }
  }

  /**
   * The header for `length` bytes through the core (length field and varint).
   *
   * @param length Payload length.
   * @param fieldLength Bytes of the length field (8 for a varint), for the message.
   * @returns The header bytes.
   * @throws {PayloadTooLongError} over the maximum, or when the field cannot hold the value.
   * @throws {RangeError} when the adjusted value would be negative.
   */
  protected encodeHeader(length: number, fieldLength: number): Uint8Array {
    const h = this.#live().encodeHeader(length);
    if (typeof h !== "number") return h;
    const max = this.maxFrameLength;
    if (h === Status.FRAME_TOO_LONG) {
      if (length > max) throw new PayloadTooLongError(length, max);
      const fits = 2 ** (8 * fieldLength) - 1;
      throw new PayloadTooLongError(
        length,
        fits,
        `Cannot encode frame: payload of ${length} bytes does not fit a ${fieldLength}-byte length field`,
      );
    }
    if (h === Status.OUT_OF_MEMORY) throw new RangeError("Cannot encode frame: out of Wasm memory");
    throw new RangeError(
      `Cannot encode frame: length ${length} bytes minus the adjustment is negative`,
    );
  }

  /** Release the Wasm memory (decoder state, offsets table, header scratch). Idempotent. */
  free(): void {
    if (this.#core.freed) return;
    this.#core.free();
    this.#qn = this.#qi = 0;
    this.#fatal = new RangeError("Cannot decode: decoder was freed");
  }

  /** Same as {@linkcode FrameCodec.free}. */
  [Symbol.dispose](): void {
    this.free();
  }
}
