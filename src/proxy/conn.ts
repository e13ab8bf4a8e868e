/**
 * The one PROXY connection wrapper: {@linkcode ProxiedConn} reports the real client's
 * addresses and reads the application's bytes (those read along with the header first);
 * {@linkcode acceptProxyConn} reads the header and wraps. {@linkcode proxiedAddresses} is
 * the address rule, shared with `./net`'s `ProxiedTcpConnection`.
 *
 * @module
 */
import type { ProxyHeader } from "./header.ts";
import { readProxyHeader, type ReadProxyHeaderOptions } from "./reader.ts";

/**
 * The addresses a proxied connection reports: the header's source and destination for a
 * PROXY command that carried addresses, the socket's own for LOCAL, v1 `UNKNOWN` and v2
 * `UNSPEC`.
 *
 * @param header The decoded header.
 * @param socketRemote The socket's peer (the proxy).
 * @param socketLocal The socket's own address.
 * @returns `{ remoteAddr, localAddr }`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProxyHeader, proxiedAddresses } from "./mod.ts";
 * const r = decodeProxyHeader(new TextEncoder().encode("PROXY UNKNOWN\r\n"));
 * assert.ok(r.status === "complete");
 * const own = { transport: "tcp" as const, hostname: "127.0.0.1", port: 9 };
 * assert.deepEqual(proxiedAddresses(r.header, own, own), { remoteAddr: own, localAddr: own });
 * ```
 */
export function proxiedAddresses<A extends Deno.Addr>(
  header: ProxyHeader,
  socketRemote: A,
  socketLocal: A,
): {
  remoteAddr: A | NonNullable<ProxyHeader["source"]>;
  localAddr: A | NonNullable<ProxyHeader["destination"]>;
} {
  const real = header.command === "proxy" && header.source && header.destination;
  return real
    ? { remoteAddr: header.source!, localAddr: header.destination! }
    : { remoteAddr: socketRemote, localAddr: socketLocal };
}

/**
 * A connection that arrived through a proxy: it reads the application's bytes (those after
 * the header first), writes to the client, and reports the real client's addresses.
 * `remoteAddr`/`localAddr` are the header's source/destination for a PROXY command, and the
 * socket's own for LOCAL, v1 UNKNOWN and v2 UNSPEC. The socket's own are kept in
 * `socketRemoteAddr`/`socketLocalAddr`.
 */
export class ProxiedConn implements Deno.Conn {
  /** The underlying socket connection (its first bytes, the header, are already consumed). */
  readonly conn: Deno.Conn;
  /** The decoded header: command, addresses, TLVs. */
  readonly proxied: ProxyHeader;
  /** The real client's address (or the socket's peer when the header carried none). */
  readonly remoteAddr: Deno.Addr;
  /** The address the client connected to (or the socket's own). */
  readonly localAddr: Deno.Addr;
  /** The socket's peer: the proxy. */
  readonly socketRemoteAddr: Deno.Addr;
  /** The socket's local address. */
  readonly socketLocalAddr: Deno.Addr;
  #rest: Uint8Array;
  #readable?: ReadableStream<Uint8Array<ArrayBuffer>>;

  /**
   * Wraps a connection whose header was already read (see {@linkcode acceptProxyConn}).
   *
   * @param conn the socket connection
   * @param header the decoded header
   * @param rest bytes read after the header, returned first by `read`/`readable`
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ProxiedConn, readProxyHeader } from "./mod.ts";
   * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
   * await client.write(new TextEncoder().encode("PROXY TCP4 192.0.2.1 127.0.0.1 5555 80\r\nhi"));
   * using conn = await listener.accept();
   * const { header, rest } = await readProxyHeader(conn);
   * const pc = new ProxiedConn(conn, header, rest);
   * assert.ok((pc.remoteAddr as Deno.NetAddr).hostname === "192.0.2.1");
   * const buf = new Uint8Array(8);
   * let got = "";
   * while (got.length < 2) got += new TextDecoder().decode(buf.subarray(0, (await pc.read(buf))!));
   * assert.ok(got === "hi");
   * ```
   */
  constructor(conn: Deno.Conn, header: ProxyHeader, rest: Uint8Array = new Uint8Array(0)) {
    this.conn = conn;
    this.proxied = header;
    this.socketRemoteAddr = conn.remoteAddr;
    this.socketLocalAddr = conn.localAddr;
    const a = proxiedAddresses(header, conn.remoteAddr, conn.localAddr);
    this.remoteAddr = a.remoteAddr;
    this.localAddr = a.localAddr;
    this.#rest = rest;
  }

