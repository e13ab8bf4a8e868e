/**
 * A connection handler module: read one message, wait 300 ms, echo it, return. Used to check
 * that shutdown drains running handlers.
 *
 * @module
 */
import type { TcpConnection } from "../../src/net/tcp.ts";

/** Echo one read after a delay. */
export default async function slowEcho(conn: TcpConnection): Promise<void> {
  const buf = new Uint8Array(1024);
  const n = await conn.read(buf);
  if (n === null) return;
  await new Promise((r) => setTimeout(r, 300));
  await conn.writeAll(buf.subarray(0, n));
}
