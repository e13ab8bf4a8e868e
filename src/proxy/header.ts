/**
 * The PROXY header as data: the types a decoder returns and an encoder takes, the TLV
 * numbers, and the options of both.
 *
 * @module
 */

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
