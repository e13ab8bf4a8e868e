/**
 * Find the OS descriptor behind a Deno socket object, which Deno does not expose.
 *
 * How: a descriptor is a candidate when `getsockname` gives the object's local address
 * (compared as bytes and port, no strings); a candidate is then checked for its type
 * (`SO_TYPE`), peer (`getpeername`) and, for a stream socket without a peer, `SO_ACCEPTCONN`.
 * The Deno object's `localAddr`, `remoteAddr` or `addr` give the expected values. Candidates
 * come, cheapest first, from Deno's internal fd hint, an index of local ports built by the last
 * sweep, recently seen descriptor numbers and numbers free at the last sweep (where a new socket
 * lands); a sweep (one `getsockname` per descriptor number) runs only when those find nothing,
 * and always where duplicates can exist (listeners, datagram sockets, Unix sockets). On Linux the
 * sweep's range is `FDSize` from `/proc/self/status`, or the entries of `/proc/self/fd`, when
 * `--allow-read` covers them; otherwise (and on macOS) `0 .. RLIMIT_NOFILE`.
 *
 * Safety: the result is cached per socket object (a `WeakMap`) together with the socket's
 * inode, and re-validated with one `fstat` before every use: a closed descriptor number is
 * reused at once by the next socket, so a cached number is never trusted on its own. A closed
 * or reused descriptor raises {@linkcode StaleDescriptorError} and no other socket is touched.
 *
 * Deno's internal `Symbol("Deno.internal.fd")` (present on accepted TCP connections only) is
 * read here, and only here, as a hint that is validated like a scan result.
 *
 * The work is split by idea: `socket_address.ts` compares sockaddr bytes with Deno's address
 * text, `descriptor_probe.ts` checks one descriptor against a socket object,
 * `descriptor_sweep.ts` lists the open descriptors; this file searches, caches and
 * re-validates.
 *
 * Needs `--allow-ffi` (and optionally `--allow-read=/proc/self/status` for a faster sweep).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSocket } from "./fd.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const { fd, family } = resolveSocket(listener);
 * assert.ok(fd > 2 && family === "IPv4");
 * ```
 *
 * @module
 */

import { type Libc, libc } from "./libc.ts";
import { StaleDescriptorError } from "../sockopt/errors.ts";
import {
  discoveryCounters,
  type Expected,
  expected,
  expectedKey,
  type Found,
  FULL,
  inodeOf,
  probe,
  PROBED,
  probedFound,
  type ResolvedSocket,
} from "./descriptor_probe.ts";
import { lastSweep, sweep } from "./descriptor_sweep.ts";

import type { DenoSocket, SocketLike } from "../sockopt/types.ts";
export type { DenoSocket, SocketLike } from "../sockopt/types.ts";
export type { ResolvedSocket } from "./descriptor_probe.ts";
export { denoAddrKey, sockaddrKey, type SocketFamily } from "./socket_address.ts";

/**
 * Return the Deno object behind a sockkit wrapper (its `raw`), or the argument itself.
 *
 * @param socket A Deno socket or a wrapper with `readonly raw`.
 * @returns The Deno socket object.
 * @throws {TypeError} When the argument is neither.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unwrapSocket } from "./fd.ts";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert.equal(unwrapSocket({ raw: l }), l);
 * assert.equal(unwrapSocket(l), l);
 * ```
 */
export function unwrapSocket(socket: SocketLike): DenoSocket {
  if (socket === null || typeof socket !== "object") {
    throw new TypeError(`Cannot use socket: expected a Deno socket object, got ${socket}`);
  }
  const raw = (socket as { raw?: unknown }).raw;
  if (raw !== undefined && raw !== null && typeof raw === "object") return raw as DenoSocket;
  const s = socket as Record<string, unknown>;
  if ("remoteAddr" in s || "addr" in s) return socket as DenoSocket;
  throw new TypeError(
    "Cannot use socket: expected a Deno.Conn, Deno.Listener, Deno.DatagramConn or a sockkit socket with `raw`",
  );
}

interface CacheEntry {
  fd: number;
  ino: bigint;
  info: ResolvedSocket;
}

const cache = new WeakMap<object, CacheEntry>();
/**
 * inode -> the cache entry of the object it was resolved for, so a descriptor is never handed
 * to a second object. The entry does not reference its object; when the object is collected,
 * {@linkcode released} removes the entry (a registration costs less than a `WeakRef`).
 */
const owners = new Map<bigint, CacheEntry>();
const released = new FinalizationRegistry<CacheEntry>((entry) => {
  if (owners.get(entry.ino) === entry) owners.delete(entry.ino);
});

/** Descriptor numbers seen recently (resolved, or found closed/reused), newest last. */
const recent: number[] = [];
const RECENT_MAX = 8;
/** How many numbers free at the last sweep are probed before falling back to a sweep. */
const FREE_PROBES = 48;

