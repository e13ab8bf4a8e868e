/**
 * `struct sockaddr_in` and `struct sockaddr_in6` for the bsd calls, and the conversions between
 * them and Deno's `NetAddr`.
 *
 * Wherever C takes a `struct sockaddr *`, the bsd calls accept:
 * - a {@linkcode sockaddr_in} / {@linkcode sockaddr_in6} built field by field, as in C
 *   (`sin_port = htons(5000)`, `sin_addr.s_addr = inet_addr("127.0.0.1")`);
 * - any object with the same fields (`sin_family`, `sin_port`, `sin_addr` as an `InAddr`, an
 *   `{ s_addr }` or 4 bytes), so other sockkit helpers' structs work too;
 * - the raw bytes of the C struct (16 bytes for `sockaddr_in`, 28 for `sockaddr_in6`, Linux
 *   layout: family in host order, port and address in network order).
 *
 * Calls that fill an address in (`accept`, `recvfrom`, `getsockname`, `getpeername`) write the
 * fields of an object, or the bytes of a `Uint8Array`.
 *
 * Needs no permissions.
 *
 * @example Build the seed's server address by hand
 * ```ts
 * import assert from "node:assert/strict";
 * import { sockaddr_in } from "./sockaddr.ts";
 * import { AF_INET, inet_addr } from "./inet.ts";
 * import { htons, ntohs } from "./byte_order.ts";
 * const ServerAddr = new sockaddr_in(); // memset(&ServerAddr, 0, sizeof(ServerAddr))
 * ServerAddr.sin_family = AF_INET;
 * ServerAddr.sin_addr.s_addr = inet_addr("127.0.0.1");
 * ServerAddr.sin_port = htons(5000);
 * assert.equal(ntohs(ServerAddr.sin_port), 5000);
 * assert.deepEqual([...ServerAddr.bytes()], [2, 0, 0x13, 0x88, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
 * ```
 *
 * @module
 */

import { AF_INET, AF_INET6, InAddr, inet_ntop, inet_pton } from "./inet.ts";
import { htons, ntohs } from "./byte_order.ts";
import { fail } from "./errors.ts";

/** The size of `struct sockaddr_in` (16). */
export const SOCKADDR_IN_SIZE = 16;
/** The size of `struct sockaddr_in6` (28). */
export const SOCKADDR_IN6_SIZE = 28;

/** `struct sockaddr_in`: an IPv4 address and port. Zeroed when created, like `memset(&a, 0, sizeof a)`. */
export class sockaddr_in {
  /** `sin_family`: `AF_INET`. */
  sin_family = 0;
  /** `sin_port`, in network byte order: assign `htons(port)`, read with `ntohs`. */
  sin_port = 0;
  /** `sin_addr`: the address, an `InAddr` (`sin_addr.s_addr = inet_addr("...")`). */
  sin_addr: InAddr = new InAddr();
  /** `sin_zero[8]`: padding. */
  sin_zero: Uint8Array = new Uint8Array(8);

  /**
   * The 16 bytes of the C struct (Linux layout).
   *
   * @returns A new array.
   */
  bytes(): Uint8Array {
    const b = new Uint8Array(SOCKADDR_IN_SIZE);
    const v = new DataView(b.buffer);
    v.setUint16(0, this.sin_family, true);
    v.setUint16(2, ntohs(this.sin_port));
    b.set(this.sin_addr.bytes, 4);
    b.set(this.sin_zero.subarray(0, 8), 8);
    return b;
  }

  /** `"ADDR:PORT"`. */
  toString(): string {
    return `${this.sin_addr}:${ntohs(this.sin_port)}`;
  }
}

/** `struct sockaddr_in6`: an IPv6 address and port. */
export class sockaddr_in6 {
  /** `sin6_family`: `AF_INET6`. */
  sin6_family = 0;
  /** `sin6_port`, network byte order. */
  sin6_port = 0;
  /** `sin6_flowinfo`. */
  sin6_flowinfo = 0;
  /** `sin6_addr.s6_addr`: 16 bytes. */
  sin6_addr: { s6_addr: Uint8Array } = { s6_addr: new Uint8Array(16) };
  /** `sin6_scope_id`. */
  sin6_scope_id = 0;

