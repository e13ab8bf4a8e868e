/**
 * sockkit: a Deno-native TCP/UDP socket toolkit with a WebAssembly core.
 *
 * It brings the Berkeley sockets course material to Deno: byte order and address functions
 * under their C names (computed in Wasm and identical to glibc), framing codecs, a growable
 * I/O buffer, and (through FFI) the socket options, close semantics and diagnostics that
 * Deno does not expose.
 *
 * @example
 * ```ts
 * import { htonl, inet_addr } from "./mod.ts";
 * // Host order is little-endian, so exactly as in C on x86 and ARM:
 * console.assert(htonl(0x7f000001) === inet_addr("127.0.0.1"));
 * ```
 *
 * @module
 */

export * from "./src/errors.ts";
export * from "./src/io_buffer.ts";
export * from "./src/proxy_protocol.ts";
export * from "./src/framing/io.ts";
export * from "./src/socket_options.ts";
export * from "./src/close.ts";
export * from "./src/tcp_info.ts";
export * from "./src/socket_errors.ts";
export * from "./src/framing/spec.ts";
export * from "./src/framing/codec.ts";
export * from "./src/framing/framed_conn.ts";
export * from "./src/errno.ts";
export * from "./src/net/mod.ts";
export * from "./src/resolve.ts";
export * from "./src/byte_order.ts";
export * from "./src/address.ts";
export * from "./src/sockaddr.ts";
export { serveWorkers } from "./src/net/workers.ts";
export type {
  WorkerServeOptions,
  WorkerServer,
  WorkerServeSettings,
  WorkersStats,
} from "./src/net/workers.ts";
export { ProxiedTcpConnection } from "./src/net/proxied_tcp.ts";
export type { ServeProxyProtocol, ServeStats } from "./src/net/serve.ts";
