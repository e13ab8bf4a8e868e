// The core's memory allocator: a binary buddy allocator over linear memory from
// __heap_base upwards, with a top that grows (memory.grow) on demand.
//
// Why: the stub runtime's heap.free is a no-op, so without this every IOBuffer growth
// or freed decoder would leak for the life of the instance.
//
// Layout of a block of order k (2^k bytes, aligned to 2^k relative to `base`):
//   +0  u32 header: MAGIC | USED flag | order
//   +4  u32 reserved
//   +8  user data (2^k - 8 bytes). While free: +8 next, +12 prev (doubly linked list).
// Freeing merges a block with its buddy while the buddy is free and of the same order, so
// freeing everything gives back maximal blocks (no fragmentation left after churn).
// The top grows by carving alignment fillers (inserted as free blocks) and then the block.
//
// Rule for the rest of core/: never use the stub runtime's `new`/heap.alloc for long-lived
// data; use mem_alloc/mem_free (the two would otherwise share the area above __heap_base).
//
// Exports return a pointer (> 0) or a negative status code; they never trap.

import { OK, OUT_OF_MEMORY, BAD_HANDLE, BAD_ARGUMENT } from "./status";

const MIN_ORDER: i32 = 5; // 32-byte blocks: 8 header + 24 usable
const MAX_ORDER: i32 = 30; // 1 GiB, the maximumMemory of the module
const HDR: usize = 8;
const MAGIC: u32 = 0x5a000000;
const MAGIC_MASK: u32 = 0xff000000;
const USED: u32 = 0x100;
const ORDER_MASK: u32 = 0xff;

// Free list heads, one per order (index 0..31).
const HEADS: usize = memory.data(32 * 4, 16);

let base: usize = 0;
let top: usize = 0;
let freeBytes: usize = 0;
let usedBytes: usize = 0;
let usedBlocks: i32 = 0;

@inline function ensureInit(): void {
  if (base == 0) {
    base = (__heap_base + 63) & ~<usize>63;
    top = base;
  }
}

@inline function head(order: i32): usize {
  return <usize>load<u32>(HEADS + (<usize>order << 2));
}

@inline function setHead(order: i32, blk: usize): void {
  store<u32>(HEADS + (<usize>order << 2), <u32>blk);
}

function listPush(blk: usize, order: i32): void {
  const h = head(order);
  store<u32>(blk, MAGIC | <u32>order);
  store<u32>(blk, <u32>h, 8);
  store<u32>(blk, 0, 12);
  if (h != 0) store<u32>(h, <u32>blk, 12);
  setHead(order, blk);
  freeBytes += <usize>1 << order;
}

function listRemove(blk: usize, order: i32): void {
  const next = <usize>load<u32>(blk, 8);
  const prev = <usize>load<u32>(blk, 12);
  if (prev != 0) store<u32>(prev, <u32>next, 8);
  else setHead(order, next);
  if (next != 0) store<u32>(next, <u32>prev, 12);
  freeBytes -= <usize>1 << order;
}

// Insert a free block, merging with its buddy as long as possible.
function release(blk: usize, order: i32): void {
  while (order < MAX_ORDER) {
    const size = <usize>1 << order;
    const buddy = base + ((blk - base) ^ size);
    if (buddy + size > top) break;
    const h = load<u32>(buddy);
    if (h != (MAGIC | <u32>order)) break; // not a free block of the same order
    listRemove(buddy, order);
    if (buddy < blk) blk = buddy;
    order++;
  }
  listPush(blk, order);
}

// Grow the top so that a block of `order` exists at it; returns the block or 0.
function extend(order: i32): usize {
  const size = <usize>1 << order;
  const aligned = base + (((top - base) + size - 1) & ~(size - 1));
  const end = aligned + size;
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  // Fillers between top and aligned: each is aligned to its own size (lowest set bit).
  while (top < aligned) {
    const off = top - base;
    let fo: i32 = <i32>ctz<usize>(off);
    // Never exceed the gap to `aligned`.
    while ((<usize>1 << fo) > aligned - top) fo--;
    const blk = top;
    top += <usize>1 << fo;
    release(blk, fo);
  }
  top = end;
  return aligned;
}

