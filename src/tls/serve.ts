/**
 * `serveTls(handler, options)`: `serve` over TLS. One handler call per connection, with
 * everything `serve` has (`maxConnections` and `onDrop`, the lingering close, counters,
 * graceful shutdown on a signal or SIGINT/SIGTERM), on a {@linkcode listenTls} listener.
 *
 * @module
 */

import {
  checkServeOptions,
  type ConnectionHandler,
  type ServeCommonOptions,
  serveOn,
  type Server,
} from "../net/serve.ts";
import { listenTls, type TlsConnection, type TlsListenOptions } from "./tls.ts";

/** Options of {@linkcode serveTls}: those of `serve` and of {@linkcode listenTls}. */
export interface TlsServeOptions extends ServeCommonOptions, TlsListenOptions {}

/**
 * Serve TLS connections, one handler call per connection. The handshake runs on the
 * handler's first read or write (or `conn.handshake()`), within `handshakeTimeout`, so a slow
 * client never holds up the accept loop; a failed handshake is the handler's error and goes
 * to `onError`. The connection is closed when the handler returns: after the handler's
 * `close_notify`, a lingering close waits for the peer as `serve` does for TCP.
 *
 * There is no `proxyProtocol`: a PROXY header comes before TLS, and Deno 2.9.6 cannot start
 * TLS on a connection it accepted as plain TCP.
 *
 * Permissions: `--allow-net`; `--allow-ffi` for socket options and the lingering close.
 *
 * @param handler Called once per accepted connection with a server-side
 *   {@linkcode TlsConnection}.
 * @param options Address, port, certificate and key, ALPN, timeouts, and `serve`'s options.
 * @returns The running server.
 * @throws {TypeError} when `cert` or `key` is missing or unusable.
 * @throws {RangeError} for a bad port, timeout or limit, or a `proxyProtocol` other than
 *   `"off"`.
 *
 * @example A TLS echo served with serveTls, the certificate made by `openssl`
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectTls, serveTls } from "./mod.ts";
 * const dir = Deno.makeTempDirSync();
 * const made = new Deno.Command("openssl", {
 *   args: ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
 *     "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext",
 *     "subjectAltName=DNS:localhost", "-addext", "basicConstraints=critical,CA:FALSE",
 *     "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
 *   stderr: "null",
 * }).outputSync();
 * assert.equal(made.code, 0);
 * const cert = Deno.readTextFileSync(`${dir}/cert.pem`);
 * const key = Deno.readTextFileSync(`${dir}/key.pem`);
 * await using server = serveTls(async (conn) => {
 *   const line = new Uint8Array(5);
 *   await conn.readFull(line);
 *   await conn.writeAll(line);
 * }, { hostname: "127.0.0.1", port: 0, cert, key });
 * await using c = await connectTls({
 *   port: server.addr.port,
 *   serverName: "localhost",
 *   caCerts: [cert],
 * });
 * await c.writeAll(new TextEncoder().encode("hello"));
 * const echoed = await c.readFull(new Uint8Array(5));
 * assert.equal(echoed && new TextDecoder().decode(echoed), "hello");
 * assert.equal(server.stats().accepted, 1);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function serveTls(
  handler: ConnectionHandler<TlsConnection>,
  options: TlsServeOptions,
): Server<Deno.NetAddr> {
  const proxy = (options as { proxyProtocol?: string }).proxyProtocol;
  if (proxy !== undefined && proxy !== "off") {
    throw new RangeError(
      "Cannot serve over TLS with proxyProtocol: the PROXY header comes before TLS, and Deno " +
        "cannot start TLS on an accepted connection",
    );
  }
  const checked = checkServeOptions(options, "off");
  const listener = listenTls(options);
  return serveOn(listener, handler, options, checked) as Server<Deno.NetAddr>;
}
