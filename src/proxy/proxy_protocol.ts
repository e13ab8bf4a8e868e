/**
 * PROXY protocol v1 and v2 (HAProxy's `doc/proxy-protocol.txt`): decode the header a load
 * balancer puts in front of a connection or datagram, encode one as a client, and wrap an
 * accepted connection so that it reports the real client's address.
 *
 * The byte work (signature, text and binary parsing, TLV walk, CRC32C) runs in the Wasm core.
 * Every check from the spec's security notes is made: v1 lines must end with CRLF within 107
 * bytes (a bare CR or LF is rejected), fields are separated by exactly one space, addresses and
 * ports have no leading zeros, v2 version/command/family/protocol must be known values, the
 * address block must fit the declared length, every TLV must lie inside the header and the
 * last one must end exactly at its end, CRC32C is verified, and headers over `maxHeaderSize`
 * are rejected as soon as their length is known. The decoder never reads past the header:
 * what follows belongs to the application and is handed back byte for byte.
 *
 * ```
 * "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET /"  ->  source 192.0.2.1:56324,
 *                                                          destination 198.51.100.7:443,
 *                                                          consumed 45, rest "GET /"
 * 0d0a0d0a000d0a515549540a 21 11 000c c0000201 c6336407 dc04 01bb  ->  the same, as v2
 * ```
 *
 * @module
 */
import {
  PROXY_V2_MAX_LENGTH,
  proxyCrc32c,
  proxyDecodeRaw,
  proxyEncodeV1Raw,
  proxyEncodeV2Raw,
  proxyFormatIp,
  proxyParseIp,
  type RawProxyFields,
  type RawProxyHeader,
} from "../../wasm/proxy.ts";
import { ProxyProtocolError } from "./errors.ts";

/** Which header versions a receiver accepts. `"auto"` means a header is required, v1 or v2. */
export type ProxyProtocolMode = "v1" | "v2" | "auto";

/** TLV type numbers from the spec (`PP2_TYPE_*` and `PP2_SUBTYPE_SSL_*`). */
export const PROXY_TLV = {
  /** Application-Layer Protocol Negotiation name, e.g. `h2`. */
  ALPN: 0x01,
  /** The host name the client asked for (TLS SNI or Host), UTF-8. */
  AUTHORITY: 0x02,
  /** CRC32C of the whole header, 4 bytes, big-endian. */
  CRC32C: 0x03,
  /** Padding, to be ignored. */
  NOOP: 0x04,
  /** An opaque connection id of at most 128 bytes. */
  UNIQUE_ID: 0x05,
  /** TLS information: client flags, verify result and sub-TLVs. */
  SSL: 0x20,
  /** Sub-TLV of SSL: TLS version text, e.g. `TLSv1.3`. */
  SSL_VERSION: 0x21,
  /** Sub-TLV of SSL: the client certificate's Common Name. */
  SSL_CN: 0x22,
  /** Sub-TLV of SSL: the cipher name. */
  SSL_CIPHER: 0x23,
  /** Sub-TLV of SSL: the certificate signature algorithm. */
  SSL_SIG_ALG: 0x24,
  /** Sub-TLV of SSL: the certificate key algorithm. */
  SSL_KEY_ALG: 0x25,
  /** The network namespace name, US-ASCII. */
  NETNS: 0x30,
} as const;

/** One TLV: its type byte and raw value (NUL bytes and all). */
export interface ProxyTlv {
  /** The type byte (see {@linkcode PROXY_TLV}; 0xE0-0xEF are for custom use). */
  type: number;
  /** The raw value. */
  value: Uint8Array;
}

/** The `PP2_TYPE_SSL` TLV, unpacked. */
export interface ProxySslInfo {
  /** Client flags: 0x01 TLS used, 0x02 certificate on this connection, 0x04 in the session. */
  client: number;
  /** 0 when the client presented a certificate that verified, non-zero otherwise. */
  verify: number;
  /** `PP2_SUBTYPE_SSL_VERSION` as text (absent, or absent when it holds a NUL). */
  version?: string;
  /** `PP2_SUBTYPE_SSL_CN` as text. */
  commonName?: string;
  /** `PP2_SUBTYPE_SSL_CIPHER` as text. */
  cipher?: string;
  /** `PP2_SUBTYPE_SSL_SIG_ALG` as text. */
  signatureAlgorithm?: string;
  /** `PP2_SUBTYPE_SSL_KEY_ALG` as text. */
  keyAlgorithm?: string;
  /** Every sub-TLV, raw, in order. */
  tlvs: ProxyTlv[];
}