@inline function orderFor(size: usize): i32 {
  const need = size + HDR;
  let o = <i32>(32 - clz<u32>(<u32>(need - 1)));
  return o < MIN_ORDER ? MIN_ORDER : o;
}

/** Allocate `size` bytes (at least 1). Returns the pointer or OUT_OF_MEMORY / BAD_ARGUMENT. */
export function mem_alloc(size: i32): i32 {
  ensureInit();
  if (size < 0) return BAD_ARGUMENT;
  if (size == 0) size = 1;
  if (<usize>size > (<usize>1 << MAX_ORDER) - HDR) return OUT_OF_MEMORY;
  const order = orderFor(<usize>size);
  let j = order;
  while (j <= MAX_ORDER && head(j) == 0) j++;
  let blk: usize;
  if (j > MAX_ORDER) {
    blk = extend(order);
    if (blk == 0) return OUT_OF_MEMORY;
  } else {
    blk = head(j);
    listRemove(blk, j);
    while (j > order) {
      j--;
      listPush(blk + (<usize>1 << j), j);
    }
  }
  store<u32>(blk, MAGIC | USED | <u32>order);
  usedBytes += <usize>1 << order;
  usedBlocks++;
  return <i32>(blk + HDR);
}

@inline function validUsed(ptr: i32): usize {
  if (base == 0 || ptr <= 0) return 0;
  const blk = <usize>ptr - HDR;
  if (blk < base || blk >= top || ((blk - base) & 31) != 0) return 0;
  const h = load<u32>(blk);
  if ((h & MAGIC_MASK) != MAGIC || (h & USED) == 0) return 0;
  const order = <i32>(h & ORDER_MASK);
  if (order < MIN_ORDER || order > MAX_ORDER) return 0;
  if (((blk - base) & ((<usize>1 << order) - 1)) != 0) return 0;
  return blk;
}

/** Free a pointer from mem_alloc. Returns OK, or BAD_HANDLE for an unknown or double free. */
export function mem_free(ptr: i32): i32 {
  const blk = validUsed(ptr);
  if (blk == 0) return BAD_HANDLE;
  const order = <i32>(load<u32>(blk) & ORDER_MASK);
  usedBytes -= <usize>1 << order;
  usedBlocks--;
  release(blk, order);
  return OK;
}

/** Usable bytes of an allocated block (>= the size asked for), or BAD_HANDLE. */
export function mem_usable_size(ptr: i32): i32 {
  const blk = validUsed(ptr);
  if (blk == 0) return BAD_HANDLE;
  return (1 << <i32>(load<u32>(blk) & ORDER_MASK)) - <i32>HDR;
}

/**
 * Resize: returns `ptr` when the block already holds `size`, else a new block holding the
 * first `keep` bytes of the old one (the old one is freed). On failure the old block is
 * untouched and a status is returned.
 */
export function mem_realloc(ptr: i32, keep: i32, size: i32): i32 {
  if (ptr == 0) return mem_alloc(size);
  const cap = mem_usable_size(ptr);
  if (cap < 0) return cap;
  if (size < 0 || keep < 0 || keep > cap) return BAD_ARGUMENT;
  if (size <= cap) return ptr;
  const n = mem_alloc(size);
  if (n < 0) return n;
  memory.copy(<usize>n, <usize>ptr, <usize>(keep < size ? keep : size));
  mem_free(ptr);
  return n;
}

/** Bytes between the heap base and the top (what the allocator has taken from memory). */
export function mem_heap_size(): i32 {
  ensureInit();
  return <i32>(top - base);
}

/** Bytes in free blocks (reusable without growing memory). */
export function mem_free_bytes(): i32 {
  return <i32>freeBytes;
}

/** Bytes in allocated blocks, headers and rounding included. */
export function mem_used_bytes(): i32 {
  return <i32>usedBytes;
}

/** Number of allocated blocks. */
export function mem_used_blocks(): i32 {
  return usedBlocks;
}

/** The largest block that can be allocated without growing memory (usable bytes), or 0. */
export function mem_largest_free(): i32 {
  for (let j = MAX_ORDER; j >= MIN_ORDER; j--) {
    if (head(j) != 0) return (1 << j) - <i32>HDR;
  }
  return 0;
}
