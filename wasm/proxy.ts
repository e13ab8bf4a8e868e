/**
 * Typed wrappers over the core's PROXY protocol exports (`core/proxy.ts`). This file turns
 * pointers and the static result struct into plain values; `src/proxy/proxy_protocol.ts` builds the
 * public API on top of it.
 *
 * @module
 */
import { bytes, core, dataView } from "./loader.ts";
import { SCRATCH } from "./scratch.ts";

// The scratch region this file uses (wasm/scratch.ts).
const SCRATCH_PTR = SCRATCH.proxy.ptr;
const SCRATCH_SIZE = SCRATCH.proxy.size;
import { Status } from "./status.ts";

/** Largest v1 header: 107 bytes including CRLF. */
export const PROXY_V1_MAX_LENGTH = 107;
/** Largest v2 header: 16 + 65535 bytes. */
export const PROXY_V2_MAX_LENGTH = 16 + 65535;

/** Reason codes the core writes on a malformed header, by number. */
export const PROXY_REASONS = [
  "none",
  "bad-signature",
  "v1-too-long",
  "v1-bad-eol",
  "v1-bad-protocol",
  "v1-bad-address",
  "v1-bad-port",
  "v1-bad-syntax",
  "v2-bad-version",
  "v2-bad-command",
  "v2-bad-family",
  "v2-address-length",
  "v2-too-long",
  "tlv-truncated",
  "crc32c-length",
  "crc32c-mismatch",
  "crc32c-duplicate",
  "unique-id-too-long",
  "ssl-tlv-malformed",
  "ssl-tlv-nested",
  "too-many-tlvs",
] as const;

/** A reason string from {@linkcode PROXY_REASONS}. */
export type ProxyCoreReason = typeof PROXY_REASONS[number];

/** One TLV found by the core: where its value lies in the input, its type and parent. */
export interface RawProxyTlv {
  /** TLV type byte. */
  type: number;
  /** 0 for a top-level TLV, 0x20 for a sub-TLV of `PP2_TYPE_SSL`. */
  parent: number;
  /** Offset of the value from the start of the header. */
  offset: number;
  /** Length of the value. */
  length: number;
}

/** A complete header as the core decoded it. Addresses are raw bytes. */
export interface RawProxyHeader {
  /** 1 or 2. */
  version: 1 | 2;
  /** 0 LOCAL, 1 PROXY. */
  command: number;
  /** 0 UNSPEC (or v1 UNKNOWN), 1 INET, 2 INET6, 3 UNIX. */
  family: number;
  /** 0 UNSPEC, 1 STREAM, 2 DGRAM. */
  transport: number;
  /** Source address bytes (4 or 16), or the 108-byte UNIX path block; empty when none. */
  source: Uint8Array;
  /** Destination address bytes, like `source`. */
  destination: Uint8Array;
  /** Source port. */
  sourcePort: number;
  /** Destination port. */
  destinationPort: number;
  /** Header length in bytes. */
  length: number;
  /** TLVs in order (sub-TLVs of SSL right after their SSL TLV). */
  tlvs: RawProxyTlv[];
  /** Whether a CRC32C TLV was present and matched. */
  crc32cVerified: boolean;
}

/** The outcome of {@linkcode proxyDecodeRaw}. */
export type RawProxyDecodeResult =
  | { kind: "need-more" }
  | { kind: "header"; header: RawProxyHeader }
  | {
    kind: "error";
    /** Why the header was rejected. */
    reason: ProxyCoreReason;
    /** Offset of the offending byte from the start of the input. */
    offset: number;
    /** For "v2-too-long": the total length the header declared. */
    declaredLength: number;
  };

const MODE = { auto: 0, v1: 1, v2: 2 } as const;

/**
 * Runs the core decoder over `input` (the bytes received so far).
 *
 * @param input bytes from the start of the stream; bytes past the header are never examined
 * @param mode which versions to accept
 * @param maxLength the largest v2 header accepted, in bytes (16..65551)
 * @returns need-more, a decoded header, or a rejection with reason and offset
 */
