/**
 * Typed wrappers over the core's frame decoders (`core/frame_codec.ts`): {@linkcode CoreFrameDecoder}
 * owns a decoder's state block, its table of frame offsets and its header scratch, so that
 * `src/codec/` never holds a pointer. It reads the bytes of a {@linkcode WasmAddress} (an
 * `IOBuffer`'s readable region) and hands back frames as offsets into {@linkcode
 * CoreFrameDecoder.bytes}, or as views.
 *
 * Statuses are the core's codes (`wasm/status.ts`).
 *
 * @module
 */
import { bytes, core } from "./loader.ts";
import type { WasmAddress } from "./iobuf.ts";

/** Decoder kinds, as the core numbers them. */
export const FrameKind = { length: 1, varint: 2, delimiter: 3, line: 4, fixed: 5, raw: 6 } as const;
/** Decoder flags, as the core numbers them. */
export const FrameFlag = { littleEndian: 1, discard: 2, failFast: 4, keep: 8, crlf: 16 } as const;
/** Decoder states: waiting for a header, waiting for a body, discarding a too-long frame. */
export const FrameState = { header: 0, body: 1, discarding: 2 } as const;

/** Entries of the offsets table: the most frames one core call can find. */
export const FRAME_TABLE_ENTRIES = 4096;

/** Numeric configuration of a core decoder. */
export interface CoreFrameConfig {
  /** A {@linkcode FrameKind} value. */
  kind: number;
  /** {@linkcode FrameFlag} bits. */
  flags: number;
  /** Bytes before the length field. */
  fieldOffset: number;
  /** Bytes of the length field. */
  fieldLength: number;
  /** Added to the field's value to get the bytes after the header. */
  adjustment: number;
  /** Bytes dropped from the start of each frame. */
  strip: number;
  /** Largest payload. */
  maxFrame: number;
  /** Size of a fixed-length frame. */
  fixedLength: number;
  /** The delimiters of a delimiter decoder. */
  delimiters: Uint8Array[];
}

// What a decoder holds in Wasm memory: freed by free(), or when the decoder is collected.
interface Held {
  dec: number;
  table: number;
  header: number;
}

function release(h: Held): void {
  if (h.dec !== 0) core.frame_free(h.dec);
  if (h.table !== 0) core.mem_free(h.table);
  if (h.header !== 0) core.mem_free(h.header);
  h.dec = h.table = h.header = 0;
}

const registry = new FinalizationRegistry<Held>(release);

/**
 * One core decoder: its state block, a table of up to {@linkcode FRAME_TABLE_ENTRIES}
 * (start, length) entries and a 16-byte header scratch, all in Wasm memory and freed
 * together.
 *
 * After {@linkcode CoreFrameDecoder.decode}, frame `i` is
 * `bytes[offset(i) .. offset(i) + length(i))`. `offset`/`length` are the hot path: they do not
 * check for Wasm memory growth; read {@linkcode CoreFrameDecoder.bytes} again after any call
 * that may allocate (the frames themselves never move).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CoreFrameDecoder, FrameKind } from "./framing.ts";
 * import { WasmBlock } from "./iobuf.ts";
 * const d = new CoreFrameDecoder({
 *   kind: FrameKind.length, flags: 0, fieldOffset: 0, fieldLength: 1, adjustment: 0,
 *   strip: 1, maxFrame: 100, fixedLength: 0, delimiters: [],
 * });
 * const block = new WasmBlock();
 * block.grow(0, 0, 8);
 * block.set(new Uint8Array([2, 65, 66, 1]), 0);
 * assert.equal(d.decode(block.address(0), 4, 16), 1); // the second frame is incomplete
 * assert.equal(d.consumed, 3);
 * assert.deepEqual([...d.frame(0)], [65, 66]);
 * assert.equal(d.bytes[d.offset(0)], 65);
 * block.free();
 * d.free();
 * ```
 */
