/**
 * The address rule of a proxied connection ({@linkcode proxiedAddresses}): which addresses a
 * connection that arrived through a proxy reports. `ProxiedTcpConnection` (in `./net`, also
 * exported here) applies it; it is pure, so it is part of the portable bundle too.
 *
 * @module
 */
import type { ProxyHeader } from "./header.ts";

function isIpAddr(a: unknown): a is Deno.NetAddr {
  return typeof a === "object" && a !== null &&
    ((a as Deno.Addr).transport === "tcp" || (a as Deno.Addr).transport === "udp");
}

/**
 * The addresses a proxied connection reports: the header's source and destination for a
 * PROXY command that carried IP addresses (with the socket's transport when the socket is
 * TCP or UDP), the socket's own for LOCAL (a health check), v1 `UNKNOWN`, v2 `UNSPEC` and
 * v2 `UNIX` addresses.
 *
 * @param header The decoded header.
 * @param socketRemote The socket's peer (the proxy).
 * @param socketLocal The socket's own address.
 * @returns `{ remoteAddr, localAddr }`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProxyHeader, proxiedAddresses } from "./mod.ts";
 * const own = { transport: "tcp" as const, hostname: "127.0.0.1", port: 9 };
 * const unknown = decodeProxyHeader(new TextEncoder().encode("PROXY UNKNOWN\r\n"));
 * assert.ok(unknown.status === "complete");
 * assert.deepEqual(proxiedAddresses(unknown.header, own, own), { remoteAddr: own, localAddr: own });
 * const v1 = decodeProxyHeader(new TextEncoder().encode("PROXY TCP4 192.0.2.1 127.0.0.1 5 80\r\n"));
 * assert.ok(v1.status === "complete");
 * assert.deepEqual(proxiedAddresses(v1.header, own, own).remoteAddr, {
 *   transport: "tcp",
 *   hostname: "192.0.2.1",
 *   port: 5,
 * });
 * ```
 */
export function proxiedAddresses<A extends Deno.Addr>(
  header: ProxyHeader,
  socketRemote: A,
  socketLocal: A,
): { remoteAddr: A | Deno.NetAddr; localAddr: A | Deno.NetAddr } {
  const { source, destination } = header;
  if (header.command !== "proxy" || !isIpAddr(source) || !isIpAddr(destination)) {
    return { remoteAddr: socketRemote, localAddr: socketLocal };
  }
  const transport = isIpAddr(socketRemote) ? socketRemote.transport : source.transport;
  return {
    remoteAddr: { ...source, transport },
    localAddr: { ...destination, transport },
  };
}
