/**
 * sockkit: a Deno-native TCP/UDP socket toolkit with a WebAssembly core.
 *
 * This entry holds what a newcomer needs: sockets with timeouts and typed errors, a server
 * loop, framing, the growable I/O buffer, the strict address parser, socket options and close
 * semantics, name lookup and error explanations. Each idea has a subpath of its own with the
 * rest of its API:
 *
 * | subpath | what it is for | permissions |
 * |---|---|---|
 * | `./net` | TCP, UDP and Unix sockets, `serve`, Workers | `--allow-net` (UDP: `--unstable-net`) |
 * | `./tls` | TLS client, server and STARTTLS over the TCP wrapper | `--allow-net` (files: `--allow-read`) |
 * | `./codec` | frame codecs, `FramedConn`, `readExact`/`readUntil` | none |
 * | `./buffer` | `IOBuffer`, the seeds' `CNetIOBuffer` done right | none |
 * | `./addr` | strict address parsing, sockaddr packing, bulk byte order | none |
 * | `./sockopt` | socket options, close semantics (RST, linger), `TCP_INFO` | `--allow-ffi` |
 * | `./resolve` | `lookup`, `lookupHost`, `reverseLookup`, local addresses | `--allow-ffi` or read + net |
 * | `./errno` | errno and Winsock codes with their meaning | none |
 * | `./proxy` | PROXY protocol v1/v2 | none |
 * | `./bsd` | the Berkeley sockets API under its C names, for ports of C programs | as `./net` |
 * | `./portable` | the runtime-neutral part, for Node, Bun and browsers | none |
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, FramedConn, listen } from "./mod.ts";
 * await using server = listen({ hostname: "127.0.0.1", port: 0 });
 * const echo = (async () => {
 *   using framed = new FramedConn(await server.accept(), "len:u16be");
 *   for await (const frame of framed) await framed.writeFrame(frame);
 * })();
 * const client = new FramedConn(await connect({ port: server.addr.port }), "len:u16be");
 * await client.writeFrame(new TextEncoder().encode("hello"));
 * assert.equal(new TextDecoder().decode((await client.readFrame())!), "hello");
 * client.close();
 * await echo;
 * ```
 *
 * @module
 */

export {
  bind,
  connect,
  connectUnix,
  listen,
  listenUnix,
  serve,
  serveWorkers,
  SocketStateError,
  SocketTimeoutError,
  TcpConnection,
  TcpServer,
  UdpBatch,
  UdpSocket,
  UnixConnection,
  UnixServer,
} from "./src/net/mod.ts";
export type {
  ConnectionHandler,
  Datagram,
  EndReason,
  Server,
  ServeStats,
  TcpConnectOptions,
  TcpListenOptions,
  TcpServeOptions,
  UdpBindOptions,
  UnixConnectOptions,
  UnixListenOptions,
  WorkerServeOptions,
} from "./src/net/mod.ts";
export {
  BufferedReader,
  createCodec,
  FrameCorruptError,
  FramedConn,
  FrameTooLongError,
  IncompleteFrameError,
  IncompleteReadError,
  LimitOverrunError,
  parseFrameSpec,
  readExact,
  writeAll,
} from "./src/codec/mod.ts";
export type { Codec, FramedConnOptions, FrameOptions } from "./src/codec/mod.ts";
export { BufferOverflowError, IOBuffer } from "./src/buffer/mod.ts";
export type { IOBufferOptions } from "./src/buffer/mod.ts";
export { AddressSyntaxError, parseAddress, parseHostPort } from "./src/addr/mod.ts";
export type { HostPort, IPAddress, ParseHostPortOptions } from "./src/addr/mod.ts";
export {
  abortConnection,
  closeGracefully,
  closeSocket,
  endReason,
  FfiPermissionError,
  getSocketOptions,
  setSocketOptions,
  SocketOptionError,
  tcpInfo,
} from "./src/sockopt/mod.ts";
export type { SocketOptions, SocketOptionsReport, TcpInfo } from "./src/sockopt/mod.ts";
export { lookup, lookupHost, ResolveError, reverseLookup } from "./src/resolve/mod.ts";
export type {
  HostInfo,
  LookupOptions,
  ResolvedAddress,
  ReverseLookupOptions,
} from "./src/resolve/mod.ts";
export {
  connectTls,
  listenTls,
  startTls,
  TlsConnection,
  TlsServer,
  TlsVerifyError,
} from "./src/tls/mod.ts";
export type { TlsConnectOptions, TlsListenOptions } from "./src/tls/mod.ts";
export { explainError } from "./src/errno/mod.ts";
export type { ErrorExplanation } from "./src/errno/mod.ts";
