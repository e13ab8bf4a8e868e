/**
 * The PROXY v2 header of a relayed UDP datagram ({@linkcode decodeProxyDatagram}).
 *
 * @module
 */
import { ProxyProtocolError } from "./errors.ts";
import { decodeProxyHeader } from "./decode.ts";
import type { ProxyHeader } from "./header.ts";

/** The result of {@linkcode decodeProxyDatagram}. */
export interface ProxyDatagram {
  /** The v2 header at the start of the datagram. */
  header: ProxyHeader;
  /** The application's payload: the bytes after the header (a view into the datagram). */
  payload: Uint8Array;
}

/**
 * Strips the v2 PROXY header from a UDP datagram relayed by a proxy (v1 has no UDP). Each
 * datagram carries its own complete header, so an incomplete one is an error. Pure.
 *
 * @param datagram one received datagram
 * @param options `maxHeaderSize` (default 4096)
 * @returns the header and the payload after it
 * @throws {ProxyProtocolError} when the datagram does not start with a complete, valid v2
 * header (`incomplete` when it is cut short)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProxyDatagram, encodeProxyHeader } from "./mod.ts";
 * const header = encodeProxyHeader({
 *   source: { transport: "udp", hostname: "192.0.2.1", port: 5353 },
 *   destination: { transport: "udp", hostname: "192.0.2.2", port: 53 },
 * });
 * const datagram = new Uint8Array([...header, 1, 2, 3]);
 * const { header: h, payload } = decodeProxyDatagram(datagram);
 * assert.ok(h.protocol === "dgram" && h.source?.transport === "udp");
 * assert.ok(payload.length === 3 && payload[0] === 1);
 * ```
 */
export function decodeProxyDatagram(
  datagram: Uint8Array,
  options: { maxHeaderSize?: number } = {},
): ProxyDatagram {
  const r = decodeProxyHeader(datagram, { mode: "v2", maxHeaderSize: options.maxHeaderSize });
  if (r.status === "need-more") {
    throw new ProxyProtocolError(
      "incomplete",
      datagram.length,
      `Cannot decode PROXY header: datagram of ${datagram.length} bytes ends inside the header`,
    );
  }
  return { header: r.header, payload: datagram.subarray(r.consumed) };
}
