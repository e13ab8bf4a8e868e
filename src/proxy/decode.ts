/**
 * Decoding a PROXY header, v1 (text) and v2 (binary), from the bytes received so far
 * ({@linkcode decodeProxyHeader}). The byte work runs in the Wasm core (`core/proxy.ts`),
 * with every check from the spec's security notes; this file turns the core's fields into a
 * {@linkcode ProxyHeader}.
 *
 * @module
 */
import { proxyDecodeRaw, proxyFormatIp, type RawProxyHeader } from "../../wasm/proxy.ts";
import { ProxyProtocolError } from "./errors.ts";
import { checkMax, checkMode } from "./_options.ts";
import {
  type DecodeProxyHeaderOptions,
  type DecodeProxyHeaderResult,
  PROXY_TLV,
  type ProxyAddress,
  type ProxyHeader,
  type ProxySslInfo,
} from "./header.ts";

const utf8 = new TextDecoder("utf-8", { fatal: false });

function text(value: Uint8Array): string | undefined {
  return value.includes(0) ? undefined : utf8.decode(value);
}

function toAddress(raw: RawProxyHeader, which: "source" | "destination"): ProxyAddress {
  const b = raw[which];
  if (raw.family === 3) {
    const nul = b.indexOf(0);
    const path = utf8.decode(nul < 0 ? b : b.subarray(0, nul));
    return { transport: raw.transport === 2 ? "unixpacket" : "unix", path };
  }
  return {
    transport: raw.transport === 2 ? "udp" : "tcp",
    hostname: proxyFormatIp(b),
    port: which === "source" ? raw.sourcePort : raw.destinationPort,
  };
}

function buildHeader(raw: RawProxyHeader, input: Uint8Array): ProxyHeader {
  const family = (["unspec", "inet", "inet6", "unix"] as const)[raw.family];
  const protocol = (["unspec", "stream", "dgram"] as const)[raw.transport];
  const header: ProxyHeader = {
    version: raw.version,
    command: raw.command === 1 ? "proxy" : "local",
    family: raw.command === 1 ? family : "unspec",
    protocol: raw.command === 1 ? protocol : "unspec",
    tlvs: [],
  };
  if (raw.command === 1 && raw.family !== 0) {
    header.source = toAddress(raw, "source");
    header.destination = toAddress(raw, "destination");
  }
  let ssl: ProxySslInfo | undefined;
  for (const t of raw.tlvs) {
    const value = input.slice(t.offset, t.offset + t.length);
    if (t.parent === PROXY_TLV.SSL) {
      ssl?.tlvs.push({ type: t.type, value });
      if (!ssl) continue;
      const s = text(value);
      if (t.type === PROXY_TLV.SSL_VERSION) ssl.version = s;
      else if (t.type === PROXY_TLV.SSL_CN) ssl.commonName = s;
      else if (t.type === PROXY_TLV.SSL_CIPHER) ssl.cipher = s;
      else if (t.type === PROXY_TLV.SSL_SIG_ALG) ssl.signatureAlgorithm = s;
      else if (t.type === PROXY_TLV.SSL_KEY_ALG) ssl.keyAlgorithm = s;
      continue;
    }
    header.tlvs.push({ type: t.type, value });
    switch (t.type) {
      case PROXY_TLV.ALPN:
        header.alpn = text(value);
        break;
      case PROXY_TLV.AUTHORITY:
        header.authority = text(value);
        break;
      case PROXY_TLV.UNIQUE_ID:
        header.uniqueId = value;
        break;
      case PROXY_TLV.NETNS:
        header.netns = text(value);
        break;
      case PROXY_TLV.CRC32C:
        header.crc32c = new DataView(value.buffer).getUint32(0, false);
        break;
      case PROXY_TLV.SSL: {
        const dv = new DataView(value.buffer);
        ssl = { client: value[0], verify: dv.getUint32(1, false), tlvs: [] };
        header.ssl = ssl;
        break;
      }
    }
  }
  // Drop undefined text accessors so that objects compare cleanly.
  for (const k of ["alpn", "authority", "netns"] as const) {
    if (k in header && header[k] === undefined) delete header[k];
  }
  if (ssl) {
    for (
      const k of ["version", "commonName", "cipher", "signatureAlgorithm", "keyAlgorithm"] as const
    ) {
      if (k in ssl && ssl[k] === undefined) delete ssl[k];
    }
  }
  return header;
}

/**
 * Decodes a PROXY header from the start of `bytes` (the bytes received so far). Returns
 * `need-more` while `bytes` is a valid beginning of a header, and the header with the number
 * of bytes it took once complete; `bytes.subarray(consumed)` is application data. Pure: no
 * permissions, no I/O.
 *
 * ```
 * "PROXY TCP4 127.0.0.1 127.0.0.2 5000 80\r\nhi"  ->  { status: "complete", consumed: 40, header }
 * "PROXY TCP4 127.0.0.1"                          ->  { status: "need-more" }
 * "GET / HTTP/1.1\r\n"                            ->  throws ProxyProtocolError "bad-signature"
 * ```
 *
 * @param bytes the start of the stream
 * @param options accepted versions and size limit
 * @returns `need-more`, or the header and how many bytes it took
 * @throws {ProxyProtocolError} when the bytes cannot start a valid header (with `reason` and
 * `offset`), including a v2 header declared longer than `maxHeaderSize` (`v2-too-long`)
 * @throws {RangeError} for a `maxHeaderSize` outside 16..65551
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProxyHeader } from "./decode.ts";
 * const data = new TextEncoder().encode("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET /");
 * const r = decodeProxyHeader(data);
 * if (r.status !== "complete") throw new Error("expected a header");
 * assert.ok(r.consumed === 45);
 * assert.ok(r.header.source?.transport === "tcp" && r.header.source.hostname === "192.0.2.1");
 * assert.ok(new TextDecoder().decode(data.subarray(r.consumed)) === "GET /");
 * ```
 */
export function decodeProxyHeader(
  bytes: Uint8Array,
  options: DecodeProxyHeaderOptions = {},
): DecodeProxyHeaderResult {
  const mode = checkMode(options.mode);
  const max = checkMax(options.maxHeaderSize);
  const r = proxyDecodeRaw(bytes, mode, max);
  if (r.kind === "need-more") return { status: "need-more" };
  if (r.kind === "error") {
    if (r.reason === "v2-too-long") {
      throw new ProxyProtocolError(
        r.reason,
        r.offset,
        `Cannot decode PROXY header: declared length ${r.declaredLength} bytes exceeds maximum of ${max} bytes`,
      );
    }
    throw new ProxyProtocolError(r.reason, r.offset);
  }
  return {
    status: "complete",
    header: buildHeader(r.header, bytes),
    consumed: r.header.length,
  };
}
