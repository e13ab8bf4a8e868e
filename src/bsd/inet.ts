/**
 * IPv4 and IPv6 addresses under the C names: `inet_pton`, `inet_ntop`, `inet_aton`,
 * `inet_addr`, `inet_ntoa`, `struct in_addr` ({@linkcode InAddr}), `INADDR_*` and `AF_*`.
 *
 * Parsing and formatting run in the Wasm core and follow glibc 2.36 exactly (the tests compare
 * them with glibc through FFI on generated inputs). Two families of parsers, on purpose:
 *
 * - **Strict** (`inet_pton`): IPv4 is exactly four decimal octets with no leading zeros;
 *   nothing before or after the address. `parseAddress` in `../addr/` is the same parser with
 *   zone ids and typed errors.
 * - **Legacy** (`inet_aton`, `inet_addr`): the 4.2BSD forms C programs rely on. `"127.1"` is
 *   127.0.0.1, `"0x7f.1"` is hex, `"010.0.0.1"` is **octal** 8.0.0.1, `"2130706433"` is one
 *   32-bit number, and glibc ignores everything after a whitespace character
 *   (`"1.2.3.4 junk"` is 1.2.3.4; glibc bugs 20018 and 24111). Two parsers that disagree about
 *   one string are the root of several SSRF bugs (CVE-2021-28918, CVE-2023-42282,
 *   CVE-2024-29415, CVE-2021-29921): a validator reads `"0127.0.0.1"` as public 127.0.0.1's
 *   cousin while the connection goes to 87.0.0.1. Use the legacy forms only to port C code;
 *   decide anything about an address from its parsed bytes, never from its text.
 *
 * One deliberate difference from C: a JavaScript string has no terminator, so a NUL character
 * inside the text is an ordinary invalid character (C would stop reading there and accept
 * `"127.0.0.1\0evil"`).
 *
 * @module
 */
import { AddressFamilyError } from "../addr/errors.ts";
import { atonInto, atonMany, ntop4, ntop6, pton4Into, pton6Into } from "../../wasm/addr.ts";

/** Local (Unix domain) sockets: `AF_UNIX` = 1 (also `AF_LOCAL`). */
export const AF_UNIX = 1;
/** IPv4: `AF_INET` = 2 on every platform. */
export const AF_INET = 2;
/** IPv6: `AF_INET6` = 10, the Linux value (macOS uses 30, Windows 23). */
export const AF_INET6 = 10;

/** `INADDR_ANY` (0.0.0.0), every local interface; a host-order number, as in C. */
export const INADDR_ANY = 0x00000000;
/** `INADDR_LOOPBACK` (127.0.0.1) in host order, as in C: `htonl(INADDR_LOOPBACK)` is the `s_addr`. */
export const INADDR_LOOPBACK = 0x7f000001;
/** `INADDR_BROADCAST` (255.255.255.255). */
export const INADDR_BROADCAST = 0xffffffff;
/**
 * `INADDR_NONE`, what {@linkcode inet_addr} returns for invalid text. It is also the value of
 * the valid address 255.255.255.255: `inet_addr` cannot tell them apart. Use
 * {@linkcode inet_aton} (returns `null` on error) when that matters.
 */
export const INADDR_NONE = 0xffffffff;

function requireText(fn: string, text: unknown): asserts text is string {
  if (typeof text !== "string") {
    const got = text === null ? "null" : typeof text;
    throw new TypeError(`Cannot ${fn}: expected the address text as a string, got ${got}`);
  }
}