/** An address carried by a header: an IP endpoint or a Unix socket path. */
export type ProxyAddress = Deno.NetAddr | Deno.UnixAddr;

/** A decoded PROXY header. */
export interface ProxyHeader {
  /** 1 (text) or 2 (binary). */
  version: 1 | 2;
  /**
   * `"proxy"`: the connection was relayed for a client; `"local"`: the proxy itself opened it
   * (a health check), so the socket's own addresses apply.
   */
  command: "proxy" | "local";
  /** The address family: v1 `TCP4` is inet, `TCP6` inet6, `UNKNOWN` unspec. */
  family: "inet" | "inet6" | "unix" | "unspec";
  /** The relayed socket type (v1 is always stream, except UNKNOWN). */
  protocol: "stream" | "dgram" | "unspec";
  /** The real client's address; absent for LOCAL, v1 UNKNOWN and v2 UNSPEC. */
  source?: ProxyAddress;
  /** The address the client connected to; absent like `source`. */
  destination?: ProxyAddress;
  /** Top-level TLVs in order, raw (v2 PROXY only; LOCAL and UNSPEC blocks are skipped). */
  tlvs: ProxyTlv[];
  /** `PP2_TYPE_ALPN` as text; absent when missing or when the value holds a NUL byte. */
  alpn?: string;
  /** `PP2_TYPE_AUTHORITY` as UTF-8 text; absent when missing or when it holds a NUL byte. */
  authority?: string;
  /** `PP2_TYPE_UNIQUE_ID`, raw (at most 128 bytes). */
  uniqueId?: Uint8Array;
  /** `PP2_TYPE_NETNS` as text; absent when missing or when it holds a NUL byte. */
  netns?: string;
  /** `PP2_TYPE_SSL`, unpacked. */
  ssl?: ProxySslInfo;
  /** The header's CRC32C when it carried one; present only if it matched (else decoding fails). */
  crc32c?: number;
}

/** Options for {@linkcode decodeProxyHeader}. */
export interface DecodeProxyHeaderOptions {
  /** Versions accepted. Default `"auto"`: a header is required, v1 or v2. */
  mode?: ProxyProtocolMode;
  /**
   * Largest header accepted, in bytes (v1 is always capped at 107). A v2 header declaring more
   * is rejected from its first 16 bytes, before the rest is buffered. Default 4096; at most
   * 65551 (16 + 65535).
   */
  maxHeaderSize?: number;
}

/** The result of {@linkcode decodeProxyHeader}. */
export type DecodeProxyHeaderResult =
  | { status: "need-more" }
  | { status: "complete"; header: ProxyHeader; consumed: number };

const DEFAULT_MAX_HEADER = 4096;

function checkMax(max: number | undefined): number {
  const m = max ?? DEFAULT_MAX_HEADER;
  if (!Number.isInteger(m) || m < 16 || m > PROXY_V2_MAX_LENGTH) {
    throw new RangeError(
      `Cannot use maxHeaderSize: ${m} is outside 16..${PROXY_V2_MAX_LENGTH}`,
    );
  }
  return m;
}

function checkMode(mode: string | undefined): ProxyProtocolMode {
  const m = mode ?? "auto";
  if (m !== "v1" && m !== "v2" && m !== "auto") {
    throw new TypeError(`Cannot use PROXY mode "${m}": expected "v1", "v2" or "auto"`);
  }
  return m;
}

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
 * import { decodeProxyHeader } from "./proxy_protocol.ts";
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

