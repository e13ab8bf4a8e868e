/**
 * The Berkeley socket calls on Deno: `socket`, `bind`, `listen`, `accept`, `connect`, `send`,
 * `recv`, `sendto`, `recvfrom`, `shutdown`, `closesocket`/`close`, `setsockopt`, `getsockopt`,
 * `getsockname`, `getpeername`, `ioctlsocket(FIONBIO)` and `select`.
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

import { AF_INET, AF_INET6, AF_UNIX } from "./inet.ts";
import {
  AF_UNSPEC,
  FIONBIO,
  IPPROTO_IP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MSG_DONTROUTE,
  MSG_OOB,
  MSG_PEEK,
  MSG_WAITALL,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_ACCEPTCONN,
  SO_BROADCAST,
  SO_CONDITIONAL_ACCEPT,
  SO_DEBUG,
  SO_DONTLINGER,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  SOL_SOCKET,
  SOMAXCONN,
  TCP_NODELAY,
} from "./constants.ts";
import { type BsdErrorFields, fail, recordError } from "./errors.ts";
import { decodeSockaddr, fillSockaddr, type SockaddrLike } from "./sockaddr.ts";
import { checkStarted, onLastCleanup } from "./winsock.ts";
import { closeSocket } from "../sockopt/close.ts";
import {
  getSocketOption,
  getSocketOptions,
  setSocketOption,
  setSocketOptions,
  socketConstants,
} from "../sockopt/socket_options.ts";

/** C's `struct linger`: `l_onoff` (0 or 1) and `l_linger` (seconds). */
export interface linger {
  /** Non-zero: linger on close. */
  l_onoff: number;
  /** Seconds to linger (0 = send an RST). */
  l_linger: number;
}

/** C's `struct timeval`. */
export interface timeval {
  /** Seconds. */
  tv_sec: number;
  /** Microseconds. */
  tv_usec: number;
}

/** An `int *` / `socklen_t *` out-argument: the call writes `value`. */
export interface IntRef {
  /** The value. */
  value: number;
}

/** A value `setsockopt` takes: an int or BOOL, a {@linkcode linger}, a {@linkcode timeval}, or raw bytes. */
export type OptionValue = number | boolean | linger | timeval | Uint8Array;

interface Datagram {
  data: Uint8Array;
  hostname: string;
  port: number;
}

interface Entry {
  fd: number;
  family: number;
  type: number;
  protocol: number;
  nonBlocking: boolean;
  closed: boolean;
  /** Address given to bind (TCP before listen) or the bound UDP address. */
  bound?: { hostname: string; port: number };
  listener?: Deno.TcpListener;
  acceptQ: Deno.TcpConn[];
  accepting?: Promise<void>;
  acceptErr?: unknown;
  conn?: Deno.TcpConn;
  connecting?: Promise<void>;
  /** Cancels a connect in progress (closesocket). */
  connectAbort?: AbortController;
  /** The pending error `SO_ERROR` reports (a failed non-blocking connect). */
  soError?: unknown;
  chunks: Uint8Array[];
  eof: boolean;
  readErr?: unknown;
  reading?: Promise<void>;
  rdShut: boolean;
  wrShut: boolean;
  udp?: Deno.DatagramConn;
  peer?: { hostname: string; port: number };
  dgrams: Datagram[];
  receiving?: Promise<void>;
  recvErr?: unknown;
  /** Options recorded by setsockopt (key "level/name"). */
  opts: Map<string, OptionValue>;
  rcvTimeo: number;
  sndTimeo: number;
}

const table = new Map<number, Entry>();
const waiters = new Set<() => void>();

function notify(): void {
  for (const w of [...waiters]) w();
}

function changed(ms: number | undefined): { promise: Promise<void>; cancel: () => void } {
  let done!: () => void;
  const promise = new Promise<void>((r) => (done = r));
  let id: ReturnType<typeof setTimeout> | undefined;
  const w = () => {
    waiters.delete(w);
    if (id !== undefined) clearTimeout(id);
    done();
  };
  waiters.add(w);
  if (ms !== undefined) id = setTimeout(w, Math.max(0, ms));
  return { promise, cancel: w };
}

const enc = (call: string, e: unknown) => recordError(call, e);

function entryOf(call: string, s: number): Entry {
  checkStarted(call);
  const e = table.get(s);
  if (!e || e.closed) {
    fail(
      call,
      typeof s === "number" && Number.isInteger(s) ? "EBADF" : "ENOTSOCK",
      `Cannot ${call}: ${s} is not an open socket`,
    );
  }
  return e;
}

function isStream(e: Entry): boolean {
  return e.type === SOCK_STREAM;
}

function wildcard(family: number): string {
  return family === AF_INET6 ? "::" : "0.0.0.0";
}

function isPrivileged(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

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
  while (table.has(fd)) fd++;
  table.set(fd, {
    fd,
    family: af,
    type,
    protocol: want,
    nonBlocking: false,
    closed: false,
    acceptQ: [],
    chunks: [],
    eof: false,
    rdShut: false,
    wrShut: false,
    dgrams: [],
    opts: new Map(),
    rcvTimeo: 0,
    sndTimeo: 0,
  });
  return fd;
}

function checkFamily(call: string, e: Entry, family: number): void {
  if (family !== e.family) {
    fail(
      call,
      "EAFNOSUPPORT",
      `Cannot ${call}: address family ${family} does not match the socket's ${e.family}`,
    );
  }
}

