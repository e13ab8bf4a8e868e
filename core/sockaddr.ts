// sockaddr packing and unpacking: sockaddr_in (16 bytes), sockaddr_in6 (28) and sockaddr_un
// (110 on Linux, 106 on macOS), in two layouts:
//
//   layout 0, Linux:          u16 family (host order) | ...
//   layout 1, Darwin (macOS): u8 length | u8 family   | ...
//
// Ports and sin6_flowinfo are in network order, sin6_scope_id in host order. Every byte the
// kernel does not read (sin_zero, sun_path after the NUL) is zeroed.

import { BAD_ARGUMENT, NEED_MORE, NO_SPACE } from "./status";

/** Linux layout. */
export const SOCKADDR_LAYOUT_LINUX: i32 = 0;
/** Darwin (macOS) layout: a length byte, then a one-byte family. */
export const SOCKADDR_LAYOUT_DARWIN: i32 = 1;

const AF_UNIX: i32 = 1;
const AF_INET: i32 = 2;
const AF_INET6_LINUX: i32 = 10;
const AF_INET6_DARWIN: i32 = 30;

@inline
function writeHeader(dst: usize, layout: i32, family: i32, size: i32): void {
  if (layout == SOCKADDR_LAYOUT_LINUX) {
    store<u16>(dst, <u16>family);
  } else {
    store<u8>(dst, <u8>size);
    store<u8>(dst + 1, <u8>family);
  }
}

@inline
function badLayout(layout: i32): bool {
  return layout != SOCKADDR_LAYOUT_LINUX && layout != SOCKADDR_LAYOUT_DARWIN;
}

/**
 * Writes a 16-byte sockaddr_in to `dst` from the 4 address bytes at `addr` and `port`.
 * Returns 16, or BAD_ARGUMENT for a port outside 0..65535 or an unknown layout.
 */
export function sockaddr_pack_in(dst: usize, addr: usize, port: i32, layout: i32): i32 {
  if (port < 0 || port > 0xffff || badLayout(layout)) return BAD_ARGUMENT;
  const a = load<u32>(addr); // read first: addr may overlap dst
  memory.fill(dst, 0, 16);
  writeHeader(dst, layout, AF_INET, 16);
  store<u16>(dst + 2, bswap<u16>(<u16>port));
  store<u32>(dst + 4, a);
  return 16;
}

/**
 * Writes a 28-byte sockaddr_in6 to `dst` from the 16 address bytes at `addr`, `port`,
 * `flowinfo` (stored in network order) and `scopeId` (stored in host order).
 * Returns 28, or BAD_ARGUMENT for a port outside 0..65535 or an unknown layout.
 */
export function sockaddr_pack_in6(
  dst: usize,
  addr: usize,
  port: i32,
  flowinfo: u32,
  scopeId: u32,
  layout: i32,
): i32 {
  if (port < 0 || port > 0xffff || badLayout(layout)) return BAD_ARGUMENT;
  const a0 = load<u64>(addr);
  const a1 = load<u64>(addr, 8);
  memory.fill(dst, 0, 28);
  writeHeader(dst, layout, layout == SOCKADDR_LAYOUT_LINUX ? AF_INET6_LINUX : AF_INET6_DARWIN, 28);
  store<u16>(dst + 2, bswap<u16>(<u16>port));
  store<u32>(dst + 4, bswap<u32>(flowinfo));
  store<u64>(dst + 8, a0);
  store<u64>(dst + 16, a1);
  store<u32>(dst + 24, scopeId);
  return 28;
}

/**
 * Writes a sockaddr_un to `dst` for the `pathLen` path bytes at `path`. A path (a file name)
 * fills the whole structure (110 bytes on Linux, 106 on Darwin) and must not contain a NUL.
 * A path starting with a NUL is a Linux abstract name: the result is exactly 2 + pathLen bytes.
 * Returns the structure's length, NO_SPACE when the path does not fit sun_path (108 bytes on
 * Linux, 104 on Darwin), or BAD_ARGUMENT (NUL inside a file name, abstract name on Darwin,
 * unknown layout).
 */
export function sockaddr_pack_un(dst: usize, path: usize, pathLen: i32, layout: i32): i32 {
  if (badLayout(layout) || pathLen < 0) return BAD_ARGUMENT;
  const capacity = layout == SOCKADDR_LAYOUT_LINUX ? 108 : 104;
  if (pathLen > capacity) return NO_SPACE;
  const abstract = pathLen > 0 && load<u8>(path) == 0;
  if (abstract && layout != SOCKADDR_LAYOUT_LINUX) return BAD_ARGUMENT;
  if (!abstract) {
    for (let i = 0; i < pathLen; i++) if (load<u8>(path + <usize>i) == 0) return BAD_ARGUMENT;
  }
  const size = abstract ? 2 + pathLen : 2 + capacity;
  memory.copy(dst + 2, path, <usize>pathLen);
  memory.fill(dst + 2 + <usize>pathLen, 0, <usize>(2 + capacity - 2 - pathLen));
  writeHeader(dst, layout, AF_UNIX, size);
  return size;
}

// Output record of sockaddr_unpack (offsets from `out`, 36 bytes):
//   0 port (u32) | 4 flowinfo (u32) | 8 scope_id (u32) | 12 path pointer (u32)
//   16 path length (u32) | 20 address bytes (4 or 16)

/**
 * Reads the sockaddr of `len` bytes at `src` into the 36-byte record at `out` (see above).
 * Returns the Linux family number (AF_INET 2, AF_INET6 10, AF_UNIX 1) whatever the layout,
 * NEED_MORE when `len` is shorter than the family's structure, or BAD_ARGUMENT for an unknown
 * family or layout. A sockaddr_un path ends at its first NUL (a Linux abstract name, starting
 * with a NUL, takes every byte up to `len`).
 */
export function sockaddr_unpack(src: usize, len: i32, layout: i32, out: usize): i32 {
  if (badLayout(layout)) return BAD_ARGUMENT;
  if (len < 2) return NEED_MORE;
  const linux = layout == SOCKADDR_LAYOUT_LINUX;
  const family: i32 = linux ? <i32>load<u16>(src) : <i32>load<u8>(src + 1);
  memory.fill(out, 0, 36);
  if (family == AF_INET) {
    if (len < 16) return NEED_MORE;
    store<u32>(out, <u32>bswap<u16>(load<u16>(src + 2)));
    store<u32>(out + 20, load<u32>(src + 4));
    return AF_INET;
  }
  if (family == (linux ? AF_INET6_LINUX : AF_INET6_DARWIN)) {
    if (len < 28) return NEED_MORE;
    store<u32>(out, <u32>bswap<u16>(load<u16>(src + 2)));
    store<u32>(out + 4, bswap<u32>(load<u32>(src + 4)));
    store<u32>(out + 8, load<u32>(src + 24));
    store<u64>(out + 20, load<u64>(src + 8));
    store<u64>(out + 28, load<u64>(src + 16));
    return AF_INET6_LINUX;
  }
  if (family == AF_UNIX) {
    const capacity = linux ? 108 : 104;
    let limit = len - 2;
    if (limit > capacity) limit = capacity;
    let pathLen = 0;
    if (linux && limit > 0 && load<u8>(src + 2) == 0) {
      pathLen = limit;
    } else {
      while (pathLen < limit && load<u8>(src + 2 + <usize>pathLen) != 0) pathLen++;
    }
    store<u32>(out + 12, <u32>(src + 2));
    store<u32>(out + 16, <u32>pathLen);
    return AF_UNIX;
  }
  return BAD_ARGUMENT;
}