/** What {@linkcode encodeProxyHeader} writes. A decoded {@linkcode ProxyHeader} fits. */
export interface ProxyHeaderInit {
  /** Default `"proxy"`. `"local"` writes no addresses (v1: `UNKNOWN`). */
  command?: "proxy" | "local";
  /**
   * The client's address. Both addresses must be the same kind (IPv4, IPv6 or Unix) and
   * transport. Without addresses the header says UNSPEC (v1: `UNKNOWN`).
   */
  source?: ProxyAddress;
  /** The address the client connected to. */
  destination?: ProxyAddress;
  /** TLVs to append in order (v2 only). A CRC32C TLV among them gets its value computed. */
  tlvs?: ProxyTlv[];
}

/** Options for {@linkcode encodeProxyHeader}. */
export interface EncodeProxyHeaderOptions {
  /** 1 (text, TCP only, no TLVs) or 2 (binary). Default 2. */
  version?: 1 | 2;
  /** v2: append a CRC32C TLV (unless `tlvs` already has one, which is filled in). Default false. */
  crc32c?: boolean;
}

function ipBytes(addr: Deno.NetAddr, role: string): Uint8Array {
  const six = addr.hostname.includes(":");
  const b = proxyParseIp(addr.hostname, six ? 6 : 4);
  if (!b) {
    throw new TypeError(
      `Cannot encode PROXY header: ${role} hostname "${addr.hostname}" is not an IPv4 or IPv6 address`,
    );
  }
  if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 65535) {
    throw new RangeError(
      `Cannot encode PROXY header: ${role} port ${addr.port} is outside 0..65535`,
    );
  }
  return b;
}

function unixBytes(addr: Deno.UnixAddr, role: string): Uint8Array {
  const b = new TextEncoder().encode(addr.path);
  if (b.length > 108) {
    throw new RangeError(
      `Cannot encode PROXY header: ${role} path is ${b.length} bytes, maximum is 108 bytes`,
    );
  }
  const out = new Uint8Array(108);
  out.set(b);
  return out;
}

function fieldsOf(info: ProxyHeaderInit): RawProxyFields {
  const none: RawProxyFields = {
    command: info.command === "local" ? 0 : 1,
    family: 0,
    transport: 0,
    source: new Uint8Array(0),
    destination: new Uint8Array(0),
    sourcePort: 0,
    destinationPort: 0,
  };
  if (info.command === "local") return none;
  const { source, destination } = info;
  if (!source && !destination) return none;
  if (!source || !destination) {
    throw new TypeError("Cannot encode PROXY header: give both source and destination, or neither");
  }
  if (source.transport !== destination.transport) {
    throw new TypeError(
      `Cannot encode PROXY header: source transport "${source.transport}" differs from destination "${destination.transport}"`,
    );
  }
  if (source.transport === "unix" || source.transport === "unixpacket") {
    return {
      ...none,
      family: 3,
      transport: source.transport === "unix" ? 1 : 2,
      source: unixBytes(source, "source"),
      destination: unixBytes(destination as Deno.UnixAddr, "destination"),
    };
  }
  const src = source as Deno.NetAddr;
  const s = ipBytes(src, "source");
  const d = ipBytes(destination as Deno.NetAddr, "destination");
  if (s.length !== d.length) {
    throw new TypeError(
      "Cannot encode PROXY header: source and destination are not the same IP version",
    );
  }
  return {
    ...none,
    family: s.length === 4 ? 1 : 2,
    transport: source.transport === "udp" ? 2 : 1,
    source: s,
    destination: d,
    sourcePort: src.port,
    destinationPort: (destination as Deno.NetAddr).port,
  };
}

/**
 * Encodes a PROXY header for a client to send before its own data. Pure: no permissions.
 *
 * ```
 * { source 192.0.2.1:56324 tcp, destination 198.51.100.7:443 }, v1
 *   -> "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"
 * same, v2 -> 0d0a0d0a000d0a515549540a 21 11 000c c0000201 c6336407 dc04 01bb
 * ```
 *
 * @param info addresses, command and TLVs
 * @param options version (default 2) and CRC32C
 * @returns the header bytes
 * @throws {TypeError} for mismatched or non-IP addresses, v1 with UDP, Unix or TLVs
 * @throws {RangeError} for a port outside 0..65535, a Unix path over 108 bytes, a TLV over
 * 65535 bytes, or TLVs that do not fit the 65535-byte v2 block
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProxyHeader, encodeProxyHeader, PROXY_TLV } from "./proxy_protocol.ts";
 * const source = { transport: "tcp" as const, hostname: "2001:db8::1", port: 40000 };
 * const destination = { transport: "tcp" as const, hostname: "2001:db8::2", port: 443 };
 * const v1 = encodeProxyHeader({ source, destination }, { version: 1 });
 * assert.ok(new TextDecoder().decode(v1) === "PROXY TCP6 2001:db8::1 2001:db8::2 40000 443\r\n");
 * const tlvs = [{ type: PROXY_TLV.AUTHORITY, value: new TextEncoder().encode("example.com") }];
 * const v2 = encodeProxyHeader({ source, destination, tlvs }, { crc32c: true });
 * const r = decodeProxyHeader(v2);
 * assert.ok(r.status === "complete" && r.header.authority === "example.com");
 * ```
 */
