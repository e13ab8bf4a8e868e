// PROXY protocol v1 (text) and v2 (binary) decoder and encoder helpers, after HAProxy's
// doc/proxy-protocol.txt. Scalar ABI: the host copies the bytes received so far into linear
// memory (the scratch area, or a block from mem_alloc for headers over 4 KiB), calls
// proxy_decode, and reads the static result struct at proxy_result_ptr().
//
// proxy_decode never reads past the header: for v1 it stops at the CRLF, for v2 at 16 + len.
// Bytes after the header belong to the application; the host keeps them untouched.
//
// Result struct (little-endian, at proxy_result_ptr(), PROXY_RESULT_SIZE bytes):
//   0  u8  version      1 or 2
//   1  u8  command      0 LOCAL, 1 PROXY (v1 is always PROXY)
//   2  u8  family       0 UNSPEC, 1 INET, 2 INET6, 3 UNIX (v1 UNKNOWN -> 0)
//   3  u8  transport    0 UNSPEC, 1 STREAM, 2 DGRAM
//   4  u16 source port
//   6  u16 destination port
//   8  u32 header length (bytes consumed)
//  12  u32 TLV count (entries in the TLV table)
//  16  u32 address block offset (from the input start; v2 only)
//  20  u32 address block length (v2 only; 216 for UNIX)
//  24  [16] source address bytes (4 for INET, 16 for INET6)
//  40  [16] destination address bytes
//  56  u32 offset of the offending byte (on BAD_PROXY_HEADER / FRAME_TOO_LONG)
//  60  u32 reason code (REASON_* below)
//  64  u32 1 when a CRC32C TLV was present and verified
// TLV table (at proxy_tlv_table_ptr(), PROXY_TLV_MAX entries of 8 bytes):
//   0 u32 value offset (from the input start), 4 u16 value length, 6 u8 type,
//   7 u8 parent type (0 for a top-level TLV, 0x20 for a sub-TLV of PP2_TYPE_SSL)

import { NEED_MORE, BAD_PROXY_HEADER, FRAME_TOO_LONG, BAD_ARGUMENT, NO_SPACE, INVALID_ADDRESS } from "./status";
import { addr_ntop4, addr_ntop6, addr_pton4, addr_pton6 } from "./addr";

const RESULT_SIZE: i32 = 128;
const RESULT: usize = memory.data(128, 16);
const TLV_MAX: i32 = 1024;
const TLV_TABLE: usize = memory.data(8192, 16);

/** v1 maximum line length including CRLF. */
const V1_MAX: i32 = 107;
/** v2 maximum header length: 16 + 65535. */
const V2_MAX: i32 = 16 + 65535;

// Reason codes (mirrored by name in wasm/proxy.ts).
const R_BAD_SIGNATURE: i32 = 1;
const R_V1_TOO_LONG: i32 = 2;
const R_V1_BAD_EOL: i32 = 3;
const R_V1_BAD_PROTOCOL: i32 = 4;
const R_V1_BAD_ADDRESS: i32 = 5;
const R_V1_BAD_PORT: i32 = 6;
const R_V1_BAD_SYNTAX: i32 = 7;
const R_V2_BAD_VERSION: i32 = 8;
const R_V2_BAD_COMMAND: i32 = 9;
const R_V2_BAD_FAMILY: i32 = 10;
const R_V2_ADDRESS_LENGTH: i32 = 11;
const R_V2_TOO_LONG: i32 = 12;
const R_TLV_TRUNCATED: i32 = 13;
const R_CRC32C_LENGTH: i32 = 14;
const R_CRC32C_MISMATCH: i32 = 15;
const R_CRC32C_DUPLICATE: i32 = 16;
const R_UNIQUE_ID_TOO_LONG: i32 = 17;
const R_SSL_TLV_MALFORMED: i32 = 18;
const R_SSL_TLV_NESTED: i32 = 19;
const R_TOO_MANY_TLVS: i32 = 20;

