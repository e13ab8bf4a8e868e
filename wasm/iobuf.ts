/**
 * Blocks of Wasm linear memory for `src/`: {@linkcode WasmBlock} owns one allocation of the
 * core's allocator (`core/alloc.ts`) and moves bytes with `core/iobuf.ts`, so the pointer never
 * leaves `wasm/`. `IOBuffer` (`src/buffer/io_buffer.ts`) keeps its read and write indices and
 * asks its block for views, copies and {@linkcode WasmAddress}es, which only `wasm/` functions
 * accept.
 *
 * The raw `memAlloc`/`memFree`/`iobufGrow` wrappers below remain for the raw ABI tests and the
 * framing decoders while those move behind `wasm/framing.ts`.
 *
 * @module
 */
import { bytes, core } from "./loader.ts";

/**
 * An address in the core's linear memory. Outside `wasm/` it is opaque: it is handed back to
 * `wasm/` functions (the framing decoders), never dereferenced or computed with.
 */
export type WasmAddress = number & { readonly "sockkit.wasmAddress": true };

/** Whether `buffer` is the core's linear memory (a view of it may move when memory grows). */
export function isWasmMemory(buffer: ArrayBufferLike): boolean {
  return buffer === core.memory.buffer;
}

// Backstop: a block dropped without free() returns its memory when collected.
const blocks = new FinalizationRegistry<number>((ptr) => {
  core.mem_free(ptr);
});

/**
 * One block of Wasm memory, empty (no allocation) until the first {@linkcode WasmBlock.grow}.
 * Offsets are relative to the block; every method checks nothing beyond what its caller
 * (`IOBuffer`) already checked, so the offsets must lie within {@linkcode WasmBlock.capacity}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WasmBlock } from "./iobuf.ts";
 * const block = new WasmBlock();
 * assert.equal(block.grow(0, 0, 16), 0);
 * block.set(new Uint8Array([1, 2, 3]), 0);
 * assert.deepEqual([...block.view(1, 3)], [2, 3]);
 * block.free();
 * assert.equal(block.capacity, 0);
 * ```
 */
export class WasmBlock {
  #ptr = 0;
  #capacity = 0;

  /** Usable bytes of the block (0 before the first grow and after free). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Whether the block holds an allocation. */
  get allocated(): boolean {
    return this.#ptr !== 0;
  }

  /**
   * Moves the bytes `[start, end)` to the start of a block that holds at least `capacity`
   * bytes (the same block when it is big enough, else a new one; the old one is freed).
   *
   * @param start First byte to keep.
   * @param end End of the bytes to keep.
   * @param capacity Bytes the block must hold.
   * @returns 0, or a negative status (`OUT_OF_MEMORY`); on failure nothing changes.
   */
  grow(start: number, end: number, capacity: number): number {
    const old = this.#ptr;
    const n = core.iobuf_grow(old, start, end, capacity);
    if (n < 0) return n;
    if (n !== old) {
      if (old !== 0) blocks.unregister(this);
      blocks.register(this, n, this);
    }
    this.#ptr = n;
    this.#capacity = core.mem_usable_size(n);
    return 0;
  }

  /** A view of `[start, end)`, valid until the next call that may grow Wasm memory. */
  view(start: number, end: number): Uint8Array {
    return bytes().subarray(this.#ptr + start, this.#ptr + end);
  }

  /** Copies `data`, which must not be a view of Wasm memory, to `offset`. */
  set(data: Uint8Array, offset: number): void {
    bytes().set(data, this.#ptr + offset);
  }

  /**
   * Copies the `length` bytes of Wasm memory at `byteOffset` to `offset`: for data that was a view of
   * Wasm memory, re-derived after a grow that may have detached the view.
   */
  setFromMemory(byteOffset: number, length: number, offset: number): void {
    bytes().copyWithin(this.#ptr + offset, byteOffset, byteOffset + length);
  }

  /** Moves `[start, end)` to `target` within the block (as `Uint8Array.copyWithin`). */
  copyWithin(target: number, start: number, end: number): void {
    bytes().copyWithin(this.#ptr + target, this.#ptr + start, this.#ptr + end);
  }

  /** Fills `[start, end)` with `value`. */
  fill(value: number, start: number, end: number): void {
    bytes().fill(value, this.#ptr + start, this.#ptr + end);
  }

  /** The byte at `offset`. */
  byteAt(offset: number): number {
    return bytes()[this.#ptr + offset];
  }

  /** The 16-bit number at `offset`, big-endian unless `littleEndian`. */
  uint16At(offset: number, littleEndian: boolean): number {
    const m = bytes();
    const p = this.#ptr + offset;
    return littleEndian ? m[p] | (m[p + 1] << 8) : (m[p] << 8) | m[p + 1];
  }

  /** The unsigned 32-bit number at `offset`, big-endian unless `littleEndian`. */
  uint32At(offset: number, littleEndian: boolean): number {
    const m = bytes();
    const p = this.#ptr + offset;
    return littleEndian
      ? (m[p] | (m[p + 1] << 8) | (m[p + 2] << 16) | (m[p + 3] << 24)) >>> 0
      : ((m[p] << 24) | (m[p + 1] << 16) | (m[p + 2] << 8) | m[p + 3]) >>> 0;
  }

  /** The address of `offset`, for `wasm/` functions that read the block. */
  address(offset: number): WasmAddress {
    return (this.#ptr + offset) as WasmAddress;
  }

  /** Returns the memory to the allocator; the block is empty again. Safe to call twice. */
  free(): void {
    if (this.#ptr !== 0) {
      blocks.unregister(this);
      core.mem_free(this.#ptr);
    }
    this.#ptr = 0;
    this.#capacity = 0;
  }
}

/** Allocate `size` bytes of linear memory: a pointer, or a negative status (OUT_OF_MEMORY). */
export function memAlloc(size: number): number {
  return core.mem_alloc(size);
}

/** Free a pointer from {@linkcode memAlloc}: 0, or BAD_HANDLE for an unknown/double free. */
export function memFree(ptr: number): number {
  return core.mem_free(ptr);
}

/** Usable bytes of an allocated block, or BAD_HANDLE. */
export function memUsableSize(ptr: number): number {
  return core.mem_usable_size(ptr);
}

/** Move unread bytes [r, w) of `ptr` into a block holding `cap` bytes: new pointer or status. */
export function iobufGrow(ptr: number, r: number, w: number, cap: number): number {
  return core.iobuf_grow(ptr, r, w, cap);
}

/** Move [r, w) of `ptr` to its start; returns the new length. */
export function iobufCompact(ptr: number, r: number, w: number): number {
  return core.iobuf_compact(ptr, r, w);
}

/** Allocator statistics, in bytes. */
export interface HeapStats {
  /** Bytes the allocator has taken from linear memory (heap base to top). */
  heapSize: number;
  /** Bytes in free blocks, reusable without growing memory. */
  freeBytes: number;
  /** Bytes in allocated blocks (headers and rounding included). */
  usedBytes: number;
  /** Number of allocated blocks. */
  usedBlocks: number;
  /** Largest allocation possible without growing memory. */
  largestFree: number;
  /** Current size of linear memory. */
  memoryBytes: number;
}

/** A snapshot of the allocator's statistics. */
export function heapStats(): HeapStats {
  return {
    heapSize: core.mem_heap_size(),
    freeBytes: core.mem_free_bytes(),
    usedBytes: core.mem_used_bytes(),
    usedBlocks: core.mem_used_blocks(),
    largestFree: core.mem_largest_free(),
    memoryBytes: core.memory.buffer.byteLength,
  };
}
