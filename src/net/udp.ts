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
import { checkTimeout, PendingOp, raceDeadline } from "./_deadline.ts";
import {
  applySocketOptions,
  type InlineSocketOptions,
  pickSocketOptions,
} from "./inline_options.ts";
import { checkPort } from "./tcp.ts";
import { closeIgnoringBadResource } from "./_listener.ts";

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
  /** Largest datagram `recvFrom` returns, in bytes; longer ones are cut (Deno has no MSG_TRUNC flag). Default 65536. */
  maxDatagramSize?: number;
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

function sameHost(a: string, b: string): boolean {
  if (a === b) return true;
  const strip = (s: string) => s.replace(/^\[|\]$/g, "").replace(/^::ffff:/i, "").toLowerCase();
  return strip(a) === strip(b);
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
  #recv = new PendingOp<[Uint8Array, Deno.Addr]>();
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
    options: Pick<UdpBindOptions, "receiveTimeout" | "sendTimeout" | "maxDatagramSize"> = {},
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
  }
  /** Forget the default peer (the seeds' connect to `AF_UNSPEC`). */
  disconnect(): void {
    this.#peer = undefined;
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
  async sendTo(data: Uint8Array, to: UdpPeer, options?: UdpCallOptions): Promise<number> {
    this.#check("sendTo");
    checkPort(to.port, 1);
    const timeout = options?.timeout !== undefined
      ? checkTimeout("timeout", options.timeout)
      : this.#sendTimeout;
    const addr: Deno.NetAddr = { transport: "udp", hostname: to.hostname, port: to.port };
    try {
      const n = await raceDeadline(this.raw.send(data, addr), "send", timeout, options?.signal);
      this.#bytesSent += n;
      return n;
    } catch (e) {
      if (e instanceof SocketTimeoutError || options?.signal?.aborted) throw e;
      throw withMsgSize(
        annotateError(e, { operation: "sendTo", address: `${to.hostname}:${to.port}` }),
        data.length,
      );
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

  /**
   * Receive one datagram (the seeds' `recvfrom`). A timed-out receive stays pending and the
   * next call returns its datagram, so nothing is lost.
   *
   * @param options A per-call timeout or signal.
   * @returns The payload and the sender's address.
   * @throws {SocketTimeoutError} (a `Deno.errors.TimedOut`) when the receive timeout passes.
   */
  async recvFrom(options?: UdpCallOptions): Promise<Datagram> {
    this.#check("recvFrom");
    const timeout = options?.timeout !== undefined
      ? checkTimeout("timeout", options.timeout)
      : this.#receiveTimeout;
    const deadline = timeout === undefined ? undefined : performance.now() + timeout;
    for (;;) {
      const left = deadline === undefined ? undefined : Math.max(1, deadline - performance.now());
      // One receive buffer per socket (a 64 KiB allocation per datagram would cost more than
      // the receive); the datagram's bytes are copied out of it below.
      const buf = this.#rbuf ??= new Uint8Array(this.#max);
      const { promise } = this.#recv.run(() => this.raw.receive(buf));
      let view: Uint8Array, from: Deno.Addr;
      try {
        [view, from] = await raceDeadline(promise, "receive", left, options?.signal);
      } catch (e) {
        if (e instanceof SocketTimeoutError) throw new SocketTimeoutError("receive", timeout!);
        if (options?.signal?.aborted) throw e;
        throw annotateError(e, { operation: "recvFrom" });
      }
      const remoteAddr = from as Deno.NetAddr;
      const p = this.#peer;
      if (p && !(p.port === remoteAddr.port && sameHost(p.hostname, remoteAddr.hostname))) {
        this.#dropped++;
        continue;
      }
      const data = view.slice();
      this.#bytesReceived += data.length;
      return { data, remoteAddr };
    }
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