const MODE_AUTO: i32 = 0;
const MODE_V1: i32 = 1;
const MODE_V2: i32 = 2;

// v2 signature: \r\n\r\n\0\r\nQUIT\n
const SIG: usize = memory.data<u8>([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
// "PROXY "
const V1_PREFIX: usize = memory.data<u8>([0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]);

/** Address of the result struct. */
export function proxy_result_ptr(): usize {
  return RESULT;
}

/** Size of the result struct in bytes. */
export function proxy_result_size(): i32 {
  return RESULT_SIZE;
}

/** Address of the TLV table. */
export function proxy_tlv_table_ptr(): usize {
  return TLV_TABLE;
}

/** Capacity of the TLV table in entries (a header with more TLVs is rejected). */
export function proxy_tlv_max(): i32 {
  return TLV_MAX;
}

function fail(reason: i32, offset: i32): i32 {
  store<u32>(RESULT, <u32>offset, 56);
  store<u32>(RESULT, <u32>reason, 60);
  return BAD_PROXY_HEADER;
}

function clearResult(): void {
  memory.fill(RESULT, 0, <usize>RESULT_SIZE);
}

/**
 * Decodes a PROXY header at ptr (len bytes available). mode: 0 auto (v1 or v2, a header is
 * required), 1 v1 only, 2 v2 only. maxLen caps the total header length (16 + len for v2;
 * v1 is always capped at 107). Returns the header length on success, NEED_MORE while the bytes
 * are a valid prefix of a header, BAD_PROXY_HEADER (reason and offset in the result struct)
 * on malformed input, FRAME_TOO_LONG when a v2 header declares more than maxLen bytes, or
 * BAD_ARGUMENT for a bad mode or length.
 */
export function proxy_decode(ptr: usize, len: i32, mode: i32, maxLen: i32): i32 {
  clearResult();
  if (len < 0 || mode < 0 || mode > 2 || maxLen < 16) return BAD_ARGUMENT;
  if (len == 0) return NEED_MORE;
  const first = load<u8>(ptr);
  if (mode == MODE_V1 || (mode == MODE_AUTO && first == 0x50)) return decodeV1(ptr, len);
  if (mode == MODE_V2 || (mode == MODE_AUTO && first == 0x0d)) return decodeV2(ptr, len, maxLen);
  return fail(R_BAD_SIGNATURE, 0);
}

// ---------------------------------------------------------------------------------------
// v1

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

// Address text: the glibc-exact parsers and formatters of core/addr.ts (HAProxy and nginx
// write v1 addresses with inet_ntop, and a v1 address must parse as inet_pton does).
@inline
function parseIPv4(p: usize, n: i32, out: usize): bool {
  return addr_pton4(p, n, out) == 4;
}

@inline
function parseIPv6(p: usize, n: i32, out: usize): bool {
  return addr_pton6(p, n, out) == 16;
}

// Scans a token of allowed characters ending at a space or CR. Returns its end index,
// -1 when more bytes are needed, -2 on an invalid character or overlong token.
function scanToken(p: usize, start: i32, len: i32, maxChars: i32, hex: bool): i32 {
  let i = start;
  while (i < len) {
    const c = <i32>load<u8>(p + i);
    if (c == 0x20 || c == 0x0d || c == 0x0a) return i;
    const ok = isDigit(c) || c == 0x2e || (hex && (c == 0x3a || hexVal(c) >= 0));
    if (!ok) return -2;
    if (i - start >= maxChars) return -2;
    i++;
  }
  return -1;
}

function v1NeedMore(len: i32): i32 {
  // Still a valid prefix; but the whole line must fit in 107 bytes.
  if (len >= V1_MAX) return fail(R_V1_TOO_LONG, V1_MAX);
  return NEED_MORE;
}

// Port: decimal 0..65535 without leading zeros. Returns end index, -1 need more, -2 invalid,
// -3 empty.
function scanPort(p: usize, start: i32, len: i32): i32 {
  let i = start;
  let v = 0;
  while (i < len) {
    const c = <i32>load<u8>(p + i);
    if (c == 0x20 || c == 0x0d || c == 0x0a) {
      if (i == start) return -3; // empty field: a doubled space or a missing port
      return i;
    }
    if (!isDigit(c)) return -2;
    if (i > start && load<u8>(p + start) == 0x30) return -2;
    v = v * 10 + (c - 0x30);
    if (v > 65535) return -2;
    i++;
  }
  return -1;
}

function portValue(p: usize, start: i32, end: i32): i32 {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 10 + (<i32>load<u8>(p + i) - 0x30);
  return v;
}

// Expects CRLF at i. Returns the header length, NEED_MORE, or a failure.
function expectCrlf(p: usize, i: i32, len: i32): i32 {
  if (i >= len) return v1NeedMore(len);
  if (load<u8>(p + i) != 0x0d) return fail(load<u8>(p + i) == 0x0a ? R_V1_BAD_EOL : R_V1_BAD_SYNTAX, i);
  if (i + 1 >= len) return v1NeedMore(len);
  if (load<u8>(p + i + 1) != 0x0a) return fail(R_V1_BAD_EOL, i + 1);
  if (i + 2 > V1_MAX) return fail(R_V1_TOO_LONG, V1_MAX);
  return i + 2;
}

function decodeV1(p: usize, len: i32): i32 {
  // "PROXY "
  for (let i = 0; i < 6; i++) {
    if (i >= len) return NEED_MORE;
    if (load<u8>(p + i) != load<u8>(V1_PREFIX + i)) return fail(R_BAD_SIGNATURE, i);
  }
  store<u8>(RESULT, 1, 0); // version
  store<u8>(RESULT, 1, 1); // command PROXY
  // protocol: TCP4 | TCP6 | UNKNOWN
  let i = 6;
  let proto = 0; // 4, 6 or 0 (UNKNOWN)
  const c0 = i < len ? load<u8>(p + i) : 0;
  if (i >= len) return NEED_MORE;
  if (c0 == 0x54) {
    // "TCP4" / "TCP6"
    const want = "TCP";
    for (let k = 0; k < 3; k++) {
      if (i + k >= len) return NEED_MORE;
      if (load<u8>(p + i + k) != <u8>want.charCodeAt(k)) return fail(R_V1_BAD_PROTOCOL, i + k);
    }
    if (i + 3 >= len) return NEED_MORE;
    const d = load<u8>(p + i + 3);
    if (d == 0x34) proto = 4;
    else if (d == 0x36) proto = 6;
    else return fail(R_V1_BAD_PROTOCOL, i + 3);
    i += 4;
  } else if (c0 == 0x55) {
    const want = "UNKNOWN";
    for (let k = 0; k < 7; k++) {
      if (i + k >= len) return NEED_MORE;
      if (load<u8>(p + i + k) != <u8>want.charCodeAt(k)) return fail(R_V1_BAD_PROTOCOL, i + k);
    }
    i += 7;
    // UNKNOWN: CRLF, or a space and anything up to CRLF (ignored).
    if (i >= len) return NEED_MORE;
    const c = load<u8>(p + i);
    if (c == 0x20) {
      i++;
      while (i < len && i < V1_MAX) {
        const e = load<u8>(p + i);
        if (e == 0x0d || e == 0x0a) break;
        i++;
      }
      if (i >= len || i >= V1_MAX) return v1NeedMore(len);
    } else if (c != 0x0d && c != 0x0a) {
      return fail(R_V1_BAD_PROTOCOL, i);
    }
    const r = expectCrlf(p, i, len);
    if (r > 0) {
      store<u8>(RESULT, 0, 2); // family UNSPEC
      store<u8>(RESULT, 0, 3); // transport UNSPEC
      store<u32>(RESULT, <u32>r, 8);
    }
    return r;
  } else {
    return fail(R_V1_BAD_PROTOCOL, i);
  }
  // TCP4/TCP6: SP src SP dst SP sport SP dport CRLF
  const maxAddr = proto == 4 ? 15 : 45;
  const hex = proto == 6;
  for (let a = 0; a < 2; a++) {
    if (i >= len) return v1NeedMore(len);
    if (load<u8>(p + i) != 0x20) return fail(R_V1_BAD_SYNTAX, i);
    i++;
    const end = scanToken(p, i, len, maxAddr, hex);
    if (end == -1) return v1NeedMore(len);
    if (end == -2 || end == i) return fail(i == end ? R_V1_BAD_SYNTAX : R_V1_BAD_ADDRESS, i);
    if (load<u8>(p + end) != 0x20) return fail(R_V1_BAD_SYNTAX, end);
    const out = RESULT + 24 + <usize>(a * 16);
    const ok = proto == 4 ? parseIPv4(p + i, end - i, out) : parseIPv6(p + i, end - i, out);
    if (!ok) return fail(R_V1_BAD_ADDRESS, i);
    i = end;
  }
  for (let a = 0; a < 2; a++) {
    if (i >= len) return v1NeedMore(len);
    if (load<u8>(p + i) != 0x20) return fail(R_V1_BAD_SYNTAX, i);
    i++;
    const end = scanPort(p, i, len);
    if (end == -1) return v1NeedMore(len);
    if (end == -2) return fail(R_V1_BAD_PORT, i);
    if (end == -3) return fail(R_V1_BAD_SYNTAX, i);
    const sep = load<u8>(p + end);
    if (a == 0 && sep != 0x20) return fail(R_V1_BAD_SYNTAX, end);
    store<u16>(RESULT + 4 + <usize>(a * 2), <u16>portValue(p, i, end));
    i = end;
  }
  const r = expectCrlf(p, i, len);
  if (r > 0) {
    store<u8>(RESULT, proto == 4 ? 1 : 2, 2);
    store<u8>(RESULT, 1, 3);
    store<u32>(RESULT, <u32>r, 8);
  }
  return r;
}

// ---------------------------------------------------------------------------------------
// v2

const CRC_TABLE: usize = memory.data(1024, 16);
let crcReady = false;

function crcInit(): void {
  // CRC32C (Castagnoli), reflected polynomial 0x82F63B78.
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) ? (0x82f63b78 ^ (c >>> 1)) : (c >>> 1);
    store<u32>(CRC_TABLE + (<usize>n << 2), c);
  }
  crcReady = true;
}

