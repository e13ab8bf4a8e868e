/**
 * Byte order under the C names: `htons`, `htonl`, `ntohs`, `ntohl`, the 64-bit `htonll` and
 * `ntohll`, and bulk in-place conversion of typed arrays.
 *
 * Network byte order is big-endian. The host order is little-endian, as on x86, ARM, in Wasm,
 * and in the typed arrays of every platform Deno runs on, so these functions swap bytes exactly
 * as C's do on those hosts: `htons(0x1234) === 0x3412`, and
 * `htonl(0x7f000001) === inet_addr("127.0.0.1")`.
 *
 * Where the work is done was decided by measurement (`bench/byte_order_bench.ts`,
 * `bench/RESULTS.md`):
 *
 * - A call into Wasm costs about 3 ns, more than swapping 2 or 4 bytes in JavaScript (under
 *   1 ns), so `htons`/`htonl`/`ntohs`/`ntohl` swap in TypeScript; the tests check them against
 *   the core's `bswap` for every 16-bit value and 100,000 random 32-bit ones.
 * - `htonll`/`ntohll` run in the core: about 2x faster than BigInt arithmetic.
 * - Bulk 16- and 32-bit arrays of 512 bytes or more are swapped in the core with SIMD shuffles,
 *   a chunk at a time (about 4x faster than a JavaScript loop at 64 KiB); smaller ones in a
 *   JavaScript loop. 64-bit arrays use a DataView loop, which beat the Wasm path (two copies)
 *   at every size measured.
 *
 * Unlike C, out-of-range arguments throw a `RangeError` instead of being silently truncated:
 * `htons(70000)` is a bug (port 70000 would become 4464), not a port.
 *
 * @module
 */
import { swapU64 } from "../../wasm/byteorder.ts";

function badValue(fn: string, range: string, x: unknown): RangeError {
  const shown = typeof x === "bigint" ? `${x}n` : String(x);
  return new RangeError(`Cannot convert byte order: ${fn} expects ${range}, got ${shown}`);
}

function swap16(fn: string, x: number): number {
  if (!(x >= 0 && x <= 0xffff && Math.floor(x) === x)) {
    throw badValue(fn, "an integer 0..65535", x);
  }
  return ((x & 0xff) << 8) | (x >>> 8);
}

function swap32(fn: string, x: number): number {
  if (!(x >= -0x80000000 && x <= 0xffffffff && Math.floor(x) === x)) {
    throw badValue(fn, "an integer -2147483648..4294967295", x);
  }
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const I64_MIN = -0x8000_0000_0000_0000n;

function swap64(fn: string, x: bigint): bigint {
  if (typeof x !== "bigint") {
    throw new TypeError(`Cannot convert byte order: ${fn} expects a bigint, got ${typeof x}`);
  }
  if (x < I64_MIN || x > U64_MAX) {
    throw badValue(fn, "a bigint -2^63..2^64-1", x);
  }
  return swapU64(x);
}

/**
 * Host to network order, 16 bits (`u_short htons(u_short)`): swaps the two bytes.
 *
 * @param hostshort An integer 0..65535, such as a port number.
 * @returns The value with its bytes swapped (0..65535).
 * @throws {RangeError} When `hostshort` is not an integer 0..65535.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htons } from "./byte_order.ts";
 * assert.equal(htons(5000), 0x8813); // 5000 = 0x1388
 * ```
 */
export function htons(hostshort: number): number {
  return swap16("htons", hostshort);
}

/**
 * Network to host order, 16 bits (`u_short ntohs(u_short)`): swaps the two bytes.
 *
 * @param netshort An integer 0..65535, such as `sin_port`.
 * @returns The value with its bytes swapped (0..65535).
 * @throws {RangeError} When `netshort` is not an integer 0..65535.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htons, ntohs } from "./byte_order.ts";
 * assert.equal(ntohs(htons(5000)), 5000);
 * ```
 */
export function ntohs(netshort: number): number {
  return swap16("ntohs", netshort);
}

/**
 * Host to network order, 32 bits (`u_long htonl(u_long)`): swaps the four bytes.
 *
 * @param hostlong An integer. Values -2^31..-1 (what JavaScript's bitwise operators produce)
 *   are read as their 32-bit pattern, as C's conversion to `uint32_t` does.
 * @returns The value with its bytes swapped, unsigned (0..4294967295).
 * @throws {RangeError} When `hostlong` is not an integer -2147483648..4294967295.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htonl } from "./byte_order.ts";
 * assert.equal(htonl(0x7f000001), 0x0100007f);
 * assert.equal(htonl(-1), 0xffffffff);
 * ```
 */
export function htonl(hostlong: number): number {
  return swap32("htonl", hostlong);
}

/**
 * Network to host order, 32 bits (`u_long ntohl(u_long)`): swaps the four bytes.
 *
 * @param netlong An integer -2147483648..4294967295 (negative values as their 32-bit pattern).
 * @returns The value with its bytes swapped, unsigned.
 * @throws {RangeError} When `netlong` is out of range or not an integer.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ntohl } from "./byte_order.ts";
 * assert.equal(ntohl(0x0100007f), 0x7f000001);
 * ```
 */
export function ntohl(netlong: number): number {
  return swap32("ntohl", netlong);
}

/**
 * Host to network order, 64 bits (`uint64_t htonll(uint64_t)`, as on macOS and Windows;
 * `htobe64` on Linux). Computed in the Wasm core.
 *
 * @param hostlonglong A bigint -2^63..2^64-1 (negative values as their 64-bit pattern).
 * @returns The value with its bytes swapped, unsigned.
 * @throws {TypeError} When the argument is not a bigint.
 * @throws {RangeError} When it does not fit 64 bits.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htonll } from "./byte_order.ts";
 * assert.equal(htonll(0x0102030405060708n), 0x0807060504030201n);
 * ```
 */
export function htonll(hostlonglong: bigint): bigint {
  return swap64("htonll", hostlonglong);
}

/**
 * Network to host order, 64 bits (`ntohll`; `be64toh` on Linux). Computed in the Wasm core.
 *
 * @param netlonglong A bigint -2^63..2^64-1.
 * @returns The value with its bytes swapped, unsigned.
 * @throws {TypeError} When the argument is not a bigint.
 * @throws {RangeError} When it does not fit 64 bits.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htonll, ntohll } from "./byte_order.ts";
 * assert.equal(ntohll(htonll(123456789n)), 123456789n);
 * ```
 */
export function ntohll(netlonglong: bigint): bigint {
  return swap64("ntohll", netlonglong);
}
