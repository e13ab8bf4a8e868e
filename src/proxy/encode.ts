/**
 * Encoding a PROXY header as a client or proxy does ({@linkcode encodeProxyHeader}), v1 text
 * or v2 binary with TLVs and an optional CRC32C.
 *
 * @module
 */
import {
  proxyEncodeV1Raw,
  proxyEncodeV2Raw,
  proxyParseIp,
  type RawProxyFields,
} from "../../wasm/proxy.ts";
import { type EncodeProxyHeaderOptions, PROXY_TLV, type ProxyHeaderInit } from "./header.ts";

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
 * import { decodeProxyHeader, encodeProxyHeader, PROXY_TLV } from "./mod.ts";
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