/**
 * Counters for tests and benchmarks (internal; not part of the public API).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { _discovery } from "./fd.ts";
 * assert.equal(typeof _discovery.sweeps, "number");
 * ```
 */
export const _discovery: {
  /** Sweeps over every open descriptor (one `getsockname` each). */
  sweeps: number;
  /** Candidate descriptors checked one by one (hint, index, likely numbers, sweep matches). */
  probes: number;
  /** Inodes currently claimed by a resolved object (entries of the owners map). */
  readonly owned: number;
} = {
  get sweeps() {
    return discoveryCounters.sweeps;
  },
  set sweeps(n: number) {
    discoveryCounters.sweeps = n;
  },
  get probes() {
    return discoveryCounters.probes;
  },
  set probes(n: number) {
    discoveryCounters.probes = n;
  },
  get owned() {
    return owners.size;
  },
};

function claimedByOther(ino: bigint, obj: object): boolean {
  const owner = owners.get(ino);
  return owner !== undefined && owner !== cache.get(obj);
}

function noteRecent(fd: number): void {
  if (fd < 0 || recent[recent.length - 1] === fd) return;
  // Move fd to the end (newest), dropping the oldest when full; at most RECENT_MAX entries.
  let i = recent.indexOf(fd);
  if (i < 0) i = recent.length < RECENT_MAX ? recent.length : 0;
  for (; i < recent.length - 1; i++) recent[i] = recent[i + 1];
  recent[i] = fd;
}

function remember(obj: object, d: Found): ResolvedSocket {
  cache.set(obj, d);
  owners.set(d.ino, d);
  released.register(obj, d);
  noteRecent(d.fd);
  return d.info;
}

let fdSymbol: symbol | undefined;

function internalFdSymbol(s: object): symbol | undefined {
  // Once seen, the symbol is known: objects without it (listeners, datagram endpoints) are
  // not scanned again on every first call.
  if (fdSymbol !== undefined) return Object.hasOwn(s, fdSymbol) ? fdSymbol : undefined;
  for (const sym of Object.getOwnPropertySymbols(s)) {
    if (sym.description === "Deno.internal.fd") return fdSymbol = sym;
  }
  return undefined;
}

