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
import type { SocketConstants } from "./constants.ts";
import { StaleDescriptorError } from "../sockopt/errors.ts";
import { pton4Into, pton6Into } from "../../wasm/addr.ts";

import type { DenoSocket, SocketLike } from "../sockopt/types.ts";
export type { DenoSocket, SocketLike } from "../sockopt/types.ts";

/** The address family of a resolved socket. */
export type SocketFamily = "IPv4" | "IPv6" | "unix";

/** What {@linkcode resolveSocket} returns. */
export interface ResolvedSocket {
  /** The descriptor, valid at the moment of return (until JS yields). */
  readonly fd: number;
  /** The socket's address family. */
  readonly family: SocketFamily;
  /** `"stream"` (TCP, Unix stream), `"dgram"` (UDP, unixgram) or `"seqpacket"`. */
  readonly type: "stream" | "dgram" | "seqpacket";
  /** True for a listening socket. */
  readonly listening: boolean;
}

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

/**
 * What a Deno object promises about its descriptor, as numbers and bytes (no string keys).
 * One module-level instance ({@linkcode EXP}) is refilled by every lookup: lookups are
 * synchronous and never nested, so a first call allocates nothing for it.
 */
interface Expected {
  /** `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_SEQPACKET`. */
  type: number;
  /** Unix-domain (addresses compared as paths) rather than IP (bytes and port). */
  unix: boolean;
  /** Local address: 16 bytes (IPv4 as v4-mapped), meaningful when `localOk`. */
  local: Uint8Array;
  /** The local address text parsed as IP (false: it matches no descriptor). */
  localOk: boolean;
  localPort: number;
  localPath: string;
  /** Whether the object has a peer (`remoteAddr`). */
  hasPeer: boolean;
  peer: Uint8Array;
  peerOk: boolean;
  peerPort: number;
  peerPath: string;
  /** A stream socket without a peer: the descriptor must be listening. */
  listener: boolean;
  /**
   * A TCP connection over IP: its (local, peer) 4-tuple is unique among the sockets of one
   * network namespace, so the first matching descriptor is the one (see {@linkcode resolveSocket}).
   */
  fourTuple: boolean;
}

const FULL = 1;
/** Local address and type match, but the stream socket has no peer any more (reset). */
const ORPHAN = 2;

interface Found {
  fd: number;
  ino: bigint;
  how: number;
  info: ResolvedSocket;
}

const EXP: Expected = {
  type: 0,
  unix: false,
  local: new Uint8Array(16),
  localOk: false,
  localPort: 0,
  localPath: "",
  hasPeer: false,
  peer: new Uint8Array(16),
  peerOk: false,
  peerPort: 0,
  peerPath: "",
  listener: false,
  fourTuple: false,
};

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

/**
 * What the last sweep saw: local port (or -1 for Unix sockets) -> descriptor numbers, and which
 * descriptor numbers were open. Only a source of candidates: every candidate is re-checked
 * (`probe`) before use, so a stale entry can cost a call but never gives a wrong answer.
 */
let index: Map<number, number[]> | null = null;
let openAtSweep: Uint8Array = new Uint8Array(0);
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
  sweeps: 0,
  probes: 0,
  get owned() {
    return owners.size;
  },
};

let scratch: {
  addr: Uint8Array;
  len: Uint32Array;
  stat: Uint8Array;
  statView: DataView;
  int: Int32Array;
  intLen: Uint32Array;
} | null = null;

function bufs(C: SocketConstants) {
  if (scratch) return scratch;
  const stat = new Uint8Array(C.stat.size + 64);
  scratch = {
    addr: new Uint8Array(C.sockaddr.storageSize),
    len: new Uint32Array(1),
    stat,
    statView: new DataView(stat.buffer),
    int: new Int32Array(1),
    intLen: new Uint32Array(1),
  };
  return scratch;
}