function udpBind(call: string, e: Entry, hostname: string, port: number): void {
  const reuse = truthy(e.opts.get(`${SOL_SOCKET}/${SO_REUSEADDR}`)) ||
    truthy(e.opts.get(`${SOL_SOCKET}/${SO_REUSEPORT}`));
  try {
    e.udp = Deno.listenDatagram({
      transport: "udp",
      hostname,
      port,
      ...(reuse ? { reuseAddress: true } : {}),
    });
  } catch (err) {
    throw enc(call, err);
  }
  const a = e.udp.addr as Deno.NetAddr;
  e.bound = { hostname: a.hostname, port: a.port };
  applyRecorded(call, e);
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
  const e = entryOf("bind", s);
  const a = decodeSockaddr("bind", name);
  checkFamily("bind", e, a.family);
  if (e.bound || e.listener || e.conn || e.udp || e.connecting) {
    fail("bind", "EINVAL", `Cannot bind: socket ${s} is already bound`);
  }
  if (!isStream(e)) {
    udpBind("bind", e, a.hostname, a.port);
    return 0;
  }
  if (a.port !== 0) {
    // Report EADDRINUSE/EADDRNOTAVAIL at bind, where C reports them. With SO_REUSEPORT set
    // the probe shares the port as the real listener will (C's bind succeeds there too).
    const reusePort = truthy(e.opts.get(`${SOL_SOCKET}/${SO_REUSEPORT}`));
    try {
      Deno.listen({
        hostname: a.hostname,
        port: a.port,
        transport: "tcp",
        ...(reusePort ? { reusePort: true } : {}),
      }).close();
    } catch (err) {
      throw enc("bind", err);
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
  const e = entryOf("listen", s);
  if (!isStream(e)) fail("listen", "EOPNOTSUPP", "Cannot listen: the socket is not SOCK_STREAM");
  if (e.listener) return 0;
  if (e.conn || e.connecting) fail("listen", "EINVAL", "Cannot listen: the socket is connected");
  const b = Math.min(Math.max(Number.isInteger(backlog) ? backlog : 0, 1), SOMAXCONN);
  const where = e.bound ?? { hostname: wildcard(e.family), port: 0 };
  const reusePort = truthy(e.opts.get(`${SOL_SOCKET}/${SO_REUSEPORT}`));
  try {
    e.listener = Deno.listen({
      hostname: where.hostname,
      port: where.port,
      transport: "tcp",
      tcpBacklog: b,
      ...(reusePort ? { reusePort: true } : {}),
    });
  } catch (err) {
    throw enc("listen", err);
  }
  e.bound = { hostname: e.listener.addr.hostname, port: e.listener.addr.port };
  applyRecorded("listen", e);
  return 0;
}

function startAccept(e: Entry): Promise<void> {
  if (e.accepting) return e.accepting;
  const l = e.listener!;
  return e.accepting = l.accept().then(
    (c) => {
      if (e.closed) c.close();
      else e.acceptQ.push(c);
    },
    (err) => {
      if (!e.closed) e.acceptErr = err;
    },
  ).finally(() => {
    e.accepting = undefined;
    notify();
  });
}

function newConnEntry(parent: Entry, conn: Deno.TcpConn): number {
  const fd = socket(parent.family, SOCK_STREAM, IPPROTO_TCP);
  const e = table.get(fd)!;
  e.conn = conn;
  const l = conn.localAddr as Deno.NetAddr;
  e.bound = { hostname: l.hostname, port: l.port };
  // Options Linux copies from the listener are inherited by the kernel; keep the bsd-level ones.
  for (const [k, v] of parent.opts) e.opts.set(k, v);
  e.rcvTimeo = parent.rcvTimeo;
  e.sndTimeo = parent.sndTimeo;
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
  const e = entryOf("accept", s);
  if (!e.listener) fail("accept", "EINVAL", "Cannot accept: the socket is not listening");
  for (;;) {
    const c = e.acceptQ.shift();
    if (c) {
      const fd = newConnEntry(e, c);
      const r = c.remoteAddr as Deno.NetAddr;
      const n = fillSockaddr(addr, r.hostname, r.port);
      if (addrlen) addrlen.value = n;
      return fd;
    }
    if (e.acceptErr) {
      const err = e.acceptErr;
      e.acceptErr = undefined;
      throw enc("accept", err);
    }
    if (e.nonBlocking) {
      startAccept(e);
      fail("accept", "EWOULDBLOCK", "Cannot accept: no connection is waiting (non-blocking)");
    }
    await startAccept(e);
    if (e.closed) fail("accept", "EBADF", "Cannot accept: the socket was closed");
  }
}

function truthy(v: OptionValue | undefined): boolean {
  return v === true || (typeof v === "number" && v !== 0);
}

function afterConnect(e: Entry, conn: Deno.TcpConn): void {
  e.conn = conn;
  const l = conn.localAddr as Deno.NetAddr;
  e.bound = { hostname: l.hostname, port: l.port };
  try {
    applyRecorded("connect", e);
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
  const e = entryOf("connect", s);
  if (!isStream(e)) {
    const fam = name instanceof Uint8Array
      ? (name.length >= 2 ? name[0] | (name[1] << 8) : -1)
      : (name as { sin_family?: number }).sin_family;
    if (fam === AF_UNSPEC) {
      e.peer = undefined;
      return 0;
    }
    const a = decodeSockaddr("connect", name);
    checkFamily("connect", e, a.family);
    if (!e.udp) udpBind("connect", e, wildcard(e.family), 0);
    e.peer = { hostname: a.hostname, port: a.port };
    e.dgrams = e.dgrams.filter((d) => samePeer(e.peer!, d));
    return 0;
  }
  if (e.listener) fail("connect", "EINVAL", "Cannot connect: the socket is listening");
  if (e.conn) fail("connect", "EISCONN", "Cannot connect: the socket is already connected");
  if (e.connecting) fail("connect", "EALREADY", "Cannot connect: a connect is already in progress");
  const a = decodeSockaddr("connect", name);
  checkFamily("connect", e, a.family);
  if (e.bound && (e.bound.port !== 0 || e.bound.hostname !== wildcard(e.family))) {
    fail(
      "connect",
      "EOPNOTSUPP",
      `Cannot connect: Deno cannot connect from a chosen local address (bound to ${e.bound.hostname}:${e.bound.port})`,
    );
  }
  e.soError = undefined;
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
      else afterConnect(e, conn);
    },
    (err) => {
      e.soError = err;
    },
  ).finally(() => {
    e.connecting = undefined;
    notify();
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
  if (e.soError) {
    const err = e.soError;
    e.soError = undefined;
    throw enc("connect", err);
  }
  if (e.closed) fail("connect", "EBADF", "Cannot connect: the socket was closed");
  return 0;
}

function samePeer(p: { hostname: string; port: number }, d: Datagram): boolean {
  const strip = (h: string) => h.replace(/^::ffff:/i, "").toLowerCase();
  return p.port === d.port && strip(p.hostname) === strip(d.hostname);
}

function fill(e: Entry): Promise<void> {
  if (e.reading) return e.reading;
  const conn = e.conn!;
  const buf = new Uint8Array(65536);
  return e.reading = conn.read(buf).then(
    (n) => {
      if (n === null) e.eof = true;
      else e.chunks.push(buf.slice(0, n));
    },
    (err) => {
      if (!e.closed) e.readErr = err;
    },
  ).finally(() => {
    e.reading = undefined;
    notify();
  });
}

function startReceive(e: Entry): Promise<void> {
  if (e.receiving) return e.receiving;
  const udp = e.udp!;
  return e.receiving = udp.receive(new Uint8Array(65536)).then(
    ([data, from]) => {
      const a = from as Deno.NetAddr;
      const d = { data, hostname: a.hostname, port: a.port };
      if (!e.peer || samePeer(e.peer, d)) e.dgrams.push(d);
    },
    (err) => {
      if (!e.closed) e.recvErr = err;
    },
  ).finally(() => {
    e.receiving = undefined;
    notify();
  });
}

function timeoutError(call: string, ms: number): never {
  fail(call, "EAGAIN", `Cannot ${call}: no data within SO_RCVTIMEO ${ms} ms`, "WSAETIMEDOUT");
}

/** Wait for `p`, at most `ms` (0 = no limit); `true` when it settled in time. */
async function within(p: Promise<void>, ms: number): Promise<boolean> {
  if (!ms) {
    await p;
    return true;
  }
  let id: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<boolean>((r) => (id = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true), t]);
  } finally {
    clearTimeout(id);
  }
}

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

function takeChunks(e: Entry, buf: Uint8Array, off: number, len: number, peek: boolean): number {
  let n = 0;
  let i = 0;
  while (n < len && i < e.chunks.length) {
    const c = e.chunks[i];
    const k = Math.min(c.length, len - n);
    buf.set(c.subarray(0, k), off + n);
    n += k;
    if (peek) i++;
    else if (k === c.length) e.chunks.shift();
    else e.chunks[0] = c.subarray(k);
  }
  return n;
}

async function recvStream(
  call: string,
  e: Entry,
  buf: Uint8Array,
  len: number,
  flags: number,
): Promise<number> {
  if (!e.conn) {
    fail(call, "ENOTCONN", `Cannot ${call}: the socket is not connected`);
  }
  const peek = (flags & MSG_PEEK) !== 0;
  const all = (flags & MSG_WAITALL) !== 0 && !peek;
  let got = 0;
  for (;;) {
    if (e.chunks.length) {
      got += takeChunks(e, buf, got, len - got, peek);
      if (!all || got >= len) return got;
    }
    if (len === 0) return 0;
    if (e.rdShut || e.eof) return got;
    if (e.readErr) {
      if (got) return got;
      const err = e.readErr;
      e.readErr = undefined;
      e.eof = true; // after a reset, later reads see end of stream, as on Linux
      throw enc(call, err);
    }
    if (e.nonBlocking && !got) {
      fill(e);
      fail(call, "EWOULDBLOCK", `Cannot ${call}: no data is queued (non-blocking)`);
    }
    if (!(await within(fill(e), e.rcvTimeo))) {
      if (got) return got;
      timeoutError(call, e.rcvTimeo);
    }
    if (e.closed) fail(call, "EBADF", `Cannot ${call}: the socket was closed`);
  }
}

async function nextDatagram(call: string, e: Entry, peek: boolean): Promise<Datagram> {
  if (!e.udp) {
    fail(call, "EINVAL", `Cannot ${call}: the socket is not bound (bind it, or sendto first)`);
  }
  for (;;) {
    const d = e.dgrams[0];
    if (d) {
      if (!peek) e.dgrams.shift();
      return d;
    }
    if (e.recvErr) {
      const err = e.recvErr;
      e.recvErr = undefined;
      throw enc(call, err);
    }
    if (e.nonBlocking) {
      startReceive(e);
      fail(call, "EWOULDBLOCK", `Cannot ${call}: no datagram is queued (non-blocking)`);
    }
    if (!(await within(startReceive(e), e.rcvTimeo))) timeoutError(call, e.rcvTimeo);
    if (e.closed) fail(call, "EBADF", `Cannot ${call}: the socket was closed`);
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
  const e = entryOf("recv", s);
  checkFlags("recv", flags, MSG_PEEK | MSG_WAITALL);
  const n = checkBuffer("recv", buf, len);
  if (isStream(e)) return await recvStream("recv", e, buf, n, flags);
  const d = await nextDatagram("recv", e, (flags & MSG_PEEK) !== 0);
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
  const e = entryOf("recvfrom", s);
  checkFlags("recvfrom", flags, MSG_PEEK | MSG_WAITALL);
  const n = checkBuffer("recvfrom", buf, len);
  if (isStream(e)) {
    const k = await recvStream("recvfrom", e, buf, n, flags);
    const r = e.conn!.remoteAddr as Deno.NetAddr;
    const size = fillSockaddr(from, r.hostname, r.port);
    if (fromlen) fromlen.value = size;
    return k;
  }
  const d = await nextDatagram("recvfrom", e, (flags & MSG_PEEK) !== 0);
  const k = Math.min(n, d.data.length);
  buf.set(d.data.subarray(0, k));
  const size = fillSockaddr(from, d.hostname, d.port);
  if (fromlen) fromlen.value = size;
  return k;
}

async function writeStream(call: string, e: Entry, data: Uint8Array): Promise<number> {
  const conn = e.conn;
  if (!conn) fail(call, "ENOTCONN", `Cannot ${call}: the socket is not connected`);
  if (e.wrShut) {
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
    if (!e.sndTimeo) return await write();
    let id: ReturnType<typeof setTimeout> | undefined;
    const t = new Promise<null>((r) => (id = setTimeout(() => r(null), e.sndTimeo)));
    try {
      const r = await Promise.race([write(), t]);
      if (r === null) {
        fail(
          call,
          "EAGAIN",
          `Cannot ${call}: the write did not finish within SO_SNDTIMEO ${e.sndTimeo} ms`,
          "WSAETIMEDOUT",
        );
      }
      return r;
    } finally {
      clearTimeout(id);
    }
  } catch (err) {
    throw enc(call, err);
  }
}

async function sendDatagram(
  call: string,
  e: Entry,
  data: Uint8Array,
  to: { hostname: string; port: number },
): Promise<number> {
  if (!e.udp) udpBind(call, e, wildcard(e.family), 0);
  try {
    return await e.udp!.send(data, { transport: "udp", hostname: to.hostname, port: to.port });
  } catch (err) {
    throw enc(call, err);
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
  const e = entryOf("send", s);
  checkFlags("send", flags, MSG_DONTROUTE);
  const n = checkBuffer("send", buf, len);
  const data = buf.subarray(0, n);
  if (isStream(e)) return await writeStream("send", e, data);
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
  const e = entryOf("sendto", s);
  checkFlags("sendto", flags, MSG_DONTROUTE);
  const n = checkBuffer("sendto", buf, len);
  const data = buf.subarray(0, n);
  if (isStream(e)) return await writeStream("sendto", e, data);
  const a = decodeSockaddr("sendto", to);
  checkFamily("sendto", e, a.family);
  return await sendDatagram("sendto", e, data, a);
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
  const e = entryOf("shutdown", s);
  if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
    fail("shutdown", "EINVAL", `Cannot shutdown: how must be 0, 1 or 2, got ${how}`);
  }
  if (!isStream(e)) {
    if (!e.peer) fail("shutdown", "ENOTCONN", "Cannot shutdown: the socket is not connected");
    if (how !== SHUT_WR) e.rdShut = true;
    if (how !== SHUT_RD) e.wrShut = true;
    return 0;
  }
  if (!e.conn) fail("shutdown", "ENOTCONN", "Cannot shutdown: the socket is not connected");
  if (how !== SHUT_WR) {
    e.rdShut = true;
    e.chunks = [];
    notify();
  }
  if (how !== SHUT_RD && !e.wrShut) {
    e.wrShut = true;
    try {
      await e.conn.closeWrite();
    } catch (err) {
      throw enc("shutdown", err);
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
  const e = entryOf("closesocket", s);
  await closeEntry(e);
  return 0;
}

async function closeEntry(e: Entry): Promise<void> {
  const s = e.fd;
  e.closed = true;
  table.delete(s);
  const pending = [e.reading, e.accepting, e.receiving, e.connecting];
  e.connectAbort?.abort();
  try {
    if (e.conn) await closeSocket(e.conn);
    e.listener?.close();
    e.udp?.close();
    for (const c of e.acceptQ) c.close();
  } catch (err) {
    if (!(err instanceof Deno.errors.BadResource)) throw enc("closesocket", err);
  } finally {
    e.acceptQ = [];
    e.chunks = [];
    e.dgrams = [];
    await Promise.allSettled(pending.filter(Boolean));
    notify();
  }
}

/** POSIX spelling of {@linkcode closesocket}. */
export const close: typeof closesocket = closesocket;

function kernelSocket(e: Entry): Deno.TcpConn | Deno.TcpListener | Deno.DatagramConn | undefined {
  return e.conn ?? e.listener ?? e.udp;
}

function optionKey(level: number, name: number): string {
  return `${level}/${name}`;
}

function msOf(call: string, v: OptionValue): number {
  if (typeof v === "number") return v;
  if (v && typeof v === "object" && "tv_sec" in v) {
    return v.tv_sec * 1000 + Math.floor(v.tv_usec / 1000);
  }
  fail(call, "EINVAL", `Cannot ${call}: a timeout is a number of ms or a timeval`);
}

function lingerOf(call: string, v: OptionValue): linger {
  if (v && typeof v === "object" && "l_onoff" in v) return v;
  fail(call, "EINVAL", `Cannot ${call}: SO_LINGER takes a linger { l_onoff, l_linger }`);
}

function intOf(call: string, v: OptionValue): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  fail(call, "EINVAL", `Cannot ${call}: the option takes an int or BOOL`);
}

/** Apply one option to the kernel socket (FFI), translating names to the running OS. */
function applyOne(call: string, e: Entry, level: number, name: number, v: OptionValue): void {
  const k = kernelSocket(e)!;
  const C = socketConstants();
  try {
    if (level === SOL_SOCKET) {
      switch (name) {
        case SO_LINGER: {
          const l = lingerOf(call, v);
          setSocketOptions(k, { linger: l.l_onoff ? l.l_linger : false });
          return;
        }
        case SO_DONTLINGER: {
          const recorded = e.opts.get(optionKey(SOL_SOCKET, SO_LINGER)) as linger | undefined;
          setSocketOptions(k, { linger: truthy(v) ? false : recorded?.l_linger ?? 0 });
          return;
        }
        case SO_RCVTIMEO:
        case SO_SNDTIMEO:
          return; // enforced by recv/send here; Deno's sockets are non-blocking
        case SO_REUSEADDR:
          return setSocketOption(k, C.SOL_SOCKET, C.SO_REUSEADDR, intOf(call, v));
        case SO_REUSEPORT:
          return setSocketOption(k, C.SOL_SOCKET, C.SO_REUSEPORT, intOf(call, v));
        case SO_RCVBUF:
          return setSocketOption(k, C.SOL_SOCKET, C.SO_RCVBUF, intOf(call, v));
        case SO_SNDBUF:
          return setSocketOption(k, C.SOL_SOCKET, C.SO_SNDBUF, intOf(call, v));
        case SO_BROADCAST:
          return setSocketOption(k, C.SOL_SOCKET, C.SO_BROADCAST, intOf(call, v));
        case SO_KEEPALIVE:
          return setSocketOption(k, C.SOL_SOCKET, C.SO_KEEPALIVE, intOf(call, v));
        case SO_DEBUG:
          return setSocketOption(k, C.SOL_SOCKET, C.SO_DEBUG, intOf(call, v));
      }
    } else if (level === IPPROTO_TCP && name === TCP_NODELAY) {
      if (e.conn) return e.conn.setNoDelay(truthy(v));
      return setSocketOption(k, C.IPPROTO_TCP, C.TCP_NODELAY, intOf(call, v));
    } else if (v instanceof Uint8Array || typeof v === "number" || typeof v === "boolean") {
      // Other levels (IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP): passed through as numbers.
      return setSocketOption(k, level, name, v);
    }
  } catch (err) {
    throw enc(call, err);
  }
  fail(call, "ENOPROTOOPT", `Cannot ${call}: option ${level}/${name} is not supported`);
}

function applyRecorded(call: string, e: Entry): void {
  for (const [key, v] of e.opts) {
    const [level, name] = key.split("/").map(Number);
    if (level === SOL_SOCKET && (name === SO_RCVTIMEO || name === SO_SNDTIMEO)) continue;
    if (level === SOL_SOCKET && name === SO_REUSEADDR && !truthy(v)) continue;
    applyOne(call, e, level, name, v);
  }
}

/**
 * Set a socket option (`setsockopt(s, level, optname, optval, optlen)`).
 *
 * Supported: `SOL_SOCKET` `SO_REUSEADDR`, `SO_REUSEPORT`, `SO_RCVBUF`, `SO_SNDBUF`,
 * `SO_BROADCAST`, `SO_KEEPALIVE`, `SO_DEBUG`, `SO_LINGER` (a `linger`), Winsock's
 * `SO_DONTLINGER` (TRUE: linger off; FALSE: linger on with the recorded `l_linger`, 0 by
 * default, so the close sends an RST and skips `TIME_WAIT`), `SO_RCVTIMEO`/`SO_SNDTIMEO` (ms or a
 * `timeval`, enforced by `recv`/`send`); `IPPROTO_TCP` `TCP_NODELAY`; other numeric options at
 * `IPPROTO_IP`/`IPPROTO_IPV6`/`IPPROTO_TCP` are passed to the kernel as they are. Before the
 * kernel socket exists (see the module docs) the option is recorded and applied later.
 *
 * @param s The socket.
 * @param level `SOL_SOCKET`, `IPPROTO_TCP`, ...
 * @param optname The option.
 * @param optval An int or BOOL, a `linger`, a `timeval`/ms, or raw bytes.
 * @param _optlen Ignored.
 * @returns 0.
 * @throws {BsdError} `ENOPROTOOPT` for `SO_CONDITIONAL_ACCEPT` (Windows only) and unknown
 *   options, `EINVAL` for a value of the wrong shape, the kernel's error otherwise.
 *
 * Needs `--allow-ffi` once the kernel socket exists (except `TCP_NODELAY` on a connection and
 * the timeouts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, getsockopt, setsockopt, SO_CONDITIONAL_ACCEPT, SO_RCVTIMEO, SOCK_STREAM, socket, SOL_SOCKET } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 1000);
 * assert.equal(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO), 1000);
 * assert.throws(() => setsockopt(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, true), { code: "ENOPROTOOPT" });
 * await closesocket(s);
 * ```
 */
export function setsockopt(
  s: number,
  level: number,
  optname: number,
  optval: OptionValue,
  _optlen?: number,
): number {
  const e = entryOf("setsockopt", s);
  if (level === SOL_SOCKET && optname === SO_CONDITIONAL_ACCEPT) {
    fail(
      "setsockopt",
      "ENOPROTOOPT",
      "Cannot set SO_CONDITIONAL_ACCEPT: it exists only on Windows",
    );
  }
  if (
    level === SOL_SOCKET &&
    (optname === SO_TYPE || optname === SO_ERROR || optname === SO_ACCEPTCONN)
  ) {
    fail("setsockopt", "ENOPROTOOPT", `Cannot set option ${optname}: it is read-only`);
  }
  if (level === SOL_SOCKET && optname === SO_RCVTIMEO) e.rcvTimeo = msOf("setsockopt", optval);
  if (level === SOL_SOCKET && optname === SO_SNDTIMEO) e.sndTimeo = msOf("setsockopt", optval);
  if (level === SOL_SOCKET && optname === SO_LINGER) lingerOf("setsockopt", optval);
  if (kernelSocket(e)) applyOne("setsockopt", e, level, optname, optval);
  else if (
    !(level === SOL_SOCKET &&
      [
        SO_REUSEADDR,
        SO_REUSEPORT,
        SO_RCVBUF,
        SO_SNDBUF,
        SO_BROADCAST,
        SO_KEEPALIVE,
        SO_DEBUG,
        SO_LINGER,
        SO_DONTLINGER,
        SO_RCVTIMEO,
        SO_SNDTIMEO,
      ].includes(optname)) &&
    !(level === IPPROTO_TCP && optname === TCP_NODELAY)
  ) {
    fail(
      "setsockopt",
      "ENOPROTOOPT",
      `Cannot set option ${level}/${optname} before the socket exists in the kernel`,
    );
  }
  e.opts.set(optionKey(level, optname), optval);
  if (level === SOL_SOCKET && optname === SO_DONTLINGER) {
    const l = e.opts.get(optionKey(SOL_SOCKET, SO_LINGER)) as linger | undefined;
    e.opts.delete(optionKey(SOL_SOCKET, SO_DONTLINGER));
    e.opts.set(optionKey(SOL_SOCKET, SO_LINGER), {
      l_onoff: truthy(optval) ? 0 : 1,
      l_linger: l?.l_linger ?? 0,
    });
  }
  return 0;
}

/**
 * Read a socket option (`getsockopt(s, level, optname, optval, optlen)`). Values are read
 * back from the kernel when the kernel socket exists (so `SO_RCVBUF` shows Linux's doubling);
 * before that, the recorded value is returned. `SO_TYPE`, `SO_ERROR` (read and cleared) and
 * `SO_ACCEPTCONN` come from the socket table; `SO_RCVTIMEO`/`SO_SNDTIMEO` are in ms.
 *
 * @param s The socket.
 * @param level The level.
 * @param optname The option.
 * @param optval When given, filled in too (an {@linkcode IntRef}'s `value`, or a `linger`'s fields).
 * @returns The value: a number, or a `linger` for `SO_LINGER`.
 * @throws {BsdError} `ENOPROTOOPT` for an option never set before the kernel socket exists, or
 *   not supported; the kernel's error otherwise.
 *
 * Needs `--allow-ffi` for options read from the kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, getsockopt, SO_TYPE, SOCK_DGRAM, socket, SOL_SOCKET } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_DGRAM, 0);
 * assert.equal(getsockopt(s, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
 * await closesocket(s);
 * ```
 */
export function getsockopt(
  s: number,
  level: number,
  optname: number,
  optval?: IntRef | linger,
  _optlen?: IntRef,
): number | linger {
  const e = entryOf("getsockopt", s);
  const out = (v: number | linger): number | linger => {
    if (optval && typeof v === "number" && "value" in optval) optval.value = v;
    if (optval && typeof v === "object" && "l_onoff" in optval) Object.assign(optval, v);
    return v;
  };
  if (level === SOL_SOCKET) {
    switch (optname) {
      case SO_TYPE:
        return out(e.type);
      case SO_ACCEPTCONN:
        return out(e.listener ? 1 : 0);
      case SO_ERROR: {
        const err = e.soError;
        e.soError = undefined;
        if (!err) return out(0);
        const r = recordError("connect", err);
        return out(r.errno);
      }
      case SO_RCVTIMEO:
        return out(e.rcvTimeo);
      case SO_SNDTIMEO:
        return out(e.sndTimeo);
      case SO_CONDITIONAL_ACCEPT:
        fail(
          "getsockopt",
          "ENOPROTOOPT",
          "Cannot get SO_CONDITIONAL_ACCEPT: it exists only on Windows",
        );
    }
  }
  const k = kernelSocket(e);
  if (!k) {
    const v = e.opts.get(optionKey(level, optname));
    if (v === undefined) {
      fail(
        "getsockopt",
        "ENOPROTOOPT",
        `Cannot get option ${level}/${optname}: the kernel socket does not exist yet (Deno creates it at listen, connect or UDP bind) and it was never set`,
      );
    }
    if (typeof v === "object" && "l_onoff" in v) return out({ ...v });
    return out(typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "number" ? v : 0);
  }
  const C = socketConstants();
  try {
    if (level === SOL_SOCKET) {
      switch (optname) {
        case SO_LINGER:
        case SO_DONTLINGER: {
          const l = getSocketOptions(k, ["linger"]).linger;
          if (optname === SO_DONTLINGER) return out(l === false ? 1 : 0);
          return out({ l_onoff: l === false ? 0 : 1, l_linger: l === false ? 0 : l });
        }
        case SO_REUSEADDR:
          return out(getSocketOption(k, C.SOL_SOCKET, C.SO_REUSEADDR));
        case SO_REUSEPORT:
          return out(getSocketOption(k, C.SOL_SOCKET, C.SO_REUSEPORT));
        case SO_RCVBUF:
          return out(getSocketOption(k, C.SOL_SOCKET, C.SO_RCVBUF));
        case SO_SNDBUF:
          return out(getSocketOption(k, C.SOL_SOCKET, C.SO_SNDBUF));
        case SO_BROADCAST:
          return out(getSocketOption(k, C.SOL_SOCKET, C.SO_BROADCAST));
        case SO_KEEPALIVE:
          return out(getSocketOption(k, C.SOL_SOCKET, C.SO_KEEPALIVE));
        case SO_DEBUG:
          return out(getSocketOption(k, C.SOL_SOCKET, C.SO_DEBUG));
      }
      fail("getsockopt", "ENOPROTOOPT", `Cannot get option ${level}/${optname}: not supported`);
    }
    if (level === IPPROTO_TCP && optname === TCP_NODELAY) {
      return out(getSocketOption(k, C.IPPROTO_TCP, C.TCP_NODELAY));
    }
    return out(getSocketOption(k, level, optname));
  } catch (err) {
    throw enc("getsockopt", err);
  }
}

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
  const e = entryOf("getsockname", s);
  const b = e.bound ?? { hostname: wildcard(e.family), port: 0 };
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
  const e = entryOf("getpeername", s);
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
  const e = entryOf("ioctlsocket", s);
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

/**
 * C's `fd_set`: a set of socket descriptors for {@linkcode select}. Use it with `FD_ZERO`,
 * `FD_SET`, `FD_CLR` and `FD_ISSET`, as in C.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fd_set, FD_ISSET, FD_SET, FD_ZERO } from "./socket.ts";
 * const set = new fd_set();
 * FD_ZERO(set);
 * FD_SET(4, set);
 * assert.ok(FD_ISSET(4, set) && !FD_ISSET(5, set));
 * assert.equal(set.fd_count, 1);
 * ```
 */
export class fd_set {
  /** The descriptors in the set. */
  readonly fds: Set<number> = new Set();
  /** Winsock's `fd_count`: how many descriptors are in the set. */
  get fd_count(): number {
    return this.fds.size;
  }
  /** Winsock's `fd_array`: the descriptors, ascending. */
  get fd_array(): number[] {
    return [...this.fds].sort((a, b) => a - b);
  }
}

/**
 * `FD_ZERO(set)`: empty the set.
 *
 * @param set The set.
 *
 * @example
 * ```ts
 * import { fd_set, FD_ZERO } from "./socket.ts";
 * FD_ZERO(new fd_set());
 * ```
 */
export function FD_ZERO(set: fd_set): void {
  set.fds.clear();
}
/**
 * `FD_SET(fd, set)`: add a descriptor.
 *
 * @param fd The socket.
 * @param set The set.
 *
 * @example
 * ```ts
 * import { fd_set, FD_SET } from "./socket.ts";
 * FD_SET(3, new fd_set());
 * ```
 */
export function FD_SET(fd: number, set: fd_set): void {
  set.fds.add(fd);
}
/**
 * `FD_CLR(fd, set)`: remove a descriptor.
 *
 * @param fd The socket.
 * @param set The set.
 *
 * @example
 * ```ts
 * import { fd_set, FD_CLR } from "./socket.ts";
 * FD_CLR(3, new fd_set());
 * ```
 */
export function FD_CLR(fd: number, set: fd_set): void {
  set.fds.delete(fd);
}
/**
 * `FD_ISSET(fd, set)`: is the descriptor in the set?
 *
 * @param fd The socket.
 * @param set The set.
 * @returns `true` when it is.
 *
 * @example
 * ```ts
 * import { fd_set, FD_ISSET } from "./socket.ts";
 * console.assert(!FD_ISSET(3, new fd_set()));
 * ```
 */
export function FD_ISSET(fd: number, set: fd_set): boolean {
  return set.fds.has(fd);
}

function readable(e: Entry): boolean {
  if (e.listener) return e.acceptQ.length > 0 || e.acceptErr !== undefined;
  if (e.conn) return e.chunks.length > 0 || e.eof || e.rdShut || e.readErr !== undefined;
  if (e.udp) return e.dgrams.length > 0 || e.recvErr !== undefined;
  return false;
}

function writable(e: Entry): boolean {
  if (!isStream(e)) return true;
  if (e.connecting) return false;
  if (e.conn) return true;
  return e.soError !== undefined; // a failed connect: writable, SO_ERROR tells why
}

function arm(e: Entry): void {
  if (e.listener && !e.acceptQ.length) startAccept(e);
  else if (e.conn && !e.chunks.length && !e.eof && !e.rdShut) fill(e);
  else if (e.udp && !e.dgrams.length) startReceive(e);
}

/**
 * Wait until sockets are ready (`select(nfds, readfds, writefds, exceptfds, timeout)`).
 *
 * Readable: data queued, end of stream or an error (connections); a connection waiting
 * (listeners); a datagram queued (UDP). Writable: a connected TCP socket, any UDP socket, and
 * a TCP socket whose non-blocking connect finished (successfully or not; read `SO_ERROR`).
 * Exceptional: a failed non-blocking connect (Winsock reports it there); out-of-band data is
 * not supported. On return each set holds only the ready descriptors. Waiting for readability
 * starts a read whose data stays queued for `recv`.
 *
 * @param _nfds Ignored (as in Winsock).
 * @param readfds Sockets to watch for reading, or `null`.
 * @param writefds Sockets to watch for writing, or `null`.
 * @param exceptfds Sockets to watch for errors, or `null`.
 * @param timeout How long to wait; `null` waits forever, `{0, 0}` polls.
 * @returns How many descriptors are ready (0 on timeout).
 * @throws {BsdError} `EBADF` for a descriptor that is not open, `EINVAL` for a bad timeout.
 *
 * Needs `--allow-net`.
 *
 * @example Poll a listener, then wait for a client
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, connect, fd_set, FD_ISSET, FD_SET, getsockname, listen, select, SOCK_STREAM, socket, sockaddr_in, inet_addr, accept } from "./mod.ts";
 * const l = socket(AF_INET, SOCK_STREAM, 0);
 * listen(l, 5);
 * const rd = new fd_set();
 * FD_SET(l, rd);
 * assert.equal(await select(0, rd, null, null, { tv_sec: 0, tv_usec: 0 }), 0);
 * const addr = new sockaddr_in();
 * getsockname(l, addr);
 * addr.sin_addr.s_addr = inet_addr("127.0.0.1");
 * const c = socket(AF_INET, SOCK_STREAM, 0);
 * await connect(c, addr);
 * FD_SET(l, rd);
 * assert.equal(await select(0, rd, null, null, { tv_sec: 2, tv_usec: 0 }), 1);
 * assert.ok(FD_ISSET(l, rd));
 * await closesocket(await accept(l));
 * await closesocket(c);
 * await closesocket(l);
 * ```
 */
export async function select(
  _nfds: number,
  readfds: fd_set | null,
  writefds: fd_set | null,
  exceptfds: fd_set | null,
  timeout: timeval | null,
): Promise<number> {
  checkStarted("select");
  let ms: number | undefined;
  if (timeout) {
    const { tv_sec, tv_usec } = timeout;
    if (!(tv_sec >= 0 && tv_usec >= 0 && tv_usec < 1_000_000)) {
      fail("select", "EINVAL", `Cannot select: bad timeout ${tv_sec} s ${tv_usec} us`);
    }
    ms = tv_sec * 1000 + tv_usec / 1000;
  }
  const sets = [readfds, writefds, exceptfds];
  const wanted = sets.map((set) => set ? [...set.fds] : []);
  for (const fds of wanted) for (const fd of fds) entryOf("select", fd);
  const deadline = ms === undefined ? undefined : performance.now() + ms;
  for (;;) {
    const ready = [
      wanted[0].filter((fd) => {
        const e = table.get(fd);
        return !e || readable(e);
      }),
      wanted[1].filter((fd) => {
        const e = table.get(fd);
        return !e || writable(e);
      }),
      wanted[2].filter((fd) => {
        const e = table.get(fd);
        return !!e && isStream(e) && !e.conn && !e.connecting && e.soError !== undefined;
      }),
    ];
    const count = ready.reduce((n, r) => n + r.length, 0);
    const left = deadline === undefined ? undefined : deadline - performance.now();
    if (count > 0 || (left !== undefined && left <= 0)) {
      sets.forEach((set, i) => {
        if (!set) return;
        set.fds.clear();
        for (const fd of ready[i]) set.fds.add(fd);
      });
      return count;
    }
    for (const fd of wanted[0]) {
      const e = table.get(fd);
      if (e) arm(e);
    }
    await changed(left).promise;
  }
}

async function closeAll(): Promise<void> {
  await Promise.allSettled([...table.values()].map((e) => closeEntry(e)));
}

onLastCleanup(closeAll);

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
  return [...table.keys()].sort((a, b) => a - b);
}

/** Re-exported for typing the thrown errors. */
export type { BsdErrorFields };
