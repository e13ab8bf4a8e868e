/**
 * A connection handler module for `serveWorkers` tests and benchmarks: echo every byte.
 *
 * @module
 */
import type { TcpConnection } from "../../src/net/tcp.ts";

/** Echo until end of stream. */
export default async function echo(conn: TcpConnection): Promise<void> {
  const buf = new Uint8Array(65536);
  for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
}