/** fstat `fd`: its inode if it is a socket, `-1_000_000n` if it is open but not a socket, or an errno (as a negative bigint). */
function inodeOf(lib: Libc, fd: number): bigint {
  const C = lib.C;
  const b = bufs(C);
  if (lib.symbols.fstat(fd, b.stat) !== 0) return -BigInt(lib.errno());
  const mode = C.stat.modeWidth === 4
    ? b.statView.getUint32(C.stat.mode, true)
    : b.statView.getUint16(C.stat.mode, true);
  if ((mode & C.S_IFMT) !== C.S_IFSOCK) return -1_000_000n;
  return b.statView.getBigUint64(C.stat.ino, true);
}

const HEX = (n: number) => n.toString(16);

/** Key text for an IP address given as 16 bytes (v4 as v4-mapped) and a port. */
function ipKey(b16: Uint8Array, port: number): string {
  let mapped = true;
  for (let i = 0; i < 10; i++) if (b16[i] !== 0) mapped = false;
  if (mapped && b16[10] === 0xff && b16[11] === 0xff) {
    return `${b16[12]}.${b16[13]}.${b16[14]}.${b16[15]}:${port}`;
  }
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(HEX((b16[i] << 8) | b16[i + 1]));
  return `[${g.join(":")}]:${port}`;
}

function familyOf(C: SocketConstants, addr: Uint8Array): number {
  return C.sockaddr.familyWidth === 2
    ? addr[C.sockaddr.familyOffset] | (addr[C.sockaddr.familyOffset + 1] << 8)
    : addr[C.sockaddr.familyOffset];
}

/**
 * Decode a `struct sockaddr` into its family and a key text (`"127.0.0.1:80"`,
 * `"[0:0:0:0:0:0:0:1]:80"`, `"unix:/path"`), as used in error messages.
 *
 * @param C The OS's constants (sockaddr layout).
 * @param addr The sockaddr bytes.
 * @param len The length the kernel returned.
 * @returns `[family, key]`; family is null for families other than IPv4, IPv6 and Unix.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sockaddrKey } from "./fd.ts";
 * import { LINUX } from "./constants.ts";
 * const a = new Uint8Array(16);
 * a.set([2, 0, 0x1f, 0x90, 127, 0, 0, 1]);
 * assert.deepEqual(sockaddrKey(LINUX, a, 16), ["IPv4", "127.0.0.1:8080"]);
 * ```
 */
export function sockaddrKey(
  C: SocketConstants,
  addr: Uint8Array,
  len: number,
): [SocketFamily | null, string] {
  const fam = familyOf(C, addr);
  const port = (addr[2] << 8) | addr[3];
  if (fam === C.AF_INET) {
    const b = new Uint8Array(16);
    b[10] = b[11] = 0xff;
    b.set(addr.subarray(4, 8), 12);
    return ["IPv4", ipKey(b, port)];
  }
  if (fam === C.AF_INET6) return ["IPv6", ipKey(addr.subarray(8, 24), port)];
  if (fam === C.AF_UNIX) return ["unix", "unix:" + unixPath(addr, len)];
  return [null, `af${fam}`];
}

function unixPath(addr: Uint8Array, len: number): string {
  let end = 2;
  while (end < len && addr[end] !== 0) end++;
  return new TextDecoder().decode(addr.subarray(2, end));
}

/**
 * Write the 16 bytes of a Deno address's hostname (IPv4 as v4-mapped; an IPv6 zone is ignored)
 * into `out`, with the core's `inet_pton`; false when the text is not an IP address (`out` is
 * then unspecified). Allocates nothing.
 */
function ipInto(host: string, out: Uint8Array): boolean {
  if (host.includes(":")) {
    const pct = host.indexOf("%");
    return pton6Into(pct < 0 ? host : host.slice(0, pct), out) === 16;
  }
  if (pton4Into(host, out, 12) !== 4) return false;
  out.fill(0, 0, 10);
  out[10] = out[11] = 0xff;
  return true;
}

