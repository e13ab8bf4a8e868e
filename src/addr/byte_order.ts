/**
 * Bulk byte-order conversion of typed arrays: {@linkcode toNetworkOrder} and
 * {@linkcode fromNetworkOrder}, in place. Network byte order is big-endian; the host order is
 * little-endian on every platform Deno runs on. (The scalar C functions `htons`, `htonl`, ...
 * are in `./bsd`.)
 *
 * 16- and 32-bit arrays of 512 bytes or more are swapped in the Wasm core with SIMD shuffles,
 * a chunk at a time (about 4x faster than a JavaScript loop at 64 KiB); smaller ones in a
 * JavaScript loop. 64-bit arrays use a DataView loop, which beat the Wasm path (two copies)
 * at every size measured (`bench/byte_order_bench.ts`).
 *
 * @module
 */
import { swapInPlace } from "../../wasm/byteorder.ts";
/** The typed arrays bulk conversion accepts. */
export type ByteOrderArray =
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array;

/**
 * From this many bytes on, 16- and 32-bit arrays are swapped in the Wasm core; below it a
 * JavaScript loop is faster than copying into Wasm memory and back (measured crossover about
 * 512 bytes, see bench/RESULTS.md).
 */
const WASM_THRESHOLD_BYTES = 512;

function elementSizeOf(array: ByteOrderArray, fn: string): 2 | 4 | 8 {
  if (array instanceof Uint16Array || array instanceof Int16Array) return 2;
  if (array instanceof Uint32Array || array instanceof Int32Array) return 4;
  if (array instanceof BigUint64Array || array instanceof BigInt64Array) return 8;
  const got = array === null ? "null" : (array as object)?.constructor?.name ?? typeof array;
  throw new TypeError(
    `Cannot convert byte order: ${fn} expects a 16-, 32- or 64-bit integer typed array, got ${got}`,
  );
}

function swapArray<T extends ByteOrderArray>(array: T, fn: string): T {
  const size = elementSizeOf(array, fn);
  const { buffer, byteOffset, byteLength } = array;
  if (size === 8) {
    // Measured: V8's DataView BigInt accessors do this in one pass without allocating, faster
    // than the two copies the Wasm path needs (by about 14% at 64 KiB).
    const dv = new DataView(buffer, byteOffset, byteLength);
    for (let i = 0; i < byteLength; i += 8) dv.setBigUint64(i, dv.getBigUint64(i, true), false);
    return array;
  }
  if (byteLength >= WASM_THRESHOLD_BYTES) {
    swapInPlace(new Uint8Array(buffer, byteOffset, byteLength), size);
    return array;
  }
  if (size === 2) {
    const a = new Uint16Array(buffer, byteOffset, byteLength >>> 1);
    for (let i = 0; i < a.length; i++) a[i] = ((a[i] & 0xff) << 8) | (a[i] >>> 8);
  } else {
    const a = new Uint32Array(buffer, byteOffset, byteLength >>> 2);
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      a[i] = ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
    }
  }
  return array;
}

/**
 * Converts every element of a 16-, 32- or 64-bit integer array from host to network order,
 * in place (the bulk form of `htons`/`htonl`/`htonll`). 16- and 32-bit arrays of 512 bytes or
 * more are swapped in the Wasm core with SIMD, a chunk at a time.
 *
 * @param array The array to convert; its bytes are rewritten.
 * @returns The same array, for chaining.
 * @throws {TypeError} When `array` is not one of the accepted typed arrays.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toNetworkOrder } from "./byte_order.ts";
 * const ports = toNetworkOrder(new Uint16Array([80, 443]));
 * assert.equal(ports[0], 0x5000);
 * assert.equal(ports[1], 0xbb01);
 * const wire = new Uint8Array(ports.buffer);
 * assert.equal(wire[0], 0);
 * assert.equal(wire[1], 80); // big-endian on the wire
 * ```
 */
export function toNetworkOrder<T extends ByteOrderArray>(array: T): T {
  return swapArray(array, "toNetworkOrder");
}

/**
 * Converts every element of a 16-, 32- or 64-bit integer array from network to host order,
 * in place (the bulk form of `ntohs`/`ntohl`/`ntohll`).
 *
 * @param array The array to convert; its bytes are rewritten.
 * @returns The same array, for chaining.
 * @throws {TypeError} When `array` is not one of the accepted typed arrays.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromNetworkOrder } from "./byte_order.ts";
 * const wire = new Uint8Array([0x7f, 0, 0, 1]);
 * const [addr] = fromNetworkOrder(new Uint32Array(wire.buffer));
 * assert.equal(addr, 0x7f000001);
 * ```
 */
export function fromNetworkOrder<T extends ByteOrderArray>(array: T): T {
  return swapArray(array, "fromNetworkOrder");
}
