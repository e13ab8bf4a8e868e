/**
 * `gethostname` and `gethostbyname` for the bsd module, with C's `hostent` shape: the
 * addresses in `h_addr_list` are 4-byte arrays in network order, so the seed's
 * `inet_ntoa(*(struct in_addr *)h_addr_list[i])` ports as `inet_ntoa(h.h_addr_list[i])`.
 *
 * Both go through sockkit's resolver (src/resolve.ts): the system resolver through FFI, or
 * `/etc/hosts` and DNS without it.
 *
 * Permissions: `gethostname` needs `--allow-sys=hostname`; `gethostbyname` needs `--allow-ffi`,
 * or `--allow-read=/etc/hosts` (plus `--allow-net` for names not in it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gethostbyname } from "./netdb.ts";
 * import { inet_ntoa } from "../address.ts";
 * const h = await gethostbyname("localhost");
 * assert.ok(h.h_addr_list.map((a) => inet_ntoa(a)).includes("127.0.0.1"));
 * ```
 *
 * @module
 */

import { gethostbyname as resolveHost, gethostname as hostName } from "../resolve.ts";
import { inet_pton } from "../address.ts";
import { recordError } from "./errors.ts";
import { checkStarted } from "./winsock.ts";

/** C's `struct hostent` with byte addresses. */
export interface hostent {
  /** The official name. */
  h_name: string;
  /** Other names. */
  h_aliases: string[];
  /** `AF_INET` (2). */
  h_addrtype: number;
  /** 4. */
  h_length: number;
  /** The addresses, 4 bytes each in network order. */
  h_addr_list: Uint8Array[];
}

/**
 * The machine's host name (`gethostname(name, namelen)`).
 *
 * @returns The host name.
 * @throws {BsdError} (the runtime's error, annotated) without `--allow-sys`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gethostname } from "./netdb.ts";
 * assert.equal(gethostname(), Deno.hostname());
 * ```
 */
export function gethostname(): string {
  checkStarted("gethostname");
  try {
    return hostName();
  } catch (e) {
    throw recordError("gethostname", e);
  }
}

/**
 * Look a host up by name (`gethostbyname(name)`): IPv4 addresses only, as in C.
 *
 * @param name A host name or dotted IPv4 address.
 * @returns The `hostent`.
 * @throws {BsdError} `HOST_NOT_FOUND` / `WSAHOST_NOT_FOUND` (11001) when the name is unknown
 *   (the runtime's `Deno.errors.NotFound`, annotated), and the resolver's other errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gethostbyname } from "./netdb.ts";
 * import { WSAGetLastError } from "./errors.ts";
 * // An empty label ("..") makes the resolver itself refuse the name: no DNS query is sent.
 * await assert.rejects(gethostbyname("no..such.host"));
 * assert.equal(WSAGetLastError(), 11001);
 * ```
 */
export async function gethostbyname(name: string): Promise<hostent> {
  checkStarted("gethostbyname");
  try {
    const h = await resolveHost(name);
    return {
      h_name: h.h_name,
      h_aliases: h.h_aliases,
      h_addrtype: h.h_addrtype,
      h_length: h.h_length,
      h_addr_list: h.h_addr_list.map((a) => inet_pton(2, a)).filter((b): b is Uint8Array =>
        b !== null
      ),
    };
  } catch (e) {
    throw recordError("gethostbyname", e);
  }
}
