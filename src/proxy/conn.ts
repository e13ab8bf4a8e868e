/**
 * Accepting a connection through a proxy: {@linkcode acceptProxyConn} reads the header and
 * returns a {@linkcode ProxiedTcpConnection}, sockkit's one PROXY connection wrapper (it lives
 * in `./net`, where `serve({ proxyProtocol })` hands the same class to its handler).
 * {@linkcode ProxiedConn} is another name for it. This file imports `./net`, so the portable
 * bundle leaves it out.
 *
 * Permissions: `--allow-net` (for the connection).
 *
 * @module
 */
import { ProxiedTcpConnection } from "../net/proxied_tcp.ts";
import type { StreamTimeouts } from "../net/stream_connection.ts";
import { readProxyHeader, type ReadProxyHeaderOptions } from "./reader.ts";

export { ProxiedTcpConnection };
export type { StreamTimeouts };

/**
 * Another name for {@linkcode ProxiedTcpConnection}, kept for code written against the
 * earlier `ProxiedConn` class. The object is a sockkit `TcpConnection`, not a `Deno.Conn`:
 * the socket is `raw`, and `close()` returns a promise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProxiedConn, ProxiedTcpConnection } from "./mod.ts";
 * assert.equal(ProxiedConn, ProxiedTcpConnection);
 * ```
 */
export const ProxiedConn: typeof ProxiedTcpConnection = ProxiedTcpConnection;
/** Another name for {@linkcode ProxiedTcpConnection} (the instance type). */
export type ProxiedConn = ProxiedTcpConnection;

/** Options of {@linkcode acceptProxyConn}: the header read's, and the connection's timeouts. */
export interface AcceptProxyConnOptions extends ReadProxyHeaderOptions {
  /** Read, write and idle timeouts of the returned connection, in ms. Default: none. */
  timeouts?: StreamTimeouts;
}

/**
 * Reads the PROXY header from a freshly accepted TCP connection and wraps the connection so
 * that it reports the real client's addresses. This is the one call a server makes per
 * accepted connection when PROXY protocol is on. On failure the connection is closed and the
 * error thrown; the server keeps accepting.
 *
 * Permissions: `--allow-net`.
 *
 * @param conn a freshly accepted TCP connection
 * @param options mode (default `"auto"`: header required, v1 or v2), `timeout` (default
 * 5000 ms), `maxHeaderSize` (default 4096), `signal`, `trustedProxies`, and `timeouts` for
 * the returned connection
 * @returns the wrapped connection
 * @throws {TypeError} when `conn` is not a TCP connection (it is closed)
 * @throws {ProxyProtocolError} see {@linkcode readProxyHeader}
 * @throws {Deno.errors.TimedOut} see {@linkcode readProxyHeader}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptProxyConn } from "./mod.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * await client.write(new TextEncoder().encode("PROXY TCP6 2001:db8::7 ::1 40000 443\r\n"));
 * await using conn = await acceptProxyConn(await listener.accept(), { mode: "v1", timeout: 3000 });
 * assert.deepEqual(conn.remoteAddr, { transport: "tcp", hostname: "2001:db8::7", port: 40000 });
 * assert.equal(conn.socketRemoteAddr.port, client.localAddr.port);
 * ```
 */
export async function acceptProxyConn(
  conn: Deno.TcpConn,
  options: AcceptProxyConnOptions = {},
): Promise<ProxiedTcpConnection> {
  const transport = (conn.remoteAddr as Deno.Addr).transport;
  if (transport !== "tcp") {
    try {
      conn.close();
    } catch {
      // already closed
    }
    throw new TypeError(
      `Cannot accept a PROXY connection: expected a TCP connection, got transport ${transport}`,
    );
  }
  const { timeouts, ...readOptions } = options;
  const { header, rest } = await readProxyHeader(conn, readOptions);
  return new ProxiedTcpConnection(conn, header, rest, timeouts);
}