export function encodeProxyHeader(
  info: ProxyHeaderInit,
  options: EncodeProxyHeaderOptions = {},
): Uint8Array {
  const version = options.version ?? 2;
  if (version !== 1 && version !== 2) {
    throw new RangeError(`Cannot encode PROXY header: version ${version} is not 1 or 2`);
  }
  const f = fieldsOf(info);
  if (version === 1) {
    if (f.family === 3) throw new TypeError("Cannot encode PROXY v1 header: v1 has no Unix family");
    if (f.transport === 2) throw new TypeError("Cannot encode PROXY v1 header: v1 has no UDP");
    if ((info.tlvs?.length ?? 0) > 0 || options.crc32c) {
      throw new TypeError("Cannot encode PROXY v1 header: v1 carries no TLVs");
    }
    return proxyEncodeV1Raw(f);
  }
  const tlvs = [...(info.tlvs ?? [])];
  if (options.crc32c && !tlvs.some((t) => t.type === PROXY_TLV.CRC32C)) {
    tlvs.push({ type: PROXY_TLV.CRC32C, value: new Uint8Array(4) });
  }
  let total = 0;
  for (const t of tlvs) {
    if (!Number.isInteger(t.type) || t.type < 0 || t.type > 255) {
      throw new RangeError(`Cannot encode PROXY header: TLV type ${t.type} is outside 0..255`);
    }
    if (t.value.length > 65535) {
      throw new RangeError(
        `Cannot encode PROXY header: TLV value of ${t.value.length} bytes exceeds maximum of 65535 bytes`,
      );
    }
    if (t.type === PROXY_TLV.CRC32C && t.value.length !== 4) {
      throw new RangeError(
        `Cannot encode PROXY header: CRC32C TLV value is ${t.value.length} bytes, must be 4 bytes`,
      );
    }
    total += 3 + t.value.length;
  }
  const addrLen = f.command === 0 ? 0 : [0, 12, 36, 216][f.family];
  if (addrLen + total > 65535) {
    throw new RangeError(
      `Cannot encode PROXY header: addresses and TLVs take ${
        addrLen + total
      } bytes, maximum is 65535 bytes`,
    );
  }
  const blob = new Uint8Array(total);
  let at = 0;
  let crcOffset = -1;
  for (const t of tlvs) {
    blob[at] = t.type;
    blob[at + 1] = t.value.length >> 8;
    blob[at + 2] = t.value.length & 0xff;
    blob.set(t.value, at + 3);
    if (t.type === PROXY_TLV.CRC32C && crcOffset < 0) crcOffset = at + 3;
    at += 3 + t.value.length;
  }
  return proxyEncodeV2Raw(f, blob, crcOffset);
}

/**
 * CRC32C (Castagnoli, RFC 4960 appendix B), the checksum the v2 `PP2_TYPE_CRC32C` TLV carries.
 *
 * @param data the bytes
 * @returns the checksum as an unsigned 32-bit number
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32c } from "./proxy_protocol.ts";
 * assert.ok(crc32c(new TextEncoder().encode("123456789")) === 0xe3069283);
 * ```
 */
export function crc32c(data: Uint8Array): number {
  return proxyCrc32c(data);
}

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
 * import { decodeProxyDatagram, encodeProxyHeader } from "./proxy_protocol.ts";
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

