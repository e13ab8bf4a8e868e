/**
 * The link between the socket wrappers and src/close.ts (close semantics): `closeSocket`
 * honours a linger recorded by `setSocketOptions` (0 sends an RST), and `endReason` tells a
 * peer's FIN from its RST after a read returned `null`.
 *
 * @module
 */

import { closeSocket, endReason } from "../close.ts";
import type { SocketLike } from "../socket_options.ts";

function ffiGranted(): boolean {
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}

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
