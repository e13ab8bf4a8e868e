/**
 * Batched UDP: {@linkcode UdpBatch}, what {@linkcode UdpSocket.recvBatch} fills, and the
 * private buffers behind `recvBatch`/`sendBatch` (`recvmmsg`/`sendmmsg` through FFI).
 *
 * A batch is one receive buffer with a slot per datagram, plus per-datagram offsets, lengths,
 * a truncation flag and the sender's `struct sockaddr` bytes. Nothing is allocated per
 * datagram unless asked for ({@linkcode UdpBatch.data}, {@linkcode UdpBatch.remoteAddr},
 * {@linkcode UdpBatch.datagram}).
 *
 * ```text
 * buffer   | slot 0: datagram 0 ... | slot 1: datagram 1 ... | ...   (slot = maxDatagramSize + 1 bytes)
 * offset(i) = start of datagram i in buffer, length(i) = its bytes, truncated(i) = MSG_TRUNC
 * ```
 *
 * How the batch is filled, and why, is in docs/udp_batching.md.
 *
 * @example Receive a batch and read it without allocating per datagram
 * ```ts
 * import assert from "node:assert/strict";
 * import { bind } from "./udp.ts";
 * using rx = bind({ hostname: "127.0.0.1", port: 0 });
 * using tx = bind({ hostname: "127.0.0.1", port: 0 });
 * await tx.sendBatch([new Uint8Array([1]), new Uint8Array([2, 2])], rx.addr);
 * let got = 0;
 * while (got < 2) {
 *   const batch = await rx.recvBatch({ timeout: 2000 });
 *   for (let i = 0; i < batch.count; i++) {
 *     assert.equal(batch.buffer[batch.offset(i)], got + 1);
 *     assert.equal(batch.length(i), got + 1);
 *     assert.equal(batch.remotePort(i), tx.addr.port);
 *     got++;
 *   }
 * }
 * ```
 *
 * @module
 */

import { type Mmsg, mmsg } from "../_ffi/mmsg.ts";
export type { Mmsg } from "../_ffi/mmsg.ts";
import { parseAddress } from "../addr/ip.ts";
import { packSockaddr, unpackSockaddr } from "../addr/sockaddr.ts";
import { explainError } from "../errno/error_table.ts";
import { annotateError } from "./errors.ts";

/** Bytes reserved per sender address (`sockaddr_in6` is 28). */
export const NAME_SIZE = 32;
/** Largest batch {@linkcode UdpBatch} accepts (`UIO_MAXIOV`). */
export const MAX_BATCH_SIZE = 1024;

/** A received datagram, as a copy (what {@linkcode UdpBatch.datagram} returns). */
export interface BatchDatagram {
  /** The payload (a copy). */
  data: Uint8Array;
  /** The sender. */
  remoteAddr: Deno.NetAddr;
  /** `true` when the datagram was longer than `maxDatagramSize` and was cut (`MSG_TRUNC`). */
  truncated: boolean;
}

const AF_INET = 2;
const AF_INET6 = 10;

/**
 * Received datagrams: one buffer, offsets, lengths, truncation flags and senders. The socket
 * reuses one batch: its contents are valid until the next {@linkcode UdpSocket.recvBatch}
 * on the same socket.
 *
 * @example Copies for the datagrams you keep
 * ```ts
 * import assert from "node:assert/strict";
 * import { bind } from "./udp.ts";
 * using rx = bind({ hostname: "127.0.0.1", port: 0 });
 * using tx = bind({ hostname: "127.0.0.1", port: 0 });
 * await tx.sendTo(new TextEncoder().encode("hi"), rx.addr);
 * const batch = await rx.recvBatch({ timeout: 2000 });
 * const kept = batch.datagram(0);
 * assert.equal(new TextDecoder().decode(kept.data), "hi");
 * assert.equal(kept.remoteAddr.port, tx.addr.port);
 * assert.equal(kept.truncated, false);
 * ```
 */
export class UdpBatch implements Iterable<BatchDatagram> {
  /** The receive buffer: datagram `i` is `buffer.subarray(offset(i), offset(i) + length(i))`. */
  readonly buffer: Uint8Array;
  /** The largest payload kept per datagram (the socket's `maxDatagramSize`). */
  readonly maxDatagramSize: number;
  /** How many datagrams the batch can hold. */
  readonly capacity: number;
  #names: Uint8Array;
  #nameLens: Uint8Array;
  #slot: number;
  #lengths: Uint32Array;
  #slots: Uint16Array;
  #truncated: Uint8Array;
  #first: Deno.NetAddr | undefined;
  #count = 0;