/**
 * Converts address text to its bytes, exactly as glibc's `inet_pton` does.
 *
 * Strict: IPv4 must be four decimal octets 0..255 without leading zeros; IPv6 may compress one
 * run of zero groups with `::` and may end in a dotted IPv4 address. No whitespace, brackets,
 * zone ids (`%eth0`) or ports; use {@linkcode parseAddress} or {@linkcode parseHostPort} for
 * those.
 *
 * @param af `AF_INET` (2) or `AF_INET6` (10).
 * @param text The address text.
 * @returns 4 (AF_INET) or 16 (AF_INET6) bytes in network order, or `null` when the text is not
 *   an address of that family (C returns 0).
 * @throws {AddressFamilyError} (a `RangeError`) for any other family (C returns -1 with
 *   `EAFNOSUPPORT`).
 * @throws {TypeError} When `text` is not a string.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, AF_INET6, inet_pton } from "./inet.ts";
 * assert.equal(inet_pton(AF_INET, "127.0.0.1")?.join("."), "127.0.0.1");
 * assert.equal(inet_pton(AF_INET, "127.1"), null); // short forms are for inet_aton only
 * assert.equal(inet_pton(AF_INET, "010.0.0.1"), null); // no leading zeros
 * assert.equal(inet_pton(AF_INET6, "::1")?.[15], 1);
 * ```
 */
export function inet_pton(af: number, text: string): Uint8Array | null {
  if (af === AF_INET) {
    requireText("inet_pton", text);
    const out = new Uint8Array(4);
    return pton4Into(text, out) < 0 ? null : out;
  }
  if (af === AF_INET6) {
    requireText("inet_pton", text);
    const out = new Uint8Array(16);
    return pton6Into(text, out) < 0 ? null : out;
  }
  throw new AddressFamilyError("inet_pton", af);
}

/**
 * Converts address bytes to text, exactly as glibc's `inet_ntop` does.
 *
 * IPv6 text is lowercase without leading zeros; the longest run of two or more zero groups
 * becomes `::` (the first one on a tie; a single zero group stays `0`). Two forms end in a
 * dotted quad, by glibc's rule: IPv4-mapped `::ffff:a.b.c.d` (groups 0 to 4 zero, group 5
 * `ffff`) and IPv4-compatible `::a.b.c.d` (groups 0 to 5 zero, group 6 non-zero; so `::1` stays
 * `::1` but `::1:0` is `::0.1.0.0`). Python and WHATWG print these in hex instead.
 *
 * @param af `AF_INET` (2) or `AF_INET6` (10).
 * @param bytes 4 (AF_INET) or 16 (AF_INET6) bytes in network order.
 * @returns The address text.
 * @throws {AddressFamilyError} (a `RangeError`) for any other family.
 * @throws {TypeError} When `bytes` is not a `Uint8Array`.
 * @throws {RangeError} When `bytes` has the wrong length for the family.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, AF_INET6, inet_ntop, inet_pton } from "./inet.ts";
 * assert.equal(inet_ntop(AF_INET, new Uint8Array([202, 119, 9, 199])), "202.119.9.199");
 * const v6 = inet_pton(AF_INET6, "2001:DB8:0:0:1:0:0:1")!;
 * assert.equal(inet_ntop(AF_INET6, v6), "2001:db8::1:0:0:1");
 * assert.equal(inet_ntop(AF_INET6, inet_pton(AF_INET6, "::FFFF:7F00:1")!), "::ffff:127.0.0.1");
 * ```
 */
