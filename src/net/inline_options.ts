/**
 * Picks the socket option names out of a listen/connect options object and applies them.
 * `noDelay` and boolean `keepAlive` on TCP go through Deno's own methods (no FFI); everything
 * else goes through `setSocketOptions` (src/sockopt/socket_options.ts, needs `--allow-ffi`).
 *
 * @module
 */

import { setSocketOptions, type SocketOptions } from "../sockopt/socket_options.ts";
import type { SocketLike } from "../sockopt/types.ts";

/** The socket option names `listen`/`connect` accept; see `setSocketOptions` for each meaning. */
export const SOCKET_OPTION_NAMES = [
  "reuseAddress",
  "receiveBufferSize",
  "sendBufferSize",
  "linger",
  "keepAlive",
  "userTimeout",
  "noDelay",
  "broadcast",
  "ttl",
  "tos",
  "multicastTtl",
  "multicastLoop",
  "cork",
  "quickAck",
  "debug",
  "kernelReceiveTimeout",
  "kernelSendTimeout",
  "conditionalAccept",
] as const;

/** Socket options accepted inline by sockkit's `listen`, `connect` and `bind`: the fields of `setSocketOptions` (src/sockopt/socket_options.ts); `reusePort` is Deno's listen option instead. */
export type InlineSocketOptions = Omit<SocketOptions, "reusePort">;

/** Return only the socket option fields of `o` that are set, or `undefined` when none is. */
export function pickSocketOptions(o: object): InlineSocketOptions | undefined {
  let out: Record<string, unknown> | undefined;
  for (const k of SOCKET_OPTION_NAMES) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) (out ??= {})[k] = v;
  }
  return out as InlineSocketOptions | undefined;
}

/**
 * Apply `opts` to a Deno socket. `noDelay` and boolean `keepAlive` use Deno's methods on a
 * TcpConn; the rest need `setSocketOptions` (FFI).
 *
 * @throws `FfiPermissionError` without `--allow-ffi`, `SocketOptionError` when the kernel refuses (from `setSocketOptions`).
 */
export function applySocketOptions(
  raw: unknown,
  opts: InlineSocketOptions | undefined,
): void {
  if (!opts) return;
  const rest: Record<string, unknown> = { ...opts };
  const tcp = raw as Partial<Deno.TcpConn>;
  if (typeof tcp.setNoDelay === "function" && typeof opts.noDelay === "boolean") {
    tcp.setNoDelay(opts.noDelay);
    delete rest.noDelay;
  }
  if (typeof tcp.setKeepAlive === "function" && typeof opts.keepAlive === "boolean") {
    tcp.setKeepAlive(opts.keepAlive);
    delete rest.keepAlive;
  }
  if (Object.keys(rest).length === 0) return;
  setSocketOptions(raw as SocketLike, rest as SocketOptions);
}