  /** @internal Built by the socket; not for direct use. */
  constructor(buffer: Uint8Array, names: Uint8Array, capacity: number, maxDatagramSize: number) {
    this.buffer = buffer;
    this.#names = names;
    this.capacity = capacity;
    this.maxDatagramSize = maxDatagramSize;
    this.#slot = maxDatagramSize + 1;
    this.#nameLens = new Uint8Array(capacity);
    this.#lengths = new Uint32Array(capacity);
    this.#slots = new Uint16Array(capacity);
    this.#truncated = new Uint8Array(capacity);
  }

  /** Datagrams in the batch (at least 1 after a `recvBatch` that resolved). */
  get count(): number {
    return this.#count;
  }

  #at(i: number): number {
    if (!(i >= 0 && i < this.#count) || !Number.isInteger(i)) {
      throw new RangeError(`Cannot read datagram ${i}: the batch holds ${this.#count}`);
    }
    return this.#slots[i];
  }

  /**
   * Where datagram `i` starts in {@linkcode buffer}.
   *
   * @param i 0 ≤ i < {@linkcode count}.
   * @returns The byte offset.
   * @throws {RangeError} For an index outside the batch.
   */
  offset(i: number): number {
    return this.#at(i) * this.#slot;
  }
  /**
   * Payload bytes of datagram `i` (at most `maxDatagramSize`).
   *
   * @param i 0 ≤ i < {@linkcode count}.
   * @returns The length.
   * @throws {RangeError} For an index outside the batch.
   */
  length(i: number): number {
    this.#at(i);
    return this.#lengths[i];
  }
  /**
   * Whether datagram `i` was longer than `maxDatagramSize` and was cut (`MSG_TRUNC`).
   *
   * @param i 0 ≤ i < {@linkcode count}.
   * @returns `true` when bytes were lost.
   * @throws {RangeError} For an index outside the batch.
   */
  truncated(i: number): boolean {
    this.#at(i);
    return this.#truncated[i] !== 0;
  }
  /**
   * A view of datagram `i`'s payload in {@linkcode buffer} (no copy; overwritten by the next
   * `recvBatch`).
   *
   * @param i 0 ≤ i < {@linkcode count}.
   * @returns The view.
   * @throws {RangeError} For an index outside the batch.
   */
  data(i: number): Uint8Array {
    const off = this.#at(i) * this.#slot;
    return this.buffer.subarray(off, off + this.#lengths[i]);
  }
  /**
   * The sender's port, read from its address bytes (no allocation).
   *
   * @param i 0 ≤ i < {@linkcode count}.
   * @returns The port.
   * @throws {RangeError} For an index outside the batch.
   */
  remotePort(i: number): number {
    const s = this.#at(i);
    if (s === 0 && this.#first) return this.#first.port;
    const o = s * NAME_SIZE;
    return (this.#names[o + 2] << 8) | this.#names[o + 3];
  }
  /**
   * The sender of datagram `i` (a new object each call).
   *
   * @param i 0 ≤ i < {@linkcode count}.
   * @returns The sender's address.
   * @throws {RangeError} For an index outside the batch.
   */
  remoteAddr(i: number): Deno.NetAddr {
    const s = this.#at(i);
    if (s === 0 && this.#first) return { ...this.#first };
    const o = s * NAME_SIZE;
    return unpackSockaddr(this.#names.subarray(o, o + this.#nameLens[s]), {
      layout: "linux",
      transport: "udp",
    }) as Deno.NetAddr;
  }
  /**
   * Datagram `i` as an object of its own: a copy of the payload, the sender, the flag.
   *
   * @param i 0 ≤ i < {@linkcode count}.
   * @returns The copy.
   * @throws {RangeError} For an index outside the batch.
   */
  datagram(i: number): BatchDatagram {
    return {
      data: this.data(i).slice(),
      remoteAddr: this.remoteAddr(i),
      truncated: this.truncated(i),
    };
  }
  /** Every datagram as a copy ({@linkcode datagram}). */
  *[Symbol.iterator](): IterableIterator<BatchDatagram> {
    for (let i = 0; i < this.#count; i++) yield this.datagram(i);
  }

  /** @internal Forget the contents. */
  _reset(): void {
    this.#count = 0;
    this.#first = undefined;
  }
  /** @internal Add the datagram in slot `slot` (the first one carries Deno's address object). */
  _push(slot: number, length: number, truncated: boolean, nameLen: number, first?: Deno.NetAddr) {
    const i = this.#count++;
    this.#slots[i] = slot;
    this.#lengths[i] = length;
    this.#truncated[i] = truncated ? 1 : 0;
    this.#nameLens[slot] = nameLen;
    if (slot === 0) this.#first = first;
  }
}

/** A connected peer as bytes, for filtering senders without building address objects. */
export interface PeerBytes {
  /** The peer's port. */
  port: number;
  /** IPv4 bytes (also for a v4-mapped IPv6 peer), or null. */
  v4: Uint8Array | null;
  /** IPv6 bytes, or null. */
  v6: Uint8Array | null;
}

/**
 * The peer as bytes, or `null` when its hostname is not an IP literal (then senders are
 * compared as text).
 */
export function peerBytes(hostname: string, port: number): PeerBytes | null {
  try {
    const ip = parseAddress(hostname.replace(/^\[|\]$/g, ""));
    if (ip.family === "IPv4") return { port, v4: ip.bytes, v6: null };
    const b = ip.bytes;
    let mapped = b[10] === 0xff && b[11] === 0xff;
    for (let k = 0; k < 10; k++) if (b[k] !== 0) mapped = false;
    return { port, v4: mapped ? b.slice(12, 16) : null, v6: b };
  } catch {
    return null;
  }
}

/** Does the Linux sockaddr at `names[o..]` name `peer`? (v4 and v4-mapped v6 compare equal.) */
export function nameMatches(names: Uint8Array, o: number, peer: PeerBytes): boolean {
  if (((names[o + 2] << 8) | names[o + 3]) !== peer.port) return false;
  const fam = names[o] | (names[o + 1] << 8);
  if (fam === AF_INET) {
    const v4 = peer.v4;
    return v4 !== null && names[o + 4] === v4[0] && names[o + 5] === v4[1] &&
      names[o + 6] === v4[2] && names[o + 7] === v4[3];
  }
  if (fam !== AF_INET6) return false;
  let mapped = names[o + 18] === 0xff && names[o + 19] === 0xff;
  for (let k = 8; k < 18; k++) if (names[o + k] !== 0) mapped = false;
  if (mapped) {
    const v4 = peer.v4;
    return v4 !== null && names[o + 20] === v4[0] && names[o + 21] === v4[1] &&
      names[o + 22] === v4[2] && names[o + 23] === v4[3];
  }
  const v6 = peer.v6;
  if (v6 === null) return false;
  for (let k = 0; k < 16; k++) if (names[o + 8 + k] !== v6[k]) return false;
  return true;
}

/**
 * An error like the runtime's for an errno from a libc call: the `Deno.errors` class the
 * runtime uses for it (else `Error`), a message ending in `(os error N)`, annotated.
 *
 * @param errno The errno number.
 * @param operation What failed (`"recvBatch"`, `"sendBatch"`).
 * @param address The peer, when known.
 * @returns The annotated error.
 */
export function errnoError(errno: number, operation: string, address?: string): Error {
  const ex = explainError(errno);
  const errors = Deno.errors as unknown as Record<string, ErrorConstructor | undefined>;
  const Cls = (ex?.denoError && errors[ex.denoError]) || Error;
  const e = new Cls(`Cannot ${operation}: ${ex?.meaning ?? "system error"} (os error ${errno})`);
  return annotateError(e, { operation, address });
}

/**
 * The FFI side of one socket's batches: the receive buffer, the sender names, the `mmsghdr`
 * and `iovec` arrays pointing into them (built once), and the send buffer (grown on demand).
 */
export class BatchIo {
  /** The opened `recvmmsg`/`sendmmsg`. */
  readonly m: Mmsg;
  /** Datagrams per batch. */
  readonly capacity: number;
  /** `maxDatagramSize`. */
  readonly max: number;
  readonly #keep: ArrayBuffer[] = [];
  // Receive side, built on first use.
  #batch: UdpBatch | undefined;
  #first: Uint8Array | undefined;
  #names: Uint8Array | undefined;
  #rvec: Uint8Array | undefined;
  #rview: DataView | undefined;
  /** Entries of the receive vector the kernel wrote last time (their namelen/flags need a reset). */
  #dirty = 0;
  // Send side, built on first use.
  #svec: Uint8Array | undefined;
  #sview: DataView | undefined;
  #sdata: Uint8Array | undefined;
  #sdataAddr = 0n;
  #snames: Uint8Array | undefined;
  #lastHost: string | undefined;
  #lastPort = -1;
  #lastName: Uint8Array | undefined;

  /** Buffers are allocated on first use ({@linkcode batch}, {@linkcode send}). */
  constructor(m: Mmsg, capacity: number, max: number) {
    this.m = m;
    this.capacity = capacity;
    this.max = max;
  }

  /** The batch this socket fills (its buffers are allocated on first use). */
  get batch(): UdpBatch {
    return this.#batch ?? this.#ensureRecv();
  }
  /** Slot 0's buffer for Deno's own receive: max + 1 bytes, so a cut is visible. */
  get first(): Uint8Array {
    if (!this.#first) this.#ensureRecv();
    return this.#first!;
  }
  /** The sender names (slot i at i * NAME_SIZE). */
  get names(): Uint8Array {
    if (!this.#names) this.#ensureRecv();
    return this.#names!;
  }

  #ensureRecv(): UdpBatch {
    const m = this.m, L = m.L, capacity = this.capacity, max = this.max;
    const slot = max + 1;
    const rdata = new Uint8Array(this.#alloc(capacity * slot));
    this.#first = rdata.subarray(0, slot);
    const names = this.#names = new Uint8Array(this.#alloc(capacity * NAME_SIZE));
    const iov = new Uint8Array(this.#alloc(capacity * L.iovecSize));
    this.#rvec = new Uint8Array(this.#alloc(capacity * L.mmsghdrSize));
    const rv = this.#rview = new DataView(this.#rvec.buffer);
    const dataAt = m.addressOf(rdata.buffer as ArrayBuffer);
    const namesAt = m.addressOf(names.buffer as ArrayBuffer);
    const iovAt = m.addressOf(iov.buffer as ArrayBuffer);
    const iv = new DataView(iov.buffer);
    for (let i = 0; i < capacity; i++) {
      iv.setBigUint64(i * L.iovecSize, dataAt + BigInt(i * slot), true);
      iv.setBigUint64(i * L.iovecSize + 8, BigInt(max), true);
      const h = i * L.mmsghdrSize;
      rv.setBigUint64(h + L.msgName, namesAt + BigInt(i * NAME_SIZE), true);
      rv.setUint32(h + L.msgNamelen, NAME_SIZE, true);
      rv.setBigUint64(h + L.msgIov, iovAt + BigInt(i * L.iovecSize), true);
      rv.setBigUint64(h + L.msgIovlen, 1n, true);
    }
    return this.#batch = new UdpBatch(rdata, names, capacity, max);
  }

  /** An `ArrayBuffer` off the V8 heap (more than 64 bytes), kept alive with this object. */
  #alloc(n: number): ArrayBuffer {
    const b = new ArrayBuffer(Math.max(n, 128));
    this.#keep.push(b);
    return b;
  }

  /**
   * Drain up to `capacity - 1` more datagrams into slots 1.. with `recvmmsg(MSG_DONTWAIT)`.
   *
   * @returns How many arrived (0 when none were waiting), or `-errno` for a real error.
   */
  drain(fd: number, keep: ((slot: number) => boolean) | null, onDropped: () => void): number {
    const b = this.batch;
    const L = this.m.L;
    const v = this.#rview!;
    for (let i = 1; i <= this.#dirty; i++) {
      const h = i * L.mmsghdrSize;
      v.setUint32(h + L.msgNamelen, NAME_SIZE, true);
      v.setInt32(h + L.msgFlags, 0, true);
    }
    this.#dirty = 0;
    const want = this.capacity - 1;
    if (want === 0) return 0;
    const n = this.m.recvmmsg(fd, this.#rvec!.subarray(L.mmsghdrSize), want, L.MSG_DONTWAIT);
    if (n < 0) {
      const errno = this.m.errno();
      return errno === L.EAGAIN || errno === L.EINTR ? 0 : -errno;
    }
    this.#dirty = n;
    let kept = 0;
    for (let i = 1; i <= n; i++) {
      const h = i * L.mmsghdrSize;
      if (keep !== null && !keep(i)) {
        onDropped();
        continue;
      }
      const len = v.getUint32(h + L.msgLen, true);
      const trunc = (v.getInt32(h + L.msgFlags, true) & L.MSG_TRUNC) !== 0;
      b._push(i, len > this.max ? this.max : len, trunc, v.getUint32(h + L.msgNamelen, true));
      kept++;
    }
    return kept;
  }

  /** The sender name of FFI slot `slot` (for text comparison when the peer is not an IP literal). */
  nameOf(slot: number): Deno.NetAddr {
    const o = slot * NAME_SIZE;
    const len = this.#rview!.getUint32(slot * this.m.L.mmsghdrSize + this.m.L.msgNamelen, true);
    return unpackSockaddr(this.names.subarray(o, o + len), {
      layout: "linux",
      transport: "udp",
    }) as Deno.NetAddr;
  }

  /** The packed `sockaddr` for a destination (the last one is cached), or null for a non-IP hostname. */
  #name(hostname: string, port: number): Uint8Array | null {
    if (hostname === this.#lastHost && port === this.#lastPort) return this.#lastName!;
    let name: Uint8Array;
    try {
      name = packSockaddr({ transport: "udp", hostname, port }, { layout: "linux" });
    } catch {
      return null;
    }
    this.#lastHost = hostname;
    this.#lastPort = port;
    return this.#lastName = name;
  }

  #ensureSend(bytes: number): void {
    const L = this.m.L;
    if (!this.#svec) {
      this.#svec = new Uint8Array(this.#alloc(this.capacity * L.mmsghdrSize));
      this.#sview = new DataView(this.#svec.buffer);
      this.#snames = new Uint8Array(this.#alloc(this.capacity * NAME_SIZE));
      const iov = new Uint8Array(this.#alloc(this.capacity * L.iovecSize));
      const namesAt = this.m.addressOf(this.#snames.buffer as ArrayBuffer);
      const iovAt = this.m.addressOf(iov.buffer as ArrayBuffer);
      for (let i = 0; i < this.capacity; i++) {
        const h = i * L.mmsghdrSize;
        this.#sview.setBigUint64(h + L.msgName, namesAt + BigInt(i * NAME_SIZE), true);
        this.#sview.setBigUint64(h + L.msgIov, iovAt + BigInt(i * L.iovecSize), true);
        this.#sview.setBigUint64(h + L.msgIovlen, 1n, true);
      }
      this.#siov = new DataView(iov.buffer);
    }
    if (!this.#sdata || this.#sdata.length < bytes) {
      const size = Math.max(bytes, this.#sdata ? this.#sdata.length * 2 : 64 * 1024);
      this.#sdata = new Uint8Array(new ArrayBuffer(size));
      this.#sdataAddr = this.m.addressOf(this.#sdata.buffer as ArrayBuffer);
    }
  }
  #siov: DataView | undefined;

  /**
   * Copy `datagrams[from .. from + k)` into the send buffer and `sendmmsg(MSG_DONTWAIT)` them.
   * `dest(i)` gives each datagram's destination.
   *
   * @returns `[sent, bytes]`: datagrams the kernel took and their payload bytes; `sent` is 0
   *   when none could be packed here (a destination that is not an IP literal) and `-errno`
   *   for a failure of the first datagram (`-EAGAIN` when the send buffer is full).
   */
  send(
    fd: number,
    datagrams: readonly Uint8Array[],
    from: number,
    dest: (i: number) => { hostname: string; port: number },
    sameDest = false,
  ): [number, number] {
    const L = this.m.L;
    if (sameDest && this.#gso) {
      const r = this.#sendSegmented(fd, datagrams, from, dest(from));
      if (r !== null) return r;
    }
    let k = Math.min(this.capacity - 1, datagrams.length - from);
    let bytes = 0;
    for (let j = 0; j < k; j++) bytes += datagrams[from + j].length;
    this.#ensureSend(bytes);
    const v = this.#sview!, iov = this.#siov!, data = this.#sdata!, names = this.#snames!;
    let off = 0;
    for (let j = 0; j < k; j++) {
      const d = datagrams[from + j];
      const to = dest(from + j);
      const name = this.#name(to.hostname, to.port);
      if (name === null) {
        k = j; // this one goes through Deno (which resolves names); send the ones before it
        break;
      }
      names.set(name, j * NAME_SIZE);
      const h = j * L.mmsghdrSize;
      v.setUint32(h + L.msgNamelen, name.length, true);
      data.set(d, off);
      iov.setBigUint64(j * L.iovecSize, this.#sdataAddr + BigInt(off), true);
      iov.setBigUint64(j * L.iovecSize + 8, BigInt(d.length), true);
      off += d.length;
    }
    if (k === 0) return [0, 0];
    const n = this.m.sendmmsg(fd, this.#svec!, k, L.MSG_DONTWAIT);
    if (n < 0) {
      const errno = this.m.errno();
      return [errno === L.EINTR ? 0 : -errno, 0];
    }
    let sentBytes = 0;
    for (let j = 0; j < n; j++) sentBytes += datagrams[from + j].length;
    return [n, sentBytes];
  }

  /** `UDP_SEGMENT` still worth trying (turned off for good by the first failure). */
  #gso = true;
  #gmsg: Uint8Array | undefined;
  #gview: DataView | undefined;

  /** Whether `sendBatch` may use `UDP_SEGMENT` (false once the kernel refused it). */
  get segmentOffload(): boolean {
    return this.#gso;
  }

  /**
   * Equal-sized datagrams to one destination (the last may be shorter) as one `sendmsg` with
   * `UDP_SEGMENT`: the kernel cuts the payload into datagrams (GSO), so a run of them costs one
   * trip through the stack instead of one each. Receivers see ordinary datagrams (unless they
   * turned on `UDP_GRO` themselves).
   *
   * @returns As {@linkcode send}, or null when the run does not qualify or the kernel refused
   *   `UDP_SEGMENT` (then it is not tried again, and `sendmmsg` reports any real error).
   */
  #sendSegmented(
    fd: number,
    datagrams: readonly Uint8Array[],
    from: number,
    to: { hostname: string; port: number },
  ): [number, number] | null {
    const L = this.m.L;
    const seg = datagrams[from].length;
    if (seg === 0 || seg * 2 > 65507) return null;
    const maxK = Math.min(
      L.maxSegments,
      Math.floor(65507 / seg),
      this.capacity - 1,
      datagrams.length - from,
    );
    let k = 1;
    while (k < maxK && datagrams[from + k].length === seg) k++;
    if (k < maxK && datagrams[from + k].length > 0 && datagrams[from + k].length < seg) k++;
    if (k < 2) return null;
    const name = this.#name(to.hostname, to.port);
    if (name === null) return null;
    let total = 0;
    for (let j = 0; j < k; j++) total += datagrams[from + j].length;
    this.#ensureSend(total);
    if (!this.#gmsg) {
      this.#gmsg = new Uint8Array(this.#alloc(256));
      const g = this.#gview = new DataView(this.#gmsg.buffer);
      const at = this.m.addressOf(this.#gmsg.buffer as ArrayBuffer);
      g.setBigUint64(L.msgName, at + 128n, true);
      g.setBigUint64(L.msgIov, at + 96n, true);
      g.setBigUint64(L.msgIovlen, 1n, true);
      g.setBigUint64(L.msgControl, at + 64n, true);
      g.setBigUint64(L.msgControllen, BigInt(L.cmsgSpaceU16), true);
      g.setBigUint64(64, BigInt(L.cmsgLenU16), true);
      g.setInt32(64 + L.cmsgLevel, L.SOL_UDP, true);
      g.setInt32(64 + L.cmsgType, L.UDP_SEGMENT, true);
    }
    const g = this.#gview!, data = this.#sdata!;
    let off = 0;
    for (let j = 0; j < k; j++) {
      data.set(datagrams[from + j], off);
      off += datagrams[from + j].length;
    }
    this.#gmsg.set(name, 128);
    g.setUint32(L.msgNamelen, name.length, true);
    g.setInt32(L.msgFlags, 0, true);
    g.setUint16(64 + L.cmsgData, seg, true);
    g.setBigUint64(96, this.#sdataAddr, true);
    g.setBigUint64(104, BigInt(total), true);
    const r = this.m.sendmsg(fd, this.#gmsg, L.MSG_DONTWAIT);
    if (r >= 0) return [k, total];
    const errno = this.m.errno();
    if (errno === L.EAGAIN) return [-errno, 0];
    if (errno === L.EINTR) return [0, 0];
    this.#gso = false; // EIO, EINVAL, ENOPROTOOPT, ...: this kernel or route cannot segment
    return null;
  }
}

/**
 * Open the FFI side for a socket, or say why the batched path is not available.
 *
 * @returns The engine, or the reason text.
 */
export function openBatchIo(capacity: number, max: number): BatchIo | string {
  let m: Mmsg | string;
  try {
    m = mmsg();
  } catch (e) {
    return e instanceof Deno.errors.NotCapable
      ? "--allow-ffi is not granted (recvmmsg/sendmmsg need it)"
      : `recvmmsg/sendmmsg did not load: ${(e as Error).message}`;
  }
  if (typeof m === "string") return m;
  return new BatchIo(m, capacity, max);
}