export class CoreFrameDecoder {
  #held: Held;
  #dec: number;
  #u32: Uint32Array = new Uint32Array(0);
  #bytes: Uint8Array = new Uint8Array(0);
  #memory: ArrayBuffer = new ArrayBuffer(0); // #bytes.buffer
  #t = 0; // index of the table in #u32
  #base = 0; // address of the region last decoded
  /** Frames found by the last {@linkcode CoreFrameDecoder.decode}. */
  count = 0;

  /**
   * Creates the decoder.
   *
   * @param config The numeric configuration.
   * @throws {RangeError} when the core refuses the configuration or memory is exhausted.
   */
  constructor(config: CoreFrameConfig) {
    const c = config;
    const dec = core.frame_new(
      c.kind,
      c.flags,
      c.fieldOffset,
      c.fieldLength,
      c.adjustment,
      c.strip,
      c.maxFrame,
      c.fixedLength,
    );
    if (dec < 0) throw new RangeError(`Cannot create decoder: core status ${dec}`);
    const held: Held = { dec, table: 0, header: 0 };
    for (const delim of c.delimiters) {
      const tmp = core.mem_alloc(delim.length);
      if (tmp < 0) {
        release(held);
        throw new RangeError(`Cannot create decoder: core status ${tmp}`);
      }
      bytes().set(delim, tmp);
      const st = core.frame_add_delim(dec, tmp, delim.length);
      core.mem_free(tmp);
      if (st < 0) {
        release(held);
        throw new RangeError(`Cannot create decoder: core status ${st}`);
      }
    }
    const table = core.mem_alloc(FRAME_TABLE_ENTRIES * 8);
    if (table < 0) {
      release(held);
      throw new RangeError(`Cannot create decoder: core status ${table}`);
    }
    held.table = table;
    this.#held = held;
    this.#dec = dec;
    this.#t = table >>> 2;
    registry.register(this, held, this);
  }

  /** Whether {@linkcode CoreFrameDecoder.free} was called. */
  get freed(): boolean {
    return this.#dec === 0;
  }

  /**
   * Decode frames from the `length` bytes at `region` into the table.
   *
   * @param region The address of the bytes (an `IOBuffer`'s readable region).
   * @param length How many bytes there are.
   * @param max Most frames to find (at most {@linkcode FRAME_TABLE_ENTRIES}).
   * @returns The number of frames found; see {@linkcode CoreFrameDecoder.consumed} and
   *   {@linkcode CoreFrameDecoder.status}.
   */
  decode(region: WasmAddress, length: number, max: number): number {
    const n = core.frame_decode(
      this.#dec,
      region,
      length,
      this.#t << 2,
      max < FRAME_TABLE_ENTRIES ? max : FRAME_TABLE_ENTRIES,
    );
    const m = this.#bytes;
    if (m.buffer !== core.memory.buffer || m.length === 0) this.#reload();
    this.#base = region;
    this.count = n;
    return n;
  }

