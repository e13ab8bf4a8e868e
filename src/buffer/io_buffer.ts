/**
 * `IOBuffer`: a growable byte buffer in Wasm linear memory, the successor of the seed's
 * `CNetIOBuffer`.
 *
 * Unlike the C++ class, it allocates nothing until the first write (the seed took 1 MiB
 * up front), grows on demand up to a hard maximum (default 1 MiB, as in the seed), throws a
 * typed {@linkcode BufferOverflowError} instead of returning `FALSE`, and has a read cursor
 * (Netty's reader/writer index): bytes are appended at the write index and consumed at the
 * read index.
 *
 * | `CNetIOBuffer` (C++)              | `IOBuffer` (TS)                                   |
 * |-----------------------------------|---------------------------------------------------|
 * | `CNetIOBuffer()`                  | `new IOBuffer()`                                  |
 * | `CNetIOBuffer(lpbyte, n)`         | `IOBuffer.from(bytes)`                            |
 * | `CNetIOBuffer(const CNetIOBuffer&)` | `buf.clone()`                                   |
 * | `~CNetIOBuffer()`                 | `buf.free()` / `using buf = ...` (`Symbol.dispose`) |
 * | `CopyData(lpbyte, n)`             | `buf.replace(bytes)`                              |
 * | `ConcatData(lpbyte, n)`           | `buf.append(bytes)`                               |
 * | `ResetIoBuffer()`                 | `buf.reset()`                                     |
 * | `GetLength()`                     | `buf.length`                                      |
 * | `SetLength(n)`                    | `buf.setLength(n)`                                |
 * | `GetCurPos()`                     | `buf.writableView(min)` + `buf.commit(n)`          |
 * | `GetRemainLen()`                  | `buf.remaining`                                   |
 * | `IsEmpty()`                       | `buf.isEmpty`                                     |
 * | `operator LPBYTE()`               | `buf.view()` (zero-copy) / `buf.toBytes()` (copy) |
 * | `operator=(const CNetIOBuffer&)`  | `buf.copyFrom(other)`                             |
 * | `GetMaxLength()`                  | `buf.maxCapacity`                                 |
 * | (none)                            | `consume`, `compact`, `peek`, `readUint8/16/32`, `reserve`, `capacity`, `readFrom` |
 *
 * Views returned by `view()`, `peek()` and `writableView()` point into Wasm memory: they are
 * valid until the next call that writes to, grows, compacts or frees any buffer. Copy
 * (`slice()`) to keep the bytes.
 *
 * @module
 */
import { BufferOverflowError } from "./errors.ts";
import { isWasmMemory, type WasmAddress, WasmBlock } from "../../wasm/iobuf.ts";
export type { WasmAddress } from "../../wasm/iobuf.ts";
import { Status } from "../../wasm/status.ts";
import { REGION, SKIP } from "../_internal.ts";

/** Options for {@linkcode IOBuffer}. */
export interface IOBufferOptions {
  /** Hard maximum of readable bytes the buffer may hold. Default: 1 MiB (`1048576`), as in the seed. */
  maxCapacity?: number;
  /** Bytes to allocate at once. Default: 0 (nothing until the first write). */
  initialCapacity?: number;
}

/** The default maximum capacity: 1 MiB, the seed's `MAX_BUFFER_LENGTH`. */
export const DEFAULT_MAX_CAPACITY = 1024 * 1024;
const MAX_LIMIT = 512 * 1024 * 1024;

/** The block of every buffer that has not allocated yet: never grown, so never allocated. */
const NO_BLOCK = new WasmBlock();

function checkSize(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`Cannot use ${what}: expected a non-negative integer, got ${n}`);
  }
}

/**
 * A growable byte buffer in Wasm linear memory with a read cursor and a hard maximum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "./io_buffer.ts";
 * using buf = new IOBuffer({ maxCapacity: 64 });
 * buf.append(new TextEncoder().encode("hello "));
 * buf.append(new TextEncoder().encode("world"));
 * assert.equal(buf.length, 11);
 * buf.consume(6);
 * assert.equal(new TextDecoder().decode(buf.view()), "world");
 * ```
 */
