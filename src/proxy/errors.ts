/**
 * The error of PROXY protocol decoding. Runtime-neutral (no `Deno.*`).
 *
 * @module
 */

/**
 * A PROXY protocol header (v1 or v2) was malformed, over its size limit, cut short by the end
 * of the stream, or came from a peer that is not a trusted proxy. `reason` says which rule was
 * broken; `offset` is the byte of the header where it was detected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProxyProtocolError } from "./errors.ts";
 * const e = new ProxyProtocolError("v1-bad-port", 38);
 * assert.ok(e.reason === "v1-bad-port" && e.offset === 38);
 * assert.equal(e.message, "Cannot decode PROXY header: v1-bad-port at byte 38");
 * ```
 */
export class ProxyProtocolError extends Error {
  /**
   * The broken rule: `bad-signature`, `v1-too-long`, `v1-bad-eol`, `v1-bad-protocol`,
   * `v1-bad-address`, `v1-bad-port`, `v1-bad-syntax`, `v2-bad-version`, `v2-bad-command`,
   * `v2-bad-family`, `v2-address-length`, `v2-too-long`, `tlv-truncated`, `crc32c-length`,
   * `crc32c-mismatch`, `crc32c-duplicate`, `unique-id-too-long`, `ssl-tlv-malformed`,
   * `ssl-tlv-nested`, `too-many-tlvs`, `incomplete` (stream or datagram ended first) or
   * `untrusted-peer`.
   */
  readonly reason: string;
  /** Zero-based offset in the header of the byte where the problem was detected. */
  readonly offset: number;
  /**
   * Make the error for a broken rule.
   *
   * @param reason The broken rule (see {@linkcode ProxyProtocolError.reason}).
   * @param offset The byte of the header where it was detected.
   * @param message The message; default `Cannot decode PROXY header: <reason> at byte <offset>`.
   */
  constructor(reason: string, offset: number, message?: string) {
    super(message ?? `Cannot decode PROXY header: ${reason} at byte ${offset}`);
    this.name = "ProxyProtocolError";
    this.reason = reason;
    this.offset = offset;
  }
}
