/**
 * A socket's life in the Berkeley API on Deno: `socket`, `bind`, `listen`, `accept`, `connect`,
 * `shutdown`, `closesocket`/`close`, `getsockname`, `getpeername` and `ioctlsocket(FIONBIO)`.
 * The data calls are in send_receive.ts, the options in socket_options.ts, `select` in
 * select.ts; the descriptor table and the receive queues behind them are private
 * (`_descriptor_table.ts`, `_receive_queues.ts`, `_socket_option_table.ts`).
 *
 * Socket descriptors are small integers from the module's own table, starting at 3 like file
 * descriptors. Calls that do I/O return promises (`await recv(s, buf, buf.length, 0)`); the
 * others are synchronous. A failing call throws (see errors.ts) after storing its code for
 * `WSAGetLastError()`/`errno()`.
 *
 * How Deno is mapped onto C's model:
 * - TCP `bind` records the address (checking at once that it is free); `listen` creates the
 *   Deno listener with the backlog as `tcpBacklog`. A TCP client cannot choose its local
 *   address on Deno, so `connect` after a `bind` to a specific address fails with `EOPNOTSUPP`.
 * - UDP `bind` creates the Deno socket. `sendto` on an unbound UDP socket binds it first (the
 *   system picks the port, as the seeds say); `recvfrom` on an unbound one fails with `EINVAL`.
 *   `connect` on a UDP socket sets the default peer and filters received datagrams to it.
 * - Each socket keeps a receive queue so `MSG_PEEK` leaves data queued and `select` can report
 *   readiness: `select` starts a read (or accept) and the data waits in the queue for `recv`.
 * - Non-blocking mode (`ioctlsocket(s, FIONBIO, 1)`): `recv`/`accept` with nothing queued fail
 *   with `EWOULDBLOCK` (and start a read in the background), `connect` fails with `EINPROGRESS`
 *   (`WSAEWOULDBLOCK`) and completes in the background; `select` for writing reports it done
 *   and `getsockopt(SO_ERROR)` tells how. A `send` always completes (Deno queues the write).
 * - Socket options set before the kernel socket exists are recorded and applied when it does
 *   (`listen`, `connect`, UDP `bind`). `SO_RCVTIMEO`/`SO_SNDTIMEO` are enforced by `recv`/`send`
 *   here. `SO_LINGER` is honoured by `closesocket`: 0 sends an RST, N > 0 closes gracefully within
 *   N seconds without blocking.
 * - Unsupported: `SOCK_RAW` (`EPERM`/`WSAEACCES` without privilege; `ESOCKTNOSUPPORT` with it),
 *   `MSG_OOB` (`EOPNOTSUPP`/`WSAEOPNOTSUPP`), `AF_UNIX` (`EAFNOSUPPORT`), `SO_CONDITIONAL_ACCEPT`
 *   (`ENOPROTOOPT`).
 *
 * Permissions: `--allow-net`; UDP needs `--unstable-net`; socket options other than the
 * recorded ones and `TCP_NODELAY`, and a `closesocket` after `SO_LINGER`, need `--allow-ffi`.
 *
 * @example The seeds' TCP pair, line for line
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   accept, AF_INET, bind, closesocket, connect, getsockname, htons, inet_addr, IPPROTO_IP,
 *   listen, recv, send, SOCK_STREAM, socket, sockaddr_in,
 * } from "./mod.ts";
 * const ServerSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_IP);
 * const ServerAddr = new sockaddr_in();
 * ServerAddr.sin_family = AF_INET;
 * ServerAddr.sin_addr.s_addr = inet_addr("127.0.0.1");
 * ServerAddr.sin_port = htons(0);
 * bind(ServerSocket, ServerAddr);
 * listen(ServerSocket, 5);
 * getsockname(ServerSocket, ServerAddr); // the port the system chose
 *
 * const ClientSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_IP);
 * const connecting = connect(ClientSocket, ServerAddr);
 * const from = new sockaddr_in();
 * const SocketClient = await accept(ServerSocket, from);
 * await connecting;
 * await send(SocketClient, new TextEncoder().encode("Welcome\0"), 8, 0);
 * const buf = new Uint8Array(1024);
 * assert.equal(await recv(ClientSocket, buf, buf.length, 0), 8);
 * await closesocket(SocketClient);
 * assert.equal(await recv(ClientSocket, buf, buf.length, 0), 0); // orderly close
 * await closesocket(ClientSocket);
 * await closesocket(ServerSocket);
 * ```
 *
 * @module
 */

