/**
 * Sending and receiving: `send`, `recv`, `sendto` and `recvfrom`, with their flags
 * (`MSG_PEEK`, `MSG_WAITALL`, `MSG_DONTROUTE`; `MSG_OOB` is refused), `SO_RCVTIMEO` and
 * `SO_SNDTIMEO`, and non-blocking mode. TCP `recv` returns 0 once the peer closed; a UDP
 * datagram longer than the buffer is cut, as in C.
 *
 * Permissions: `--allow-net`; UDP needs `--unstable-net`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, bind, closesocket, getsockname, inet_addr, recvfrom, sendto, SOCK_DGRAM, socket, sockaddr_in } from "./mod.ts";
 * const srv = socket(AF_INET, SOCK_DGRAM, 0);
 * const ser = new sockaddr_in();
 * ser.sin_family = AF_INET;
 * ser.sin_addr.s_addr = inet_addr("127.0.0.1");
 * bind(srv, ser);
 * getsockname(srv, ser);
 * const cl = socket(AF_INET, SOCK_DGRAM, 0);
 * await sendto(cl, new Uint8Array([1, 2, 3]), 3, 0, ser);
 * const buf = new Uint8Array(2);
 * assert.equal(await recvfrom(srv, buf, buf.length, 0), 2); // cut to the buffer, as in C
 * await closesocket(cl);
 * await closesocket(srv);
 * ```
 *
 * @module
 */

import { bindDatagramSocket } from "./_bind_datagram.ts";
import {
  checkFamily,
  isStreamSocket,
  openSocketEntry,
  type SocketEntry,
  wildcardAddress,
} from "./_descriptor_table.ts";
import { receiveFromStream, takeDatagram } from "./_receive_queues.ts";
import { MSG_DONTROUTE, MSG_OOB, MSG_PEEK, MSG_WAITALL } from "./constants.ts";
import { fail, recordError } from "./errors.ts";
import { decodeSockaddr, fillSockaddr, type SockaddrLike } from "./sockaddr.ts";
import type { IntRef } from "./structs.ts";

/** The length to use: `len` (default the whole buffer), checked to fit (`EFAULT`). */
function checkBuffer(call: string, buf: Uint8Array, len: number | undefined): number {
  if (!(buf instanceof Uint8Array)) {
    fail(call, "EFAULT", `Cannot ${call}: buffer is not a Uint8Array`);
  }
  const n = len ?? buf.length;
  if (!Number.isInteger(n) || n < 0 || n > buf.length) {
    fail(call, "EFAULT", `Cannot ${call}: length ${n} exceeds the buffer's ${buf.length} bytes`);
  }
  return n;
}

/** Fail with `EOPNOTSUPP` for `MSG_OOB` or any flag outside `allowed`. */
function checkFlags(call: string, flags: number, allowed: number): void {
  if (flags & MSG_OOB) {
    fail(call, "EOPNOTSUPP", `Cannot ${call}: MSG_OOB (out-of-band data) is not supported`);
  }
  if (flags & ~allowed) {
    fail(
      call,
      "EOPNOTSUPP",
      `Cannot ${call}: unsupported flags 0x${(flags & ~allowed).toString(16)}`,
    );
  }
}

/**
 * Receive (`recv(s, buf, len, flags)`).
 *
 * TCP: waits for data, returns how many bytes were copied (at most `len`), and **0 once the
 * peer closed** (FIN). UDP: one datagram, cut to `len` (the rest is discarded, as in C).
 *
 * @param s The socket.
 * @param buf Where to copy the data.
 * @param len How many bytes at most (default `buf.length`).
 * @param flags 0, `MSG_PEEK` (leave the data queued), `MSG_WAITALL` (TCP: wait for `len` bytes).
 * @returns Bytes received; 0 at end of stream.
 * @throws {BsdError} `EOPNOTSUPP` for `MSG_OOB`, `ENOTCONN`, `EWOULDBLOCK` (non-blocking, nothing
 *   queued), `EAGAIN`/`WSAETIMEDOUT` after `SO_RCVTIMEO`, and the runtime's `ECONNRESET`.
 *
 * Needs `--allow-net`.
 *
 * @example MSG_PEEK leaves the data queued
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, bind, closesocket, connect, getsockname, MSG_PEEK, recv, send, SOCK_DGRAM, socket, sockaddr_in, inet_addr } from "./mod.ts";
 * const a = socket(AF_INET, SOCK_DGRAM, 0);
 * const b = socket(AF_INET, SOCK_DGRAM, 0);
 * const addr = new sockaddr_in();
 * addr.sin_family = AF_INET;
 * addr.sin_addr.s_addr = inet_addr("127.0.0.1");
 * bind(a, addr);
 * getsockname(a, addr);
 * await connect(b, addr);
 * await send(b, new TextEncoder().encode("hi"), 2, 0);
 * const buf = new Uint8Array(16);
 * assert.equal(await recv(a, buf, 16, MSG_PEEK), 2);
 * assert.equal(await recv(a, buf, 16, 0), 2);
 * await closesocket(a);
 * await closesocket(b);
 * ```
 */