export function proxyDecodeRaw(
  input: Uint8Array,
  mode: "auto" | "v1" | "v2",
  maxLength: number,
): RawProxyDecodeResult {
  // The header is never longer than PROXY_V2_MAX_LENGTH: bytes past that are not looked at.
  const n = Math.min(input.length, PROXY_V2_MAX_LENGTH);
  let r = decodeAt(SCRATCH_PTR, input, Math.min(n, SCRATCH_SIZE), mode, maxLength);
  if (r === Status.NEED_MORE && n > SCRATCH_SIZE) {
    const ptr = core.mem_alloc(n) as number;
    if (ptr <= 0) {
      throw new RangeError(
        `Cannot decode PROXY header: no memory for ${n} bytes of input (status ${ptr})`,
      );
    }
    try {
      r = decodeAt(ptr, input, n, mode, maxLength);
      return collect(r, ptr);
    } finally {
      core.mem_free(ptr);
    }
  }
  return collect(r, SCRATCH_PTR);
}

function decodeAt(
  ptr: number,
  input: Uint8Array,
  n: number,
  mode: "auto" | "v1" | "v2",
  maxLength: number,
): number {
  bytes().set(input.subarray(0, n), ptr);
  return core.proxy_decode(ptr, n, MODE[mode], maxLength) as number;
}

function collect(r: number, ptr: number): RawProxyDecodeResult {
  const res = core.proxy_result_ptr() as number;
  const dv = dataView();
  if (r === Status.NEED_MORE) return { kind: "need-more" };
  if (r === Status.BAD_PROXY_HEADER || r === Status.FRAME_TOO_LONG) {
    const code = dv.getUint32(res + 60, true);
    return {
      kind: "error",
      reason: PROXY_REASONS[code] ?? "none",
      offset: dv.getUint32(res + 56, true),
      declaredLength: r === Status.FRAME_TOO_LONG ? dv.getUint32(res + 8, true) : 0,
    };
  }
  if (r <= 0) {
    throw new RangeError(`Cannot decode PROXY header: core returned status ${r}`);
  }
  const mem = bytes();
  const family = mem[res + 2];
  const addrLen = family === 1 ? 4 : family === 2 ? 16 : 0;
  let source = mem.slice(res + 24, res + 24 + addrLen);
  let destination = mem.slice(res + 40, res + 40 + addrLen);
  if (family === 3) {
    const at = ptr + dv.getUint32(res + 16, true);
    source = mem.slice(at, at + 108);
    destination = mem.slice(at + 108, at + 216);
  }
  const count = dv.getUint32(res + 12, true);
  const table = core.proxy_tlv_table_ptr() as number;
  const tlvs: RawProxyTlv[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const e = table + i * 8;
    tlvs[i] = {
      offset: dv.getUint32(e, true),
      length: dv.getUint16(e + 4, true),
      type: mem[e + 6],
      parent: mem[e + 7],
    };
  }
  return {
    kind: "header",
    header: {
      version: mem[res] as 1 | 2,
      command: mem[res + 1],
      family,
      transport: mem[res + 3],
      source,
      destination,
      sourcePort: dv.getUint16(res + 4, true),
      destinationPort: dv.getUint16(res + 6, true),
      length: r,
      tlvs,
      crc32cVerified: dv.getUint32(res + 64, true) === 1,
    },
  };
}

/** Fields the encoders read (addresses as bytes). */
export interface RawProxyFields {
  /** 0 LOCAL, 1 PROXY. */
  command: number;
  /** 0 UNSPEC, 1 INET, 2 INET6, 3 UNIX. */
  family: number;
  /** 0 UNSPEC, 1 STREAM, 2 DGRAM. */
  transport: number;
  /** 4 or 16 bytes (INET/INET6), or a 108-byte path block (UNIX). */
  source: Uint8Array;
  /** Like `source`. */
  destination: Uint8Array;
  /** Source port. */
  sourcePort: number;
  /** Destination port. */
  destinationPort: number;
}

function writeFields(f: RawProxyFields): void {
  const res = core.proxy_result_ptr() as number;
  const mem = bytes();
  mem.fill(0, res, res + (core.proxy_result_size() as number));
  mem[res + 1] = f.command;
  mem[res + 2] = f.family;
  mem[res + 3] = f.transport;
  const dv = dataView();
  dv.setUint16(res + 4, f.sourcePort, true);
  dv.setUint16(res + 6, f.destinationPort, true);
  if (f.family === 1 || f.family === 2) {
    mem.set(f.source, res + 24);
    mem.set(f.destination, res + 40);
  }
}