  /**
   * Reads application bytes: first those read along with the header, then from the socket.
   *
   * @param p the buffer to fill
   * @returns the number of bytes read, or null at end of stream
   */
  read(p: Uint8Array): Promise<number | null> {
    if (this.#rest.length > 0) {
      const n = Math.min(p.length, this.#rest.length);
      p.set(this.#rest.subarray(0, n));
      this.#rest = this.#rest.subarray(n);
      return Promise.resolve(n);
    }
    return this.conn.read(p);
  }

  /**
   * Writes to the client (through the proxy).
   *
   * @param p the bytes
   * @returns the number of bytes written
   */
  write(p: Uint8Array): Promise<number> {
    return this.conn.write(p);
  }

  /** Closes the socket. */
  close(): void {
    this.conn.close();
  }

  /**
   * Shuts down the write side of the socket.
   *
   * @returns when done
   */
  closeWrite(): Promise<void> {
    return this.conn.closeWrite();
  }

  /**
   * Sets `TCP_NODELAY` on the socket (when it is a `Deno.TcpConn`).
   *
   * @param noDelay default true
   * @throws {TypeError} when the underlying connection is not TCP
   */
  setNoDelay(noDelay = true): void {
    const tcp = this.conn as Partial<Deno.TcpConn>;
    if (typeof tcp.setNoDelay !== "function") {
      throw new TypeError("Cannot set noDelay: the underlying connection is not TCP");
    }
    tcp.setNoDelay.call(this.conn, noDelay);
  }

  /**
   * Sets `SO_KEEPALIVE` on the socket (when it is a `Deno.TcpConn`).
   *
   * @param keepAlive default true
   * @throws {TypeError} when the underlying connection is not TCP
   */
  setKeepAlive(keepAlive = true): void {
    const tcp = this.conn as Partial<Deno.TcpConn>;
    if (typeof tcp.setKeepAlive !== "function") {
      throw new TypeError("Cannot set keepAlive: the underlying connection is not TCP");
    }
    tcp.setKeepAlive.call(this.conn, keepAlive);
  }

  /** Makes the connection keep the event loop alive (the default). */
  ref(): void {
    this.conn.ref();
  }

  /** Lets the event loop finish while the connection is open. */
  unref(): void {
    this.conn.unref();
  }

  /** The application's bytes as a stream: the bytes after the header first. */
  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    if (this.#readable) return this.#readable;
    const rest = this.#rest;
    this.#rest = new Uint8Array(0);
    if (rest.length === 0) return (this.#readable = this.conn.readable);
    const reader = this.conn.readable.getReader();
    this.#readable = new ReadableStream<Uint8Array<ArrayBuffer>>({
      start(c) {
        c.enqueue(rest.slice());
      },
      async pull(c) {
        const { done, value } = await reader.read();
        if (done) c.close();
        else c.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return this.#readable;
  }

  /** The socket's writable stream (to the client, through the proxy). */
  get writable(): WritableStream<Uint8Array<ArrayBufferLike>> {
    return this.conn.writable;
  }

  /** Closes the socket (for `using`). */
  [Symbol.dispose](): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

/**
 * Reads the PROXY header from a freshly accepted connection and wraps the connection so that
 * it reports the real client's addresses. This is the one call a server makes per accepted
 * connection when PROXY protocol is on. On failure the connection is closed and the error
 * thrown; the server keeps accepting.
 *
 * @param conn a freshly accepted connection
 * @param options mode (default `"auto"`: header required, v1 or v2), `timeout` (default
 * 5000 ms), `maxHeaderSize` (default 4096), `signal`, `trustedProxies`
 * @returns the wrapped connection
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
 * using conn = await acceptProxyConn(await listener.accept(), { mode: "v1", timeout: 3000 });
 * const peer = conn.remoteAddr as Deno.NetAddr;
 * assert.ok(peer.hostname === "2001:db8::7" && peer.port === 40000);
 * ```
 */
export async function acceptProxyConn(
  conn: Deno.Conn,
  options: ReadProxyHeaderOptions = {},
): Promise<ProxiedConn> {
  const { header, rest } = await readProxyHeader(conn, options);
  return new ProxiedConn(conn, header, rest);
}
