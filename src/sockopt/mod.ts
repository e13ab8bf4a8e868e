/**
 * The `--allow-ffi` tier: what Deno does not expose about a socket, reached through libc.
 *
 * - Socket options: {@linkcode setSocketOptions} and {@linkcode getSocketOptions} by name
 *   (`SO_LINGER`, keepalive timing, buffer sizes, `TCP_NODELAY`, `TCP_USER_TIMEOUT`, ...), each
 *   call answering what the kernel applied, and the raw {@linkcode setSocketOption}.
 * - Close semantics: {@linkcode abortConnection} (a real RST), {@linkcode closeGracefully}
 *   (FIN, then wait for the peer, without blocking the event loop), {@linkcode closeSocket}
 *   (honours a recorded linger) and {@linkcode endReason} (FIN or RST).
 * - Diagnostics: {@linkcode tcpInfo} (`TCP_INFO`) and {@linkcode pendingSendBytes}.
 *
 * Works on `Deno.Conn`, `Deno.Listener`, `Deno.DatagramConn` and sockkit's wrappers. The
 * descriptor is found by matching the socket's addresses over `/proc/self/fd`, cached, and
 * re-validated before every call.
 *
 * Permissions: `--allow-ffi` (without it, each call throws {@linkcode FfiPermissionError},
 * which names the flag); `--allow-read=/proc/self/fd` is covered by `--allow-ffi`'s needs on
 * Linux. Linux is the tested platform; the macOS tables are unit-tested only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getSocketOptions, setSocketOptions } from "./mod.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const report = setSocketOptions(listener, { reuseAddress: true, noDelay: true });
 * assert.equal(report.noDelay?.applied, true);
 * assert.equal(getSocketOptions(listener, ["reuseAddress"]).reuseAddress, true);
 * ```
 *
 * @module
 */
export * from "./socket_options.ts";
export * from "./close.ts";
export * from "./tcp_info.ts";
export * from "./types.ts";
export * from "./errors.ts";