/**
 * Encodes a v1 line with the core.
 *
 * @param f the fields (family 1 TCP4, 2 TCP6, 0 UNKNOWN)
 * @returns the line's bytes (at most 107)
 */
export function proxyEncodeV1Raw(f: RawProxyFields): Uint8Array {
  writeFields(f);
  const n = core.proxy_encode_v1(SCRATCH_PTR, SCRATCH_SIZE) as number;
  if (n < 0) throw new RangeError(`Cannot encode PROXY v1 header: core returned status ${n}`);
  return bytes().slice(SCRATCH_PTR, SCRATCH_PTR + n);
}

/**
 * Encodes a v2 header with the core: the fixed part and address block, then `tlvs` (already
 * serialised). When `crcOffset` is given, the 4 bytes at that offset of `tlvs` are filled with
 * the CRC32C of the whole header (computed with those bytes zeroed).
 *
 * @param f the fields
 * @param tlvs serialised TLVs (type, length, value)...
 * @param crcOffset offset in `tlvs` of a CRC32C TLV's 4-byte value, or -1
 * @returns the header's bytes
 */
export function proxyEncodeV2Raw(
  f: RawProxyFields,
  tlvs: Uint8Array,
  crcOffset: number,
): Uint8Array {
  writeFields(f);
  const unixPtr = SCRATCH_PTR + 512;
  if (f.family === 3) {
    const mem = bytes();
    mem.fill(0, unixPtr, unixPtr + 216);
    mem.set(f.source.subarray(0, 108), unixPtr);
    mem.set(f.destination.subarray(0, 108), unixPtr + 108);
  }
  const n = core.proxy_encode_v2(SCRATCH_PTR, 512, tlvs.length, unixPtr) as number;
  if (n < 0) throw new RangeError(`Cannot encode PROXY v2 header: core returned status ${n}`);
  const out = new Uint8Array(n + tlvs.length);
  out.set(bytes().subarray(SCRATCH_PTR, SCRATCH_PTR + n));
  out.set(tlvs, n);
  if (crcOffset >= 0) {
    const at = n + crcOffset;
    out.fill(0, at, at + 4);
    const crc = proxyCrc32c(out);
    new DataView(out.buffer).setUint32(at, crc, false);
  }
  return out;
}

/**
 * CRC32C (Castagnoli) of `data`, computed by the core in chunks through the scratch area.
 *
 * @param data the bytes
 * @returns the checksum as an unsigned 32-bit number
 */
export function proxyCrc32c(data: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < data.length; i += SCRATCH_SIZE) {
    const chunk = data.subarray(i, i + SCRATCH_SIZE);
    bytes().set(chunk, SCRATCH_PTR);
    crc = core.proxy_crc32c(crc, SCRATCH_PTR, chunk.length) >>> 0;
  }
  return crc >>> 0;
}

/**
 * Formats 4 or 16 address bytes as text (dotted quad, or RFC 5952 IPv6).
 *
 * @param addr 4 or 16 bytes
 * @returns the text
 */
export function proxyFormatIp(addr: Uint8Array): string {
  const family = addr.length === 4 ? 1 : addr.length === 16 ? 2 : 0;
  if (family === 0) throw new RangeError(`Cannot format address: ${addr.length} bytes`);
  bytes().set(addr, SCRATCH_PTR);
  const out = SCRATCH_PTR + 64;
  const n = core.proxy_format_ip(SCRATCH_PTR, family, out) as number;
  let s = "";
  const mem = bytes();
  for (let i = 0; i < n; i++) s += String.fromCharCode(mem[out + i]);
  return s;
}

/**
 * Parses an address the way a v1 header writes it (strict dotted quad, or RFC 4291 IPv6).
 *
 * @param text the address text
 * @param family 4 or 6
 * @returns 4 or 16 bytes, or null when the text is not a valid address of that family
 */
export function proxyParseIp(text: string, family: 4 | 6): Uint8Array | null {
  if (text.length > 45) return null;
  const mem = bytes();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return null;
    mem[SCRATCH_PTR + i] = c;
  }
  const out = SCRATCH_PTR + 64;
  const n = core.proxy_parse_ip(SCRATCH_PTR, text.length, family === 4 ? 1 : 2, out) as number;
  if (n < 0) return null;
  return bytes().slice(out, out + n);
}
