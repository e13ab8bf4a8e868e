// IPv4/IPv6 text <-> bytes, with exactly glibc's rules (glibc 2.36 resolv/inet_pton.c,
// resolv/inet_ntop.c, inet/inet_addr.c).
//
// Text is passed as bytes (ptr, len): the host copies it into memory first. The length is the
// end of the text: a NUL byte inside it is an ordinary (invalid) character, not a terminator.
// On failure the index of the first offending byte is kept for addr_error_position().

import { BAD_ARGUMENT, INVALID_ADDRESS, NEED_MORE, OK } from "./status";

let errorPosition: i32 = 0;

/** Index of the offending byte of the last failed parse (the length if the text ended early). */
export function addr_error_position(): i32 {
  return errorPosition;
}

@inline
function fail(at: i32): i32 {
  errorPosition = at;
  return INVALID_ADDRESS;
}

// ---------------------------------------------------------------------------------------------
// inet_pton(AF_INET): exactly four decimal octets, no leading zeros, nothing else.

/**
 * Parses `len` bytes at `src` as a strict dotted-quad IPv4 address and writes 4 bytes to `dst`.
 * Returns 4, or INVALID_ADDRESS (see addr_error_position()).
 */
export function addr_pton4(src: usize, len: i32, dst: usize): i32 {
  return pton4(src, 0, len, dst);
}

// Parses bytes [start, end) of src (positions are reported relative to src).
function pton4(src: usize, start: i32, end: i32, dst: usize): i32 {
  let sawDigit = false;
  let octets = 0;
  let cur: u32 = 0;
  let out: u32 = 0; // bytes in host order, first octet lowest
  let i = start;
  while (i < end) {
    const ch = <u32>load<u8>(src + <usize>i);
    if (ch >= 0x30 && ch <= 0x39) {
      if (sawDigit && cur == 0) return fail(i);
      const next = cur * 10 + (ch - 0x30);
      if (next > 255) return fail(i);
      cur = next;
      if (!sawDigit) {
        if (++octets > 4) return fail(i);
        sawDigit = true;
      }
    } else if (ch == 0x2e && sawDigit) {
      if (octets == 4) return fail(i);
      out |= cur << (<u32>(octets - 1) << 3);
      cur = 0;
      sawDigit = false;
    } else {
      return fail(i);
    }
    i++;
  }
  if (octets < 4 || !sawDigit) return fail(end);
  out |= cur << 24;
  store<u32>(dst, out);
  return 4;
}

// ---------------------------------------------------------------------------------------------
// inet_pton(AF_INET6)

@inline
function hexValue(ch: u32): i32 {
  if (ch >= 0x30 && ch <= 0x39) return <i32>(ch - 0x30);
  const lower = ch | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return <i32>(lower - 0x61 + 10);
  return -1;
}

/**
 * Parses `len` bytes at `src` as an IPv6 address (with `::` and an embedded dotted quad as
 * glibc accepts them) and writes 16 bytes to `dst`.
 * Returns 16, or INVALID_ADDRESS (see addr_error_position()).
 */
