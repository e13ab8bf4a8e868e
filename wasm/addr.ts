/**
 * Typed wrappers over the core's address exports (`core/addr.ts`): text in, bytes out and back,
 * through the core's scratch area. `src/address.ts` builds the public API on these.
 *
 * Text crosses as one byte per UTF-16 code unit: ASCII as itself, anything else as 0xFF, which
 * every parser rejects (and `inet_aton` ignores after whitespace, as glibc does with any byte).
 * So error positions are JavaScript string indices.
 *
 * @module
 */
import { bytes, core, SCRATCH_PTR } from "./loader.ts";

/** Longest text `inet_pton` can accept is 45 characters; longer text is copied only this far. */
export const PTON_TEXT_LIMIT = 64;

// Scratch layout: [0, 64) address bytes in/out, [64, 128) formatted text, [128, 1024) input
// text (wasm/sockaddr.ts uses the scratch area from 1024 on).
const BIN = SCRATCH_PTR;
const OUT = SCRATCH_PTR + 64;
const TEXT = SCRATCH_PTR + 128;
const TEXT_CHUNK = 1024 - 128;

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
