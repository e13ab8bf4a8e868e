/**
 * CRC32C, the checksum of the v2 `PP2_TYPE_CRC32C` TLV ({@linkcode crc32c}).
 *
 * @module
 */
import { proxyCrc32c } from "../../wasm/proxy.ts";

/**
 * CRC32C (Castagnoli, RFC 4960 appendix B), the checksum the v2 `PP2_TYPE_CRC32C` TLV carries.
 *
 * @param data the bytes
 * @returns the checksum as an unsigned 32-bit number
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32c } from "./crc32c.ts";
 * assert.ok(crc32c(new TextEncoder().encode("123456789")) === 0xe3069283);
 * ```
 */
export function crc32c(data: Uint8Array): number {
  return proxyCrc32c(data);
}
