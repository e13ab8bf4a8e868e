/**
 * TLS with everything sockkit's TCP wrapper has: {@linkcode connectTls}, {@linkcode listenTls}
 * and {@linkcode startTls} (STARTTLS) give a {@linkcode TlsConnection} with connect, read,
 * write, idle and handshake timeouts, byte counters, half-close (`close_notify` then FIN),
 * {@linkcode TlsConnection.endReason} (`"CLOSE_NOTIFY"`, `"FIN"` for a ragged end, `"RST"`),
 * framing (`new FramedConn(tlsConn, spec)`), streams, and `setSocketOptions`, `tcpInfo`,
 * `abortConnection` and a linger-aware close acting on the TCP socket underneath.
 * {@linkcode serveTls} is `serve` over TLS (limits, lingering close, counters, graceful
 * shutdown), and {@linkcode serveTlsWorkers} is `serveWorkers` over TLS.
 *
 * The server's certificate is verified by default, against Deno's roots, the operating
 * system's CA bundle ({@linkcode systemCaCerts}) and `caCerts`; `serverName` sets the name
 * checked and sent as SNI; `alpnProtocols` offers ALPN. A refused certificate is a
 * {@linkcode TlsVerifyError}: `Cannot connect over TLS: certificate verify failed: …`.
 * `insecure: true` skips only the name check; Deno skips chain checks only when run with
 * `--unsafely-ignore-certificate-errors`. {@linkcode tlsOptionsFromFlags} turns command-line
 * style flags (file names) into these options.
 *
 * Permissions: `--allow-net`; `--allow-ffi` for socket options (except a client's inline
 * `noDelay`/boolean `keepAlive`), `tcpInfo` and a linger-aware close; `--allow-read` for
 * certificate files and the system CA bundle.
 *
 * @example A TLS echo over loopback, with a self-signed certificate made by `openssl`
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectTls, listenTls } from "./mod.ts";
 * // basicConstraints CA:FALSE lets the certificate itself be trusted through caCerts.
 * const dir = Deno.makeTempDirSync();
 * const openssl = new Deno.Command("openssl", {
 *   args: ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
 *     "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
 *     "-addext", "basicConstraints=critical,CA:FALSE",
 *     "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
 *   stderr: "null",
 * }).outputSync();
 * assert.ok(openssl.success);
 * const cert = Deno.readTextFileSync(`${dir}/cert.pem`);
 * const key = Deno.readTextFileSync(`${dir}/key.pem`);
 * Deno.removeSync(dir, { recursive: true });
 *
 * await using server = listenTls({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   cert,
 *   key,
 *   alpnProtocols: ["echo/1"],
 * });
 * const echo = (async () => {
 *   await using c = await server.accept();
 *   const buf = new Uint8Array(64);
 *   const n = await c.read(buf);
 *   await c.writeAll(buf.subarray(0, n!));
 * })();
 * await using client = await connectTls({
 *   port: server.addr.port,
 *   serverName: "localhost",
 *   caCerts: [cert],
 *   alpnProtocols: ["echo/1"],
 *   timeout: 2000,
 * });
 * assert.equal(client.alpnProtocol, "echo/1");
 * await client.writeAll(new TextEncoder().encode("hello"));
 * assert.deepEqual(await client.readFull(new Uint8Array(5)), new TextEncoder().encode("hello"));
 * await echo;
 * ```
 *
 * @module
 */

export { connectTls, listenTls, startTls, systemCaCerts, TlsConnection, TlsServer } from "./tls.ts";
export type {
  StartTlsOptions,
  TlsClientOptions,
  TlsConnectionOptions,
  TlsConnectOptions,
  TlsHandshakeInfo,
  TlsListenOptions,
  TlsServerOptions,
} from "./tls.ts";
export { serveTls } from "./serve.ts";
export type { TlsServeOptions } from "./serve.ts";
export { serveTlsWorkers } from "./workers.ts";
export type { TlsWorkerServeOptions } from "./workers.ts";
export { TlsHandshakeError, TlsVerifyError } from "./errors.ts";
export { TLS_CONNECT_FLAGS, TLS_LISTEN_FLAGS, TlsFlagError, tlsOptionsFromFlags } from "./flags.ts";
export type { TlsFlagSpec, TlsFlagValues, TlsListenFlagOptions } from "./flags.ts";
export type { TlsErrorContext, TlsRole } from "./errors.ts";
// The TCP wrapper types the TLS ones extend, so this subpath documents itself.
export { StreamConnection, TcpConnection, TcpServer } from "../net/mod.ts";
export type {
  ConnectionHandler,
  DropInfo,
  EndReason,
  InlineSocketOptions,
  IoCallOptions,
  ServeCommonOptions,
  Server,
  ServeStats,
  StreamTimeouts,
  TcpConnectOptions,
  TcpListenOptions,
  WorkerServeOptions,
  WorkerServer,
  WorkerServeSettings,
  WorkersStats,
} from "../net/mod.ts";
export type { KeepAliveTiming, SocketOptions } from "../sockopt/mod.ts";
