/**
 * Picks the socket option names out of a listen/connect options object and applies them.
 * `noDelay` and boolean `keepAlive` on TCP go through Deno's own methods (no FFI); everything
 * else goes through `setSocketOptions` (src/socket_options.ts, needs `--allow-ffi`).
 *
 * @module
 */

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
] as const;

/** Socket options accepted inline by sockkit's `listen`, `connect` and `bind` (applied with `setSocketOptions`). */
export interface InlineSocketOptions {
  /** `SO_REUSEADDR`. Default: Deno's (on for TCP listeners). */
  reuseAddress?: boolean;
  /** `SO_RCVBUF` in bytes (the kernel doubles it). Default: the system's. */
  receiveBufferSize?: number;
  /** `SO_SNDBUF` in bytes (the kernel doubles it). Default: the system's. */
  sendBufferSize?: number;
  /** `SO_LINGER` seconds, or `false` for off. `0` makes `close()` send an RST. Default: off. */
  linger?: number | false;
  /** `SO_KEEPALIVE`, or `{ idle, interval, count }` in seconds. Default: off. */
  keepAlive?: boolean | { idle?: number; interval?: number; count?: number };
  /** `TCP_USER_TIMEOUT` in ms. Default: 0 (the system's). */
  userTimeout?: number;
  /** `TCP_NODELAY`. Default: Deno's. */
  noDelay?: boolean;
  /** `SO_BROADCAST` (UDP). Deno turns it on for every UDP socket; `false` turns it off. */
  broadcast?: boolean;
  /** `IP_TTL`. */
  ttl?: number;
  /** `IP_TOS`. */
  tos?: number;
  /** `IP_MULTICAST_TTL`. Default 1. */
  multicastTtl?: number;
  /** `IP_MULTICAST_LOOP`. */
  multicastLoop?: boolean;
  /** `TCP_CORK`. */
  cork?: boolean;
  /** `TCP_QUICKACK`. */
  quickAck?: boolean;
  /** `SO_DEBUG` (needs CAP_NET_ADMIN). */
  debug?: boolean;
}

/** Return only the socket option fields of `o` that are set, or `undefined` when none is. */
export function pickSocketOptions(o: object): InlineSocketOptions | undefined {
  let out: Record<string, unknown> | undefined;
  for (const k of SOCKET_OPTION_NAMES) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) (out ??= {})[k] = v;
  }
  return out as InlineSocketOptions | undefined;
}

type SetSocketOptions = (socket: unknown, options: Record<string, unknown>) => unknown;
let setter: SetSocketOptions | undefined;

/** Register the FFI option setter (done by the module that owns it, or by tests). */
export function registerSocketOptionSetter(fn: SetSocketOptions): void {
  setter = fn;
}

/**
 * Apply `opts` to a Deno socket. `noDelay` and boolean `keepAlive` use Deno's methods on a
 * TcpConn; the rest need `setSocketOptions` (FFI).
 *
 * @throws {Deno.errors.NotSupported} when FFI options are asked for but no setter is available.
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
  if (!setter) {
    throw new Deno.errors.NotSupported(
      `Cannot set socket options ${
        Object.keys(rest).join(", ")
      }: setSocketOptions is not available`,
    );
  }
  setter(raw, rest);
}