import { bindDatagramSocket } from "./_bind_datagram.ts";
import {
  checkFamily,
  descriptors,
  isOptionOn,
  isStreamSocket,
  notifyStateChanged,
  openSocketEntry,
  type SocketEntry,
  wildcardAddress,
} from "./_descriptor_table.ts";
import { acceptIntoQueue, isFromPeer } from "./_receive_queues.ts";
import { applyRecordedOptions } from "./_socket_option_table.ts";
import {
  AF_UNSPEC,
  FIONBIO,
  IPPROTO_IP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_REUSEPORT,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  SOL_SOCKET,
  SOMAXCONN,
} from "./constants.ts";
import { type BsdErrorFields, fail, recordError } from "./errors.ts";
import { AF_INET, AF_INET6, AF_UNIX } from "./inet.ts";
import { decodeSockaddr, fillSockaddr, type SockaddrLike } from "./sockaddr.ts";
import type { IntRef } from "./structs.ts";
import { checkStarted, onLastCleanup } from "./winsock.ts";
import { closeSocket } from "../sockopt/close.ts";

/** Whether the process runs as root (false when `--allow-sys` is missing). */
function isPrivileged(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/**
 * Create a socket (`socket(af, type, protocol)`).
 *
 * @param af `AF_INET` or `AF_INET6`.
 * @param type `SOCK_STREAM` (TCP) or `SOCK_DGRAM` (UDP).
 * @param protocol 0 / `IPPROTO_IP` (the default for the type), `IPPROTO_TCP` or `IPPROTO_UDP`.
 * @returns The descriptor, a small integer (3 and up).
 * @throws {BsdError} `EAFNOSUPPORT` (another family, `AF_UNIX` included), `EPERM`/`WSAEACCES`
 *   for `SOCK_RAW` without privilege (`ESOCKTNOSUPPORT` with it: Deno has no raw sockets),
 *   `ESOCKTNOSUPPORT` for another type, `EPROTONOSUPPORT` for a protocol that does not fit.
 *
 * Needs no permissions (`--allow-sys` lets `SOCK_RAW` tell privileged from not).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, IPPROTO_UDP, SOCK_DGRAM, SOCK_STREAM, socket } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_DGRAM, 0);
 * assert.ok(s >= 3);
 * assert.throws(() => socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), { code: "EPROTONOSUPPORT" });
 * await closesocket(s);
 * ```
 */
export function socket(af: number, type: number, protocol = 0): number {
  checkStarted("socket");
  if (af === AF_UNIX) {
    fail(
      "socket",
      "EAFNOSUPPORT",
      "Cannot create socket: AF_UNIX is not supported by bsd (use sockkit's connectUnix/listenUnix)",
    );
  }
  if (af !== AF_INET && af !== AF_INET6) {
    fail("socket", "EAFNOSUPPORT", `Cannot create socket: address family ${af} is not supported`);
  }
  if (type === SOCK_RAW) {
    if (!isPrivileged()) {
      fail(
        "socket",
        "EPERM",
        "Cannot create socket: SOCK_RAW needs privilege (CAP_NET_RAW)",
        "WSAEACCES",
      );
    }
    fail("socket", "ESOCKTNOSUPPORT", "Cannot create socket: Deno has no raw sockets (SOCK_RAW)");
  }
  if (type !== SOCK_STREAM && type !== SOCK_DGRAM) {
    fail("socket", "ESOCKTNOSUPPORT", `Cannot create socket: socket type ${type} is not supported`);
  }
  const want = type === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  if (protocol !== IPPROTO_IP && protocol !== want) {
    fail(
      "socket",
      "EPROTONOSUPPORT",
      `Cannot create socket: protocol ${protocol} does not fit socket type ${type}`,
    );
  }
  let fd = 3;
  while (descriptors.has(fd)) fd++;
  descriptors.set(fd, {
    fd,
    family: af,
    type,
    protocol: want,
    nonBlocking: false,
    closed: false,
    acceptQueue: [],
    chunks: [],
    eof: false,
    readShut: false,
    writeShut: false,
    datagrams: [],
    options: new Map(),
    receiveTimeoutMs: 0,
    sendTimeoutMs: 0,
  });
  return fd;
}

/**
 * Give a socket its local address (`bind(s, name, namelen)`).
 *
 * TCP: the address is recorded (and checked to be free right away); `listen` creates the
 * listener. UDP: the socket is created and bound now.
 *
 * @param s The socket.
 * @param name A `sockaddr_in`/`sockaddr_in6` (or its bytes); port 0 lets the system choose.
 * @param _namelen Ignored (the structure knows its size).
 * @returns 0.
 * @throws {BsdError} `EINVAL` when already bound, `EADDRINUSE`, `EADDRNOTAVAIL`, `EAFNOSUPPORT`.
 *
 * Needs `--allow-net` (`--unstable-net` for UDP).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, bind, closesocket, getsockname, htons, INADDR_ANY, htonl, ntohs, SOCK_DGRAM, socket, sockaddr_in } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_DGRAM, 0);
 * const ser = new sockaddr_in();
 * ser.sin_family = AF_INET;
 * ser.sin_port = htons(0);
 * ser.sin_addr.s_addr = htonl(INADDR_ANY);
 * assert.equal(bind(s, ser), 0);
 * getsockname(s, ser);
 * assert.ok(ntohs(ser.sin_port) > 0);
 * assert.throws(() => bind(s, ser), { code: "EINVAL" });
 * await closesocket(s);
 * ```
 */
export function bind(s: number, name: SockaddrLike, _namelen?: number): number {
  const e = openSocketEntry("bind", s);
  const a = decodeSockaddr("bind", name);
  checkFamily("bind", e, a.family);
  if (e.bound || e.listener || e.conn || e.udp || e.connecting) {
    fail("bind", "EINVAL", `Cannot bind: socket ${s} is already bound`);
  }
  if (!isStreamSocket(e)) {
    bindDatagramSocket("bind", e, a.hostname, a.port);
    return 0;
  }
  if (a.port !== 0) {
    // Report EADDRINUSE/EADDRNOTAVAIL at bind, where C reports them. With SO_REUSEPORT set
    // the probe shares the port as the real listener will (C's bind succeeds there too).
    const reusePort = isOptionOn(e.options.get(`${SOL_SOCKET}/${SO_REUSEPORT}`));
    try {
      Deno.listen({
        hostname: a.hostname,
        port: a.port,
        transport: "tcp",
        ...(reusePort ? { reusePort: true } : {}),
      }).close();
    } catch (err) {
      throw recordError("bind", err);
    }
  }
  e.bound = { hostname: a.hostname, port: a.port };
  return 0;
}

/**
 * Start listening (`listen(s, backlog)`): creates the Deno listener on the bound address (or
 * on the wildcard address and a system-chosen port when the socket was not bound, as Linux
 * does).
 *
 * @param s A `SOCK_STREAM` socket.
 * @param backlog The accept queue length, clamped to 1..`SOMAXCONN`.
 * @returns 0.
 * @throws {BsdError} `EOPNOTSUPP` on a UDP socket, `EINVAL` on a connected one, `EADDRINUSE`.
 *
 * Needs `--allow-net` (and `--allow-ffi` when options were recorded before it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, getsockopt, listen, SO_ACCEPTCONN, SOCK_STREAM, socket, SOL_SOCKET } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * listen(s, 20);
 * assert.equal(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN), 1);
 * await closesocket(s);
 * ```
 */
export function listen(s: number, backlog: number): number {
  const e = openSocketEntry("listen", s);
  if (!isStreamSocket(e)) {
    fail("listen", "EOPNOTSUPP", "Cannot listen: the socket is not SOCK_STREAM");
  }
  if (e.listener) return 0;
  if (e.conn || e.connecting) fail("listen", "EINVAL", "Cannot listen: the socket is connected");
  const b = Math.min(Math.max(Number.isInteger(backlog) ? backlog : 0, 1), SOMAXCONN);
  const where = e.bound ?? { hostname: wildcardAddress(e.family), port: 0 };
  const reusePort = isOptionOn(e.options.get(`${SOL_SOCKET}/${SO_REUSEPORT}`));
  try {
    e.listener = Deno.listen({
      hostname: where.hostname,
      port: where.port,
      transport: "tcp",
      tcpBacklog: b,
      ...(reusePort ? { reusePort: true } : {}),
    });
  } catch (err) {
    throw recordError("listen", err);
  }
  e.bound = { hostname: e.listener.addr.hostname, port: e.listener.addr.port };
  applyRecordedOptions("listen", e);
  return 0;
}

/** A new descriptor for an accepted connection, inheriting the listener's bsd-level options. */
function entryForAcceptedConnection(parent: SocketEntry, conn: Deno.TcpConn): number {
  const fd = socket(parent.family, SOCK_STREAM, IPPROTO_TCP);
  const e = descriptors.get(fd)!;
  e.conn = conn;
  const l = conn.localAddr as Deno.NetAddr;
  e.bound = { hostname: l.hostname, port: l.port };
  // Options Linux copies from the listener are inherited by the kernel; keep the bsd-level ones.
  for (const [k, v] of parent.options) e.options.set(k, v);
  e.receiveTimeoutMs = parent.receiveTimeoutMs;
  e.sendTimeoutMs = parent.sendTimeoutMs;
  return fd;
}

/**
 * Accept a connection (`accept(s, addr, addrlen)`).
 *
 * @param s A listening socket.
 * @param addr Filled in with the peer's address when given (C's `NULL` is `undefined`).
 * @param addrlen Set to the size of the address written, when given.
 * @returns A new connected socket.
 * @throws {BsdError} `EINVAL` when not listening, `EWOULDBLOCK` in non-blocking mode with no
 *   connection waiting, `EBADF` when the socket is closed meanwhile.
 *
 * Needs `--allow-net`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accept, AF_INET, closesocket, ioctlsocket, FIONBIO, listen, SOCK_STREAM, socket } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * listen(s, 5);
 * ioctlsocket(s, FIONBIO, 1);
 * await assert.rejects(accept(s), { code: "EAGAIN", wsaName: "WSAEWOULDBLOCK" });
 * await closesocket(s);
 * ```
 */
export async function accept(
  s: number,
  addr?: SockaddrLike | null,
  addrlen?: IntRef,
): Promise<number> {
  const e = openSocketEntry("accept", s);
  if (!e.listener) fail("accept", "EINVAL", "Cannot accept: the socket is not listening");
  for (;;) {
    const c = e.acceptQueue.shift();
    if (c) {
      const fd = entryForAcceptedConnection(e, c);
      const r = c.remoteAddr as Deno.NetAddr;
      const n = fillSockaddr(addr, r.hostname, r.port);
      if (addrlen) addrlen.value = n;
      return fd;
    }
    if (e.acceptError) {
      const err = e.acceptError;
      e.acceptError = undefined;
      throw recordError("accept", err);
    }
    if (e.nonBlocking) {
      acceptIntoQueue(e);
      fail("accept", "EWOULDBLOCK", "Cannot accept: no connection is waiting (non-blocking)");
    }
    await acceptIntoQueue(e);
    if (e.closed) fail("accept", "EBADF", "Cannot accept: the socket was closed");
  }
}

/** Make a finished connect the socket's connection and apply its recorded options. */
function adoptConnection(e: SocketEntry, conn: Deno.TcpConn): void {
  e.conn = conn;
  const l = conn.localAddr as Deno.NetAddr;
  e.bound = { hostname: l.hostname, port: l.port };
  try {
    applyRecordedOptions("connect", e);
  } catch {
    // Already recorded as the last error; the connection itself is fine.
  }
}

/**
 * Connect (`connect(s, name, namelen)`). On a TCP socket, the three-way handshake; on a UDP
 * socket, set the default peer for `send`/`recv` (an `AF_UNSPEC` address removes it).
 *
 * @param s The socket.
 * @param name The peer's `sockaddr_in`/`sockaddr_in6` (or bytes).
 * @param _namelen Ignored.
 * @returns 0.
 * @throws {BsdError} `EINPROGRESS` (Winsock `WSAEWOULDBLOCK`) in non-blocking mode, `EALREADY`
 *   while a connect is in progress, `EISCONN` when connected, `EOPNOTSUPP` after a `bind` to a
 *   specific address (Deno cannot choose a client's local address), and the runtime's
 *   `ECONNREFUSED`, `ETIMEDOUT`, ... (`instanceof Deno.errors.ConnectionRefused` works).
 *
 * Needs `--allow-net`.
 *
 * @example A refused connection, C style
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, connect, htons, inet_addr, SOCK_STREAM, socket, sockaddr_in, WSAGetLastError } from "./mod.ts";
 * const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = l.addr.port;
 * l.close();
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * const a = new sockaddr_in();
 * a.sin_family = AF_INET;
 * a.sin_port = htons(port);
 * a.sin_addr.s_addr = inet_addr("127.0.0.1");
 * await assert.rejects(connect(s, a), Deno.errors.ConnectionRefused);
 * assert.equal(WSAGetLastError(), 10061);
 * await closesocket(s);
 * ```
 */
export async function connect(s: number, name: SockaddrLike, _namelen?: number): Promise<number> {
  const e = openSocketEntry("connect", s);
  if (!isStreamSocket(e)) {
    const fam = name instanceof Uint8Array
      ? (name.length >= 2 ? name[0] | (name[1] << 8) : -1)
      : (name as { sin_family?: number }).sin_family;
    if (fam === AF_UNSPEC) {
      e.peer = undefined;
      return 0;
    }
    const a = decodeSockaddr("connect", name);
    checkFamily("connect", e, a.family);
    if (!e.udp) bindDatagramSocket("connect", e, wildcardAddress(e.family), 0);
    e.peer = { hostname: a.hostname, port: a.port };
    e.datagrams = e.datagrams.filter((d) => isFromPeer(e.peer!, d));
    return 0;
  }
  if (e.listener) fail("connect", "EINVAL", "Cannot connect: the socket is listening");
  if (e.conn) fail("connect", "EISCONN", "Cannot connect: the socket is already connected");
  if (e.connecting) fail("connect", "EALREADY", "Cannot connect: a connect is already in progress");
  const a = decodeSockaddr("connect", name);
  checkFamily("connect", e, a.family);
  if (e.bound && (e.bound.port !== 0 || e.bound.hostname !== wildcardAddress(e.family))) {
    fail(
      "connect",
      "EOPNOTSUPP",
      `Cannot connect: Deno cannot connect from a chosen local address (bound to ${e.bound.hostname}:${e.bound.port})`,
    );
  }
  e.pendingError = undefined;
  const abort = e.connectAbort = new AbortController();
  const p = Deno.connect({
    hostname: a.hostname,
    port: a.port,
    transport: "tcp",
    signal: abort.signal,
  });
  const done = e.connecting = p.then(
    (conn) => {
      if (e.closed) conn.close();
      else adoptConnection(e, conn);
    },
    (err) => {
      e.pendingError = err;
    },
  ).finally(() => {
    e.connecting = undefined;
    notifyStateChanged();
  });
  if (e.nonBlocking) {
    fail(
      "connect",
      "EINPROGRESS",
      "Cannot connect at once: the connection is in progress (non-blocking); select for writing",
      "WSAEWOULDBLOCK",
    );
  }
  await done;
  if (e.pendingError) {
    const err = e.pendingError;
    e.pendingError = undefined;
    throw recordError("connect", err);
  }
  if (e.closed) fail("connect", "EBADF", "Cannot connect: the socket was closed");
  return 0;
}

/**
 * Shut down one or both directions (`shutdown(s, how)`). `SHUT_WR`/`SD_SEND` sends a FIN; after
 * `SHUT_RD`/`SD_RECEIVE`, `recv` returns 0.
 *
 * @param s A connected socket.
 * @param how `SHUT_RD` (0), `SHUT_WR` (1) or `SHUT_RDWR` (2).
 * @returns 0.
 * @throws {BsdError} `EINVAL` for another `how`, `ENOTCONN` when not connected.
 *
 * Needs `--allow-net`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, shutdown, SHUT_WR, SOCK_STREAM, socket } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * await assert.rejects(shutdown(s, SHUT_WR), { code: "ENOTCONN" });
 * await closesocket(s);
 * ```
 */
export async function shutdown(s: number, how: number): Promise<number> {
  const e = openSocketEntry("shutdown", s);
  if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
    fail("shutdown", "EINVAL", `Cannot shutdown: how must be 0, 1 or 2, got ${how}`);
  }
  if (!isStreamSocket(e)) {
    if (!e.peer) fail("shutdown", "ENOTCONN", "Cannot shutdown: the socket is not connected");
    if (how !== SHUT_WR) e.readShut = true;
    if (how !== SHUT_RD) e.writeShut = true;
    return 0;
  }
  if (!e.conn) fail("shutdown", "ENOTCONN", "Cannot shutdown: the socket is not connected");
  if (how !== SHUT_WR) {
    e.readShut = true;
    e.chunks = [];
    notifyStateChanged();
  }
  if (how !== SHUT_RD && !e.writeShut) {
    e.writeShut = true;
    try {
      await e.conn.closeWrite();
    } catch (err) {
      throw recordError("shutdown", err);
    }
  }
  return 0;
}