export function inet_ntop(af: number, bytes: Uint8Array): string {
  if (af !== AF_INET && af !== AF_INET6) throw new AddressFamilyError("inet_ntop", af);
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot inet_ntop: expected the address bytes as a Uint8Array`);
  }
  const want = af === AF_INET ? 4 : 16;
  if (bytes.length !== want) {
    throw new RangeError(
      `Cannot inet_ntop: ${
        af === AF_INET ? "AF_INET" : "AF_INET6"
      } needs ${want} bytes, got ${bytes.length}`,
    );
  }
  return af === AF_INET ? ntop4(bytes) : ntop6(bytes);
}

/**
 * Converts IPv4 text in any of C's legacy forms to its 4 bytes, exactly as glibc's `inet_aton`.
 *
 * Accepted forms: `a.b.c.d`, `a.b.c` (c fills 16 bits), `a.b` (b fills 24 bits) and `a`
 * (32 bits); each part decimal, octal with a leading `0`, or hex with `0x`. Text after a
 * whitespace character that ends the address is ignored, as glibc does. See the module
 * documentation for why this is dangerous outside ported C code.
 *
 * @param text The address text.
 * @returns 4 bytes in network order, or `null` when glibc's `inet_aton` would return 0.
 * @throws {TypeError} When `text` is not a string.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inet_aton } from "./inet.ts";
 * assert.equal(inet_aton("127.1")?.join("."), "127.0.0.1");
 * assert.equal(inet_aton("010.0.0.1")?.join("."), "8.0.0.1"); // octal!
 * assert.equal(inet_aton("0x7f.1")?.join("."), "127.0.0.1");
 * assert.equal(inet_aton("1.2.3.4 junk")?.join("."), "1.2.3.4"); // glibc ignores the rest
 * assert.equal(inet_aton("256.1.1.1"), null);
 * ```
 */
export function inet_aton(text: string): Uint8Array | null {
  requireText("inet_aton", text);
  const out = new Uint8Array(4);
  return atonInto(text, out) < 0 ? null : out;
}

const ADDR4 = new Uint8Array(4);

/**
 * Converts IPv4 text (legacy forms, as {@linkcode inet_aton}) to the `s_addr` number C stores
 * in `struct in_addr`: the network-order bytes read as a host-order (little-endian) u32.
 *
 * Beware: the result for invalid text, {@linkcode INADDR_NONE} (0xFFFFFFFF), is also the result
 * for the valid `"255.255.255.255"`. Use {@linkcode inet_aton} or {@linkcode parseAddress} to
 * tell them apart.
 *
 * @param text The address text.
 * @returns The `s_addr` value (0..4294967295), or `INADDR_NONE` for invalid text.
 * @throws {TypeError} When `text` is not a string.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inet_addr, INADDR_NONE } from "./inet.ts";
 * import { htonl } from "./byte_order.ts";
 * assert.equal(inet_addr("127.0.0.1"), htonl(0x7f000001));
 * assert.equal(inet_addr("202.119.9.199"), 0xc70977ca);
 * assert.equal(inet_addr("256.1.1.1"), INADDR_NONE);
 * assert.equal(inet_addr("255.255.255.255"), INADDR_NONE); // the ambiguity
 * ```
 */
export function inet_addr(text: string): number {
  requireText("inet_addr", text);
  if (atonInto(text, ADDR4) < 0) return INADDR_NONE;
  return (ADDR4[0] | (ADDR4[1] << 8) | (ADDR4[2] << 16) | (ADDR4[3] << 24)) >>> 0;
}

/**
 * {@linkcode inet_addr} over many texts at once: the batch form for bulk work such as parsing a
 * log or an allow list. The texts cross into the Wasm core thousands at a time, so the per-call
 * cost that makes a single `inet_addr` slower than a plain TypeScript parser is paid once per
 * chunk. Each result is exactly what `inet_addr(texts[i])` returns.
 *
 * @param texts The address texts.
 * @param out Where to write the results; default a new `Uint32Array(texts.length)`.
 * @returns `out`, holding one `s_addr` per text ({@linkcode INADDR_NONE} for invalid text).
 * @throws {TypeError} When an element of `texts` is not a string.
 * @throws {RangeError} When `out` is shorter than `texts`.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INADDR_NONE, inet_addr, inetAddrMany } from "./inet.ts";
 * const got = inetAddrMany(["127.0.0.1", "10.1", "0x7f.1", "bogus"]);
 * assert.equal(got[0], inet_addr("127.0.0.1"));
 * assert.equal(got[1], inet_addr("10.1"));
 * assert.equal(got[2], inet_addr("0x7f.1"));
 * assert.equal(got[3], INADDR_NONE);
 * ```
 */
export function inetAddrMany(
  texts: readonly string[],
  out: Uint32Array = new Uint32Array(texts.length),
): Uint32Array {
  if (out.length < texts.length) {
    throw new RangeError(
      `Cannot parse addresses: output holds ${out.length} values, ${texts.length} needed`,
    );
  }
  for (let i = 0; i < texts.length; i++) requireText("inetAddrMany", texts[i]);
  atonMany(texts, out);
  return out;
}

function sAddrBytes(fn: string, addr: number): Uint8Array {
  if (!(addr >= 0 && addr <= 0xffffffff && Math.floor(addr) === addr)) {
    throw new RangeError(`Cannot ${fn}: s_addr must be an integer 0..4294967295, got ${addr}`);
  }
  ADDR4[0] = addr & 0xff;
  ADDR4[1] = (addr >>> 8) & 0xff;
  ADDR4[2] = (addr >>> 16) & 0xff;
  ADDR4[3] = addr >>> 24;
  return ADDR4;
}

/**
 * Converts an IPv4 address to dotted text (`char *inet_ntoa(struct in_addr)`).
 *
 * Unlike C, the result is a new string each time, not a static buffer overwritten by the next
 * call.
 *
 * @param addr The `s_addr` number (as {@linkcode inet_addr} returns), 4 bytes in network
 *   order, or an {@linkcode InAddr}.
 * @returns The dotted-decimal text.
 * @throws {RangeError} When a number is not an integer 0..4294967295, or bytes are not 4 long.
 * @throws {TypeError} For any other argument type.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inet_addr, inet_ntoa } from "./inet.ts";
 * assert.equal(inet_ntoa(inet_addr("202.119.9.199")), "202.119.9.199");
 * assert.equal(inet_ntoa(new Uint8Array([127, 0, 0, 1])), "127.0.0.1");
 * ```
 */
export function inet_ntoa(addr: number | Uint8Array | InAddr): string {
  if (typeof addr === "number") return ntop4(sAddrBytes("inet_ntoa", addr));
  if (addr instanceof InAddr) return ntop4(addr.bytes);
  if (addr instanceof Uint8Array) {
    if (addr.length !== 4) {
      throw new RangeError(`Cannot inet_ntoa: expected 4 address bytes, got ${addr.length}`);
    }
    return ntop4(addr);
  }
  throw new TypeError("Cannot inet_ntoa: expected an s_addr number, 4 bytes or an InAddr");
}

/** `S_un_b`: the address as four bytes, `s_b1` first (the first octet of the dotted text). */
export interface InAddrBytes {
  /** First byte (`s_net`). */
  s_b1: number;
  /** Second byte (`s_host`). */
  s_b2: number;
  /** Third byte (`s_lh`). */
  s_b3: number;
  /** Fourth byte (`s_impno`). */
  s_b4: number;
}

/** `S_un_w`: the address as two host-order (little-endian) 16-bit words over the same bytes. */
export interface InAddrWords {
  /** Bytes 1 and 2 read as a little-endian u16. */
  s_w1: number;
  /** Bytes 3 and 4 read as a little-endian u16 (`s_imp`). */
  s_w2: number;
}

/** The `S_un` union of `struct in_addr`: three views of the same 4 bytes. */
export interface InAddrUnion {
  /** The 4 bytes. */
  readonly S_un_b: InAddrBytes;
  /** The 2 words. */
  readonly S_un_w: InAddrWords;
  /** The u32 `s_addr` (network-order bytes read in host order). */
  S_addr: number;
}

function checkByte(v: number): number {
  if (!(v >= 0 && v <= 0xff && Math.floor(v) === v)) {
    throw new RangeError(`Cannot set in_addr byte: expected an integer 0..255, got ${v}`);
  }
  return v;
}
function checkWord(v: number): number {
  if (!(v >= 0 && v <= 0xffff && Math.floor(v) === v)) {
    throw new RangeError(`Cannot set in_addr word: expected an integer 0..65535, got ${v}`);
  }
  return v;
}

/**
 * `struct in_addr` as in the course notes: one IPv4 address viewed as 4 bytes (`S_un.S_un_b`),
 * 2 words (`S_un.S_un_w`) and one u32 (`S_un.S_addr`), all over the same 4 bytes
 * ({@linkcode InAddr.bytes}, network order). The C shorthand macros are properties too:
 * `s_addr`, `s_net`, `s_host`, `s_lh`, `s_impno` and `s_imp`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InAddr, inet_addr } from "./inet.ts";
 * const addr = new InAddr();
 * addr.S_un.S_addr = inet_addr("202.119.9.199");
 * assert.equal(addr.S_un.S_un_b.s_b1, 202);
 * assert.equal(addr.s_impno, 199);
 * assert.equal(addr.S_un.S_un_w.s_w1, 0x77ca); // 119 * 256 + 202, little-endian
 * addr.S_un.S_un_b.s_b4 = 1;
 * assert.equal(addr.toString(), "202.119.9.1");
 * ```
 */
export class InAddr {
  /** The 4 address bytes in network order; every view reads and writes these. */
  readonly bytes: Uint8Array;
  /** The union of the three views. */
  readonly S_un: InAddrUnion;

  /**
   * Creates an address, 0.0.0.0 by default.
   *
   * @param init An `s_addr` number (as {@linkcode inet_addr} returns) or 4 bytes (copied).
   * @throws {RangeError} When a number is not a u32 or bytes are not 4 long.
   */
  constructor(init: number | Uint8Array = 0) {
    const bytes = new Uint8Array(4);
    const view = new DataView(bytes.buffer);
    if (typeof init === "number") {
      bytes.set(sAddrBytes("create in_addr", init));
    } else if (init instanceof Uint8Array && init.length === 4) {
      bytes.set(init);
    } else {
      throw new RangeError("Cannot create in_addr: expected an s_addr number or 4 bytes");
    }
    this.bytes = bytes;
    const b: InAddrBytes = {
      get s_b1() {
        return bytes[0];
      },
      set s_b1(v) {
        bytes[0] = checkByte(v);
      },
      get s_b2() {
        return bytes[1];
      },
      set s_b2(v) {
        bytes[1] = checkByte(v);
      },
      get s_b3() {
        return bytes[2];
      },
      set s_b3(v) {
        bytes[2] = checkByte(v);
      },
      get s_b4() {
        return bytes[3];
      },
      set s_b4(v) {
        bytes[3] = checkByte(v);
      },
    };
    const w: InAddrWords = {
      get s_w1() {
        return view.getUint16(0, true);
      },
      set s_w1(v) {
        view.setUint16(0, checkWord(v), true);
      },
      get s_w2() {
        return view.getUint16(2, true);
      },
      set s_w2(v) {
        view.setUint16(2, checkWord(v), true);
      },
    };
    this.S_un = {
      S_un_b: b,
      S_un_w: w,
      get S_addr() {
        return view.getUint32(0, true);
      },
      set S_addr(v) {
        bytes.set(sAddrBytes("set S_addr", v));
      },
    };
  }

  /** `s_addr` (`S_un.S_addr`). */
  get s_addr(): number {
    return this.S_un.S_addr;
  }
  set s_addr(v: number) {
    this.S_un.S_addr = v;
  }
  /** `s_net` (`S_un.S_un_b.s_b1`). */
  get s_net(): number {
    return this.bytes[0];
  }
  set s_net(v: number) {
    this.bytes[0] = checkByte(v);
  }
  /** `s_host` (`S_un.S_un_b.s_b2`). */
  get s_host(): number {
    return this.bytes[1];
  }
  set s_host(v: number) {
    this.bytes[1] = checkByte(v);
  }
  /** `s_lh` (`S_un.S_un_b.s_b3`). */
  get s_lh(): number {
    return this.bytes[2];
  }
  set s_lh(v: number) {
    this.bytes[2] = checkByte(v);
  }
  /** `s_impno` (`S_un.S_un_b.s_b4`). */
  get s_impno(): number {
    return this.bytes[3];
  }
  set s_impno(v: number) {
    this.bytes[3] = checkByte(v);
  }
  /** `s_imp` (`S_un.S_un_w.s_w2`). */
  get s_imp(): number {
    return this.S_un.S_un_w.s_w2;
  }
  set s_imp(v: number) {
    this.S_un.S_un_w.s_w2 = v;
  }

  /** The dotted text, as {@linkcode inet_ntoa}. */
  toString(): string {
    return ntop4(this.bytes);
  }
}