/** Options for {@linkcode readProxyHeader} and {@linkcode acceptProxyConn}. */
export interface ReadProxyHeaderOptions extends DecodeProxyHeaderOptions {
  /**
   * Milliseconds the whole header may take to arrive, from the call. Default 5000 (the spec asks
   * for at least 3 s). On expiry the connection is closed and `Deno.errors.TimedOut` thrown.
   */
  timeout?: number;
  /** Aborts the read: the connection is closed and the signal's reason thrown. */
  signal?: AbortSignal;
  /**
   * IP addresses (as `conn.remoteAddr.hostname` shows them) allowed to send a header. When
   * given, a connection from any other peer is rejected before anything is read. Default: any.
   */
  trustedProxies?: string[];
}

/** The result of {@linkcode readProxyHeader}. */
export interface ProxyHeaderRead {
  /** The decoded header. */
  header: ProxyHeader;
  /** Bytes read after the header: the application's first bytes. Often empty. */
  rest: Uint8Array;
}

/**
 * Reads a PROXY header from the start of a connection, reading no more than the header needs
 * where it can (a v2 header is read exactly; a v1 line in reads of at most 107 bytes). Bytes
 * read past the header come back as `rest` and belong to the application. On any failure the
 * connection is closed (the spec says to abort), so no read is left pending.
 *
 * `mode: "auto"` means a header is required and may be v1 or v2. It never guesses whether a
 * header is present: a connection without one is rejected (`bad-signature`). The spec forbids
 * treating the header as optional on one listener.
 *
 * Needs no permission itself (the connection already exists).
 *
 * @param conn a freshly accepted connection
 * @param options mode, limits, timeout, signal and trusted peers
 * @returns the header and any bytes read after it
 * @throws {ProxyProtocolError} for a malformed header, one over `maxHeaderSize`, an
 * untrusted peer (`untrusted-peer`) or a stream that ends first (`incomplete`)
 * @throws {Deno.errors.TimedOut} when no complete header arrived within `timeout`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeProxyHeader, readProxyHeader } from "./proxy_protocol.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * await client.write(new Uint8Array([
 *   ...encodeProxyHeader({ source: { transport: "tcp", hostname: "203.0.113.9", port: 4242 },
 *     destination: { transport: "tcp", hostname: "127.0.0.1", port: 80 } }),
 *   ...new TextEncoder().encode("hello"),
 * ]));
 * using conn = await listener.accept();
 * const { header, rest } = await readProxyHeader(conn);
 * assert.ok(header.source?.transport === "tcp" && header.source.hostname === "203.0.113.9");
 * assert.ok(rest.length === 0); // the v2 header was read exactly: "hello" is still unread
 * ```
 */
