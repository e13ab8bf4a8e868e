/**
 * UDP over `Deno.listenDatagram`: bind, `sendTo`, `recvFrom` (the seeds' `sendto`/`recvfrom`),
 * an emulated `connect` that sets a default peer and filters what arrives, receive and send
 * timeouts, multicast (join, leave, TTL, loopback) and broadcast.
 *
 * Permissions: `--allow-net` and `--unstable-net` (Deno's datagram API is unstable; sockkit's
 * deno.json enables it). `broadcast`, `ttl`, `multicastTtl` on IPv6 and the other socket
 * options also need `--allow-ffi`.
 *
 * Broadcast: Deno turns `SO_BROADCAST` on for every UDP socket it creates, so sending to a
 * broadcast address works without asking. Pass `broadcast: false` to turn it off (the seeds'
 * `WSAEACCES`/`EACCES` case then applies).
 *
 * @example The seeds' UDP client and server, on loopback
 * ```ts
 * import assert from "node:assert/strict";
 * import { bind } from "./udp.ts";
 * using server = bind({ hostname: "127.0.0.1", port: 0 });
 * using client = bind({ hostname: "127.0.0.1", port: 0 });
 * await client.sendTo(new TextEncoder().encode("Hello! I am a client."), server.addr);
 * const { data, remoteAddr } = await server.recvFrom({ timeout: 2000 });
 * assert.equal(new TextDecoder().decode(data), "Hello! I am a client.");
 * await server.sendTo(new TextEncoder().encode("Hello! I am a server."), remoteAddr);
 * const reply = await client.recvFrom({ timeout: 2000 });
 * assert.equal(new TextDecoder().decode(reply.data), "Hello! I am a server.");
 * ```
 *
 * @module
 */

import { annotateError, SocketStateError, SocketTimeoutError } from "./errors.ts";
import { checkTimeout, raceDeadline } from "./_deadline.ts";
import {
  applySocketOptions,
  type InlineSocketOptions,
  pickSocketOptions,
} from "./inline_options.ts";
import { checkPort } from "./tcp.ts";
import { closeIgnoringBadResource } from "./_listener.ts";
import { markClosed, resolveDenoSocket } from "../_ffi/fd.ts";
import { StaleDescriptorError } from "../sockopt/errors.ts";
import {
  type BatchIo,
  errnoError,
  MAX_BATCH_SIZE,
  NAME_SIZE,
  nameMatches,
  openBatchIo,
  type PeerBytes,
  peerBytes,
  UdpBatch,
} from "./udp_batch.ts";

export { UdpBatch } from "./udp_batch.ts";
export type { BatchDatagram } from "./udp_batch.ts";

/** Options of {@linkcode bind}. */
export interface UdpBindOptions extends InlineSocketOptions {
  /** Local address. Default `"0.0.0.0"`; `"::"` for IPv6. */
  hostname?: string;
  /** Local port; `0` (the default) lets the kernel pick. */
  port?: number;
  /** Deno's `reuseAddress` (`SO_REUSEADDR` + `SO_REUSEPORT`), letting several sockets bind one port. Default `false`. */
  reuseAddress?: boolean;
  /** Reject a `recvFrom` that waits longer than this many ms (the seeds' `SO_RCVTIMEO`). Default: none. */
  receiveTimeout?: number;
  /** Reject a `sendTo` that takes longer than this (the seeds' `SO_SNDTIMEO`). Default: none. */
  sendTimeout?: number;
  /** Largest datagram `recvFrom` returns, in bytes; longer ones are cut (`recvFrom` cannot tell; {@linkcode UdpBatch.truncated} does). Default 65536. */
  maxDatagramSize?: number;
  /**
   * Most datagrams one {@linkcode UdpSocket.recvBatch} returns and one `sendmmsg` call sends
   * (1–1024). The batch buffer takes `batchSize × (maxDatagramSize + 1)` bytes, allocated on the
   * first `recvBatch`. Default 64.
   */
  batchSize?: number;
}

/** A received datagram. */
export interface Datagram {
  /** The payload (may be empty: a zero-length datagram is not an end of stream). */
  data: Uint8Array;
  /** The sender. */
  remoteAddr: Deno.NetAddr;
}

