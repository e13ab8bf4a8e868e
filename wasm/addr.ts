/**
 * Typed wrappers over the core's address exports (`core/addr.ts`): text in, bytes out and back,
 * through the core's scratch area. `src/addr/ip.ts` and `src/bsd/inet.ts` builds the public API on these.
 *
 * Text crosses as one byte per UTF-16 code unit: ASCII as itself, anything else as 0xFF, which
 * every parser rejects (and `inet_aton` ignores after whitespace, as glibc does with any byte).
 * So error positions are JavaScript string indices.
 *
 * @module
 */
import { bytes, core, dataView } from "./loader.ts";
import { SCRATCH } from "./scratch.ts";

/** Longest text `inet_pton` can accept is 45 characters; longer text is copied only this far. */
export const PTON_TEXT_LIMIT = 64;

// The scratch regions this file uses (wasm/scratch.ts).
const BIN = SCRATCH.addressBytes.ptr;
const OUT = SCRATCH.formattedText.ptr;
const TEXT = SCRATCH.addressText.ptr;
const TEXT_CHUNK = SCRATCH.addressText.size;

// Copies text[start, start + n) into memory at TEXT; returns n.
function copyText(mem: Uint8Array, text: string, start: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(start + i);
    mem[TEXT + i] = c < 0x80 ? c : 0xff;
  }
  return n;
}

/** Index of the first offending character of the last failed parse. */
export function errorPosition(): number {
  return core.addr_error_position();
}

/**
 * Strict IPv4 (`inet_pton(AF_INET)`): writes 4 bytes to `out` at `offset` and returns 4, or
 * returns -1 (see {@linkcode errorPosition}).
 */
export function pton4Into(text: string, out: Uint8Array, offset = 0): number {
  const mem = bytes();
  const n = copyText(mem, text, 0, Math.min(text.length, PTON_TEXT_LIMIT));
  if (core.addr_pton4(TEXT, n, BIN) < 0) return -1;
  out[offset] = mem[BIN];
  out[offset + 1] = mem[BIN + 1];
  out[offset + 2] = mem[BIN + 2];
  out[offset + 3] = mem[BIN + 3];
  return 4;
}

/**
 * IPv6 (`inet_pton(AF_INET6)`): writes 16 bytes to `out` at `offset` and returns 16, or
 * returns -1 (see {@linkcode errorPosition}).
 */
export function pton6Into(text: string, out: Uint8Array, offset = 0): number {
  const mem = bytes();
  const n = copyText(mem, text, 0, Math.min(text.length, PTON_TEXT_LIMIT));
  if (core.addr_pton6(TEXT, n, BIN) < 0) return -1;
  out.set(mem.subarray(BIN, BIN + 16), offset);
  return 16;
}

/**
 * Legacy IPv4 (`inet_aton`): writes 4 bytes to `out` at `offset` and returns 4, or returns -1
 * (see {@linkcode errorPosition}). Text of any length is fed to the core in chunks; feeding
 * stops as soon as the result is settled.
 */
export function atonInto(text: string, out: Uint8Array, offset = 0): number {
  let mem = bytes();
  let status: number;
  if (text.length <= TEXT_CHUNK) {
    status = core.addr_aton(TEXT, copyText(mem, text, 0, text.length), BIN);
  } else {
    core.addr_aton_begin();
    for (let start = 0; start < text.length; start += TEXT_CHUNK) {
      const n = copyText(mem, text, start, Math.min(TEXT_CHUNK, text.length - start));
      if (core.addr_aton_feed(TEXT, n) === 0) break; // settled: the rest cannot matter
    }
    status = core.addr_aton_finish(BIN);
    mem = bytes();
  }
  if (status < 0) return -1;
  out[offset] = mem[BIN];
  out[offset + 1] = mem[BIN + 1];
  out[offset + 2] = mem[BIN + 2];
  out[offset + 3] = mem[BIN + 3];
  return 4;
}

/**
 * IPv4 as `getaddrinfo` reads it (glibc's `__inet_aton_exact`): the `inet_aton` forms with
 * nothing after the number. Writes 4 bytes to `out` at `offset` and returns 4, or returns -1
 * (see {@linkcode errorPosition}).
 */
export function atonExactInto(text: string, out: Uint8Array, offset = 0): number {
  const status = text.length > TEXT_CHUNK
    ? tooLong(text)
    : core.addr_aton_exact(TEXT, copyText(bytes(), text, 0, text.length), BIN);
  if (status < 0) return -1;
  const mem = bytes();
  out[offset] = mem[BIN];
  out[offset + 1] = mem[BIN + 1];
  out[offset + 2] = mem[BIN + 2];
  out[offset + 3] = mem[BIN + 3];
  return 4;
}

