/**
 * Typed wrappers over the core's byte-order exports (`core/byteorder.ts`). Bulk conversion
 * copies a chunk of the caller's array into the core's swap buffer, swaps it there with SIMD
 * shuffles, and copies it back; the caller never sees a pointer.
 *
 * @module
 */
import { bytes, core } from "./loader.ts";

const BUFFER_PTR: number = core.byteorder_buffer_ptr();
const BUFFER_SIZE: number = core.byteorder_buffer_size();

/** Swaps the two low bytes of `x` in the core (`htons`); `x` must be an integer. */
export function swapU16(x: number): number {
  return core.byteorder_swap_u16(x);
}

/** Swaps the four bytes of `x` in the core (`htonl`); the result is unsigned. */
export function swapU32(x: number): number {
  return core.byteorder_swap_u32(x) >>> 0;
}

/** Swaps the eight bytes of `x` in the core (`htonll`); `x` and the result are unsigned. */
export function swapU64(x: bigint): bigint {
  return BigInt.asUintN(64, core.byteorder_swap_u64(x));
}

/**
 * Swaps every `elementSize`-byte element of `view` in place (elementSize 2, 4 or 8), chunk by
 * chunk through the core's swap buffer.
 */
export function swapInPlace(view: Uint8Array, elementSize: 2 | 4 | 8): void {
  const swap = elementSize === 2
    ? core.byteorder_swap16
    : elementSize === 4
    ? core.byteorder_swap32
    : core.byteorder_swap64;
  for (let off = 0; off < view.length; off += BUFFER_SIZE) {
    const n = Math.min(BUFFER_SIZE, view.length - off);
    const chunk = view.subarray(off, off + n);
    const mem = bytes();
    mem.set(chunk, BUFFER_PTR);
    const status = swap(BUFFER_PTR, n / elementSize);
    if (status < 0) throw new Error(`Cannot swap byte order: core returned status ${status}`);
    chunk.set(mem.subarray(BUFFER_PTR, BUFFER_PTR + n));
  }
}
