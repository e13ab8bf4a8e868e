/**
 * sockkit's socket layer: TCP, UDP and Unix sockets over Deno's APIs, with timeouts,
 * half-close, counters, `serve`, and typed errors that keep `instanceof Deno.errors.*` working.
 *
 * @module
 */
export { connect, listen, TcpConnection, TcpServer } from "./tcp.ts";
export type { TcpConnectOptions, TcpListenOptions } from "./tcp.ts";
export { bind, UdpSocket } from "./udp.ts";
export type { Datagram, UdpBindOptions, UdpCallOptions, UdpPeer } from "./udp.ts";
export { connectUnix, listenUnix, UnixConnection, UnixServer } from "./unix.ts";
export type { UnixConnectOptions, UnixListenOptions } from "./unix.ts";
export { serve } from "./serve.ts";
export type {
  DropInfo,
  ServeCommonOptions,
  Server,
  TcpServeOptions,
  UnixServeOptions,
} from "./serve.ts";
export { StreamConnection } from "./_stream.ts";
export type { EndReason, IoCallOptions, StreamTimeouts } from "./_stream.ts";
export { annotateError, SocketStateError, SocketTimeoutError } from "./errors.ts";
export type { AnnotatedError, SocketErrorContext, TimeoutOperation } from "./errors.ts";
export type { InlineSocketOptions } from "./_options.ts";