/**
 * Close a socket (`closesocket(s)` in Winsock, `close(fd)` in POSIX). A TCP connection closes
 * as `SO_LINGER` says: normally (FIN), abortively with linger 0 (RST, no `TIME_WAIT`), or
 * gracefully within N seconds without blocking the event loop. Queued data is dropped.
 *
 * @param s The socket.
 * @returns 0.
 * @throws {BsdError} `EBADF` when it is not open.
 *
 * Needs no permissions (`--allow-ffi` when `SO_LINGER` was set).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, SOCK_STREAM, socket } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * assert.equal(await closesocket(s), 0);
 * await assert.rejects(closesocket(s), { code: "EBADF", wsaName: "WSAEBADF" });
 * ```
 */
export async function closesocket(s: number): Promise<number> {
  const e = openSocketEntry("closesocket", s);
  await closeSocketEntry(e);
  return 0;
}

/** Close whatever the entry holds, drop its queues, and wait for its reads to settle. */
async function closeSocketEntry(e: SocketEntry): Promise<void> {
  const s = e.fd;
  e.closed = true;
  descriptors.delete(s);
  const pending = [e.reading, e.accepting, e.receiving, e.connecting];
  e.connectAbort?.abort();
  try {
    if (e.conn) await closeSocket(e.conn);
    e.listener?.close();
    e.udp?.close();
    for (const c of e.acceptQueue) c.close();
  } catch (err) {
    if (!(err instanceof Deno.errors.BadResource)) throw recordError("closesocket", err);
  } finally {
    e.acceptQueue = [];
    e.chunks = [];
    e.datagrams = [];
    await Promise.allSettled(pending.filter(Boolean));
    notifyStateChanged();
  }
}