export function addr_pton6(src: usize, len: i32, dst: usize): i32 {
  const tmp = changetype<usize>(TMP6);
  store<u64>(tmp, 0);
  store<u64>(tmp, 0, 8);
  let tp: i32 = 0;
  const endp: i32 = 16;
  let colonp: i32 = -1;
  let i: i32 = 0;
  if (len == 0) return fail(0);
  if (load<u8>(src) == 0x3a) {
    i = 1;
    if (i == len || load<u8>(src + 1) != 0x3a) return fail(1);
  }
  let curtok = i;
  let xdigits = 0;
  let val: u32 = 0;
  while (i < len) {
    const at = i;
    const ch = <u32>load<u8>(src + <usize>i);
    i++;
    const digit = hexValue(ch);
    if (digit >= 0) {
      if (xdigits == 4) return fail(at);
      val = (val << 4) | <u32>digit;
      xdigits++;
      continue;
    }
    if (ch == 0x3a) {
      curtok = i;
      if (xdigits == 0) {
        if (colonp >= 0) return fail(at);
        colonp = tp;
        continue;
      } else if (i == len) {
        return fail(at);
      }
      if (tp + 2 > endp) return fail(at);
      store<u8>(tmp + <usize>tp, <u8>(val >> 8));
      store<u8>(tmp + <usize>tp + 1, <u8>val);
      tp += 2;
      xdigits = 0;
      val = 0;
      continue;
    }
    if (ch == 0x2e && tp + 4 <= endp) {
      const r = pton4(src, curtok, len, tmp + <usize>tp);
      if (r < 0) return INVALID_ADDRESS; // pton4 recorded the position
      tp += 4;
      xdigits = 0;
      break;
    }
    return fail(at);
  }
  if (xdigits > 0) {
    if (tp + 2 > endp) return fail(len);
    store<u8>(tmp + <usize>tp, <u8>(val >> 8));
    store<u8>(tmp + <usize>tp + 1, <u8>val);
    tp += 2;
  }
  if (colonp >= 0) {
    if (tp == endp) return fail(len);
    const n = tp - colonp;
    memory.copy(tmp + <usize>(endp - n), tmp + <usize>colonp, <usize>n);
    memory.fill(tmp + <usize>colonp, 0, <usize>(endp - n - colonp));
    tp = endp;
  }
  if (tp != endp) return fail(len);
  memory.copy(dst, tmp, 16);
  return 16;
}

const TMP6 = memory.data(16, 16);

// ---------------------------------------------------------------------------------------------
// inet_aton: the 4.2BSD forms (1 to 4 parts; 0x hex, leading-0 octal, decimal), and glibc's
// acceptance of anything after the first whitespace that ends a number.
//
// A byte-at-a-time state machine, so text of any length can be fed in chunks:
//   addr_aton_begin(); addr_aton_feed(p, n) ...; addr_aton_finish(dst)
// or in one call: addr_aton(src, len, dst).

const S_START: i32 = 0; // expecting the first digit of a part
const S_ZERO: i32 = 1; // read a leading "0"
const S_ZERO_X: i32 = 2; // read "0x": a hex digit must follow
const S_OCT: i32 = 3;
const S_DEC: i32 = 4;
const S_HEX: i32 = 5;
const S_ACCEPTED: i32 = 6; // ended by whitespace: the rest is ignored
const S_FAILED: i32 = 7;

const PART_MAX: u64 = 0xffffffff;

let atonState: i32 = S_START;
let atonValue: u64 = 0; // saturates above PART_MAX
let atonParts: i32 = 0; // parts stored before the current one
let atonWord: u32 = 0; // stored parts, in memory (network) order
let atonOffset: i32 = 0; // bytes fed so far

/** Starts a new inet_aton parse. */
export function addr_aton_begin(): void {
  atonState = S_START;
  atonValue = 0;
  atonParts = 0;
  atonWord = 0;
  atonOffset = 0;
}

@inline
function isSpace(ch: u32): bool {
  return ch == 0x20 || (ch >= 0x09 && ch <= 0x0d);
}

// A number ended at byte ch (absolute position at). Returns the next state.
function endNumber(ch: u32, at: i32): i32 {
  if (ch == 0x2e) {
    if (atonParts > 2 || atonValue > 0xff) {
      errorPosition = at;
      return S_FAILED;
    }
    atonWord |= <u32>atonValue << (<u32>atonParts << 3);
    atonParts++;
    atonValue = 0;
    return S_START;
  }
  errorPosition = at; // kept on acceptance too: addr_aton_exact reports the whitespace
  if (isSpace(ch)) return S_ACCEPTED;
  return S_FAILED;
}

@inline
function accumulate(base: u64, digit: u64): void {
  const v = atonValue * base + digit;
  atonValue = v > PART_MAX ? PART_MAX + 1 : v;
}

/**
 * Feeds `len` more bytes of inet_aton text. Returns NEED_MORE while the result still depends
 * on later bytes, OK once the result is settled (accepted after whitespace, or failed): the
 * caller may stop feeding and call addr_aton_finish().
 */