  /**
   * The 28 bytes of the C struct (Linux layout).
   *
   * @returns A new array.
   */
  bytes(): Uint8Array {
    const b = new Uint8Array(SOCKADDR_IN6_SIZE);
    const v = new DataView(b.buffer);
    v.setUint16(0, this.sin6_family, true);
    v.setUint16(2, ntohs(this.sin6_port));
    v.setUint32(4, this.sin6_flowinfo);
    b.set(this.sin6_addr.s6_addr.subarray(0, 16), 8);
    v.setUint32(24, this.sin6_scope_id, true);
    return b;
  }

  /** `"[ADDR]:PORT"`. */
  toString(): string {
    return `[${inet_ntop(AF_INET6, this.sin6_addr.s6_addr)}]:${ntohs(this.sin6_port)}`;
  }
}

/** Anything a bsd call accepts as a `struct sockaddr *` (see the module docs). */
export type SockaddrLike =
  | sockaddr_in
  | sockaddr_in6
  | Uint8Array
  | {
    sin_family: number;
    sin_port: number;
    sin_addr: InAddr | { s_addr: number } | Uint8Array | number;
  }
  | { sin6_family: number; sin6_port: number; sin6_addr: { s6_addr: Uint8Array } | Uint8Array };

/** An address decoded from a {@linkcode SockaddrLike}. */
export interface DecodedAddr {
  /** `AF_INET` or `AF_INET6`. */
  family: number;
  /** The address text. */
  hostname: string;
  /** The port, host order. */
  port: number;
}

function v4Text(a: unknown): string | null {
  if (a instanceof InAddr) return a.toString();
  if (a instanceof Uint8Array && a.length === 4) return new InAddr(a).toString();
  if (typeof a === "number") return new InAddr(a >>> 0).toString();
  if (a && typeof a === "object" && typeof (a as { s_addr?: unknown }).s_addr === "number") {
    return new InAddr((a as { s_addr: number }).s_addr >>> 0).toString();
  }
  return null;
}

/**
 * Decode a `struct sockaddr *` argument.
 *
 * @param call The calling function (for the error).
 * @param addr The address.
 * @returns The family, address text and host-order port.
 * @throws {BsdError} `EFAULT` when it is not an address, `EAFNOSUPPORT` for another family.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSockaddr, sockaddr_in } from "./sockaddr.ts";
 * const a = new sockaddr_in();
 * a.sin_family = 2;
 * a.sin_port = 0x8813; // htons(5000) on a little-endian host
 * a.sin_addr.s_addr = 0x0100007f;
 * assert.deepEqual(decodeSockaddr("connect", a), { family: 2, hostname: "127.0.0.1", port: 5000 });
 * assert.deepEqual(decodeSockaddr("connect", a.bytes()), { family: 2, hostname: "127.0.0.1", port: 5000 });
 * ```
 */