export class IOBuffer {
  // The bytes: the shared empty block until the first grow (an idle buffer allocates nothing,
  // not even the block object), then a block of its own, which frees itself when collected.
  #block: WasmBlock = NO_BLOCK;
  #cap = 0;
  #r = 0;
  #w = 0;
  readonly #max: number;
  #stage: Uint8Array | null = null; // reused by readFrom
  #reading = false; // a readFrom is pending: nothing may move the bytes

  /**
   * Create an empty buffer. Allocates nothing unless `initialCapacity` is given.
   *
   * @param options Maximum and initial capacity.
   * @throws {RangeError} when a capacity is not a non-negative integer, or the initial
   *   capacity exceeds the maximum.
   */
  constructor(options: IOBufferOptions = {}) {
    const max = options.maxCapacity ?? DEFAULT_MAX_CAPACITY;
    checkSize(max, "maxCapacity");
    if (max > MAX_LIMIT) {
      throw new RangeError(
        `Cannot use maxCapacity: ${max} bytes exceeds the limit of ${MAX_LIMIT} bytes`,
      );
    }
    this.#max = max;
    const init = options.initialCapacity ?? 0;
    checkSize(init, "initialCapacity");
    if (init > max) {
      throw new RangeError(
        `Cannot use initialCapacity: ${init} bytes exceeds maxCapacity of ${max} bytes`,
      );
    }
    if (init > 0) this.#grow(init);
  }

  /**
   * Create a buffer holding a copy of `data` (the C++ `CNetIOBuffer(lpbyte, n)`).
   *
   * @param data Bytes to copy in.
   * @param options Maximum capacity.
   * @returns A new buffer.
   * @throws {BufferOverflowError} when `data` is longer than the maximum.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = IOBuffer.from(new Uint8Array([1, 2, 3]));
   * assert.equal(b.length, 3);
   * ```
   */
  static from(data: Uint8Array, options?: IOBufferOptions): IOBuffer {
    const b = new IOBuffer(options);
    b.append(data);
    return b;
  }

  /** Readable bytes (the C++ `GetLength()`). */
  get length(): number {
    return this.#w - this.#r;
  }

  /** The hard maximum of readable bytes (the C++ `GetMaxLength()`). */
  get maxCapacity(): number {
    return this.#max;
  }

  /** Bytes allocated now in Wasm memory (0 until the first write). */
  get capacity(): number {
    return this.#cap;
  }

  /** Bytes that can still be appended before the maximum is hit (the C++ `GetRemainLen()`). */
  get remaining(): number {
    return this.#max - (this.#w - this.#r);
  }

  /** True when there are no readable bytes (the C++ `IsEmpty()`). */
  get isEmpty(): boolean {
    return this.#w === this.#r;
  }

