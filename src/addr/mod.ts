/**
 * Addresses and byte order without the C names: the strict parser ({@linkcode parseAddress},
 * {@linkcode parseHostPort}), `struct sockaddr` packing for FFI ({@linkcode packSockaddr},
 * {@linkcode unpackSockaddr}) and bulk byte-order conversion ({@linkcode toNetworkOrder},
 * {@linkcode fromNetworkOrder}). All of it runs in the Wasm core and agrees with glibc.
 *
 * The C functions (`inet_pton`, `inet_addr`, `htons`, `struct in_addr`, `AF_*`, ...) live in
 * `./bsd`, beside the rest of the Berkeley API.
 *
 * Permissions: none. Runtime-neutral: also part of `./portable`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packSockaddr, parseHostPort, unpackSockaddr } from "./mod.ts";
 * const a = parseHostPort("[::1]:8080");
 * assert.equal(a.family, "IPv6");
 * const sa = packSockaddr({ transport: "tcp", hostname: a.text, port: a.port }, { layout: "linux" });
 * assert.equal(sa.length, 28); // struct sockaddr_in6
 * assert.deepEqual(unpackSockaddr(sa, { layout: "linux" }), {
 *   transport: "tcp",
 *   hostname: "::1",
 *   port: 8080,
 * });
 * ```
 *
 * @module
 */
export * from "./ip.ts";
export * from "./sockaddr.ts";
export * from "./byte_order.ts";
export * from "./errors.ts";
