/**
 * Name resolution: {@linkcode lookup} (C's `getaddrinfo`), {@linkcode lookupHost}
 * (`gethostbyname`), {@linkcode reverseLookup} (`getnameinfo`), {@linkcode localHostname}
 * (`gethostname`), {@linkcode getLocalAddresses} (the seeds' "local IP" example, done the
 * reliable way) and {@linkcode parseHosts} for `/etc/hosts` text. The C names themselves are in
 * `./bsd`.
 *
 * The system resolver (libc through non-blocking FFI) is used when `--allow-ffi` is granted, so
 * `/etc/hosts` and nsswitch apply exactly as for C programs; `Deno.resolveDns` alone only asks
 * DNS. Without it, `/etc/hosts` is parsed and then DNS is asked.
 *
 * Permissions: `--allow-ffi` (preferred), or `--allow-read=/etc/hosts` and `--allow-net` for
 * the fallback; `--allow-sys` for `localHostname` and `getLocalAddresses`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookup } from "./mod.ts";
 * const [first] = await lookup("127.0.0.1", 80, { socktype: "stream" });
 * assert.deepEqual([first.family, first.address, first.port], [4, "127.0.0.1", 80]);
 * ```
 *
 * @module
 */
export * from "./resolve.ts";
export type { ErrorExplanation } from "../errno/error_table.ts";
