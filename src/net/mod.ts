/**
 * Sockets over Deno's own: TCP ({@linkcode connect}, {@linkcode listen}), UDP
 * ({@linkcode bind}) and Unix domain sockets ({@linkcode connectUnix}, {@linkcode listenUnix}),
 * as thin typed wrappers that add what C and Node programmers expect: connect, read, write and
 * idle timeouts, `AbortSignal`, half-close, byte counters, {@linkcode EndReason} (FIN or RST),
 * socket options inline, and errors that keep `instanceof Deno.errors.*` working while naming
 * the operation and address. {@linkcode serve} runs a handler per connection with limits,
 * idle timeouts, graceful shutdown and the PROXY protocol; {@linkcode serveWorkers} spreads
 * it over Workers with `SO_REUSEPORT`.
 *
 * Permissions: `--allow-net`; UDP also needs `--unstable-net` (or `"unstable": ["net"]` in
 * `deno.json`); Unix sockets need `--allow-read`/`--allow-write` for the path; inline socket
 * options, linger-aware close and `endReason` need `--allow-ffi` (see `./sockopt`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, listen } from "./mod.ts";
 * await using server = listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = server.accept();
 * await using client = await connect({ port: server.addr.port, timeout: 1000 });
 * await using peer = await accepted;
 * await client.writeAll(new TextEncoder().encode("ping"));
 * const buf = new Uint8Array(4);
 * assert.equal(await peer.read(buf), 4);
 * assert.equal(new TextDecoder().decode(buf), "ping");
 * ```
 *
 * @module
 */
export { connect, listen, TcpConnection, TcpServer } from "./tcp.ts";
export type { TcpConnectOptions, TcpListenOptions } from "./tcp.ts";
export { bind, UdpBatch, UdpSocket } from "./udp.ts";
export type {
  BatchDatagram,
  Datagram,
  UdpBindOptions,
  UdpCallOptions,
  UdpPeer,
  UdpReceiveOptions,
} from "./udp.ts";
export { connectUnix, listenUnix, UnixConnection, UnixServer } from "./unix.ts";
export type { UnixConnectOptions, UnixListenOptions } from "./unix.ts";
export { serve } from "./serve.ts";
export type {
  ConnectionHandler,
  DropInfo,
  ServeCommonOptions,
  ServeProxyProtocol,
  Server,
  ServeStats,
  TcpServeOptions,
  UnixServeOptions,
} from "./serve.ts";
export { serveWorkers } from "./workers.ts";
export type {
  WorkerServeOptions,
  WorkerServer,
  WorkerServeSettings,
  WorkersStats,
} from "./workers.ts";
export { ProxiedTcpConnection } from "./proxied_tcp.ts";
export { StreamConnection } from "./stream_connection.ts";
export type { EndReason, IoCallOptions, StreamTimeouts } from "./stream_connection.ts";
export { annotateError, SocketStateError, SocketTimeoutError } from "./errors.ts";
export type { AnnotatedError, SocketErrorContext, TimeoutOperation } from "./errors.ts";
export type { InlineSocketOptions } from "./inline_options.ts";