/** 16 bytes for IP text (IPv4 dotted quad as v4-mapped), or null. */
function ipBytes(host: string): Uint8Array | null {
  const out = new Uint8Array(16);
  return ipInto(host, out) ? out : null;
}

/**
 * Key text for a Deno address, equal to {@linkcode sockaddrKey}'s for the same socket.
 *
 * @param addr A Deno address.
 * @returns The key text.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoAddrKey } from "./fd.ts";
 * assert.equal(denoAddrKey({ transport: "tcp", hostname: "::ffff:127.0.0.1", port: 5 }), "127.0.0.1:5");
 * ```
 */
export function denoAddrKey(addr: Deno.Addr): string {
  if ("path" in addr) return "unix:" + (addr.path ?? "");
  if (!("hostname" in addr)) return `vsock:${JSON.stringify(addr)}`;
  const b = ipBytes(addr.hostname);
  return b ? ipKey(b, addr.port) : `${addr.hostname}:${addr.port}`;
}

function typeNumber(C: SocketConstants, transport: string): number {
  if (transport === "udp" || transport === "unixgram") return C.SOCK_DGRAM;
  if (transport === "unixpacket") return C.SOCK_SEQPACKET;
  return C.SOCK_STREAM;
}

function typeName(C: SocketConstants, t: number): ResolvedSocket["type"] {
  return t === C.SOCK_DGRAM ? "dgram" : t === C.SOCK_SEQPACKET ? "seqpacket" : "stream";
}

/** Fill {@linkcode EXP} with the description a Deno object promises, and return it. */
function expected(C: SocketConstants, s: DenoSocket): Expected {
  // Everything is read from the object first: once EXP is being written no outside code runs,
  // so even a getter that resolves another socket cannot leave EXP half-overwritten.
  // The transport says which fields an address has (no `in` lookups along the prototype chain).
  const remote = (s as Deno.Conn).remoteAddr;
  const conn = remote !== undefined;
  const localAddr = conn
    ? (s as Deno.Conn).localAddr
    : (s as Deno.Listener | Deno.DatagramConn).addr;
  const transport: string = localAddr.transport;
  const unix = transport === "unix" || transport === "unixpacket" || transport === "unixgram";
  const ip = transport === "tcp" || transport === "udp";
  const lHost = ip ? (localAddr as Deno.NetAddr).hostname : undefined;
  const lPort = ip ? (localAddr as Deno.NetAddr).port : 0;
  const lPath = unix ? (localAddr as Deno.UnixAddr).path ?? "" : "";
  const rHost = conn && ip ? (remote as Deno.NetAddr).hostname : undefined;
  const rPort = conn && ip ? (remote as Deno.NetAddr).port : 0;
  const rPath = conn && unix ? (remote as Deno.UnixAddr).path ?? "" : "";
  const e = EXP;
  const type = typeNumber(C, transport);
  e.type = type;
  e.unix = unix;
  e.hasPeer = conn;
  e.listener = !conn && type === C.SOCK_STREAM;
  e.fourTuple = conn && !unix && type === C.SOCK_STREAM;
  e.localOk = typeof lHost === "string" && ipInto(lHost, e.local);
  e.localPort = lPort;
  e.localPath = lPath;
  e.peerOk = typeof rHost === "string" && ipInto(rHost, e.peer);
  e.peerPort = rPort;
  e.peerPath = rPath;
  return e;
}

function expectedKey(s: DenoSocket): string {
  if ("remoteAddr" in s) return `${denoAddrKey(s.localAddr)} -> ${denoAddrKey(s.remoteAddr)}`;
  return denoAddrKey((s as Deno.Listener | Deno.DatagramConn).addr);
}