/** A destination: a `NetAddr`-like object. */
export interface UdpPeer {
  /** IP address (a name is resolved by Deno). */
  hostname: string;
  /** Port 1–65535. */
  port: number;
}

/** Per-call options for {@linkcode UdpSocket.recvFrom} and {@linkcode UdpSocket.sendTo}. */
export interface UdpCallOptions {
  /** Overrides the socket's timeout for this call (ms, 0 = none). */
  timeout?: number;
  /** Rejects this call with the signal's reason. */
  signal?: AbortSignal;
}

/** Options for {@linkcode UdpSocket.recvFrom}. */
export interface UdpReceiveOptions extends UdpCallOptions {
  /**
   * Receive into this buffer and return a view of it instead of a copy (as Deno's
   * `receive(buffer)` does): no allocation per datagram. A datagram longer than the buffer is
   * cut. Default: a copy out of the socket's own buffer.
   */
  buffer?: Uint8Array;
}

function sameHost(a: string, b: string): boolean {
  if (a === b) return true;
  const strip = (s: string) => s.replace(/^\[|\]$/g, "").replace(/^::ffff:/i, "").toLowerCase();
  return strip(a) === strip(b);
}

function isPeer(p: UdpPeer, a: Deno.NetAddr): boolean {
  return p.port === a.port && sameHost(p.hostname, a.hostname);
}

type Membership = Deno.MulticastV4Membership | Deno.MulticastV6Membership;

