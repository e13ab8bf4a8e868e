/**
 * The link between the socket wrappers and src/sockopt/close.ts (close semantics): `closeSocket`
 * honours a linger recorded by `setSocketOptions` (0 sends an RST), and `endReason` tells a
 * peer's FIN from its RST after a read returned `null`.
 *
 * @module
 */

import { ffiGranted } from "../_ffi/libc.ts";
import { closeGracefully, closeSocket, endReason } from "../sockopt/close.ts";
import { recordedLinger } from "../sockopt/socket_options.ts";
import type { SocketLike } from "../sockopt/types.ts";
import { pendingSendBytes } from "../sockopt/tcp_info.ts";

/** Close through `closeSocket`; resolves once closed (at once unless a linger > 0 was set). */
export async function closeRaw(raw: SocketLike): Promise<void> {
  try {
    await closeSocket(raw);
  } catch (e) {
    if (!(e instanceof Deno.errors.BadResource)) throw e;
  }
}

/** `"FIN"`, `"RST"` or `"CLOSED"` for a TCP connection whose read returned `null`, or `null` when unknown (no `--allow-ffi`, not TCP). */
export function readEndReason(raw: Deno.Conn, bytesRead: number): string | null {
  if ((raw.remoteAddr as Deno.Addr).transport !== "tcp" || !ffiGranted()) return null;
  try {
    return endReason(raw as SocketLike, { bytesRead });
  } catch {
    return null;
  }
}

/** What {@linkcode closeAfterHandler} closes: a sockkit stream connection. */
interface ServedConn {
  readonly raw: Deno.Conn;
  readonly closed: boolean;
  readonly eof: boolean;
  readonly bytesWritten: number;
  close(): Promise<void>;
}

/**
 * Close a connection whose serve handler has finished without losing what it sent. A close
 * with unread input from the peer (a pipelined request, the rest of a rejected upload) makes
 * the kernel send an RST, which throws away whatever of our reply it still holds. So when our
 * bytes are not all acknowledged yet and no linger was set, half-close and wait, up to
 * `timeout` ms, until they are or the peer closes, then close (the lingering close of nginx
 * and Apache). Otherwise close at once: for Unix sockets, when nothing was written, when the
 * peer's end of stream was already read (no input can be left unread), and with `timeout` 0
 * (which the caller passes without `--allow-ffi`).
 *
 * @param conn The connection.
 * @param timeout The longest wait (ms); 0 closes at once.
 */
export async function closeAfterHandler(conn: ServedConn, timeout: number): Promise<void> {
  if (
    timeout > 0 && !conn.closed && !conn.eof && conn.bytesWritten > 0 &&
    (conn.raw.remoteAddr as Deno.Addr).transport === "tcp" && recordedLinger(conn.raw) === undefined
  ) {
    try {
      if (pendingSendBytes(conn.raw) > 0) {
        await closeGracefully(conn, { timeout, onTimeout: "close" });
        return;
      }
    } catch {
      // Closed under us, the descriptor cannot be found, or FFI was revoked: close plainly.
    }
  }
  await conn.close().catch(() => {});
}