export function addr_aton_feed(src: usize, len: i32): i32 {
  let state = atonState;
  for (let i = 0; i < len; i++) {
    if (state >= S_ACCEPTED) break;
    const ch = <u32>load<u8>(src + <usize>i);
    const at = atonOffset + i;
    switch (state) {
      case S_START: {
        if (ch >= 0x31 && ch <= 0x39) {
          atonValue = <u64>(ch - 0x30);
          state = S_DEC;
        } else if (ch == 0x30) {
          atonValue = 0;
          state = S_ZERO;
        } else {
          errorPosition = at;
          state = S_FAILED;
        }
        break;
      }
      case S_ZERO: {
        if ((ch | 0x20) == 0x78) {
          state = S_ZERO_X;
        } else if (ch >= 0x30 && ch <= 0x37) {
          accumulate(8, <u64>(ch - 0x30));
          state = S_OCT;
        } else {
          state = endNumber(ch, at);
        }
        break;
      }
      case S_ZERO_X: {
        const d = hexValue(ch);
        if (d >= 0) {
          accumulate(16, <u64>d);
          state = S_HEX;
        } else {
          // strtoul read just "0" and stopped at the 'x', which is junk.
          errorPosition = at - 1;
          state = S_FAILED;
        }
        break;
      }
      case S_OCT: {
        if (ch >= 0x30 && ch <= 0x37) accumulate(8, <u64>(ch - 0x30));
        else state = endNumber(ch, at);
        break;
      }
      case S_DEC: {
        if (ch >= 0x30 && ch <= 0x39) accumulate(10, <u64>(ch - 0x30));
        else state = endNumber(ch, at);
        break;
      }
      case S_HEX: {
        const d = hexValue(ch);
        if (d >= 0) accumulate(16, <u64>d);
        else state = endNumber(ch, at);
        break;
      }
      default:
        break;
    }
  }
  atonOffset += len;
  atonState = state;
  return state >= S_ACCEPTED ? OK : NEED_MORE;
}

/**
 * Ends the inet_aton parse: writes the 4 address bytes (network order) to `dst` and returns 4,
 * or returns INVALID_ADDRESS (see addr_error_position()).
 */
export function addr_aton_finish(dst: usize): i32 {
  const state = atonState;
  if (state == S_FAILED) return INVALID_ADDRESS;
  if (state == S_START) return fail(atonOffset);
  if (state == S_ZERO_X) return fail(atonOffset - 1);
  // A number ended (by the end of the text or by whitespace): check the last part's range.
  const parts = atonParts;
  const value = atonValue;
  const max: u64 = parts == 0
    ? 0xffffffff
    : parts == 1
    ? 0xffffff
    : parts == 2
    ? 0xffff
    : 0xff;
  if (value > max) return fail(atonOffset);
  // The last part fills the low-order bytes: in network order, the end of the address.
  const last = bswap<u32>(<u32>value);
  store<u32>(dst, atonWord | last);
  return 4;
}

/** inet_aton in one call: parses `len` bytes at `src`, writes 4 bytes to `dst`; 4 or a status. */
export function addr_aton(src: usize, len: i32, dst: usize): i32 {
  addr_aton_begin();
  addr_aton_feed(src, len);
  return addr_aton_finish(dst);
}

/**
 * glibc's `__inet_aton_exact` (what `getaddrinfo` uses for IPv4 text): `inet_aton`'s forms
 * (1 to 4 parts; 0x hex, leading-0 octal, decimal) with nothing after the number, not even
 * whitespace. Parses `len` bytes at `src`, writes 4 bytes to `dst`; 4 or INVALID_ADDRESS.
 */
export function addr_aton_exact(src: usize, len: i32, dst: usize): i32 {
  addr_aton_begin();
  addr_aton_feed(src, len);
  if (atonState == S_ACCEPTED) return INVALID_ADDRESS; // errorPosition: the whitespace
  return addr_aton_finish(dst);
}

// ---------------------------------------------------------------------------------------------
// Numeric host text: is it meant as an address?

@inline
function isDigit(ch: u32): bool {
  return ch >= 0x30 && ch <= 0x39;
}

