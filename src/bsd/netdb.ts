/**
 * `gethostname`, `gethostbyname`, `getaddrinfo` and `getnameinfo` for the bsd module, with C's
 * `hostent` shape for `gethostbyname`: the
 * addresses in `h_addr_list` are 4-byte arrays in network order, so the seed's
 * `inet_ntoa(*(struct in_addr *)h_addr_list[i])` ports as `inet_ntoa(h.h_addr_list[i])`.
 *
 * All go through sockkit's resolver (`./resolve`): the system resolver through FFI, or
 * `/etc/hosts` and DNS without it.
 *
 * Permissions: `gethostname` needs `--allow-sys=hostname`; `gethostbyname` needs `--allow-ffi`,
 * or `--allow-read=/etc/hosts` (plus `--allow-net` for names not in it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gethostbyname } from "./netdb.ts";
 * import { inet_ntoa } from "./inet.ts";
 * const h = await gethostbyname("localhost");
 * assert.ok(h.h_addr_list.map((a) => inet_ntoa(a)).includes("127.0.0.1"));
 * ```
 *
 * @module
 */

import {
  localHostname,
  lookup,
  lookupHost,
  type LookupOptions,
  type ResolvedAddress,
  reverseLookup,
  type ReverseLookupOptions,
} from "../resolve/resolve.ts";
import { inet_pton } from "./inet.ts";

/** The option and result types of {@linkcode getaddrinfo} and {@linkcode getnameinfo}. */
export type { LookupOptions, ResolvedAddress, ReverseLookupOptions };
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
    return localHostname();
  } catch (e) {
    throw recordError("gethostname", e);
  }
}

/**
 * Look a host up by name (`gethostbyname(name)`): IPv4 addresses only, as in C. It behaves
 * like glibc's `getaddrinfo` with `AF_INET` and `AI_CANONNAME`: numeric text is read by
 * `parseNumericHost` (`"127.1"`, `"010.0.0.1"` = 8.0.0.1), and numeric-looking text that is not
 * an address (`"256.1.1.1"`) fails before any lookup.
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
    const h = await lookupHost(name);
    return {
      h_name: h.name,
      h_aliases: h.aliases,
      h_addrtype: 2,
      h_length: 4,
      h_addr_list: h.addresses.map((a) => inet_pton(2, a)).filter((b): b is Uint8Array =>
        b !== null
      ),
    };
  } catch (e) {
    throw recordError("gethostbyname", e);
  }
}

/**
 * Resolves a host and service to socket addresses (`getaddrinfo(node, service, hints, res)`),
 * returning the list C walks through `ai_next`. The same resolver as `lookup` in `./resolve`:
 * numeric host text is read exactly as glibc's `getaddrinfo` reads it (`parseNumericHost` in
 * `./addr`), with and without `--allow-ffi`.
 *
 * @param node A host name or numeric address text.
 * @param service A port number or service name (`"http"`; names need `--allow-ffi`).
 * @param hints Family, socket type, `AI_CANONNAME`, `AI_NUMERICHOST`.
 * @returns Every address, in the resolver's order.
 * @throws {BsdError} `HOST_NOT_FOUND` / `WSAHOST_NOT_FOUND` (11001) when the name is unknown,
 *   with the code stored for `WSAGetLastError()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getaddrinfo } from "./netdb.ts";
 * const [first] = await getaddrinfo("127.0.0.1", "80", { socktype: "stream" });
 * assert.equal(first.address, "127.0.0.1");
 * assert.equal(first.port, 80);
 * ```
 */
export async function getaddrinfo(
  node: string,
  service?: string | number,
  hints: LookupOptions = {},
): Promise<ResolvedAddress[]> {
  checkStarted("getaddrinfo");
  try {
    return await lookup(node, service, hints);
  } catch (e) {
    throw recordError("getaddrinfo", e);
  }
}

/**
 * Turns an address and port back into host and service names (`getnameinfo(sa, ...)`). The
 * same resolver as `reverseLookup` in `./resolve`: the address text becomes the `sockaddr` as
 * `getaddrinfo(AI_NUMERICHOST)` would make it (`"010.0.0.1"` is 8.0.0.1), and `numericHost`
 * answers as glibc's `getnameinfo(NI_NUMERICHOST)`.
 *
 * @param addr The numeric address text and port.
 * @param flags `NI_NUMERICHOST`, `NI_NUMERICSERV` and `NI_NAMEREQD`, spelled as options.
 * @returns `{ host, service }`.
 * @throws {BsdError} When `nameRequired` is set and the address has no name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getnameinfo } from "./netdb.ts";
 * const r = await getnameinfo({ hostname: "127.0.0.1", port: 80 }, {
 *   numericHost: true,
 *   numericService: true,
 * });
 * assert.deepEqual(r, { host: "127.0.0.1", service: "80" });
 * ```
 */
export async function getnameinfo(
  addr: { hostname: string; port: number },
  flags: ReverseLookupOptions & Pick<LookupOptions, "resolver"> = {},
): Promise<{ host: string; service: string }> {
  checkStarted("getnameinfo");
  try {
    return await reverseLookup(addr, flags);
  } catch (e) {
    throw recordError("getnameinfo", e);
  }
}
