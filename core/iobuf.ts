// I/O buffer support: moves a buffer's unread bytes into a bigger (or the same) block.
// The buffer's state (pointer, capacity, read and write index) lives on the JS side
// (src/buffer/io_buffer.ts); the bytes live in blocks from alloc.ts.

import { mem_alloc, mem_free, mem_usable_size } from "./alloc";
import { BAD_ARGUMENT, BAD_HANDLE } from "./status";

/**
 * Move the unread bytes [r, w) of the block at `ptr` (0 = no block yet) to the start of a
 * block able to hold `cap` bytes. Returns the (possibly new) pointer, or a status; on
 * failure the old block is untouched.
 */
export function iobuf_grow(ptr: i32, r: i32, w: i32, cap: i32): i32 {
  if (r < 0 || w < r || cap < w - r) return BAD_ARGUMENT;
  if (ptr == 0) {
    if (w != 0) return BAD_ARGUMENT;
    return mem_alloc(cap);
  }
  const have = mem_usable_size(ptr);
  if (have < 0) return BAD_HANDLE;
  if (w > have) return BAD_ARGUMENT;
  if (cap <= have) {
    if (r > 0) memory.copy(<usize>ptr, <usize>(ptr + r), <usize>(w - r));
    return ptr;
  }
  const n = mem_alloc(cap);
  if (n < 0) return n;
  memory.copy(<usize>n, <usize>(ptr + r), <usize>(w - r));
  mem_free(ptr);
  return n;
}

/** Move [r, w) of `ptr` to its start (Netty's discardReadBytes). Returns the new length. */
export function iobuf_compact(ptr: i32, r: i32, w: i32): i32 {
  if (r < 0 || w < r) return BAD_ARGUMENT;
  if (r > 0) memory.copy(<usize>ptr, <usize>(ptr + r), <usize>(w - r));
  return w - r;
}