export async function recv(s: number, buf: Uint8Array, len?: number, flags = 0): Promise<number> {
  const e = openSocketEntry("recv", s);
  checkFlags("recv", flags, MSG_PEEK | MSG_WAITALL);
  const n = checkBuffer("recv", buf, len);
  if (isStreamSocket(e)) return await receiveFromStream("recv", e, buf, n, flags);
  const d = await takeDatagram("recv", e, (flags & MSG_PEEK) !== 0);
  const k = Math.min(n, d.data.length);
  buf.set(d.data.subarray(0, k));
  return k;
}

/**
 * Receive with the sender's address (`recvfrom(s, buf, len, flags, from, fromlen)`).
 *
 * @param s The socket (UDP; on TCP it behaves as `recv` and `from` gets the peer).
 * @param buf Where to copy the data.
 * @param len Bytes at most (default `buf.length`); a longer datagram is cut.
 * @param flags 0 or `MSG_PEEK`.
 * @param from Filled in with the sender's address when given.
 * @param fromlen Set to the size of the address written, when given.
 * @returns Bytes received (0 for an empty datagram).
 * @throws {BsdError} `EINVAL` when the UDP socket is not bound, `EOPNOTSUPP` for `MSG_OOB`,
 *   `EWOULDBLOCK`, `EAGAIN`/`WSAETIMEDOUT` after `SO_RCVTIMEO`.
 *
 * Needs `--allow-net`, `--unstable-net`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, bind, closesocket, getsockname, inet_addr, inet_ntoa, ntohs, recvfrom, sendto, SOCK_DGRAM, socket, sockaddr_in } from "./mod.ts";
 * const srv = socket(AF_INET, SOCK_DGRAM, 0);
 * const ser = new sockaddr_in();
 * ser.sin_family = AF_INET;
 * ser.sin_addr.s_addr = inet_addr("127.0.0.1");
 * bind(srv, ser);
 * getsockname(srv, ser);
 * const cl = socket(AF_INET, SOCK_DGRAM, 0);
 * await sendto(cl, new TextEncoder().encode("Hello"), 5, 0, ser);
 * const cli = new sockaddr_in();
 * const buf = new Uint8Array(1024);
 * assert.equal(await recvfrom(srv, buf, buf.length, 0, cli), 5);
 * assert.equal(inet_ntoa(cli.sin_addr), "127.0.0.1");
 * assert.ok(ntohs(cli.sin_port) > 0);
 * await closesocket(cl);
 * await closesocket(srv);
 * ```
 */
export async function recvfrom(
  s: number,
  buf: Uint8Array,
  len?: number,
  flags = 0,
  from?: SockaddrLike | null,
  fromlen?: IntRef,
): Promise<number> {
  const e = openSocketEntry("recvfrom", s);
  checkFlags("recvfrom", flags, MSG_PEEK | MSG_WAITALL);
  const n = checkBuffer("recvfrom", buf, len);
  if (isStreamSocket(e)) {
    const k = await receiveFromStream("recvfrom", e, buf, n, flags);
    const r = e.conn!.remoteAddr as Deno.NetAddr;
    const size = fillSockaddr(from, r.hostname, r.port);
    if (fromlen) fromlen.value = size;
    return k;
  }
  const d = await takeDatagram("recvfrom", e, (flags & MSG_PEEK) !== 0);
  const k = Math.min(n, d.data.length);
  buf.set(d.data.subarray(0, k));
  const size = fillSockaddr(from, d.hostname, d.port);
  if (fromlen) fromlen.value = size;
  return k;
}

/** TCP send: write all of `data` (one write when non-blocking), bounded by `SO_SNDTIMEO`. */
async function writeToStream(call: string, e: SocketEntry, data: Uint8Array): Promise<number> {
  const conn = e.conn;
  if (!conn) fail(call, "ENOTCONN", `Cannot ${call}: the socket is not connected`);
  if (e.writeShut) {
    fail(call, "EPIPE", `Cannot ${call}: the socket was shut down for sending`, "WSAESHUTDOWN");
  }
  const write = async () => {
    let off = 0;
    do {
      off += await conn.write(data.subarray(off));
    } while (off < data.length && !e.nonBlocking);
    return off;
  };
  try {
    if (!e.sendTimeoutMs) return await write();
    let id: ReturnType<typeof setTimeout> | undefined;
    const t = new Promise<null>((r) => (id = setTimeout(() => r(null), e.sendTimeoutMs)));
    try {
      const r = await Promise.race([write(), t]);
      if (r === null) {
        fail(
          call,
          "EAGAIN",
          `Cannot ${call}: the write did not finish within SO_SNDTIMEO ${e.sendTimeoutMs} ms`,
          "WSAETIMEDOUT",
        );
      }
      return r;
    } finally {
      clearTimeout(id);
    }
  } catch (err) {
    throw recordError(call, err);
  }
}