  /** Growth policy (Netty's): at least 64, powers of two to 4 MiB, then 4 MiB steps; never above max. */
  #grow(needed: number): void {
    let cap: number;
    if (needed <= 4 * 1024 * 1024) {
      cap = 64;
      while (cap - 8 < needed) cap *= 2;
      cap -= 8; // fits a power-of-two block of the core allocator exactly
    } else {
      cap = Math.ceil(needed / (4 * 1024 * 1024)) * 4 * 1024 * 1024;
    }
    if (cap > this.#max) cap = this.#max;
    if (cap < needed) cap = needed;
    if (this.#block === NO_BLOCK) this.#block = new WasmBlock();
    const n = this.#block.grow(this.#r, this.#w, cap);
    if (n < 0) {
      throw new BufferOverflowError(
        needed,
        this.#max,
        n === Status.OUT_OF_MEMORY
          ? `Cannot grow buffer: Wasm memory is exhausted, ${needed} bytes needed`
          : `Cannot grow buffer: core returned status ${n}, ${needed} bytes needed`,
      );
    }
    this.#cap = Math.min(this.#block.capacity, this.#max);
    this.#w -= this.#r;
    this.#r = 0;
  }

  /**
   * Make room for `n` more bytes at the write index: compacts, then grows.
   *
   * @param n Bytes that must fit after the current content.
   * @throws {BufferOverflowError} when `length + n` exceeds the maximum (nothing changes).
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * import { BufferOverflowError } from "./errors.ts";
   * using b = new IOBuffer({ maxCapacity: 8 });
   * b.reserve(8);
   * assert.throws(() => b.reserve(9), BufferOverflowError);
   * ```
   */
  reserve(n: number): void {
    checkSize(n, "reserve size");
    this.#idle("grow buffer");
    if (this.#w + n <= this.#cap) return;
    const needed = this.#w - this.#r + n;
    if (needed > this.#max) throw new BufferOverflowError(needed, this.#max);
    if (needed <= this.#cap) {
      this.compact();
      return;
    }
    this.#grow(needed);
  }

  /**
   * Append a copy of `data` at the write index (the C++ `ConcatData`).
   *
   * @param data Bytes to append (may be a view of another `IOBuffer`).
   * @throws {BufferOverflowError} when the result would exceed the maximum; the buffer is unchanged.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = new IOBuffer();
   * b.append(new Uint8Array([1, 2])).append(new Uint8Array([3]));
   * assert.equal(b.toBytes().join(), "1,2,3");
   * ```
   */
  append(data: Uint8Array): this {
    const len = data.length;
    if (len === 0) return this;
    if (isWasmMemory(data.buffer)) {
      // data lives in Wasm memory: growing may detach it, so re-derive it afterwards
      const off = data.byteOffset;
      this.reserve(len);
      this.#block.setFromMemory(off, len, this.#w);
    } else {
      this.reserve(len);
      this.#block.set(data, this.#w);
    }
    this.#w += len;
    return this;
  }

  /**
   * Replace the whole content with a copy of `data` (the C++ `CopyData`).
   *
   * @param data The new content.
   * @throws {BufferOverflowError} when `data` is longer than the maximum; the buffer is unchanged.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = IOBuffer.from(new Uint8Array([9, 9, 9]));
   * b.replace(new Uint8Array([1]));
   * assert.equal(b.length, 1);
   * ```
   */
  replace(data: Uint8Array): this {
    if (data.length > this.#max) throw new BufferOverflowError(data.length, this.#max);
    if (isWasmMemory(data.buffer)) {
      const copy = data.slice();
      this.#r = this.#w = 0;
      return this.append(copy);
    }
    this.#r = this.#w = 0;
    return this.append(data);
  }

  /**
   * Make this buffer's content a copy of another's (the C++ `operator=`).
   *
   * @param other The buffer (or bytes) to copy.
   * @throws {BufferOverflowError} when the other content exceeds this buffer's maximum.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using a = IOBuffer.from(new Uint8Array([1, 2]));
   * using b = new IOBuffer();
   * b.copyFrom(a);
   * assert.equal(b.toBytes().join(), "1,2");
   * ```
   */
  copyFrom(other: IOBuffer | Uint8Array): this {
    if (other === this) return this;
    if (other instanceof IOBuffer) return this.replace(other.toBytes());
    return this.replace(other);
  }

  /**
   * A new buffer with a copy of the content and the same maximum (the C++ copy constructor).
   *
   * @returns The copy; free it when done.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using a = IOBuffer.from(new Uint8Array([7]));
   * using b = a.clone();
   * assert.equal(b.toBytes()[0], 7);
   * assert.equal(b.maxCapacity, a.maxCapacity);
   * ```
   */
  clone(): IOBuffer {
    const b = new IOBuffer({ maxCapacity: this.#max });
    b.append(this.view());
    return b;
  }

  /**
   * Empty the buffer (the C++ `ResetIoBuffer`); keeps the allocated block for reuse.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = IOBuffer.from(new Uint8Array([1]));
   * b.reset();
   * assert.ok(b.isEmpty);
   * ```
   */
  reset(): void {
    this.#idle("reset buffer");
    this.#r = this.#w = 0;
  }

  /**
   * Set the readable length (the C++ `SetLength`): truncates, or extends with zero bytes.
   *
   * @param n The new length.
   * @throws {BufferOverflowError} when `n` exceeds the maximum.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = new IOBuffer();
   * b.setLength(4);
   * assert.equal(b.toBytes().join(), "0,0,0,0");
   * ```
   */
  setLength(n: number): void {
    checkSize(n, "length");
    if (n > this.#max) throw new BufferOverflowError(n, this.#max);
    const len = this.length;
    if (n <= len) {
      this.#w = this.#r + n;
      return;
    }
    this.reserve(n - len);
    this.#block.fill(0, this.#w, this.#r + n);
    this.#w = this.#r + n;
  }

  /**
   * A zero-copy view of the space after the write index (the C++ `GetCurPos`), at least
   * `min` bytes long. Fill it, then call {@linkcode IOBuffer.commit}.
   *
   * @param min Bytes the view must hold. Default 1.
   * @returns A view into Wasm memory, valid until the next buffer call.
   * @throws {BufferOverflowError} when `length + min` exceeds the maximum.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = new IOBuffer();
   * const w = b.writableView(2);
   * w[0] = 65; w[1] = 66;
   * b.commit(2);
   * assert.equal(new TextDecoder().decode(b.view()), "AB");
   * ```
   */
  writableView(min = 1): Uint8Array {
    this.reserve(min);
    return this.#block.view(this.#w, this.#cap);
  }

  /**
   * Advance the write index over `n` bytes written into {@linkcode IOBuffer.writableView}.
   *
   * @param n Bytes written.
   * @throws {RangeError} when `n` exceeds the writable space.
   */
  commit(n: number): void {
    checkSize(n, "commit size");
    if (this.#w + n > this.#cap) {
      throw new RangeError(
        `Cannot commit ${n} bytes: only ${this.#cap - this.#w} bytes are writable`,
      );
    }
    this.#w += n;
  }

  /**
   * A zero-copy view of the readable bytes (the C++ `operator LPBYTE`).
   *
   * @returns A view into Wasm memory, valid until the next buffer call.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = IOBuffer.from(new Uint8Array([1, 2]));
   * assert.equal(b.view().length, 2);
   * ```
   */
  view(): Uint8Array {
    if (!this.#block.allocated) return new Uint8Array(0);
    return this.#block.view(this.#r, this.#w);
  }

  /**
   * A copy of the readable bytes.
   *
   * @returns A fresh `Uint8Array` (not in Wasm memory).
   */
  toBytes(): Uint8Array {
    return this.view().slice();
  }

  /**
   * A zero-copy view of the first `n` readable bytes, without consuming them.
   *
   * @param n Bytes to look at.
   * @returns A view into Wasm memory, valid until the next buffer call.
   * @throws {RangeError} when fewer than `n` bytes are readable.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = IOBuffer.from(new Uint8Array([1, 2, 3]));
   * assert.equal(b.peek(2).join(), "1,2");
   * assert.equal(b.length, 3);
   * ```
   */
  peek(n: number): Uint8Array {
    checkSize(n, "peek size");
    if (n > this.length) {
      throw new RangeError(`Cannot peek ${n} bytes: only ${this.length} bytes are readable`);
    }
    return this.view().subarray(0, n);
  }

  /**
   * Advance the read index over `n` bytes (Netty's `skipBytes`).
   *
   * @param n Bytes to drop from the front.
   * @throws {RangeError} when fewer than `n` bytes are readable (nothing changes).
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = IOBuffer.from(new Uint8Array([1, 2, 3]));
   * b.consume(2);
   * assert.equal(b.toBytes().join(), "3");
   * ```
   */
  consume(n: number): void {
    checkSize(n, "consume size");
    this.#idle("consume");
    if (n > this.length) {
      throw new RangeError(`Cannot consume ${n} bytes: only ${this.length} bytes are readable`);
    }
    this.#r += n;
    if (this.#r === this.#w) this.#r = this.#w = 0;
  }

  /**
   * Move the readable bytes to the start of the block (Netty's `discardReadBytes`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = IOBuffer.from(new Uint8Array([1, 2, 3]));
   * b.consume(1); b.compact();
   * assert.equal(b.toBytes().join(), "2,3");
   * ```
   */
  compact(): void {
    this.#idle("compact buffer");
    if (this.#r === 0) return;
    const len = this.#w - this.#r;
    if (len > 0) {
      this.#block.copyWithin(0, this.#r, this.#w);
    }
    this.#r = 0;
    this.#w = len;
  }

  #need(n: number, what: string): number {
    if (this.length < n) {
      throw new RangeError(
        `Cannot read ${what}: ${n} bytes needed, ${this.length} bytes readable`,
      );
    }
    return this.#r;
  }

  /**
   * Read (and consume) one byte.
   *
   * @returns The byte.
   * @throws {RangeError} when the buffer is empty (nothing is consumed).
   */
  readUint8(): number {
    const p = this.#need(1, "uint8");
    this.consume(1);
    return this.#block.byteAt(p);
  }

  /**
   * Read (and consume) a 16-bit unsigned integer, big-endian unless `littleEndian`.
   *
   * @param littleEndian Read little-endian. Default false (network order).
   * @returns The value.
   * @throws {RangeError} when fewer than 2 bytes are readable (nothing is consumed).
   */
  readUint16(littleEndian = false): number {
    const p = this.#need(2, "uint16");
    this.consume(2);
    return this.#block.uint16At(p, littleEndian);
  }

  /**
   * Read (and consume) a 32-bit unsigned integer, big-endian unless `littleEndian`.
   *
   * @param littleEndian Read little-endian. Default false (network order).
   * @returns The value.
   * @throws {RangeError} when fewer than 4 bytes are readable (nothing is consumed).
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * using b = IOBuffer.from(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
   * assert.equal(b.readUint32(), 4294967295);
   * ```
   */
  readUint32(littleEndian = false): number {
    const p = this.#need(4, "uint32");
    this.consume(4);
    return this.#block.uint32At(p, littleEndian);
  }

  /**
   * Read once from `reader` into the buffer, up to `maxBytes` (default: 64 KiB or what fits).
   *
   * By default the read lands straight in Wasm memory (the writable view), saving a copy.
   * While it is pending, this buffer refuses every call that could move its bytes
   * (append, consume, compact, reset, free). Other buffers may still grow Wasm memory
   * meanwhile: V8 grows Wasm memory in place on 64-bit hosts (the old `ArrayBuffer` is
   * detached but the backing store stays), so the pending read still writes to the right
   * bytes; `tests/io_buffer_test.ts` checks this. Pass `{ direct: false }` to read through a
   * staging array and one copy instead.
   *
   * @param reader Anything with `read(p)` (a `Deno.Conn`, a file).
   * @param maxBytes Upper bound for this read.
   * @param options `direct: false` to stage the read outside Wasm memory.
   * @returns Bytes read, or `null` at end of stream.
   * @throws {BufferOverflowError} when the buffer is already full.
   * @throws {Error} when another read into this buffer is pending.
   */
  async readFrom(
    reader: { read(p: Uint8Array): Promise<number | null> },
    maxBytes = 65536,
    options: { direct?: boolean } = {},
  ): Promise<number | null> {
    const room = Math.min(maxBytes, this.remaining);
    if (room <= 0) throw new BufferOverflowError(this.length + 1, this.#max);
    this.#idle("read into buffer");
    if (options.direct ?? true) {
      const view = this.writableView(room).subarray(0, room);
      this.#reading = true;
      let n: number | null;
      try {
        n = await reader.read(view);
      } finally {
        this.#reading = false;
      }
      if (n === null) return null;
      this.#w += n;
      return n;
    }
    if (this.#stage === null || this.#stage.length < room) this.#stage = new Uint8Array(room);
    const stage = this.#stage.subarray(0, room);
    this.#reading = true;
    let n: number | null;
    try {
      n = await reader.read(stage);
    } finally {
      this.#reading = false;
    }
    if (n === null) return null;
    this.append(stage.subarray(0, n));
    return n;
  }

  #idle(what: string): void {
    if (this.#reading) throw new Error(`Cannot ${what}: a read into this buffer is pending`);
  }

  /**
   * Return the block to the core allocator. The buffer stays usable (empty, unallocated).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IOBuffer } from "./io_buffer.ts";
   * const b = IOBuffer.from(new Uint8Array(100));
   * b.free();
   * assert.equal(b.capacity, 0);
   * assert.ok(b.isEmpty);
   * ```
   */
  free(): void {
    this.#idle("free buffer");
    this.#block.free();
    this.#cap =
      this.#r =
      this.#w =
        0;
  }

  /**
   * Internal: address of the readable bytes, for the framing decoders in `wasm/`.
   *
   * @ignore
   */
  [REGION](): WasmAddress {
    return this.#block.address(this.#r);
  }

  /**
   * Internal: {@linkcode IOBuffer.consume} for a decoder's frame (`n > 0`, a whole number it
   * computed), with only the check that the bytes are still readable.
   *
   * @ignore
   */
  [SKIP](n: number): void {
    const r = this.#r + n;
    if (r > this.#w || this.#reading) {
      this.consume(n); // throws the usual error
      return;
    }
    if (r === this.#w) this.#r = this.#w = 0;
    else this.#r = r;
  }

  /** Same as {@linkcode IOBuffer.free}, for `using`. */
  [Symbol.dispose](): void {
    this.free();
  }
}