/**
 * Continues a CRC32C over len bytes at ptr. Start with crc = 0; the result is the final
 * checksum of everything fed so far (pass it back in to continue).
 */
export function proxy_crc32c(crc: u32, ptr: usize, len: i32): u32 {
  if (!crcReady) crcInit();
  let c = ~crc;
  for (let i = 0; i < len; i++) {
    c = load<u32>(CRC_TABLE + (<usize>((c ^ load<u8>(ptr + i)) & 0xff) << 2)) ^ (c >>> 8);
  }
  return ~c;
}

function addrLenForFamily(fam: i32): i32 {
  if (fam == 1) return 12;
  if (fam == 2) return 36;
  if (fam == 3) return 216;
  return 0;
}

function addTlv(offset: i32, length: i32, type: i32, parent: i32): bool {
  const n = <i32>load<u32>(RESULT, 12);
  if (n >= TLV_MAX) return false;
  const e = TLV_TABLE + (<usize>n << 3);
  store<u32>(e, <u32>offset);
  store<u16>(e, <u16>length, 4);
  store<u8>(e, <u8>type, 6);
  store<u8>(e, <u8>parent, 7);
  store<u32>(RESULT, <u32>(n + 1), 12);
  return true;
}

function decodeV2(p: usize, len: i32, maxLen: i32): i32 {
  for (let i = 0; i < 12; i++) {
    if (i >= len) return NEED_MORE;
    if (load<u8>(p + i) != load<u8>(SIG + i)) return fail(R_BAD_SIGNATURE, i);
  }
  if (len < 13) return NEED_MORE;
  const vc = <i32>load<u8>(p + 12);
  if ((vc >> 4) != 2) return fail(R_V2_BAD_VERSION, 12);
  const cmd = vc & 0x0f;
  if (cmd > 1) return fail(R_V2_BAD_COMMAND, 12);
  if (len < 14) return NEED_MORE;
  const ft = <i32>load<u8>(p + 13);
  const fam = ft >> 4;
  const tr = ft & 0x0f;
  // Accepted: 0x00 UNSPEC, 0x11/0x12 INET, 0x21/0x22 INET6, 0x31/0x32 UNIX.
  const famOk = ft == 0 || (fam >= 1 && fam <= 3 && (tr == 1 || tr == 2));
  if (!famOk) return fail(R_V2_BAD_FAMILY, 13);
  if (len < 16) return NEED_MORE;
  const blockLen = (<i32>load<u8>(p + 14) << 8) | <i32>load<u8>(p + 15);
  const total = 16 + blockLen;
  // Fail fast on the declared length, before the bytes arrive.
  if (total > maxLen) {
    store<u32>(RESULT, <u32>total, 8);
    store<u32>(RESULT, 14, 56);
    store<u32>(RESULT, <u32>R_V2_TOO_LONG, 60);
    return FRAME_TOO_LONG;
  }
  const addrLen = addrLenForFamily(fam);
  if (cmd == 1 && blockLen < addrLen) return fail(R_V2_ADDRESS_LENGTH, 14);
  if (len < total) return NEED_MORE;

  store<u8>(RESULT, 2, 0);
  store<u8>(RESULT, <u8>cmd, 1);
  store<u32>(RESULT, <u32>total, 8);
  if (cmd == 0) {
    // LOCAL: the receiver uses the real endpoints and skips the whole block by its length,
    // addresses and TLVs included (the family is ignored).
    return total;
  }
  store<u8>(RESULT, <u8>fam, 2);
  store<u8>(RESULT, <u8>tr, 3);
  if (fam == 0) return total; // PROXY with UNSPEC: block skipped, real endpoints used
  store<u32>(RESULT, 16, 16);
  store<u32>(RESULT, <u32>addrLen, 20);
  if (fam == 1) {
    memory.copy(RESULT + 24, p + 16, 4);
    memory.copy(RESULT + 40, p + 20, 4);
    store<u16>(RESULT, bswap<u16>(load<u16>(p + 24)), 4);
    store<u16>(RESULT, bswap<u16>(load<u16>(p + 26)), 6);
  } else if (fam == 2) {
    memory.copy(RESULT + 24, p + 16, 16);
    memory.copy(RESULT + 40, p + 32, 16);
    store<u16>(RESULT, bswap<u16>(load<u16>(p + 48)), 4);
    store<u16>(RESULT, bswap<u16>(load<u16>(p + 50)), 6);
  }
  // TLVs: iterative, one level of SSL sub-TLVs; every TLV must lie inside the header and the
  // last one must end exactly at the header's end.
  let i = 16 + addrLen;
  let crcAt = -1;
  while (i < total) {
    if (i + 3 > total) return fail(R_TLV_TRUNCATED, i);
    const type = <i32>load<u8>(p + i);
    const vlen = (<i32>load<u8>(p + i + 1) << 8) | <i32>load<u8>(p + i + 2);
    const v = i + 3;
    if (v + vlen > total) return fail(R_TLV_TRUNCATED, i);
    if (!addTlv(v, vlen, type, 0)) return fail(R_TOO_MANY_TLVS, i);
    if (type == 0x03) {
      if (vlen != 4) return fail(R_CRC32C_LENGTH, i);
      if (crcAt >= 0) return fail(R_CRC32C_DUPLICATE, i);
      crcAt = v;
    } else if (type == 0x05) {
      if (vlen > 128) return fail(R_UNIQUE_ID_TOO_LONG, i);
    } else if (type == 0x20) {
      // PP2_TYPE_SSL: client u8, verify u32, then sub-TLVs filling the value exactly.
      if (vlen < 5) return fail(R_SSL_TLV_MALFORMED, i);
      const end = v + vlen;
      let j = v + 5;
      while (j < end) {
        if (j + 3 > end) return fail(R_SSL_TLV_MALFORMED, j);
        const st = <i32>load<u8>(p + j);
        const sl = (<i32>load<u8>(p + j + 1) << 8) | <i32>load<u8>(p + j + 2);
        if (st == 0x20) return fail(R_SSL_TLV_NESTED, j);
        if (j + 3 + sl > end) return fail(R_SSL_TLV_MALFORMED, j);
        if (!addTlv(j + 3, sl, st, 0x20)) return fail(R_TOO_MANY_TLVS, j);
        j += 3 + sl;
      }
    }
    i = v + vlen;
  }
  if (crcAt >= 0) {
    const want = bswap<u32>(load<u32>(p + crcAt));
    let c = proxy_crc32c(0, p, crcAt);
    // four zero bytes stand in for the checksum field
    store<u32>(RESULT + 124, 0);
    c = proxy_crc32c(c, RESULT + 124, 4);
    c = proxy_crc32c(c, p + crcAt + 4, total - crcAt - 4);
    if (c != want) return fail(R_CRC32C_MISMATCH, crcAt - 3);
    store<u32>(RESULT, 1, 64);
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// encoder (fields are read from the result struct, which the host fills in)

function putDec(out: usize, at: i32, v: i32): i32 {
  if (v >= 10000) store<u8>(out + at++, <u8>(0x30 + v / 10000));
  if (v >= 1000) store<u8>(out + at++, <u8>(0x30 + (v / 1000) % 10));
  if (v >= 100) store<u8>(out + at++, <u8>(0x30 + (v / 100) % 10));
  if (v >= 10) store<u8>(out + at++, <u8>(0x30 + (v / 10) % 10));
  store<u8>(out + at++, <u8>(0x30 + v % 10));
  return at;
}

@inline
function putIPv4(out: usize, at: i32, a: usize): i32 {
  return at + addr_ntop4(a, out + <usize>at);
}

@inline
function putIPv6(out: usize, at: i32, a: usize): i32 {
  return at + addr_ntop6(a, out + <usize>at);
}

function putStr(out: usize, at: i32, s: string): i32 {
  for (let k = 0; k < s.length; k++) store<u8>(out + at++, <u8>s.charCodeAt(k));
  return at;
}

/**
 * Writes a v1 line for the fields in the result struct (family 1 TCP4, 2 TCP6, 0 UNKNOWN)
 * to out (cap bytes). Returns its length (at most 107), NO_SPACE, or BAD_ARGUMENT.
 */
export function proxy_encode_v1(out: usize, cap: i32): i32 {
  const fam = <i32>load<u8>(RESULT, 2);
  if (cap < V1_MAX) return NO_SPACE;
  let at = putStr(out, 0, "PROXY ");
  if (fam == 0) {
    at = putStr(out, at, "UNKNOWN\r\n");
    return at;
  }
  if (fam != 1 && fam != 2) return BAD_ARGUMENT;
  at = putStr(out, at, fam == 1 ? "TCP4 " : "TCP6 ");
  at = fam == 1 ? putIPv4(out, at, RESULT + 24) : putIPv6(out, at, RESULT + 24);
  store<u8>(out + at++, 0x20);
  at = fam == 1 ? putIPv4(out, at, RESULT + 40) : putIPv6(out, at, RESULT + 40);
  store<u8>(out + at++, 0x20);
  at = putDec(out, at, <i32>load<u16>(RESULT, 4));
  store<u8>(out + at++, 0x20);
  at = putDec(out, at, <i32>load<u16>(RESULT, 6));
  store<u8>(out + at++, 0x0d);
  store<u8>(out + at++, 0x0a);
  if (at > V1_MAX) return NO_SPACE;
  return at;
}

/**
 * Writes the fixed part of a v2 header (signature, version/command, family/transport,
 * length, address block) for the fields in the result struct, announcing tlvLen bytes of
 * TLVs after it. For UNIX, the 216 address bytes are taken from unixPtr. Returns the number
 * of bytes written (16 + address length), NO_SPACE, or BAD_ARGUMENT.
 */
export function proxy_encode_v2(out: usize, cap: i32, tlvLen: i32, unixPtr: usize): i32 {
  const cmd = <i32>load<u8>(RESULT, 1);
  const fam = <i32>load<u8>(RESULT, 2);
  const tr = <i32>load<u8>(RESULT, 3);
  if (cmd > 1 || fam > 3 || tr > 2 || (fam == 0) != (tr == 0)) return BAD_ARGUMENT;
  const addrLen = cmd == 0 ? 0 : addrLenForFamily(fam);
  if (tlvLen < 0 || addrLen + tlvLen > 65535) return BAD_ARGUMENT;
  if (cap < 16 + addrLen) return NO_SPACE;
  memory.copy(out, SIG, 12);
  store<u8>(out + 12, <u8>(0x20 | cmd));
  store<u8>(out + 13, cmd == 0 ? 0 : <u8>((fam << 4) | tr));
  const block = addrLen + tlvLen;
  store<u8>(out + 14, <u8>(block >> 8));
  store<u8>(out + 15, <u8>block);
  if (addrLen == 12) {
    memory.copy(out + 16, RESULT + 24, 4);
    memory.copy(out + 20, RESULT + 40, 4);
    store<u16>(out + 24, bswap<u16>(load<u16>(RESULT, 4)));
    store<u16>(out + 26, bswap<u16>(load<u16>(RESULT, 6)));
  } else if (addrLen == 36) {
    memory.copy(out + 16, RESULT + 24, 16);
    memory.copy(out + 32, RESULT + 40, 16);
    store<u16>(out + 48, bswap<u16>(load<u16>(RESULT, 4)));
    store<u16>(out + 50, bswap<u16>(load<u16>(RESULT, 6)));
  } else if (addrLen == 216) {
    memory.copy(out + 16, unixPtr, 216);
  }
  return 16 + addrLen;
}

/**
 * Formats the address at a (family 1: 4 bytes, 2: 16 bytes) as text into out (at least 45
 * bytes): dotted quad, or RFC 5952 IPv6. Returns the text length or BAD_ARGUMENT.
 */
export function proxy_format_ip(a: usize, family: i32, out: usize): i32 {
  if (family == 1) return putIPv4(out, 0, a);
  if (family == 2) return putIPv6(out, 0, a);
  return BAD_ARGUMENT;
}

/**
 * Parses address text at p (n bytes) the way a v1 header must write it: family 1 a strict
 * dotted quad (no leading zeros), family 2 RFC 4291 IPv6 (no zone). Writes 4 or 16 bytes to
 * out and returns that count, or INVALID_ADDRESS.
 */
export function proxy_parse_ip(p: usize, n: i32, family: i32, out: usize): i32 {
  if (family == 1) return n <= 15 && parseIPv4(p, n, out) ? 4 : INVALID_ADDRESS;
  if (family == 2) return n <= 45 && parseIPv6(p, n, out) ? 16 : INVALID_ADDRESS;
  return BAD_ARGUMENT;
}