/**
 * Whether the `len` bytes at `src` are meant as a numeric address rather than a host name,
 * so that text which fails to parse is an error and never a name lookup. 1 when the text holds
 * a `:` (no host name does; IPv6) or a `%` (a zone id), or when its last dot-separated label
 * (a single trailing dot ignored) is a number: all decimal digits, or `0x`/`0X` followed by hex
 * digits (the WHATWG URL Standard's "ends in a number" test). A top-level label is never
 * all-numeric in a host name (RFC 1123, section 2.1). 0 otherwise.
 */
export function addr_looks_numeric(src: usize, len: i32): i32 {
  for (let i = 0; i < len; i++) {
    const ch = <u32>load<u8>(src + <usize>i);
    if (ch == 0x3a || ch == 0x25) return 1;
  }
  let end = len;
  if (end > 0 && load<u8>(src + <usize>(end - 1)) == 0x2e) end--;
  let start = end;
  while (start > 0 && load<u8>(src + <usize>(start - 1)) != 0x2e) start--;
  if (start == end) return 0;
  let i = start;
  let hex = false;
  if (
    end - start >= 2 && load<u8>(src + <usize>start) == 0x30 &&
    (<u32>load<u8>(src + <usize>start + 1) | 0x20) == 0x78
  ) {
    hex = true;
    i += 2;
  }
  for (; i < end; i++) {
    const ch = <u32>load<u8>(src + <usize>i);
    if (hex ? hexValue(ch) < 0 : !isDigit(ch)) return 0;
  }
  return 1;
}

/**
 * A numeric IPv6 scope id as glibc's `__inet6_scopeid_pton` reads it: a decimal number
 * (leading zeros allowed) that starts with a digit, runs to the end of the text and fits 32
 * bits. Parses `len` bytes at `src`, writes the u32 to `dst`; OK or INVALID_ADDRESS. (An
 * interface name, such as `lo`, is looked up by the host with `if_nametoindex`.)
 */
export function addr_scope_id(src: usize, len: i32, dst: usize): i32 {
  if (len <= 0) return fail(0);
  let v: u64 = 0;
  for (let i = 0; i < len; i++) {
    const ch = <u32>load<u8>(src + <usize>i);
    if (!isDigit(ch)) return fail(i);
    v = v * 10 + <u64>(ch - 0x30);
    if (v > 0xffffffff) return fail(i);
  }
  store<u32>(dst, <u32>v);
  return OK;
}

// ---------------------------------------------------------------------------------------------
// inet_ntop

// Writes the decimal digits of v (0..255) at dst; returns the count.
@inline
function writeOctet(dst: usize, v: u32): i32 {
  if (v >= 100) {
    store<u8>(dst, <u8>(0x30 + v / 100));
    store<u8>(dst + 1, <u8>(0x30 + (v / 10) % 10));
    store<u8>(dst + 2, <u8>(0x30 + v % 10));
    return 3;
  }
  if (v >= 10) {
    store<u8>(dst, <u8>(0x30 + v / 10));
    store<u8>(dst + 1, <u8>(0x30 + v % 10));
    return 2;
  }
  store<u8>(dst, <u8>(0x30 + v));
  return 1;
}

/** Writes the dotted text of the 4 bytes at `src` to `dst` (at most 15 bytes); returns its length. */
export function addr_ntop4(src: usize, dst: usize): i32 {
  let n = 0;
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      store<u8>(dst + <usize>n, 0x2e);
      n++;
    }
    n += writeOctet(dst + <usize>n, <u32>load<u8>(src + <usize>k));
  }
  return n;
}

// Writes v (0..0xffff) as lowercase hex without leading zeros; returns the count.
@inline
function writeHex(dst: usize, v: u32): i32 {
  let shift: i32 = 12;
  while (shift > 0 && ((v >> <u32>shift) & 0xf) == 0) shift -= 4;
  let n = 0;
  while (shift >= 0) {
    const d = (v >> <u32>shift) & 0xf;
    store<u8>(dst + <usize>n, <u8>(d < 10 ? 0x30 + d : 0x57 + d));
    n++;
    shift -= 4;
  }
  return n;
}