export function decodeSockaddr(call: string, addr: SockaddrLike): DecodedAddr {
  if (addr instanceof Uint8Array) {
    if (addr.length < 2) fail(call, "EFAULT", `Cannot ${call}: address is ${addr.length} bytes`);
    const v = new DataView(addr.buffer, addr.byteOffset, addr.byteLength);
    const family = v.getUint16(0, true);
    if (family === AF_INET) {
      if (addr.length < SOCKADDR_IN_SIZE) {
        fail(call, "EFAULT", `Cannot ${call}: sockaddr_in needs 16 bytes, got ${addr.length}`);
      }
      return {
        family,
        hostname: inet_ntop(AF_INET, addr.subarray(4, 8)),
        port: v.getUint16(2),
      };
    }
    if (family === AF_INET6) {
      if (addr.length < SOCKADDR_IN6_SIZE) {
        fail(call, "EFAULT", `Cannot ${call}: sockaddr_in6 needs 28 bytes, got ${addr.length}`);
      }
      return {
        family,
        hostname: inet_ntop(AF_INET6, addr.subarray(8, 24)),
        port: v.getUint16(2),
      };
    }
    fail(call, "EAFNOSUPPORT", `Cannot ${call}: address family ${family} is not supported`);
  }
  if (addr && typeof addr === "object") {
    const o = addr as Record<string, unknown>;
    if ("sin_family" in o) {
      if (o.sin_family !== AF_INET) {
        fail(call, "EAFNOSUPPORT", `Cannot ${call}: sin_family ${o.sin_family} is not AF_INET`);
      }
      const host = v4Text(o.sin_addr);
      if (host === null || typeof o.sin_port !== "number") {
        fail(call, "EFAULT", `Cannot ${call}: sockaddr_in needs sin_port and sin_addr`);
      }
      return { family: AF_INET, hostname: host, port: ntohs(o.sin_port) };
    }
    if ("sin6_family" in o) {
      if (o.sin6_family !== AF_INET6) {
        fail(call, "EAFNOSUPPORT", `Cannot ${call}: sin6_family ${o.sin6_family} is not AF_INET6`);
      }
      const a = o.sin6_addr instanceof Uint8Array
        ? o.sin6_addr
        : (o.sin6_addr as { s6_addr?: Uint8Array } | undefined)?.s6_addr;
      if (!(a instanceof Uint8Array) || a.length !== 16 || typeof o.sin6_port !== "number") {
        fail(call, "EFAULT", `Cannot ${call}: sockaddr_in6 needs sin6_port and 16 address bytes`);
      }
      return { family: AF_INET6, hostname: inet_ntop(AF_INET6, a), port: ntohs(o.sin6_port) };
    }
  }
  fail(call, "EFAULT", `Cannot ${call}: expected a sockaddr_in, sockaddr_in6 or its bytes`);
}

/**
 * Fill a `struct sockaddr *` out-argument from an address, as `accept`/`recvfrom` do.
 *
 * @param out The object or bytes to fill (`undefined`/`null` is allowed: C's `NULL`).
 * @param hostname The address text (IPv4 or IPv6).
 * @param port The host-order port.
 * @returns The size of the struct written (16 or 28), like the `*addrlen` C sets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fillSockaddr, sockaddr_in } from "./sockaddr.ts";
 * import { inet_ntoa } from "./inet.ts";
 * import { ntohs } from "./byte_order.ts";
 * const from = new sockaddr_in();
 * fillSockaddr(from, "127.0.0.1", 1292);
 * assert.equal(`${inet_ntoa(from.sin_addr)}:${ntohs(from.sin_port)}`, "127.0.0.1:1292");
 * ```
 */
export function fillSockaddr(
  out: SockaddrLike | null | undefined,
  hostname: string,
  port: number,
): number {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(hostname);
  const v4 = inet_pton(AF_INET, mapped ? mapped[1] : hostname);
  const v6 = v4 ? null : inet_pton(AF_INET6, hostname.replace(/%.*$/, ""));
  const size = v4 ? SOCKADDR_IN_SIZE : SOCKADDR_IN6_SIZE;
  if (!out) return size;
  if (out instanceof Uint8Array) {
    const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
    out.fill(0, 0, Math.min(out.length, size));
    if (out.length < 4) return size;
    v.setUint16(0, v4 ? AF_INET : AF_INET6, true);
    v.setUint16(2, port);
    if (v4 && out.length >= 8) out.set(v4, 4);
    if (v6 && out.length >= 24) out.set(v6, 8);
    return size;
  }
  const o = out as Record<string, unknown>;
  if (v4 && ("sin_family" in o || !("sin6_family" in o))) {
    o.sin_family = AF_INET;
    o.sin_port = htons(port);
    if (o.sin_addr instanceof InAddr) o.sin_addr.bytes.set(v4);
    else if (o.sin_addr instanceof Uint8Array) o.sin_addr.set(v4);
    else o.sin_addr = new InAddr(v4);
    return size;
  }
  const bytes = v6 ?? new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4!]);
  o.sin6_family = AF_INET6;
  o.sin6_port = htons(port);
  o.sin6_flowinfo = 0;
  o.sin6_addr = { s6_addr: bytes.slice() };
  o.sin6_scope_id = 0;
  return SOCKADDR_IN6_SIZE;
}