function internalFdHint(s: object): number | undefined {
  const sym = fdSymbol ?? internalFdSymbol(s);
  if (sym === undefined) return undefined;
  const v = (s as Record<symbol, unknown>)[sym];
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** A probe for the cheap paths: a full match that no other object owns, or null. */
function firstFull(lib: Libc, obj: object, fd: number, exp: Expected): Found | null {
  return probe(lib, fd, exp) === FULL && !claimedByOther(PROBED.ino, obj)
    ? probedFound(lib.C, fd, FULL, exp)
    : null;
}

/**
 * Find (or re-validate) the descriptor of a socket.
 *
 * Order of search for a socket not yet cached:
 * 1. Deno's internal fd (accepted TCP connections), validated by `probe`.
 * 2. TCP connections only: the descriptors that had the same local port at the last sweep,
 *    then recently seen numbers and numbers that were free at the last sweep (the kernel gives
 *    a new socket the lowest free number, so a fresh connection lands on one of those). The
 *    first full match is taken: an established TCP 4-tuple (local and peer address and port)
 *    is unique among the sockets of a network namespace (the kernel refuses a `connect` or
 *    `accept` that would duplicate one, and `SO_REUSEADDR`/`SO_REUSEPORT` do not relax this),
 *    and a Deno process's sockets all live in its one namespace. Two descriptors can share a
 *    socket only through `dup`, which Deno does not do for its sockets; they would share the
 *    inode too, so any of them is the same socket.
 * 3. A sweep over every open descriptor, one `getsockname` each; the ones with the right local
 *    address are probed. Listeners, datagram endpoints and Unix sockets must match exactly one
 *    socket (two `reusePort` listeners share an address: that is reported as ambiguous), as must
 *    a reset TCP connection that has no peer any more.
 *
 * @param socket A Deno socket or sockkit wrapper.
 * @returns The descriptor and what kind of socket it is.
 * @throws {StaleDescriptorError} When the socket is closed, its descriptor was reused,
 *   no descriptor matches, or several do. Nothing is changed.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi` (and `--allow-read=/proc/self/status` or `/proc/self/fd` for a faster
 * sweep on Linux).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSocket } from "./fd.ts";
 * const udp = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
 * assert.equal(resolveSocket(udp).type, "dgram");
 * udp.close();
 * ```
 */
export function resolveSocket(socket: SocketLike): ResolvedSocket {
  return resolveDenoSocket(unwrapSocket(socket));
}

/**
 * {@linkcode resolveSocket} for a Deno socket object already unwrapped (by
 * {@linkcode unwrapSocket}), for callers that need the object too.
 *
 * @param obj The Deno socket object.
 * @returns As {@linkcode resolveSocket}.
 * @throws As {@linkcode resolveSocket}.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveDenoSocket } from "./fd.ts";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert.equal(resolveDenoSocket(l).listening, true);
 * ```
 */
export function resolveDenoSocket(obj: DenoSocket): ResolvedSocket {
  const hit = cache.get(obj);
  if (hit === CLOSED) throw new StaleDescriptorError("closed", -1);
  const lib = libc();
  if (hit) {
    const ino = inodeOf(lib, hit.fd);
    if (ino === hit.ino) return hit.info;
    noteRecent(hit.fd);
    throw new StaleDescriptorError(ino === -BigInt(lib.C.EBADF) ? "closed" : "reused", hit.fd);
  }
  const exp = expected(lib.C, obj);

  const hint = internalFdHint(obj);
  if (hint !== undefined) {
    const how = probe(lib, hint, exp);
    if (how !== 0 && !claimedByOther(PROBED.ino, obj)) {
      return remember(obj, probedFound(lib.C, hint, how, exp));
    }
  }

  if (exp.fourTuple) {
    for (const fd of lastSweep.index?.get(exp.localPort) ?? []) {
      const d = firstFull(lib, obj, fd, exp);
      if (d) return remember(obj, d);
    }
    for (let i = recent.length - 1; i >= 0; i--) {
      const d = firstFull(lib, obj, recent[i], exp);
      if (d) return remember(obj, d);
    }
    // Numbers free at the last sweep, lowest first, including those past its highest one.
    let free = 0;
    const openAtSweep = lastSweep.open;
    for (let fd = 0; openAtSweep.length > 0 && free < FREE_PROBES; fd++) {
      if (fd < openAtSweep.length && openAtSweep[fd]) continue;
      free++;
      const d = firstFull(lib, obj, fd, exp);
      if (d) return remember(obj, d);
    }
  }

  sweep(lib);
  const candidates = lastSweep.index!.get(exp.unix ? -1 : exp.localPort) ?? [];
  const full: Found[] = [];
  const orphans: Found[] = [];
  for (const fd of candidates) {
    const how = probe(lib, fd, exp);
    if (how === 0 || claimedByOther(PROBED.ino, obj)) continue;
    const d = probedFound(lib.C, fd, how, exp);
    const into = d.how === FULL ? full : orphans;
    // Descriptors sharing an inode (dup) are one socket: keep the lowest number.
    if (!into.some((x) => x.ino === d.ino)) into.push(d);
  }
  const found = full.length > 0 ? full : orphans;
  if (found.length === 1) return remember(obj, found[0]);
  const key = expectedKey(obj);
  if (found.length === 0) throw new StaleDescriptorError("not-found", -1, `looked for ${key}`);
  throw new StaleDescriptorError(
    "ambiguous",
    found[0].fd,
    `descriptors ${found.map((d) => d.fd).join(", ")} all match ${key}`,
  );
}

/**
 * Whether a TCP connection was accepted (passive open) rather than connected (active open),
 * read from Deno's internal fd symbol (set on accepted connections, `undefined` on connected
 * ones in Deno 2.9.6) and validated against the discovered descriptor.
 *
 * @param socket A TCP connection.
 * @returns `true`/`false`, or `undefined` when Deno gives no usable hint.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasAccepted } from "./fd.ts";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using c = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
 * using s = await l.accept();
 * assert.equal(wasAccepted(s), true);
 * assert.notEqual(wasAccepted(c), true);
 * ```
 */
export function wasAccepted(socket: SocketLike): boolean | undefined {
  const obj = unwrapSocket(socket);
  const sym = Object.getOwnPropertySymbols(obj).find((s) => s.description === "Deno.internal.fd");
  if (sym === undefined) return undefined;
  const hint = internalFdHint(obj);
  if (hint === undefined) {
    return (obj as unknown as Record<symbol, unknown>)[sym] === undefined ? false : undefined;
  }
  return resolveSocket(obj).fd === hint ? true : undefined;
}

/**
 * Record that sockkit closed a socket: later calls throw {@linkcode StaleDescriptorError}
 * (`"closed"`) before any libc call, even if its descriptor number is already reused.
 *
 * @param socket A Deno socket or sockkit wrapper.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markClosed, resolveSocket } from "./fd.ts";
 * const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * l.close();
 * markClosed(l);
 * assert.throws(() => resolveSocket(l), /socket is closed/);
 * ```
 */
export function markClosed(socket: SocketLike): void {
  const obj = unwrapSocket(socket);
  const hit = cache.get(obj);
  if (hit && owners.get(hit.ino) === hit) owners.delete(hit.ino);
  cache.set(obj, CLOSED);
}

const CLOSED: CacheEntry = {
  fd: -1,
  ino: -1n,
  info: { fd: -1, family: "unix", type: "stream", listening: false },
};
