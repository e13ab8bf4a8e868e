// Byte order: host (little-endian, as Wasm is) <-> network (big-endian).
//
// Single values take and return numbers. Bulk conversion swaps every element of a range of
// linear memory in place with SIMD shuffles; the host copies a chunk of its typed array into
// the swap buffer below, calls byteorder_swapNN, and copies it back.

import { BAD_ARGUMENT } from "./status";

/** Size of the static swap buffer for bulk conversion (bytes, multiple of 16). */
export const BYTEORDER_BUFFER_SIZE: i32 = 16384;
const SWAP_BUFFER: usize = memory.data(16384, 16);

/** Address of the static swap buffer. */
export function byteorder_buffer_ptr(): usize {
  return SWAP_BUFFER;
}

/** Size of the static swap buffer in bytes. */
export function byteorder_buffer_size(): i32 {
  return BYTEORDER_BUFFER_SIZE;
}

/** htons/ntohs: swaps the two low bytes of x; the high bits are ignored. */
export function byteorder_swap_u16(x: i32): i32 {
  return <i32>bswap<u16>(<u16>x);
}

/** htonl/ntohl: swaps the four bytes of x (the host reads the result with `>>> 0`). */
export function byteorder_swap_u32(x: i32): i32 {
  return bswap<i32>(x);
}

/** htonll/ntohll: swaps the eight bytes of x (the host reads the result as unsigned). */
export function byteorder_swap_u64(x: i64): i64 {
  return bswap<i64>(x);
}

// Returns true when [ptr, ptr + bytes) lies inside linear memory.
@inline
function inMemory(ptr: usize, count: i32, shift: u64): bool {
  const end = <u64>memory.size() << 16;
  return <u64>ptr + (<u64>count << shift) <= end;
}

/**
 * Swaps the bytes of `count` 16-bit elements starting at `ptr`, in place.
 * Returns `count`, or BAD_ARGUMENT when the range leaves linear memory or count < 0.
 */
export function byteorder_swap16(ptr: usize, count: i32): i32 {
  if (count < 0 || !inMemory(ptr, count, 1)) return BAD_ARGUMENT;
  const end = ptr + (<usize>count << 1);
  let p = ptr;
  while (p + 16 <= end) {
    const v = v128.load(p);
    v128.store(p, i8x16.shuffle(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
    p += 16;
  }
  while (p < end) {
    store<u16>(p, bswap<u16>(load<u16>(p)));
    p += 2;
  }
  return count;
}

/**
 * Swaps the bytes of `count` 32-bit elements starting at `ptr`, in place.
 * Returns `count`, or BAD_ARGUMENT when the range leaves linear memory or count < 0.
 */
export function byteorder_swap32(ptr: usize, count: i32): i32 {
  if (count < 0 || !inMemory(ptr, count, 2)) return BAD_ARGUMENT;
  const end = ptr + (<usize>count << 2);
  let p = ptr;
  while (p + 16 <= end) {
    const v = v128.load(p);
    v128.store(p, i8x16.shuffle(v, v, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
    p += 16;
  }
  while (p < end) {
    store<u32>(p, bswap<u32>(load<u32>(p)));
    p += 4;
  }
  return count;
}

/**
 * Swaps the bytes of `count` 64-bit elements starting at `ptr`, in place.
 * Returns `count`, or BAD_ARGUMENT when the range leaves linear memory or count < 0.
 */
export function byteorder_swap64(ptr: usize, count: i32): i32 {
  if (count < 0 || !inMemory(ptr, count, 3)) return BAD_ARGUMENT;
  const end = ptr + (<usize>count << 3);
  let p = ptr;
  while (p + 16 <= end) {
    const v = v128.load(p);
    v128.store(p, i8x16.shuffle(v, v, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8));
    p += 16;
  }
  while (p < end) {
    store<u64>(p, bswap<u64>(load<u64>(p)));
    p += 8;
  }
  return count;
}
