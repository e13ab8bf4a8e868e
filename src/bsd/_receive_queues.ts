/**
 * The receive queues behind `recv`, `recvfrom`, `accept` and `select`: each socket keeps what
 * arrived (byte chunks, datagrams, accepted connections) until a call takes it, so `MSG_PEEK`
 * leaves data queued and `select` can start a read whose data waits for `recv`. At most one
 * read (or accept, or receive) is in flight per socket.
 *
 * @module
 */

import {
  notifyStateChanged,
  type ReceivedDatagram,
  type SocketEntry,
} from "./_descriptor_table.ts";
import { MSG_PEEK, MSG_WAITALL } from "./constants.ts";
import { fail, recordError } from "./errors.ts";

/** Start one accept (unless one is in flight); the connection goes to the accept queue. */
export function acceptIntoQueue(e: SocketEntry): Promise<void> {
  if (e.accepting) return e.accepting;
  const l = e.listener!;
  return e.accepting = l.accept().then(
    (c) => {
      if (e.closed) c.close();
      else e.acceptQueue.push(c);
    },
    (err) => {
      if (!e.closed) e.acceptError = err;
    },
  ).finally(() => {
    e.accepting = undefined;
    notifyStateChanged();
  });
}

/** Whether a datagram came from the connected peer (v4-mapped and plain IPv4 compare equal). */
export function isFromPeer(p: { hostname: string; port: number }, d: ReceivedDatagram): boolean {
  const strip = (h: string) => h.replace(/^::ffff:/i, "").toLowerCase();
  return p.port === d.port && strip(p.hostname) === strip(d.hostname);
}

/** Start one read (unless one is in flight); the bytes go to the receive queue, EOF is noted. */
export function readIntoQueue(e: SocketEntry): Promise<void> {
  if (e.reading) return e.reading;
  const conn = e.conn!;
  const buf = new Uint8Array(65536);
  return e.reading = conn.read(buf).then(
    (n) => {
      if (n === null) e.eof = true;
      else e.chunks.push(buf.slice(0, n));
    },
    (err) => {
      if (!e.closed) e.readError = err;
    },
  ).finally(() => {
    e.reading = undefined;
    notifyStateChanged();
  });
}

/**
 * Start one UDP receive (unless one is in flight); datagrams from the peer, if any, are queued.
 */
export function receiveIntoQueue(e: SocketEntry): Promise<void> {
  if (e.receiving) return e.receiving;
  const udp = e.udp!;
  return e.receiving = udp.receive(new Uint8Array(65536)).then(
    ([data, from]) => {
      const a = from as Deno.NetAddr;
      const d = { data, hostname: a.hostname, port: a.port };
      if (!e.peer || isFromPeer(e.peer, d)) e.datagrams.push(d);
    },
    (err) => {
      if (!e.closed) e.receiveError = err;
    },
  ).finally(() => {
    e.receiving = undefined;
    notifyStateChanged();
  });
}

/** Fail a receive that waited `SO_RCVTIMEO` in vain (`EAGAIN`, Winsock `WSAETIMEDOUT`). */
export function failReceiveTimeout(call: string, ms: number): never {
  fail(
    call,
    "EAGAIN",
    `Cannot ${call}: no data within SO_RCVTIMEO ${ms} ms`,
    "WSAETIMEDOUT",
  );
}

/** Wait for `p`, at most `ms` (0 = no limit); `true` when it settled in time. */
export async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
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

/**
 * Copy up to `len` queued bytes into `buf` at `off`; unless peeking, remove them from the queue.
 */
export function takeQueuedBytes(
  e: SocketEntry,
  buf: Uint8Array,
  off: number,
  len: number,
  peek: boolean,
): number {
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

/** TCP receive: queued bytes first, then wait (bounded by `SO_RCVTIMEO`); 0 at end of stream. */
export async function receiveFromStream(
  call: string,
  e: SocketEntry,
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
      got += takeQueuedBytes(e, buf, got, len - got, peek);
      if (!all || got >= len) return got;
    }
    if (len === 0) return 0;
    if (e.readShut || e.eof) return got;
    if (e.readError) {
      if (got) return got;
      const err = e.readError;
      e.readError = undefined;
      e.eof = true; // after a reset, later reads see end of stream, as on Linux
      throw recordError(call, err);
    }
    if (e.nonBlocking && !got) {
      readIntoQueue(e);
      fail(call, "EWOULDBLOCK", `Cannot ${call}: no data is queued (non-blocking)`);
    }
    if (!(await settlesWithin(readIntoQueue(e), e.receiveTimeoutMs))) {
      if (got) return got;
      failReceiveTimeout(call, e.receiveTimeoutMs);
    }
    if (e.closed) fail(call, "EBADF", `Cannot ${call}: the socket was closed`);
  }
}

/**
 * UDP receive: the next queued datagram, waiting (bounded by `SO_RCVTIMEO`) when there is none.
 */
export async function takeDatagram(
  call: string,
  e: SocketEntry,
  peek: boolean,
): Promise<ReceivedDatagram> {
  if (!e.udp) {
    fail(call, "EINVAL", `Cannot ${call}: the socket is not bound (bind it, or sendto first)`);
  }
  for (;;) {
    const d = e.datagrams[0];
    if (d) {
      if (!peek) e.datagrams.shift();
      return d;
    }
    if (e.receiveError) {
      const err = e.receiveError;
      e.receiveError = undefined;
      throw recordError(call, err);
    }
    if (e.nonBlocking) {
      receiveIntoQueue(e);
      fail(call, "EWOULDBLOCK", `Cannot ${call}: no datagram is queued (non-blocking)`);
    }
    if (!(await settlesWithin(receiveIntoQueue(e), e.receiveTimeoutMs))) {
      failReceiveTimeout(call, e.receiveTimeoutMs);
    }
    if (e.closed) fail(call, "EBADF", `Cannot ${call}: the socket was closed`);
  }
}