/**
 * Writes glibc's text for the 16 bytes at `src` to `dst` (at most 45 bytes); returns its length.
 * The longest run of two or more zero words becomes `::` (the first on a tie); an address whose
 * first 96 bits are zero, or ::ffff:0:0/96, ends in a dotted quad.
 */
export function addr_ntop6(src: usize, dst: usize): i32 {
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    const w = (<u32>load<u8>(src + <usize>(i << 1)) << 8) | <u32>load<u8>(src + <usize>(i << 1) + 1);
    if (w == 0) {
      if (curBase == -1) {
        curBase = i;
        curLen = 1;
      } else {
        curLen++;
      }
    } else if (curBase != -1) {
      if (bestBase == -1 || curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase != -1 && (bestBase == -1 || curLen > bestLen)) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestBase != -1 && bestLen < 2) bestBase = -1;

  let n = 0;
  for (let i = 0; i < 8; i++) {
    if (bestBase != -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i == bestBase) {
        store<u8>(dst + <usize>n, 0x3a);
        n++;
      }
      continue;
    }
    if (i != 0) {
      store<u8>(dst + <usize>n, 0x3a);
      n++;
    }
    const w5 = (<u32>load<u8>(src + 10) << 8) | <u32>load<u8>(src + 11);
    if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w5 == 0xffff))) {
      n += addr_ntop4(src + 12, dst + <usize>n);
      return n; // a dotted tail is never followed by a trailing "::"
    }
    const w = (<u32>load<u8>(src + <usize>(i << 1)) << 8) | <u32>load<u8>(src + <usize>(i << 1) + 1);
    n += writeHex(dst + <usize>n, w);
  }
  if (bestBase != -1 && bestBase + bestLen == 8) {
    store<u8>(dst + <usize>n, 0x3a);
    n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// inet_aton over many texts in one call

// The common case, four decimal parts 0..255 without leading zeros ("192.168.0.1"), parsed
// straight to dst. Returns the end of the text (a NUL or `end`) on success, or 0 for anything
// else (octal, hex, fewer parts, whitespace...), which then takes the full state machine.
@inline
function dottedQuad(p: usize, end: usize, dst: usize): usize {
  let word: u32 = 0;
  for (let part: u32 = 0; part < 4; part++) {
    if (p >= end) return 0;
    let c = <u32>load<u8>(p) - 0x30;
    if (c > 9) return 0;
    let v = c;
    p++;
    if (v != 0) {
      for (let k = 0; k < 2 && p < end; k++) {
        c = <u32>load<u8>(p) - 0x30;
        if (c > 9) break;
        v = v * 10 + c;
        p++;
      }
      if (v > 255) return 0;
    }
    word |= v << (part << 3);
    if (part < 3) {
      if (p >= end || load<u8>(p) != 0x2e) return 0;
      p++;
    }
  }
  if (p != end && load<u8>(p) != 0) return 0;
  store<u32>(dst, word);
  return p;
}

/**
 * inet_aton over `count` texts packed at `src` (`len` bytes), separated by NUL bytes (no NUL
 * after the last). Writes one s_addr per text to `dst` (u32, memory order = network order;
 * INADDR_NONE 0xFFFFFFFF for invalid text, exactly as inet_addr). Returns `count`, or
 * BAD_ARGUMENT when the input does not hold exactly `count` texts (a NUL inside a text): the
 * host then falls back to one text a call.
 */
export function addr_aton_many(src: usize, len: i32, dst: usize, count: i32): i32 {
  if (count <= 0) return count == 0 && len == 0 ? 0 : BAD_ARGUMENT;
  const end = src + <usize>len;
  let p = src;
  for (let i: i32 = 0; i < count; i++) {
    if (p > end) return BAD_ARGUMENT;
    const out = dst + (<usize>i << 2);
    let q = dottedQuad(p, end, out);
    if (q == 0) {
      q = p;
      while (q < end && load<u8>(q) != 0) q++;
      if (addr_aton(p, <i32>(q - p), out) < 0) store<u32>(out, 0xffffffff);
    }
    p = q + 1; // past the NUL (or one past `end` after the last text)
  }
  return p == end + 1 ? count : BAD_ARGUMENT;
}