/** UDP send of one datagram, binding the socket first when it is not bound. */
async function sendDatagram(
  call: string,
  e: SocketEntry,
  data: Uint8Array,
  to: { hostname: string; port: number },
): Promise<number> {
  if (!e.udp) bindDatagramSocket(call, e, wildcardAddress(e.family), 0);
  try {
    return await e.udp!.send(data, { transport: "udp", hostname: to.hostname, port: to.port });
  } catch (err) {
    throw recordError(call, err);
  }
}

/**
 * Send (`send(s, buf, len, flags)`). TCP: waits until the kernel took all `len` bytes (one
 * write in non-blocking mode). UDP: one datagram to the peer set by `connect`.
 *
 * @param s The socket.
 * @param buf The data.
 * @param len How many bytes of `buf` (default all).
 * @param flags 0 or `MSG_DONTROUTE`.
 * @returns Bytes sent.
 * @throws {BsdError} `EOPNOTSUPP` for `MSG_OOB`, `ENOTCONN`, `EDESTADDRREQ` (UDP without a peer),
 *   `EPIPE`/`WSAESHUTDOWN` after `shutdown(SHUT_WR)`, and the runtime's `EPIPE`/`ECONNRESET`.
 *
 * Needs `--allow-net`.
 *
 * @example MSG_OOB is refused clearly
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, MSG_OOB, send, SOCK_STREAM, socket } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * await assert.rejects(send(s, new Uint8Array(1), 1, MSG_OOB), { code: "EOPNOTSUPP", wsaCode: 10045 });
 * await closesocket(s);
 * ```
 */
export async function send(s: number, buf: Uint8Array, len?: number, flags = 0): Promise<number> {
  const e = openSocketEntry("send", s);
  checkFlags("send", flags, MSG_DONTROUTE);
  const n = checkBuffer("send", buf, len);
  const data = buf.subarray(0, n);
  if (isStreamSocket(e)) return await writeToStream("send", e, data);
  if (!e.peer) {
    fail(
      "send",
      "EDESTADDRREQ",
      "Cannot send: the UDP socket has no peer; connect it or use sendto",
    );
  }
  return await sendDatagram("send", e, data, e.peer);
}

/**
 * Send a datagram to an address (`sendto(s, buf, len, flags, to, tolen)`). An unbound UDP
 * socket is bound first (the system picks the port). A resolved promise means the kernel took
 * the datagram, not that it arrived.
 *
 * @param s The socket (on TCP, `to` is ignored and this is `send`).
 * @param buf The data.
 * @param len How many bytes (default all; at most 65507 over IPv4).
 * @param flags 0 or `MSG_DONTROUTE`.
 * @param to The destination `sockaddr_in`/`sockaddr_in6` (or bytes).
 * @param _tolen Ignored.
 * @returns Bytes sent.
 * @throws {BsdError} `EOPNOTSUPP` for `MSG_OOB`, `EMSGSIZE`, `EACCES` (broadcast without
 *   `SO_BROADCAST`).
 *
 * Needs `--allow-net`, `--unstable-net`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, getsockname, inet_addr, ntohs, sendto, SOCK_DGRAM, socket, sockaddr_in } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_DGRAM, 0);
 * const to = new sockaddr_in();
 * to.sin_family = AF_INET;
 * to.sin_port = 0x0900; // htons(9), the discard port; nothing listens
 * to.sin_addr.s_addr = inet_addr("127.0.0.1");
 * assert.equal(await sendto(s, new Uint8Array(3), 3, 0, to), 3);
 * const me = new sockaddr_in();
 * getsockname(s, me);
 * assert.ok(ntohs(me.sin_port) > 0); // bound by sendto
 * await closesocket(s);
 * ```
 */
export async function sendto(
  s: number,
  buf: Uint8Array,
  len: number | undefined,
  flags: number,
  to: SockaddrLike,
  _tolen?: number,
): Promise<number> {
  const e = openSocketEntry("sendto", s);
  checkFlags("sendto", flags, MSG_DONTROUTE);
  const n = checkBuffer("sendto", buf, len);
  const data = buf.subarray(0, n);
  if (isStreamSocket(e)) return await writeToStream("sendto", e, data);
  const a = decodeSockaddr("sendto", to);
  checkFamily("sendto", e, a.family);
  return await sendDatagram("sendto", e, data, a);
}