/** A UDP socket. */
export class UdpSocket implements Disposable, AsyncDisposable {
  /** The underlying Deno socket. */
  readonly raw: Deno.DatagramConn;
  #peer: UdpPeer | undefined;
  #receiveTimeout: number | undefined;
  #sendTimeout: number | undefined;
  #max: number;
  #rbuf: Uint8Array | undefined;
  /** The one receive in flight (a timed-out receive stays pending; the next call resumes it). */
  #pending: Promise<[Uint8Array, Deno.Addr]> | undefined;
  #pendingBuf: Uint8Array | undefined;
  #batchSize: number;
  /** The FFI batch engine, the reason there is none, or `undefined` before the first batch call. */
  #io: BatchIo | string | undefined;
  #soloBatch: UdpBatch | undefined;
  /** An error `recvmmsg` reported after datagrams were already returned; the next receive throws it. */
  #deferred: Error | undefined;
  #peerBytes: PeerBytes | null = null;
  #keep: ((slot: number) => boolean) | null = null;
  #onDropped = () => {
    this.#dropped++;
  };
  #onSent = (n: number) => {
    this.#bytesSent += n;
  };
  #memberships = new Map<string, Membership>();
  #closed = false;
  #bytesReceived = 0;
  #bytesSent = 0;
  #dropped = 0;

  /**
   * Wrap a `Deno.DatagramConn` you already have.
   *
   * @param raw The socket.
   * @param options Timeouts and the largest datagram to receive.
   */
  constructor(
    raw: Deno.DatagramConn,
    options: Pick<
      UdpBindOptions,
      "receiveTimeout" | "sendTimeout" | "maxDatagramSize" | "batchSize"
    > = {},
  ) {
    this.raw = raw;
    this.#receiveTimeout = checkTimeout("receiveTimeout", options.receiveTimeout);
    this.#sendTimeout = checkTimeout("sendTimeout", options.sendTimeout);
    this.#max = options.maxDatagramSize ?? 65536;
    if (!Number.isInteger(this.#max) || this.#max < 1) {
      throw new RangeError(
        `Cannot bind: maxDatagramSize must be a positive integer, got ${this.#max}`,
      );
    }
    this.#batchSize = options.batchSize ?? 64;
    if (
      !Number.isInteger(this.#batchSize) || this.#batchSize < 1 ||
      this.#batchSize > MAX_BATCH_SIZE
    ) {
      throw new RangeError(
        `Cannot bind: batchSize must be an integer 1-${MAX_BATCH_SIZE}, got ${this.#batchSize}`,
      );
    }
  }
  /** The bound local address. */
  get addr(): Deno.NetAddr {
    return this.raw.addr as Deno.NetAddr;
  }
  /** The default peer set by {@linkcode connect}, or `undefined`. */
  get remoteAddr(): UdpPeer | undefined {
    return this.#peer;
  }
  /** Payload bytes received (datagrams from other peers while connected are not counted). */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }
  /** Payload bytes sent. */
  get bytesSent(): number {
    return this.#bytesSent;
  }
  /** Datagrams discarded because they came from a peer other than the connected one. */
  get droppedFromOtherPeers(): number {
    return this.#dropped;
  }
  /** `true` once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  #check(op: string) {
    if (this.#closed) throw new SocketStateError(`Cannot ${op}: the socket was closed`, "EBADF");
  }

  /**
   * Set a default peer, as `connect()` on a UDP socket does: {@linkcode send} goes there and
   * {@linkcode recvFrom} discards datagrams from anyone else. Deno has no UDP connect, so this
   * is done here (the kernel still accepts the datagrams; they are counted in
   * {@linkcode droppedFromOtherPeers}). ICMP "port unreachable" is therefore not reported.
   *
   * @param peer The peer; its `hostname` should be an IP literal (it is compared as text).
   * @throws {RangeError} for a bad port.
   */
  connect(peer: UdpPeer): void {
    this.#check("connect");
    checkPort(peer.port, 1);
    this.#peer = { hostname: peer.hostname, port: peer.port };
    const pb = this.#peerBytes = peerBytes(peer.hostname, peer.port);
    const p = this.#peer;
    this.#keep = pb
      ? (slot) => nameMatches((this.#io as BatchIo).names, slot * NAME_SIZE, pb)
      : (slot) => isPeer(p, (this.#io as BatchIo).nameOf(slot));
  }
  /** Forget the default peer (the seeds' connect to `AF_UNSPEC`). */
  disconnect(): void {
    this.#peer = undefined;
    this.#peerBytes = null;
    this.#keep = null;
  }

  /**
   * Send one datagram to `to` (the seeds' `sendto`). A resolved promise means the kernel took
   * the datagram, not that it arrived.
   *
   * @param data The payload (at most 65507 bytes over IPv4, 65527 over IPv6).
   * @param to The destination.
   * @param options A per-call timeout or signal.
   * @returns Bytes sent.
   * @throws the runtime's error for `EMSGSIZE` and others, annotated with `code` and `explanation`.
   */
  sendTo(data: Uint8Array, to: UdpPeer, options?: UdpCallOptions): Promise<number> {
    if (this.#closed) return Promise.reject(this.#closedError("sendTo"));
    try {
      checkPort(to.port, 1);
    } catch (e) {
      return Promise.reject(e);
    }
    const addr: Deno.NetAddr = { transport: "udp", hostname: to.hostname, port: to.port };
    if (options === undefined && this.#sendTimeout === undefined) {
      // Fast path: the runtime's own promise. The byte count and the error annotation run in a
      // reaction registered first, so they are done before the caller resumes.
      const p = this.raw.send(data, addr);
      p.then(this.#onSent, (e) => sendFailed(e, to, data.length));
      return p;
    }
    return this.#sendTimed(data, addr, options);
  }

  async #sendTimed(data: Uint8Array, to: Deno.NetAddr, options?: UdpCallOptions): Promise<number> {
    const timeout = options?.timeout !== undefined
      ? checkTimeout("timeout", options.timeout)
      : this.#sendTimeout;
    try {
      const n = await raceDeadline(this.raw.send(data, to), "send", timeout, options?.signal);
      this.#bytesSent += n;
      return n;
    } catch (e) {
      if (e instanceof SocketTimeoutError || options?.signal?.aborted) throw e;
      throw sendFailed(e, to, data.length);
    }
  }

  /**
   * Send one datagram to the peer set by {@linkcode connect}.
   *
   * @throws {SocketStateError} with code `EDESTADDRREQ` when not connected.
   */
  send(data: Uint8Array, options?: UdpCallOptions): Promise<number> {
    if (!this.#peer) {
      return Promise.reject(
        new SocketStateError(
          "Cannot send: no destination; call connect() or use sendTo()",
          "EDESTADDRREQ",
        ),
      );
    }
    return this.sendTo(data, this.#peer, options);
  }

  #closedError(op: string): SocketStateError {
    return new SocketStateError(`Cannot ${op}: the socket was closed`, "EBADF");
  }

  /**
   * Start a receive into `buf`, or resume the one in flight (whose bytes may be in another
   * buffer: the caller copies them when `view.buffer` is not its own).
   */
  #receive(buf: Uint8Array): Promise<[Uint8Array, Deno.Addr]> {
    let p = this.#pending;
    if (p === undefined) {
      p = this.#pending = this.raw.receive(buf);
      this.#pendingBuf = buf;
    }
    return p;
  }
  #settle(p: Promise<unknown>): void {
    if (this.#pending === p) {
      this.#pending = undefined;
      this.#pendingBuf = undefined;
    }
  }

  /** One datagram through Deno's receive: with a deadline and signal, or the plain await. */
  async #receiveOne(
    buf: Uint8Array,
    op: string,
    timeout: number | undefined,
    deadline: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<[Uint8Array, Deno.Addr]> {
    const p = this.#receive(buf);
    if (deadline === undefined && signal === undefined) {
      try {
        return await p;
      } catch (e) {
        throw annotateError(e, { operation: op });
      } finally {
        this.#settle(p);
      }
    }
    // A timed receive may outlive this call. It is forgotten only once a caller got its
    // result: a datagram that arrived in the same turn as the timeout or the abort (its
    // promise settled, the race already lost) is returned by the next call, not dropped.
    const left = deadline === undefined ? undefined : Math.max(1, deadline - performance.now());
    let r: [Uint8Array, Deno.Addr];
    try {
      r = await raceDeadline(p, "receive", left, signal);
    } catch (e) {
      if (e instanceof SocketTimeoutError) throw new SocketTimeoutError("receive", timeout!);
      if (signal?.aborted && e === signal.reason) throw e;
      this.#settle(p);
      throw annotateError(e, { operation: op });
    }
    this.#settle(p);
    return r;
  }

  #takeDeferred(): void {
    const e = this.#deferred;
    if (e) {
      this.#deferred = undefined;
      throw e;
    }
  }

  /**
   * Receive one datagram (the seeds' `recvfrom`). A timed-out receive stays pending and the
   * next call returns its datagram, so nothing is lost.
   *
   * @param options A per-call timeout or signal; `buffer` to receive into your own buffer
   *   (a view of it is returned) instead of getting a copy.
   * @returns The payload and the sender's address.
   * @throws {SocketTimeoutError} (a `Deno.errors.TimedOut`) when the receive timeout passes.
   */
  recvFrom(options?: UdpReceiveOptions): Promise<Datagram> {
    if (
      this.#pending === undefined && this.#receiveTimeout === undefined &&
      this.#peer === undefined && !this.#closed && this.#deferred === undefined &&
      options?.timeout === undefined && options?.signal === undefined
    ) {
      // Fast path: no timer, no signal, no filter, nothing to resume. One reaction on the
      // runtime's promise builds the result; nothing else is allocated unless a copy is wanted.
      const own = options?.buffer;
      const p = this.#pending = this.raw.receive(
        own ?? (this.#rbuf ??= new Uint8Array(this.#max + 1)),
      );
      return p.then(own ? this.#onOwn : this.#onCopy, this.#onRecvError);
    }
    return this.#recvFromSlow(options);
  }

  #onOwn = (r: [Uint8Array, Deno.Addr]): Datagram => {
    this.#pending = undefined;
    this.#bytesReceived += r[0].length;
    return { data: r[0], remoteAddr: r[1] as Deno.NetAddr };
  };
  #onCopy = (r: [Uint8Array, Deno.Addr]): Datagram => {
    this.#pending = undefined;
    const view = r[0];
    const data = view.length > this.#max ? view.slice(0, this.#max) : view.slice();
    this.#bytesReceived += data.length;
    return { data, remoteAddr: r[1] as Deno.NetAddr };
  };
  #onRecvError = (e: unknown): never => {
    this.#pending = undefined;
    throw annotateError(e, { operation: "recvFrom" });
  };

  async #recvFromSlow(options?: UdpReceiveOptions): Promise<Datagram> {
    this.#check("recvFrom");
    this.#takeDeferred();
    const timeout = options?.timeout !== undefined
      ? checkTimeout("timeout", options.timeout)
      : this.#receiveTimeout;
    const deadline = timeout === undefined ? undefined : performance.now() + timeout;
    const signal = options?.signal;
    const own = options?.buffer;
    // One receive buffer per socket (a 64 KiB allocation per datagram would cost more than
    // the receive); the datagram's bytes are copied out of it below, unless `buffer` is given.
    const buf = own ?? (this.#rbuf ??= new Uint8Array(this.#max + 1));
    for (;;) {
      let [view, from] = await this.#receiveOne(buf, "recvFrom", timeout, deadline, signal);
      const remoteAddr = from as Deno.NetAddr;
      const p = this.#peer;
      if (p && !isPeer(p, remoteAddr)) {
        this.#dropped++;
        continue;
      }
      let data: Uint8Array;
      if (own) {
        if (view.buffer !== own.buffer || view.byteOffset !== own.byteOffset) {
          // A receive resumed from an earlier call landed in another buffer.
          view = view.subarray(0, Math.min(view.length, own.length, this.#max));
          own.set(view);
          view = own.subarray(0, view.length);
        }
        data = view;
      } else {
        data = view.length > this.#max ? view.slice(0, this.#max) : view.slice();
      }
      this.#bytesReceived += data.length;
      return { data, remoteAddr };
    }
  }

  /**
   * `true` when {@linkcode recvBatch} and {@linkcode sendBatch} use `recvmmsg`/`sendmmsg`
   * (Linux with `--allow-ffi`); `false` when they fall back to one datagram per call, and
   * {@linkcode batchFallbackReason} says why.
   */
  get batched(): boolean {
    return typeof this.#batchIo() !== "string";
  }
  /** Why {@linkcode batched} is `false` (`undefined` when it is `true`). */
  get batchFallbackReason(): string | undefined {
    const io = this.#batchIo();
    return typeof io === "string" ? io : undefined;
  }

  #batchIo(): BatchIo | string {
    return this.#io ??= openBatchIo(this.#batchSize, this.#max);
  }

  /** The descriptor, re-verified (one `fstat`) right before an FFI call, or -1 to skip FFI. */
  #fd(): number {
    try {
      return resolveDenoSocket(this.raw).fd;
    } catch (e) {
      if (
        !(e instanceof StaleDescriptorError) || e.problem === "not-found" ||
        e.problem === "ambiguous"
      ) {
        // Never guess a descriptor: this socket keeps the per-datagram path from now on.
        this.#io = `its descriptor cannot be identified (${(e as Error).message})`;
      }
      return -1;
    }
  }

  /**
   * Receive a batch of datagrams: wait for one, then take every datagram already queued, up
   * to `batchSize`, in one `recvmmsg` call. The batch is offsets into one buffer plus the
   * senders (see {@linkcode UdpBatch}); it is reused, and valid until the next `recvBatch`.
   *
   * Waiting is Deno's own `receive()` on the same socket (it never blocks the event loop);
   * the `recvmmsg` after it uses `MSG_DONTWAIT`. Without `--allow-ffi` (or off Linux) each
   * batch holds one datagram ({@linkcode batched} is `false`). A datagram from a peer other
   * than the connected one is dropped and counted, as in {@linkcode recvFrom}.
   *
   * Permissions: `--allow-net`, `--unstable-net`; `--allow-ffi` for more than one datagram per
   * batch.
   *
   * @param options A timeout or signal for the wait.
   * @returns The batch, holding at least one datagram.
   * @throws {SocketTimeoutError} when the timeout passes (a pending wait is resumed by the next
   *   call, so nothing is lost).
   * @throws {SocketStateError} (`EBADF`) after close; the runtime's `BadResource` or
   *   `Interrupted` when the socket is closed during the wait; an error `recvmmsg` reported
   *   after the datagrams before it were returned, on the next call.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { bind } from "./udp.ts";
   * using rx = bind({ hostname: "127.0.0.1", port: 0, maxDatagramSize: 4 });
   * using tx = bind({ hostname: "127.0.0.1", port: 0 });
   * await tx.sendTo(new Uint8Array([1, 2, 3, 4, 5, 6]), rx.addr);
   * const batch = await rx.recvBatch({ timeout: 2000 });
   * assert.equal(batch.count, 1);
   * assert.deepEqual(batch.data(0), new Uint8Array([1, 2, 3, 4]));
   * assert.equal(batch.truncated(0), true);
   * ```
   */
  async recvBatch(options?: UdpCallOptions): Promise<UdpBatch> {
    this.#check("recvBatch");
    this.#takeDeferred();
    const io0 = this.#batchIo();
    const io = typeof io0 === "string" ? undefined : io0;
    const batch = io ? io.batch : (this.#soloBatch ??= new UdpBatch(
      new Uint8Array(this.#max + 1),
      new Uint8Array(NAME_SIZE),
      1,
      this.#max,
    ));
    batch._reset();
    const into = io ? io.first : batch.buffer;
    const timeout = options?.timeout !== undefined
      ? checkTimeout("timeout", options.timeout)
      : this.#receiveTimeout;
    const deadline = timeout === undefined ? undefined : performance.now() + timeout;
    for (;;) {
      const [view, from] = await this.#receiveOne(
        into,
        "recvBatch",
        timeout,
        deadline,
        options?.signal,
      );
      const remoteAddr = from as Deno.NetAddr;
      const p = this.#peer;
      if (p && !isPeer(p, remoteAddr)) {
        this.#dropped++;
        continue;
      }
      let len = view.length;
      if (view.buffer !== into.buffer || view.byteOffset !== into.byteOffset) {
        len = Math.min(len, into.length);
        into.set(view.subarray(0, len));
      }
      const truncated = len > this.#max;
      if (truncated) len = this.#max;
      batch._push(0, len, truncated, 0, remoteAddr);
      this.#bytesReceived += len;
      break;
    }
    if (io && !this.#closed && typeof this.#io !== "string") {
      const fd = this.#fd();
      if (fd >= 0) {
        const n = io.drain(fd, this.#keep, this.#onDropped);
        if (n < 0) this.#deferred = errnoError(-n, "recvBatch");
        for (let i = 1; i < batch.count; i++) this.#bytesReceived += batch.length(i);
      }
    }
    return batch;
  }

  /**
   * Send several datagrams: to `to` (one destination for all, or one per datagram), or to the
   * connected peer. The first datagram of every `batchSize` goes through Deno's own `send()`,
   * which waits for room in the socket's send buffer and gives the event loop a turn; the rest
   * follow in one `sendmmsg(MSG_DONTWAIT)` call. A full send buffer (`EAGAIN`) sends the next
   * datagram through Deno's `send()` again. Without `--allow-ffi` every datagram goes through
   * {@linkcode sendTo}. Destinations that are names (not IP literals) go through `sendTo`.
   *
   * Permissions: `--allow-net`, `--unstable-net`; `--allow-ffi` for `sendmmsg`.
   *
   * @param datagrams The payloads (each at most 65507 bytes over IPv4).
   * @param to The destination, or one per datagram; default: the connected peer.
   * @param options A timeout or signal, applied to each wait for the send buffer.
   * @returns How many datagrams were sent (all of them).
   * @throws {TypeError} when `datagrams` is not an array of `Uint8Array`.
   * @throws {RangeError} for a bad port, or when `to` is an array of another length.
   * @throws {SocketStateError} `EDESTADDRREQ` without `to` and without a connected peer.
   * @throws the runtime's errors (`EMSGSIZE`, ...), annotated, with `datagramsSent`: how many
   *   of `datagrams` were sent before the failure.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { bind } from "./udp.ts";
   * using rx = bind({ hostname: "127.0.0.1", port: 0 });
   * using tx = bind({ hostname: "127.0.0.1", port: 0 });
   * const msgs = [1, 2, 3].map((n) => new Uint8Array([n]));
   * assert.equal(await tx.sendBatch(msgs, rx.addr), 3);
   * for (const n of [1, 2, 3]) {
   *   assert.deepEqual((await rx.recvFrom({ timeout: 2000 })).data, new Uint8Array([n]));
   * }
   * ```
   */
  async sendBatch(
    datagrams: readonly Uint8Array[],
    to?: UdpPeer | readonly UdpPeer[],
    options?: UdpCallOptions,
  ): Promise<number> {
    this.#check("sendBatch");
    if (!Array.isArray(datagrams)) {
      throw new TypeError("Cannot sendBatch: expected an array of Uint8Array datagrams");
    }
    for (let i = 0; i < datagrams.length; i++) {
      if (!(datagrams[i] instanceof Uint8Array)) {
        throw new TypeError(`Cannot sendBatch: datagram ${i} is not a Uint8Array`);
      }
    }
    const one = to === undefined ? this.#peer : Array.isArray(to) ? undefined : to as UdpPeer;
    const many = Array.isArray(to) ? to as readonly UdpPeer[] : undefined;
    if (many) {
      if (many.length !== datagrams.length) {
        throw new RangeError(
          `Cannot sendBatch: ${datagrams.length} datagrams but ${many.length} destinations`,
        );
      }
      for (const d of many) checkPort(d.port, 1);
    } else if (!one) {
      throw new SocketStateError(
        "Cannot sendBatch: no destination; call connect() or pass one",
        "EDESTADDRREQ",
      );
    } else checkPort(one.port, 1);
    const dest = many ? (i: number) => many[i] : () => one!;
    const io0 = this.#batchIo();
    const io = typeof io0 === "string" ? undefined : io0;
    let sent = 0;
    const total = datagrams.length;
    try {
      while (sent < total) {
        await this.sendTo(datagrams[sent], dest(sent), options);
        sent++;
        if (!io || sent >= total || this.#closed || typeof this.#io === "string") continue;
        const fd = this.#fd();
        if (fd < 0) continue;
        const [n, bytes] = io.send(fd, datagrams, sent, dest, many === undefined);
        if (n > 0) {
          sent += n;
          this.#bytesSent += bytes;
        } else if (n < 0 && -n !== io.m.L.EAGAIN) {
          const d = dest(sent);
          throw sendFailed(
            errnoError(-n, "sendBatch", `${d.hostname}:${d.port}`),
            d,
            datagrams[sent].length,
          );
        }
        // 0 (a name to resolve, EINTR) or EAGAIN (send buffer full): the next one goes
        // through Deno's send(), which waits until there is room.
      }
    } catch (e) {
      if (e && typeof e === "object") (e as { datagramsSent?: number }).datagramsSent = sent;
      throw e;
    }
    return sent;
  }

  /** Iterate over received datagrams until the socket is closed. */
  async *[Symbol.asyncIterator](): AsyncIterableIterator<Datagram> {
    while (!this.#closed) {
      try {
        yield await this.recvFrom({ timeout: 0 });
      } catch (e) {
        if (this.#closed || e instanceof Deno.errors.BadResource) return;
        throw e;
      }
    }
  }

  /**
   * Join a multicast group (`IP_ADD_MEMBERSHIP` / `IPV6_JOIN_GROUP`).
   *
   * @param group The group address, e.g. `"239.1.2.3"` or `"ff02::1:3"`.
   * @param iface IPv4: the local interface address (default `"0.0.0.0"`); IPv6: the interface
   *   index (default 0).
   * @throws annotated runtime errors (`EADDRINUSE` when already joined on Linux, `EINVAL` for a non-multicast address).
   */
  async joinMulticast(group: string, iface?: string | number): Promise<void> {
    this.#check("joinMulticast");
    try {
      const m = group.includes(":")
        ? await this.raw.joinMulticastV6(group, typeof iface === "number" ? iface : 0)
        : await this.raw.joinMulticastV4(group, typeof iface === "string" ? iface : "0.0.0.0");
      this.#memberships.set(group, m);
    } catch (e) {
      throw annotateError(e, { operation: "joinMulticast", address: group });
    }
  }

  /**
   * Leave a group joined with {@linkcode joinMulticast}.
   *
   * @throws {RangeError} when the group was not joined through this socket.
   */
  async leaveMulticast(group: string): Promise<void> {
    const m = this.#memberships.get(group);
    if (!m) throw new RangeError(`Cannot leave multicast group ${group}: not joined`);
    this.#memberships.delete(group);
    await m.leave();
  }

  /**
   * Set `IP_MULTICAST_LOOP` (whether this host's own multicast comes back to it).
   * Uses a joined group's membership when there is one (no FFI), else `setSocketOptions`.
   */
  async setMulticastLoopback(loop: boolean): Promise<void> {
    this.#check("setMulticastLoopback");
    const m = this.#memberships.values().next().value;
    if (m) await m.setLoopback(loop);
    else applySocketOptions(this.raw, { multicastLoop: loop });
  }

  /**
   * Set `IP_MULTICAST_TTL` (hops outgoing multicast may take; 1 keeps it on the link).
   * Uses an IPv4 membership when there is one (no FFI), else `setSocketOptions`.
   *
   * @throws {RangeError} unless 0 ≤ ttl ≤ 255.
   */
  async setMulticastTtl(ttl: number): Promise<void> {
    this.#check("setMulticastTtl");
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) {
      throw new RangeError(`Cannot set multicast TTL: expected 0-255, got ${ttl}`);
    }
    for (const m of this.#memberships.values()) {
      if ("setTTL" in m) return await m.setTTL(ttl);
    }
    applySocketOptions(this.raw, { multicastTtl: ttl });
  }

  /**
   * Set `SO_BROADCAST` through `setSocketOptions` (needs `--allow-ffi`). Deno already turns it
   * on for every UDP socket.
   */
  setBroadcast(on: boolean): void {
    this.#check("setBroadcast");
    applySocketOptions(this.raw, { broadcast: on });
  }

  /** Close the socket; a pending `recvFrom` rejects. A second call does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#memberships.clear();
    markClosed(this.raw);
    closeIgnoringBadResource(this.raw);
  }
  /** Same as {@linkcode close}. */
  [Symbol.dispose](): void {
    this.close();
  }
  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

function sendFailed<E>(e: E, to: UdpPeer, size: number): E {
  return withMsgSize(
    annotateError(e, { operation: "sendTo", address: `${to.hostname}:${to.port}` }),
    size,
  );
}

function withMsgSize<E>(e: E, size: number): E {
  const err = e as E & { code?: string; datagramSize?: number };
  if (err && typeof err === "object" && err.code === "EMSGSIZE") err.datagramSize = size;
  return e;
}

/**
 * Bind a UDP socket (`socket` + `bind` in the seeds).
 *
 * Permissions: `--allow-net`, `--unstable-net`; `--allow-ffi` for socket options other than
 * `reuseAddress` and `multicastLoop`.
 *
 * @param options Address, port, `reuseAddress`, timeouts and socket options.
 * @returns The socket; `addr.port` is the bound port.
 * @throws `Deno.errors.AddrInUse` (EADDRINUSE / WSAEADDRINUSE) when the port is taken; annotated.
 *
 * @example Without a hostname, the socket binds to every IPv4 address
 * ```ts
 * import assert from "node:assert/strict";
 * import { bind } from "./udp.ts";
 * using s = bind({ port: 0 });
 * assert.equal(s.addr.hostname, "0.0.0.0");
 * ```
 */
export function bind(options: UdpBindOptions = {}): UdpSocket {
  const hostname = options.hostname ?? "0.0.0.0";
  const port = checkPort(options.port ?? 0, 0);
  const rest: InlineSocketOptions = { ...pickSocketOptions(options) };
  delete rest.reuseAddress;
  const loop = rest.multicastLoop;
  delete rest.multicastLoop;
  let raw: Deno.DatagramConn;
  try {
    raw = Deno.listenDatagram({
      transport: "udp",
      hostname,
      port,
      ...(options.reuseAddress ? { reuseAddress: true } : {}),
      ...(loop !== undefined ? { loopback: loop } : {}),
    });
  } catch (e) {
    throw annotateError(e, { operation: "bind", address: `${hostname}:${port}` });
  }
  const sock = new UdpSocket(raw, options);
  if (Object.keys(rest).length) {
    try {
      applySocketOptions(raw, rest);
    } catch (e) {
      sock.close();
      throw e;
    }
  }
  return sock;
}