// Text longer than one chunk (leading zeros make any length valid): fed in chunks. Once the
// result is settled before the end (failed, or ended by whitespace), it is a failure.
function tooLong(text: string): number {
  core.addr_aton_begin();
  for (let start = 0; start < text.length; start += TEXT_CHUNK) {
    const n = copyText(bytes(), text, start, Math.min(TEXT_CHUNK, text.length - start));
    if (core.addr_aton_feed(TEXT, n) === 0) return -1;
  }
  return core.addr_aton_finish(BIN) < 0 ? -1 : 4;
}

/**
 * Whether `text` is meant as a numeric address, not a host name (the core's
 * `addr_looks_numeric`): it holds `:` or `%`, or its last label is a number (`"1.2.3.256"`,
 * `"10.0x1f"`). Text longer than 896 characters is judged on its last 896.
 */
export function looksNumeric(text: string): boolean {
  const start = Math.max(0, text.length - TEXT_CHUNK);
  const n = copyText(bytes(), text, start, text.length - start);
  return core.addr_looks_numeric(TEXT, n) === 1;
}

/**
 * A numeric IPv6 scope id, as glibc's `__inet6_scopeid_pton` reads one: decimal digits only
 * (leading zeros allowed), at most 4294967295. Returns the number, or -1 (see
 * {@linkcode errorPosition}).
 */
export function scopeIdOf(text: string): number {
  if (text.length > 64) return -1;
  const mem = bytes();
  if (core.addr_scope_id(TEXT, copyText(mem, text, 0, text.length), BIN) < 0) return -1;
  return dataView().getUint32(BIN, true);
}

function readText(mem: Uint8Array, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(mem[OUT + i]);
  return s;
}

/** Dotted text of the 4 bytes of `src` at `offset` (`inet_ntop(AF_INET)`). */
export function ntop4(src: Uint8Array, offset = 0): string {
  const mem = bytes();
  mem[BIN] = src[offset];
  mem[BIN + 1] = src[offset + 1];
  mem[BIN + 2] = src[offset + 2];
  mem[BIN + 3] = src[offset + 3];
  return readText(mem, core.addr_ntop4(BIN, OUT));
}

/** glibc's text of the 16 bytes of `src` at `offset` (`inet_ntop(AF_INET6)`). */
export function ntop6(src: Uint8Array, offset = 0): string {
  const mem = bytes();
  mem.set(src.subarray(offset, offset + 16), BIN);
  return readText(mem, core.addr_ntop6(BIN, OUT));
}

// Batch inet_aton: each chunk of texts is joined with NUL separators, encoded into one
// allocated block and parsed by one core call. The blocks are allocated on first use and kept
// (about 280 KiB).
const MANY_CHUNK = 4096;
const MANY_IN_SIZE = MANY_CHUNK * 65;
let manyIn = 0;
let manyOut = 0;
const encoder = new TextEncoder();
const one = new Uint8Array(4);

function atonOne(text: string): number {
  if (atonInto(text, one) < 0) return 0xffffffff;
  return (one[0] | (one[1] << 8) | (one[2] << 16) | (one[3] << 24)) >>> 0;
}

function allocMany(): boolean {
  if (manyIn !== 0) return true;
  const a = core.mem_alloc(MANY_IN_SIZE);
  const b = core.mem_alloc(MANY_CHUNK * 4);
  if (a > 0 && b > 0) {
    manyIn = a;
    manyOut = b;
    return true;
  }
  if (a > 0) core.mem_free(a);
  if (b > 0) core.mem_free(b);
  return false;
}

// One chunk through the core; false when the chunk must go one text at a time: too long,
// non-ASCII (UTF-8 would move byte offsets) or a NUL inside a text (the count would not match).
function atonChunk(texts: readonly string[], start: number, count: number, out: Uint32Array) {
  const joined = texts.slice(start, start + count).join("\0");
  if (joined.length > MANY_IN_SIZE) return false;
  const { written } = encoder.encodeInto(joined, bytes().subarray(manyIn, manyIn + MANY_IN_SIZE));
  if (written !== joined.length) return false;
  if (core.addr_aton_many(manyIn, written, manyOut, count) !== count) return false;
  out.set(new Uint32Array(bytes().buffer, manyOut, count), start);
  return true;
}

/**
 * `inet_addr` over `texts`, written to `out` (one s_addr each, INADDR_NONE for invalid text):
 * up to 4096 texts per call into the core. A chunk with a long, non-ASCII or NUL-holding text
 * takes the one-text path, with the same results.
 */
export function atonMany(texts: readonly string[], out: Uint32Array): void {
  const batch = allocMany();
  for (let start = 0; start < texts.length; start += MANY_CHUNK) {
    const count = Math.min(MANY_CHUNK, texts.length - start);
    if (batch && atonChunk(texts, start, count, out)) continue;
    for (let i = start; i < start + count; i++) out[i] = atonOne(texts[i]);
  }
}
