/**
 * TCP diagnostics through FFI: the connection state and counters the kernel keeps
 * (`getsockopt(TCP_INFO)` on Linux, `TCP_CONNECTION_INFO` on macOS), and the number of bytes
 * still waiting in the send queue (`ioctl(SIOCOUTQ)`).
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tcpInfo } from "./tcp_info.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert.equal(tcpInfo(listener).state, "LISTEN");
 * ```
 *
 * @module
 */

import { libc } from "../_ffi/libc.ts";
import type { SocketLike, TcpInfoLayout, TcpStateName } from "./types.ts";
import { resolveSocket } from "../_ffi/fd.ts";
import { SocketOptionError } from "./errors.ts";
import { errnoName } from "../errno/error_table.ts";

/** A snapshot of the kernel's view of one TCP socket. `null` means the OS does not report it. */
export interface TcpInfo {
  /** The TCP state, named as in RFC 793 (`"ESTABLISHED"`, `"CLOSE_WAIT"`, `"TIME_WAIT"`, ...). */
  state: TcpStateName;
  /** Smoothed round-trip time, µs. */
  rtt: number;
  /** Round-trip time variation, µs. */
  rttVar: number;
  /** Retransmission timeout, µs. */
  rto: number;
  /** Congestion window (segments on Linux, bytes on macOS). */
  sendCwnd: number;
  /** Sender's maximum segment size, bytes. */
  sendMss: number;
  /** Retransmissions of the current segment (Linux `tcpi_retransmits`). */
  retransmits: number | null;
  /** Retransmitted segments over the connection's life. */
  totalRetrans: number;
  /** Segments sent and not yet acknowledged (Linux); bytes in the send buffer (macOS). */
  unacked: number;
  /** Bytes the peer acknowledged (Linux; counts our FIN as one byte once it is acked). */
  bytesAcked: number | null;
  /** Bytes received (counts the peer's FIN as one byte). */
  bytesReceived: number;
  /** Bytes sent, retransmissions included. */
  bytesSent: number | null;
  /** Bytes retransmitted. */
  bytesRetrans: number | null;
  /** Bytes written but not yet sent. */
  notSentBytes: number | null;
}

/**
 * Decode a raw TCP information struct with a layout from the constant tables (pure; used
 * by {@linkcode tcpInfo} and by the macOS unit tests).
 *
 * @param bytes The bytes `getsockopt` returned.
 * @param layout The OS's layout.
 * @returns The decoded fields; a field beyond `bytes.length` reads as `null`.
 * @throws {RangeError} For an unknown state number.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeTcpInfo } from "./tcp_info.ts";
 * import { LINUX } from "../_ffi/constants.ts";
 * const raw = new Uint8Array(232);
 * raw[0] = 1; // TCP_ESTABLISHED
 * new DataView(raw.buffer).setUint32(68, 250, true); // tcpi_rtt
 * const info = decodeTcpInfo(raw, LINUX.tcpInfo);
 * assert.equal(info.state, "ESTABLISHED");
 * assert.equal(info.rtt, 250);
 * ```
 */
export function decodeTcpInfo(bytes: Uint8Array, layout: TcpInfoLayout): TcpInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (f: keyof TcpInfoLayout["fields"]): number | null => {
    const d = layout.fields[f];
    if (!d || d.offset + d.width > bytes.length) return null;
    const v = d.width === 1
      ? view.getUint8(d.offset)
      : d.width === 4
      ? view.getUint32(d.offset, true)
      : Number(view.getBigUint64(d.offset, true));
    return v * d.scale;
  };
  const stateNo = read("state") ?? -1;
  const state = layout.states[stateNo];
  if (!state) throw new RangeError(`Cannot decode TCP state: unknown state number ${stateNo}`);
  return {
    state,
    rtt: read("rtt") ?? 0,
    rttVar: read("rttVar") ?? 0,
    rto: read("rto") ?? 0,
    sendCwnd: read("sendCwnd") ?? 0,
    sendMss: read("sendMss") ?? 0,
    retransmits: read("retransmits"),
    totalRetrans: read("totalRetrans") ?? 0,
    unacked: read("unacked") ?? 0,
    bytesAcked: read("bytesAcked"),
    bytesReceived: read("bytesReceived") ?? 0,
    bytesSent: read("bytesSent"),
    bytesRetrans: read("bytesRetrans"),
    notSentBytes: read("notSentBytes"),
  };
}

let infoBuf: Uint8Array | null = null;
const infoLen = new Uint32Array(1);

/**
 * Read a TCP socket's state and counters from the kernel.
 *
 * @param conn A TCP `Deno.Conn`, a TCP `Deno.Listener`, or a sockkit wrapper of one.
 * @returns The snapshot.
 * @throws {SocketOptionError} When the socket is not TCP (`EOPNOTSUPP`/`ENOPROTOOPT`).
 * @throws {StaleDescriptorError} When the socket is closed.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tcpInfo } from "./tcp_info.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * using server = await listener.accept();
 * await client.write(new Uint8Array(10));
 * await server.read(new Uint8Array(10));
 * const info = tcpInfo(client);
 * assert.equal(info.state, "ESTABLISHED");
 * assert.ok(info.rtt > 0);
 * ```
 */
export function tcpInfo(conn: SocketLike): TcpInfo {
  const { fd } = resolveSocket(conn);
  const lib = libc();
  const layout = lib.C.tcpInfo;
  infoBuf ??= new Uint8Array(layout.size);
  infoBuf.fill(0);
  infoLen[0] = layout.size;
  if (lib.symbols.getsockopt(fd, lib.C.IPPROTO_TCP, layout.option, infoBuf, infoLen) !== 0) {
    const n = lib.errno();
    const code = errnoName(n, lib.C.os) ?? `E${n}`;
    throw new SocketOptionError("TCP_INFO", n, code, `Cannot read TCP_INFO: ${code} (errno ${n})`);
  }
  return decodeTcpInfo(infoBuf.subarray(0, infoLen[0]), layout);
}

/**
 * Bytes in a TCP socket's send queue: written but not yet acknowledged by the peer (a sent,
 * unacknowledged FIN counts as one). Linux `ioctl(SIOCOUTQ)`; macOS `tcpi_snd_sbbytes`.
 *
 * @param conn A TCP `Deno.Conn` or sockkit wrapper.
 * @returns The byte count; 0 once everything (and our FIN, after `closeWrite`) is acknowledged.
 * @throws {SocketOptionError} On a listening or non-TCP socket (`EINVAL`).
 * @throws {StaleDescriptorError} When the socket is closed.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pendingSendBytes } from "./tcp_info.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * using _server = await listener.accept();
 * assert.equal(pendingSendBytes(client), 0);
 * ```
 */
export function pendingSendBytes(conn: SocketLike): number {
  const { fd } = resolveSocket(conn);
  const lib = libc();
  if (lib.symbols.ioctl === null || lib.C.SIOCOUTQ === null) return tcpInfo(conn).unacked;
  const out = new Int32Array(1);
  if (lib.symbols.ioctl(fd, BigInt(lib.C.SIOCOUTQ), out) !== 0) {
    const n = lib.errno();
    const code = errnoName(n, lib.C.os) ?? `E${n}`;
    throw new SocketOptionError("SIOCOUTQ", n, code, `Cannot read SIOCOUTQ: ${code} (errno ${n})`);
  }
  return out[0];
}
