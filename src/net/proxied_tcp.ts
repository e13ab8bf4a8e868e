/**
 * {@linkcode ProxiedTcpConnection}: a {@linkcode TcpConnection} that arrived through a proxy
 * speaking the PROXY protocol. It keeps every `TcpConnection` feature (timeouts, counters,
 * close semantics, socket options on the real socket) and reports the real client's address.
 * It is sockkit's one PROXY connection wrapper: `serve({ proxyProtocol })` hands these to the
 * handler, `./proxy`'s `acceptProxyConn` returns one, and `./proxy`'s `ProxiedConn` is another
 * name for it. The address rule is `./proxy`'s `proxiedAddresses`.
 *
 * Permissions: `--allow-net`.
 *
 * @module
 */

import { TcpConnection } from "./tcp.ts";
import type { IoCallOptions, StreamTimeouts } from "./stream_connection.ts";
import type { ProxyHeader } from "../proxy/header.ts";
import { proxiedAddresses } from "../proxy/addresses.ts";

/**
 * A TCP connection whose PROXY header was already read. `remoteAddr`/`localAddr` are the
 * header's source and destination for a PROXY command with IP addresses; for LOCAL (a health
 * check), v1 `UNKNOWN`, v2 `UNSPEC` or Unix addresses they are the socket's own. The socket's
 * own addresses stay in `socketRemoteAddr`/`socketLocalAddr`, and `raw` is the real socket, so
 * `setSocketOptions`, `tcpInfo` and `abortConnection` work on it. The rule is
 * `proxiedAddresses` from `./proxy`.
 *
 * Bytes that arrived in the same read as a v1 header are returned first by `read()` (and
 * counted in `bytesRead`, like every byte the application reads).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProxiedTcpConnection } from "./proxied_tcp.ts";
 * import { readProxyHeader } from "../proxy/mod.ts";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await Deno.connect({ port: l.addr.port });
 * await client.write(new TextEncoder().encode("PROXY TCP4 192.0.2.7 127.0.0.1 5000 80\r\nhi"));
 * const raw = await l.accept();
 * const { header, rest } = await readProxyHeader(raw, { mode: "v1" });
 * await using conn = new ProxiedTcpConnection(raw, header, rest);
 * assert.equal(conn.remoteAddr.hostname, "192.0.2.7");
 * assert.equal(conn.socketRemoteAddr.port, client.localAddr.port);
 * const buf = new Uint8Array(2);
 * assert.deepEqual(await conn.readFull(buf), new TextEncoder().encode("hi"));
 * assert.equal(conn.bytesRead, 2); // the payload, not the header
 * ```
 */
export class ProxiedTcpConnection extends TcpConnection {
  /** The decoded PROXY header (command, addresses, TLVs). */
  readonly proxied: ProxyHeader;
  #remote: Deno.NetAddr;
  #local: Deno.NetAddr;
  #rest: Uint8Array | undefined;

  /**
   * Wraps an accepted socket whose PROXY header has been read.
   *
   * @param raw The accepted socket, with the header already consumed.
   * @param header The header {@linkcode readProxyHeader} returned.
   * @param rest Bytes read after the header (returned first by `read`).
   * @param timeouts Read, write and idle timeouts in ms.
   */
  constructor(
    raw: Deno.TcpConn,
    header: ProxyHeader,
    rest: Uint8Array = new Uint8Array(0),
    timeouts?: StreamTimeouts,
  ) {
    super(raw, timeouts);
    this.proxied = header;
    const a = proxiedAddresses(header, raw.remoteAddr, raw.localAddr);
    this.#remote = a.remoteAddr;
    this.#local = a.localAddr;
    this.#rest = rest.length ? rest : undefined;
  }
  /** The real client's address (from the header), or the socket's peer (see the class doc). */
  override get remoteAddr(): Deno.NetAddr {
    return this.#remote;
  }
  /** The address the client connected to (from the header), or the socket's own. */
  override get localAddr(): Deno.NetAddr {
    return this.#local;
  }
  /** The socket's peer: the proxy. */
  get socketRemoteAddr(): Deno.NetAddr {
    return this.raw.remoteAddr;
  }
  /** The socket's own local address. */
  get socketLocalAddr(): Deno.NetAddr {
    return this.raw.localAddr;
  }
  /**
   * Read into `p`: first the bytes that followed the header, then from the socket (see
   * {@linkcode TcpConnection.read}).
   *
   * @param p The buffer to fill.
   * @param options A per-call timeout or abort signal.
   * @returns Bytes read, or `null` at end of stream.
   */
  override read(p: Uint8Array, options?: IoCallOptions): Promise<number | null> {
    const rest = this.#rest;
    if (rest && !this.closed && p.length > 0) {
      const n = Math.min(rest.length, p.length);
      p.set(rest.subarray(0, n));
      this.#rest = n < rest.length ? rest.subarray(n) : undefined;
      this.countRead(n);
      return Promise.resolve(n);
    }
    return super.read(p, options);
  }
}