  // Wasm memory grew (the old views are detached): the table and the frames stay where they are.
  #reload(): void {
    this.#bytes = bytes();
    this.#memory = this.#bytes.buffer as ArrayBuffer;
    this.#u32 = new Uint32Array(this.#memory);
  }

  /**
   * All of Wasm memory; frame `i` is `bytes[offset(i) .. offset(i) + length(i))`. Valid until
   * the next call that may grow Wasm memory.
   */
  get bytes(): Uint8Array {
    if (this.#bytes.length === 0) this.#reload();
    return this.#bytes;
  }

  /**
   * The offsets table as a view: frame `i` starts at `regionStart + table[2 * i]` in
   * {@linkcode CoreFrameDecoder.bytes} and is `table[2 * i + 1]` bytes long. Valid until the
   * next call that may grow Wasm memory (as `bytes`).
   */
  get table(): Uint32Array {
    if (this.#u32.length === 0) this.#reload();
    return this.#u32.subarray(this.#t, this.#t + 2 * FRAME_TABLE_ENTRIES);
  }

  /** Where the region last decoded starts in {@linkcode CoreFrameDecoder.bytes}. */
  get regionStart(): number {
    return this.#base;
  }

  /**
   * Start of frame `i` in {@linkcode CoreFrameDecoder.bytes}.
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns The offset.
   */
  offset(i: number): number {
    return this.#base + this.#u32[this.#t + 2 * i];
  }

  /**
   * Length of frame `i`.
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns The length in bytes.
   */
  length(i: number): number {
    return this.#u32[this.#t + 2 * i + 1];
  }

  /**
   * End of frame `i`, counted from the start of the region decoded.
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns `offset(i) + length(i)` relative to the region.
   */
  end(i: number): number {
    const t = this.#t + 2 * i;
    return this.#u32[t] + this.#u32[t + 1];
  }

  /**
   * Frame `i` as a view (one `subarray`; re-derived after memory growth).
   *
   * @param i Frame index, `0 <= i < count`.
   * @returns The view, valid until the next call that may grow Wasm memory.
   */
  frame(i: number): Uint8Array {
    if (this.#u32.length === 0) this.#reload();
    const t = this.#t + 2 * i;
    // the constructor, not `subarray`: the same view, without subarray's species lookup
    // (V8 builds it inline; about 1.5x faster per frame here)
    return new Uint8Array(this.#memory, this.#base + this.#u32[t], this.#u32[t + 1]);
  }

  /**
   * Whether `region` is the region last decoded, advanced by `done` bytes.
   *
   * @param region An address.
   * @param done Bytes consumed from the region since it was decoded.
   * @returns True when they match.
   */
  isRegion(region: WasmAddress, done: number): boolean {
    return region === this.#base + done;
  }

  /** Bytes the last {@linkcode CoreFrameDecoder.decode} consumed. */
  get consumed(): number {
    return core.frame_consumed(this.#dec);
  }

  /** Status of the last {@linkcode CoreFrameDecoder.decode}: 0 or an error code. */
  get status(): number {
    return core.frame_status(this.#dec);
  }

  /** The explicit decoder state (see {@linkcode FrameState}). */
  get state(): number {
    return core.frame_state(this.#dec);
  }

  /** Offset (relative to the region decoded) of the frame that failed. */
  get errorOffset(): number {
    return core.frame_err_offset(this.#dec);
  }

  /** Declared (or seen) length of the frame that failed. */
  get errorLength(): number {
    return core.frame_err_length(this.#dec);
  }

  /**
   * Change the maximum frame length (an in-flight frame keeps the old one).
   *
   * @param max New maximum in bytes.
   * @returns 0 or a negative status.
   */
  setMaxFrameLength(max: number): number {
    return core.frame_set_max(this.#dec, max);
  }

  /** Forget partial-frame state. */
  reset(): void {
    if (this.#dec !== 0) core.frame_reset(this.#dec);
  }

  /**
   * The header for a payload of `payloadLength` bytes (length field, varint).
   *
   * @param payloadLength The payload's length.
   * @returns A new array with the header, or a negative status: `FRAME_TOO_LONG` when the
   *   length exceeds the maximum or what the field holds, `BAD_LENGTH` when the adjusted value
   *   would be negative, `OUT_OF_MEMORY`.
   */
  encodeHeader(payloadLength: number): Uint8Array | number {
    const h = this.#held;
    if (h.header === 0) {
      const p = core.mem_alloc(16);
      if (p < 0) return p;
      h.header = p;
    }
    const n = core.frame_encode_header(this.#dec, payloadLength, h.header);
    return n >= 0 ? bytes().slice(h.header, h.header + n) : n;
  }

  /** Release the Wasm memory (state, table, header scratch). Idempotent. */
  free(): void {
    if (this.#dec === 0) return;
    registry.unregister(this);
    release(this.#held);
    this.#dec = 0;
    this.count = 0;
  }
}
