// SIMD byte scanning: find one byte, or every occurrence of it, 16 bytes per step
// (v128 compare + bitmask). Used by the line and delimiter decoders and exported for
// batch newline splitting.

/** Index of the first `byte` in [ptr, ptr+len), or -1. */
export function scan_byte(ptr: i32, len: i32, byte: i32): i32 {
  return findByte(<usize>ptr, len, byte);
}

// @inline so the decoders get it without a call.
@inline export function findByte(p: usize, len: i32, byte: i32): i32 {
  let i: i32 = 0;
  const needle = i8x16.splat(<i8>byte);
  while (i + 32 <= len) {
    const a = i8x16.bitmask(i8x16.eq(v128.load(p + <usize>i), needle));
    const b = i8x16.bitmask(i8x16.eq(v128.load(p + <usize>i, 16), needle));
    const m = a | (b << 16);
    if (m != 0) return i + <i32>ctz<u32>(<u32>m);
    i += 32;
  }
  while (i + 16 <= len) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(p + <usize>i), needle));
    if (m != 0) return i + <i32>ctz<u32>(<u32>m);
    i += 16;
  }
  while (i < len) {
    if (<i32>load<u8>(p + <usize>i) == byte) return i;
    i++;
  }
  return -1;
}

/**
 * Write the index of every `byte` in [ptr, ptr+len) into `out` (u32 each), at most `max`.
 * Returns the count; when it equals `max`, resume after the last index written.
 */
export function scan_all(ptr: i32, len: i32, byte: i32, out: i32, max: i32): i32 {
  const p = <usize>ptr;
  let o = <usize>out;
  let n: i32 = 0;
  let i: i32 = 0;
  const needle = i8x16.splat(<i8>byte);
  while (i + 32 <= len) {
    const a = i8x16.bitmask(i8x16.eq(v128.load(p + <usize>i), needle));
    const b = i8x16.bitmask(i8x16.eq(v128.load(p + <usize>i, 16), needle));
    let m = <u32>(a | (b << 16));
    if (m != 0) {
      if (n + 32 > max) break; // not enough room for a full block: finish scalar
      while (m != 0) {
        store<u32>(o, <u32>(i + <i32>ctz<u32>(m)));
        o += 4;
        n++;
        m &= m - 1;
      }
    }
    i += 32;
  }
  while (i < len && n < max) {
    if (<i32>load<u8>(p + <usize>i) == byte) {
      store<u32>(o, <u32>i);
      o += 4;
      n++;
    }
    i++;
  }
  return n;
}