/** POSIX spelling of {@linkcode closesocket}. */
export const close: typeof closesocket = closesocket;

/**
 * The socket's local address (`getsockname(s, name, namelen)`). An unbound socket reports the
 * wildcard address and port 0, as Linux does.
 *
 * @param s The socket.
 * @param name Filled in.
 * @param namelen Set to the size written, when given.
 * @returns 0.
 * @throws {BsdError} `EBADF`.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, getsockname, inet_ntoa, ntohs, SOCK_STREAM, socket, sockaddr_in } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * const a = new sockaddr_in();
 * getsockname(s, a);
 * assert.equal(`${inet_ntoa(a.sin_addr)}:${ntohs(a.sin_port)}`, "0.0.0.0:0");
 * await closesocket(s);
 * ```
 */
export function getsockname(s: number, name: SockaddrLike, namelen?: IntRef): number {
  const e = openSocketEntry("getsockname", s);
  const b = e.bound ?? { hostname: wildcardAddress(e.family), port: 0 };
  const n = fillSockaddr(name, b.hostname, b.port);
  if (namelen) namelen.value = n;
  return 0;
}

/**
 * The peer's address (`getpeername(s, name, namelen)`).
 *
 * @param s A connected socket (TCP, or UDP after `connect`).
 * @param name Filled in.
 * @param namelen Set to the size written, when given.
 * @returns 0.
 * @throws {BsdError} `ENOTCONN` when not connected.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, getpeername, SOCK_STREAM, socket, sockaddr_in } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * assert.throws(() => getpeername(s, new sockaddr_in()), { code: "ENOTCONN", wsaCode: 10057 });
 * await closesocket(s);
 * ```
 */
