/**
 * `select` and C's `fd_set` with `FD_ZERO`, `FD_SET`, `FD_CLR` and `FD_ISSET`.
 *
 * Permissions: `--allow-net`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, fd_set, FD_SET, select, SOCK_DGRAM, socket } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_DGRAM, 0);
 * const wr = new fd_set();
 * FD_SET(s, wr);
 * assert.equal(await select(0, null, wr, null, { tv_sec: 0, tv_usec: 0 }), 1); // UDP is writable
 * await closesocket(s);
 * ```
 *
 * @module
 */

import {
  descriptors,
  isStreamSocket,
  nextStateChange,
  openSocketEntry,
  type SocketEntry,
} from "./_descriptor_table.ts";
import { acceptIntoQueue, readIntoQueue, receiveIntoQueue } from "./_receive_queues.ts";
import { fail } from "./errors.ts";
import type { timeval } from "./structs.ts";
import { checkStarted } from "./winsock.ts";

/**
 * C's `fd_set`: a set of socket descriptors for {@linkcode select}. Use it with `FD_ZERO`,
 * `FD_SET`, `FD_CLR` and `FD_ISSET`, as in C.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fd_set, FD_ISSET, FD_SET, FD_ZERO } from "./select.ts";
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
 * import assert from "node:assert/strict";
 * import { fd_set, FD_SET, FD_ZERO } from "./select.ts";
 * const set = new fd_set();
 * FD_SET(3, set);
 * FD_ZERO(set);
 * assert.equal(set.fd_count, 0);
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
 * import assert from "node:assert/strict";
 * import { fd_set, FD_SET } from "./select.ts";
 * const set = new fd_set();
 * FD_SET(5, set);
 * FD_SET(3, set);
 * assert.deepEqual(set.fd_array, [3, 5]);
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
 * import assert from "node:assert/strict";
 * import { fd_set, FD_CLR, FD_ISSET, FD_SET } from "./select.ts";
 * const set = new fd_set();
 * FD_SET(3, set);
 * FD_CLR(3, set);
 * assert.equal(FD_ISSET(3, set), false);
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
 * import assert from "node:assert/strict";
 * import { fd_set, FD_ISSET, FD_SET } from "./select.ts";
 * const set = new fd_set();
 * assert.equal(FD_ISSET(3, set), false);
 * FD_SET(3, set);
 * assert.equal(FD_ISSET(3, set), true);
 * ```
 */
export function FD_ISSET(fd: number, set: fd_set): boolean {
  return set.fds.has(fd);
}

/** Readable for `select`: something queued, end of stream, or an error to report. */
function isReadable(e: SocketEntry): boolean {
  if (e.listener) return e.acceptQueue.length > 0 || e.acceptError !== undefined;
  if (e.conn) return e.chunks.length > 0 || e.eof || e.readShut || e.readError !== undefined;
  if (e.udp) return e.datagrams.length > 0 || e.receiveError !== undefined;
  return false;
}

/** Writable for `select`: UDP always; TCP once connected, or once a connect failed. */
function isWritable(e: SocketEntry): boolean {
  if (!isStreamSocket(e)) return true;
  if (e.connecting) return false;
  if (e.conn) return true;
  return e.pendingError !== undefined; // a failed connect: writable, SO_ERROR tells why
}

/** Start the read, accept or receive whose result will make the socket readable. */
function startWaitingForData(e: SocketEntry): void {
  if (e.listener && !e.acceptQueue.length) acceptIntoQueue(e);
  else if (e.conn && !e.chunks.length && !e.eof && !e.readShut) readIntoQueue(e);
  else if (e.udp && !e.datagrams.length) receiveIntoQueue(e);
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
  for (const fds of wanted) for (const fd of fds) openSocketEntry("select", fd);
  const deadline = ms === undefined ? undefined : performance.now() + ms;
  for (;;) {
    const ready = [
      wanted[0].filter((fd) => {
        const e = descriptors.get(fd);
        return !e || isReadable(e);
      }),
      wanted[1].filter((fd) => {
        const e = descriptors.get(fd);
        return !e || isWritable(e);
      }),
      wanted[2].filter((fd) => {
        const e = descriptors.get(fd);
        return !!e && isStreamSocket(e) && !e.conn && !e.connecting && e.pendingError !== undefined;
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
      const e = descriptors.get(fd);
      if (e) startWaitingForData(e);
    }
    await nextStateChange(left).promise;
  }
}
