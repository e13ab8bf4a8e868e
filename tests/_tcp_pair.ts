/**
 * Test helper: a connected loopback TCP pair (listener, client, accepted server side) that
 * closes all three on dispose, tolerating ones the test already closed.
 *
 * @module
 */

/** A listener with one connected client and its accepted server side. */
export interface TcpPair extends Disposable {
  listener: Deno.TcpListener;
  client: Deno.TcpConn;
  server: Deno.TcpConn;
}

/**
 * Listen on `hostname` port 0, connect to it and accept. Use with `using p = await tcpPair()`.
 *
 * @param hostname Loopback address to use. Default `"127.0.0.1"`.
 * @returns The pair.
 */
export async function tcpPair(hostname = "127.0.0.1"): Promise<TcpPair> {
  const listener = Deno.listen({ hostname, port: 0 });
  const client = await Deno.connect({ hostname, port: listener.addr.port });
  const server = await listener.accept();
  return {
    listener,
    client,
    server,
    [Symbol.dispose]() {
      for (const s of [client, server, listener]) {
        try {
          s.close();
        } catch { /* already closed by the test */ }
      }
    },
  };
}
