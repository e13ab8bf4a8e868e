/**
 * How a socket's addresses compare across the boundary: the kernel's `struct sockaddr` bytes
 * (from `getsockname`/`getpeername`) against the address text of a Deno socket object, by
 * bytes and port (IPv4 as v4-mapped), never by text. Address text is read with the core's
 * `inet_pton` (`wasm/addr.ts`): Deno writes canonical text, so no legacy form can appear.
 *
 * Needs no permissions.
 *
 * @module
 */

import type { SocketConstants } from "./constants.ts";
import { pton4Into, pton6Into } from "../../wasm/addr.ts";

/** The address family of a resolved socket. */
export type SocketFamily = "IPv4" | "IPv6" | "unix";

const HEX = (n: number) => n.toString(16);

/** Key text for an IP address given as 16 bytes (v4 as v4-mapped) and a port. */
function ipKey(b16: Uint8Array, port: number): string {
  let mapped = true;
  for (let i = 0; i < 10; i++) if (b16[i] !== 0) mapped = false;
  if (mapped && b16[10] === 0xff && b16[11] === 0xff) {
    return `${b16[12]}.${b16[13]}.${b16[14]}.${b16[15]}:${port}`;
  }
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(HEX((b16[i] << 8) | b16[i + 1]));
  return `[${g.join(":")}]:${port}`;
}

/** The family number of a sockaddr, in the OS's layout (a u16, or a byte after the length on BSD). */
export function familyOf(C: SocketConstants, addr: Uint8Array): number {
  return C.sockaddr.familyWidth === 2
    ? addr[C.sockaddr.familyOffset] | (addr[C.sockaddr.familyOffset + 1] << 8)
    : addr[C.sockaddr.familyOffset];
}

/**
 * Decode a `struct sockaddr` into its family and a key text (`"127.0.0.1:80"`,
 * `"[0:0:0:0:0:0:0:1]:80"`, `"unix:/path"`), as used in error messages.
 *
 * @param C The OS's constants (sockaddr layout).
 * @param addr The sockaddr bytes.
 * @param len The length the kernel returned.
 * @returns `[family, key]`; family is null for families other than IPv4, IPv6 and Unix.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sockaddrKey } from "./socket_address.ts";
 * import { LINUX } from "./constants.ts";
 * const a = new Uint8Array(16);
 * a.set([2, 0, 0x1f, 0x90, 127, 0, 0, 1]);
 * assert.deepEqual(sockaddrKey(LINUX, a, 16), ["IPv4", "127.0.0.1:8080"]);
 * ```
 */
export function sockaddrKey(
  C: SocketConstants,
  addr: Uint8Array,
  len: number,
): [SocketFamily | null, string] {
  const fam = familyOf(C, addr);
  const port = (addr[2] << 8) | addr[3];
  if (fam === C.AF_INET) {
    const b = new Uint8Array(16);
    b[10] = b[11] = 0xff;
    b.set(addr.subarray(4, 8), 12);
    return ["IPv4", ipKey(b, port)];
  }
  if (fam === C.AF_INET6) return ["IPv6", ipKey(addr.subarray(8, 24), port)];
  if (fam === C.AF_UNIX) return ["unix", "unix:" + unixPath(addr, len)];
  return [null, `af${fam}`];
}

/** The path of a sockaddr_un of `len` bytes, up to its first NUL. */
export function unixPath(addr: Uint8Array, len: number): string {
  let end = 2;
  while (end < len && addr[end] !== 0) end++;
  return new TextDecoder().decode(addr.subarray(2, end));
}

/**
 * Write the 16 bytes of a Deno address's hostname (IPv4 as v4-mapped; an IPv6 zone is ignored)
 * into `out`, with the core's `inet_pton`; false when the text is not an IP address (`out` is
 * then unspecified). Allocates nothing.
 */
export function ipInto(host: string, out: Uint8Array): boolean {
  if (host.includes(":")) {
    const pct = host.indexOf("%");
    return pton6Into(pct < 0 ? host : host.slice(0, pct), out) === 16;
  }
  if (pton4Into(host, out, 12) !== 4) return false;
  out.fill(0, 0, 10);
  out[10] = out[11] = 0xff;
  return true;
}

/** 16 bytes for IP text (IPv4 dotted quad as v4-mapped), or null. */
function ipBytes(host: string): Uint8Array | null {
  const out = new Uint8Array(16);
  return ipInto(host, out) ? out : null;
}

/**
 * Key text for a Deno address, equal to {@linkcode sockaddrKey}'s for the same socket.
 *
 * @param addr A Deno address.
 * @returns The key text.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoAddrKey } from "./socket_address.ts";
 * assert.equal(denoAddrKey({ transport: "tcp", hostname: "::ffff:127.0.0.1", port: 5 }), "127.0.0.1:5");
 * ```
 */
export function denoAddrKey(addr: Deno.Addr): string {
  if ("path" in addr) return "unix:" + (addr.path ?? "");
  if (!("hostname" in addr)) return `vsock:${JSON.stringify(addr)}`;
  const b = ipBytes(addr.hostname);
  return b ? ipKey(b, addr.port) : `${addr.hostname}:${addr.port}`;
}

/** Does the sockaddr in `a` (length `len`) equal the expected IP bytes and port, or Unix path? */
export function addrMatches(
  C: SocketConstants,
  a: Uint8Array,
  len: number,
  unix: boolean,
  ip: Uint8Array,
  ipOk: boolean,
  port: number,
  path: string,
): boolean {
  const fam = familyOf(C, a);
  if (unix) return fam === C.AF_UNIX && unixPath(a, len) === path;
  if (!ipOk || ((a[2] << 8) | a[3]) !== port) return false;
  if (fam === C.AF_INET) {
    for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
    return ip[10] === 0xff && ip[11] === 0xff && a[4] === ip[12] && a[5] === ip[13] &&
      a[6] === ip[14] && a[7] === ip[15];
  }
  if (fam !== C.AF_INET6) return false;
  for (let i = 0; i < 16; i++) if (a[8 + i] !== ip[i]) return false;
  return true;
}

/** The family name of a family number. */
export function familyName(C: SocketConstants, fam: number): SocketFamily {
  return fam === C.AF_INET ? "IPv4" : fam === C.AF_INET6 ? "IPv6" : "unix";
}