export function getpeername(s: number, name: SockaddrLike, namelen?: IntRef): number {
  const e = openSocketEntry("getpeername", s);
  const r = e.conn ? (e.conn.remoteAddr as Deno.NetAddr) : e.peer;
  if (!r) fail("getpeername", "ENOTCONN", "Cannot getpeername: the socket is not connected");
  const n = fillSockaddr(name, r.hostname, r.port);
  if (namelen) namelen.value = n;
  return 0;
}

/**
 * Control a socket's mode (`ioctlsocket(s, cmd, argp)`): only `FIONBIO`, non-blocking mode.
 *
 * @param s The socket.
 * @param cmd `FIONBIO`.
 * @param argp Non-zero for non-blocking, 0 for blocking (a number, or C's `u_long *` as an
 *   {@linkcode IntRef}).
 * @returns 0.
 * @throws {BsdError} `EINVAL` for another command.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, FIONBIO, ioctlsocket, SOCK_STREAM, socket } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * assert.equal(ioctlsocket(s, FIONBIO, 1), 0);
 * assert.throws(() => ioctlsocket(s, 0x541b, 0), { code: "EINVAL" }); // FIONREAD
 * await closesocket(s);
 * ```
 */
export function ioctlsocket(s: number, cmd: number, argp: number | IntRef): number {
  const e = openSocketEntry("ioctlsocket", s);
  if (cmd !== FIONBIO) {
    fail(
      "ioctlsocket",
      "EINVAL",
      `Cannot ioctlsocket: only FIONBIO is supported, got 0x${cmd.toString(16)}`,
    );
  }
  const v = typeof argp === "number" ? argp : argp.value;
  e.nonBlocking = v !== 0;
  return 0;
}

/** Close every open socket (the last `WSACleanup`). */
async function closeAllSockets(): Promise<void> {
  await Promise.allSettled([...descriptors.values()].map((e) => closeSocketEntry(e)));
}

/**
 * The open bsd sockets, for diagnostics and tests.
 *
 * @returns The open descriptors, ascending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, openSockets, SOCK_STREAM, socket } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * assert.ok(openSockets().includes(s));
 * await closesocket(s);
 * ```
 */
export function openSockets(): number[] {
  return [...descriptors.keys()].sort((a, b) => a - b);
}

onLastCleanup(closeAllSockets);

/** Re-exported for typing the thrown errors. */
export type { BsdErrorFields };
