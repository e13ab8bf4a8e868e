/**
 * Creating the kernel's UDP socket: `bind` does it, and `connect`/`sendto` on an unbound UDP
 * socket do it with the wildcard address and a port the system picks.
 *
 * @module
 */

import { isOptionOn, type SocketEntry } from "./_descriptor_table.ts";
import { applyRecordedOptions } from "./_socket_option_table.ts";
import { SO_REUSEADDR, SO_REUSEPORT, SOL_SOCKET } from "./constants.ts";
import { recordError } from "./errors.ts";

/**
 * Create and bind the kernel UDP socket of `e` (honouring a recorded
 * `SO_REUSEADDR`/`SO_REUSEPORT`), then apply the other recorded options.
 */
export function bindDatagramSocket(
  call: string,
  e: SocketEntry,
  hostname: string,
  port: number,
): void {
  const reuse = isOptionOn(e.options.get(`${SOL_SOCKET}/${SO_REUSEADDR}`)) ||
    isOptionOn(e.options.get(`${SOL_SOCKET}/${SO_REUSEPORT}`));
  try {
    e.udp = Deno.listenDatagram({
      transport: "udp",
      hostname,
      port,
      ...(reuse ? { reuseAddress: true } : {}),
    });
  } catch (err) {
    throw recordError(call, err);
  }
  const a = e.udp.addr as Deno.NetAddr;
  e.bound = { hostname: a.hostname, port: a.port };
  applyRecordedOptions(call, e);
}