/** Does the sockaddr in `a` (length `len`) equal the expected IP bytes and port, or Unix path? */
function addrMatches(
  C: SocketConstants,
  a: Uint8Array,
  len: number,
  unix: boolean,
  ip: Uint8Array,
  ipOk: boolean,
  port: number,
  path: string,
): boolean {
  const fam = familyOf(C, a);
  if (unix) return fam === C.AF_UNIX && unixPath(a, len) === path;
  if (!ipOk || ((a[2] << 8) | a[3]) !== port) return false;
  if (fam === C.AF_INET) {
    for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
    return ip[10] === 0xff && ip[11] === 0xff && a[4] === ip[12] && a[5] === ip[13] &&
      a[6] === ip[14] && a[7] === ip[15];
  }
  if (fam !== C.AF_INET6) return false;
  for (let i = 0; i < 16; i++) if (a[8 + i] !== ip[i]) return false;
  return true;
}

function familyName(C: SocketConstants, fam: number): SocketFamily {
  return fam === C.AF_INET ? "IPv4" : fam === C.AF_INET6 ? "IPv6" : "unix";
}

/** What the last successful {@linkcode probe} saw (valid until the next probe). */
let probedIno = 0n;
let probedFamily: SocketFamily = "IPv4";
let probedListening = false;

/**
 * Check one descriptor against the expectation, cheapest test first: one `getsockname`
 * rejects almost every other descriptor; a match costs `fstat`, `SO_TYPE`, `getpeername`
 * (and `SO_ACCEPTCONN` for a stream socket without a peer).
 *
 * @returns 0 (no match), {@linkcode FULL} or {@linkcode ORPHAN}; on a match the inode, family
 *   and listening state are left in `probedIno`, `probedFamily`, `probedListening`.
 */
function probe(lib: Libc, fd: number, exp: Expected): number {
  _discovery.probes++;
  const C = lib.C;
  const S = lib.symbols;
  const b = bufs(C);
  b.len[0] = b.addr.length;
  if (S.getsockname(fd, b.addr, b.len) !== 0) return 0;
  if (
    !addrMatches(
      C,
      b.addr,
      b.len[0],
      exp.unix,
      exp.local,
      exp.localOk,
      exp.localPort,
      exp.localPath,
    )
  ) {
    return 0;
  }
  const family = familyName(C, familyOf(C, b.addr));
  const ino = inodeOf(lib, fd);
  if (ino < 0n) return 0;
  b.intLen[0] = 4;
  if (S.getsockopt(fd, C.SOL_SOCKET, C.SO_TYPE, b.int, b.intLen) !== 0) return 0;
  if (b.int[0] !== exp.type) return 0;
  b.len[0] = b.addr.length;
  const hasPeer = S.getpeername(fd, b.addr, b.len) === 0;
  probedIno = ino;
  probedFamily = family;
  probedListening = false;
  if (hasPeer) {
    if (!exp.hasPeer) return 0;
    return addrMatches(
        C,
        b.addr,
        b.len[0],
        exp.unix,
        exp.peer,
        exp.peerOk,
        exp.peerPort,
        exp.peerPath,
      )
      ? FULL
      : 0;
  }
  let listening = false;
  if (exp.type === C.SOCK_STREAM) {
    b.intLen[0] = 4;
    listening = S.getsockopt(fd, C.SOL_SOCKET, C.SO_ACCEPTCONN, b.int, b.intLen) === 0 &&
      b.int[0] !== 0;
  }
  if (exp.hasPeer) {
    // A reset or disconnected TCP socket has no peer any more; it matches on type and local address.
    return exp.type === C.SOCK_STREAM && !listening ? ORPHAN : 0;
  }
  if (exp.listener && !listening) return 0;
  probedListening = listening;
  return FULL;
}

/** The last probe's match as a {@linkcode Found} (for the sweep, which compares several). */
function probedFound(C: SocketConstants, fd: number, how: number, exp: Expected): Found {
  return {
    fd,
    ino: probedIno,
    how,
    info: { fd, family: probedFamily, type: typeName(C, exp.type), listening: probedListening },
  };
}