export async function readProxyHeader(
  conn: Deno.Conn,
  options: ReadProxyHeaderOptions = {},
): Promise<ProxyHeaderRead> {
  const mode = checkMode(options.mode);
  const max = checkMax(options.maxHeaderSize);
  const timeout = options.timeout ?? 5000;
  if (!(timeout > 0)) {
    throw new RangeError(`Cannot read PROXY header: timeout ${timeout} ms is not positive`);
  }
  const fail = (e: unknown): never => {
    try {
      conn.close();
    } catch {
      // already closed
    }
    throw e;
  };
  if (options.trustedProxies) {
    const peer = conn.remoteAddr as Deno.NetAddr;
    if (!options.trustedProxies.includes(peer.hostname)) {
      fail(
        new ProxyProtocolError(
          "untrusted-peer",
          0,
          `Cannot accept PROXY header: peer ${peer.hostname}:${peer.port} is not a trusted proxy`,
        ),
      );
    }
  }
  options.signal?.throwIfAborted();
  let buf = new Uint8Array(256);
  let have = 0;
  let stop: ((e: unknown) => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => {});
  const timer = setTimeout(() => {
    stop!(
      new Deno.errors.TimedOut(
        `Cannot read PROXY header: no complete header within ${timeout} ms (received ${have} bytes)`,
      ),
    );
  }, timeout);
  const onAbort = () => stop!(options.signal!.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (true) {
      const r = decodeProxyHeader(buf.subarray(0, have), { mode, maxHeaderSize: max });
      if (r.status === "complete") {
        return { header: r.header, rest: buf.slice(r.consumed, have) };
      }
      // How many more bytes could belong to the header: exact for v2 once its length is known.
      // v1 lines are read in pieces of at most what could still be header (107 in all).
      let want: number;
      if (have >= 16 && buf[0] === 0x0d) want = 16 + ((buf[14] << 8) | buf[15]) - have;
      else if (mode !== "v1" && (have === 0 || buf[0] === 0x0d)) want = 16 - have;
      else want = 107 - have;
      if (want <= 0) want = 1;
      if (have + want > buf.length) {
        const bigger = new Uint8Array(Math.max(have + want, buf.length * 2));
        bigger.set(buf.subarray(0, have));
        buf = bigger;
      }
      const pending = conn.read(buf.subarray(have, have + want));
      let n: number | null;
      try {
        n = await Promise.race([pending, stopped]);
      } catch (e) {
        try {
          conn.close();
        } catch {
          // already closed
        }
        await pending.catch(() => null);
        throw e;
      }
      if (n === null) {
        throw new ProxyProtocolError(
          "incomplete",
          have,
          `Cannot read PROXY header: stream ended after ${have} bytes`,
        );
      }
      have += n;
    }
  } catch (e) {
    return fail(e);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * A connection that arrived through a proxy: it reads the application's bytes (those after
 * the header first), writes to the client, and reports the real client's addresses.
 * `remoteAddr`/`localAddr` are the header's source/destination for a PROXY command, and the
 * socket's own for LOCAL, v1 UNKNOWN and v2 UNSPEC. The socket's own are kept in
 * `socketRemoteAddr`/`socketLocalAddr`.
 */
export class ProxiedConn implements Deno.Conn {
  /** The underlying socket connection (its first bytes, the header, are already consumed). */
  readonly conn: Deno.Conn;
  /** The decoded header: command, addresses, TLVs. */
  readonly proxied: ProxyHeader;
  /** The real client's address (or the socket's peer when the header carried none). */
  readonly remoteAddr: Deno.Addr;
  /** The address the client connected to (or the socket's own). */
  readonly localAddr: Deno.Addr;
  /** The socket's peer: the proxy. */
  readonly socketRemoteAddr: Deno.Addr;
  /** The socket's local address. */
  readonly socketLocalAddr: Deno.Addr;
  #rest: Uint8Array;
  #readable?: ReadableStream<Uint8Array<ArrayBuffer>>;

  /**
   * Wraps a connection whose header was already read (see {@linkcode acceptProxyConn}).
   *
   * @param conn the socket connection
   * @param header the decoded header
   * @param rest bytes read after the header, returned first by `read`/`readable`
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ProxiedConn, readProxyHeader } from "./proxy_protocol.ts";
   * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
   * await client.write(new TextEncoder().encode("PROXY TCP4 192.0.2.1 127.0.0.1 5555 80\r\nhi"));
   * using conn = await listener.accept();
   * const { header, rest } = await readProxyHeader(conn);
   * const pc = new ProxiedConn(conn, header, rest);
   * assert.ok((pc.remoteAddr as Deno.NetAddr).hostname === "192.0.2.1");
   * const buf = new Uint8Array(8);
   * let got = "";
   * while (got.length < 2) got += new TextDecoder().decode(buf.subarray(0, (await pc.read(buf))!));
   * assert.ok(got === "hi");
   * ```
   */
  constructor(conn: Deno.Conn, header: ProxyHeader, rest: Uint8Array = new Uint8Array(0)) {
    this.conn = conn;
    this.proxied = header;
    this.socketRemoteAddr = conn.remoteAddr;
    this.socketLocalAddr = conn.localAddr;
    const real = header.command === "proxy" && header.source && header.destination;
    this.remoteAddr = real ? header.source! : conn.remoteAddr;
    this.localAddr = real ? header.destination! : conn.localAddr;
    this.#rest = rest;
  }

  /**
   * Reads application bytes: first those read along with the header, then from the socket.
   *
   * @param p the buffer to fill
   * @returns the number of bytes read, or null at end of stream
   */
  read(p: Uint8Array): Promise<number | null> {
    if (this.#rest.length > 0) {
      const n = Math.min(p.length, this.#rest.length);
      p.set(this.#rest.subarray(0, n));
      this.#rest = this.#rest.subarray(n);
      return Promise.resolve(n);
    }
    return this.conn.read(p);
  }

  /**
   * Writes to the client (through the proxy).
   *
   * @param p the bytes
   * @returns the number of bytes written
   */
  write(p: Uint8Array): Promise<number> {
    return this.conn.write(p);
  }

  /** Closes the socket. */
  close(): void {
    this.conn.close();
  }

  /**
   * Shuts down the write side of the socket.
   *
   * @returns when done
   */
  closeWrite(): Promise<void> {
    return this.conn.closeWrite();
  }

  /**
   * Sets `TCP_NODELAY` on the socket (when it is a `Deno.TcpConn`).
   *
   * @param noDelay default true
   * @throws {TypeError} when the underlying connection is not TCP
   */
  setNoDelay(noDelay = true): void {
    const tcp = this.conn as Partial<Deno.TcpConn>;
    if (typeof tcp.setNoDelay !== "function") {
      throw new TypeError("Cannot set noDelay: the underlying connection is not TCP");
    }
    tcp.setNoDelay.call(this.conn, noDelay);
  }

  /**
   * Sets `SO_KEEPALIVE` on the socket (when it is a `Deno.TcpConn`).
   *
   * @param keepAlive default true
   * @throws {TypeError} when the underlying connection is not TCP
   */
  setKeepAlive(keepAlive = true): void {
    const tcp = this.conn as Partial<Deno.TcpConn>;
    if (typeof tcp.setKeepAlive !== "function") {
      throw new TypeError("Cannot set keepAlive: the underlying connection is not TCP");
    }
    tcp.setKeepAlive.call(this.conn, keepAlive);
  }

  /** Makes the connection keep the event loop alive (the default). */
  ref(): void {
    this.conn.ref();
  }

  /** Lets the event loop finish while the connection is open. */
  unref(): void {
    this.conn.unref();
  }

  /** The application's bytes as a stream: the bytes after the header first. */
  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    if (this.#readable) return this.#readable;
    const rest = this.#rest;
    this.#rest = new Uint8Array(0);
    if (rest.length === 0) return (this.#readable = this.conn.readable);
    const reader = this.conn.readable.getReader();
    this.#readable = new ReadableStream<Uint8Array<ArrayBuffer>>({
      start(c) {
        c.enqueue(rest.slice());
      },
      async pull(c) {
        const { done, value } = await reader.read();
        if (done) c.close();
        else c.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return this.#readable;
  }

  /** The socket's writable stream (to the client, through the proxy). */
  get writable(): WritableStream<Uint8Array<ArrayBufferLike>> {
    return this.conn.writable;
  }

  /** Closes the socket (for `using`). */
  [Symbol.dispose](): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

/**
 * Reads the PROXY header from a freshly accepted connection and wraps the connection so that
 * it reports the real client's addresses. This is the one call a server makes per accepted
 * connection when PROXY protocol is on. On failure the connection is closed and the error
 * thrown; the server keeps accepting.
 *
 * @param conn a freshly accepted connection
 * @param options mode (default `"auto"`: header required, v1 or v2), `timeout` (default
 * 5000 ms), `maxHeaderSize` (default 4096), `signal`, `trustedProxies`
 * @returns the wrapped connection
 * @throws {ProxyProtocolError} see {@linkcode readProxyHeader}
 * @throws {Deno.errors.TimedOut} see {@linkcode readProxyHeader}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptProxyConn } from "./proxy_protocol.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * await client.write(new TextEncoder().encode("PROXY TCP6 2001:db8::7 ::1 40000 443\r\n"));
 * using conn = await acceptProxyConn(await listener.accept(), { mode: "v1", timeout: 3000 });
 * const peer = conn.remoteAddr as Deno.NetAddr;
 * assert.ok(peer.hostname === "2001:db8::7" && peer.port === 40000);
 * ```
 */
export async function acceptProxyConn(
  conn: Deno.Conn,
  options: ReadProxyHeaderOptions = {},
): Promise<ProxiedConn> {
  const { header, rest } = await readProxyHeader(conn, options);
  return new ProxiedConn(conn, header, rest);
}
