/**
 * Typed wrappers over the core's allocator (`core/alloc.ts`) and I/O buffer moves
 * (`core/iobuf.ts`). Pointers stay in `wasm/` and `src/buffer/io_buffer.ts`; results are numbers,
 * negative ones being {@linkcode Status} codes.
 *
 * @module
 */
import { core } from "./loader.ts";

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