/** The descriptor numbers to sweep, and whether the list is exact (every one is open). */
function listFds(lib: Libc): { fds: Iterable<number>; bound: number } {
  if (lib.C.os === "linux") {
    // FDSize in /proc/self/status bounds every open descriptor number; probing 0..FDSize with
    // one call each is cheaper than listing /proc/self/fd (about 2.6 ms for 1,000 entries).
    if (
      Deno.permissions.querySync({ name: "read", path: "/proc/self/status" }).state === "granted"
    ) {
      try {
        const m = /\nFDSize:\s*(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"));
        if (m) {
          const n = Number(m[1]);
          return { fds: { [Symbol.iterator]: () => range(n) }, bound: n };
        }
      } catch { /* fall through */ }
    }
    if (Deno.permissions.querySync({ name: "read", path: "/proc/self/fd" }).state === "granted") {
      try {
        const fds: number[] = [];
        for (const e of Deno.readDirSync("/proc/self/fd")) fds.push(Number(e.name));
        return { fds, bound: Math.max(0, ...fds) + 1 };
      } catch { /* fall through to the range scan */ }
    }
  }
  const rl = new BigUint64Array(2);
  let max = 1024;
  if (lib.symbols.getrlimit(lib.C.RLIMIT_NOFILE, rl) === 0) {
    max = Number(rl[0] > 65536n ? 65536n : rl[0]);
  }
  return { fds: { [Symbol.iterator]: () => range(max) }, bound: max };
}

function* range(n: number) {
  for (let i = 0; i < n; i++) yield i;
}

/** One `getsockname` per open descriptor: rebuild the candidate index. */
function sweep(lib: Libc): void {
  _discovery.sweeps++;
  const C = lib.C;
  const S = lib.symbols;
  const b = bufs(C);
  const { fds, bound } = listFds(lib);
  const byPort = new Map<number, number[]>();
  const open = new Uint8Array(bound + 1);
  for (const fd of fds) {
    b.len[0] = b.addr.length;
    if (S.getsockname(fd, b.addr, b.len) !== 0) {
      if (lib.errno() !== C.EBADF) open[fd] = 1;
      continue;
    }
    open[fd] = 1;
    const fam = familyOf(C, b.addr);
    const k = fam === C.AF_UNIX ? -1 : (b.addr[2] << 8) | b.addr[3];
    const list = byPort.get(k);
    if (list) list.push(fd);
    else byPort.set(k, [fd]);
  }
  index = byPort;
  openAtSweep = open;
}

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
  return probe(lib, fd, exp) === FULL && !claimedByOther(probedIno, obj)
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
    if (how !== 0 && !claimedByOther(probedIno, obj)) {
      return remember(obj, probedFound(lib.C, hint, how, exp));
    }
  }

  if (exp.fourTuple) {
    for (const fd of index?.get(exp.localPort) ?? []) {
      const d = firstFull(lib, obj, fd, exp);
      if (d) return remember(obj, d);
    }
    for (let i = recent.length - 1; i >= 0; i--) {
      const d = firstFull(lib, obj, recent[i], exp);
      if (d) return remember(obj, d);
    }
    // Numbers free at the last sweep, lowest first, including those past its highest one.
    let free = 0;
    for (let fd = 0; openAtSweep.length > 0 && free < FREE_PROBES; fd++) {
      if (fd < openAtSweep.length && openAtSweep[fd]) continue;
      free++;
      const d = firstFull(lib, obj, fd, exp);
      if (d) return remember(obj, d);
    }
  }

  sweep(lib);
  const candidates = index!.get(exp.unix ? -1 : exp.localPort) ?? [];
  const full: Found[] = [];
  const orphans: Found[] = [];
  for (const fd of candidates) {
    const how = probe(lib, fd, exp);
    if (how === 0 || claimedByOther(probedIno, obj)) continue;
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
