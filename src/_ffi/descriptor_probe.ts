/**
 * Checking one descriptor against what a Deno socket object promises: its type, local
 * address, peer, and listening state, with `getsockname`, `fstat`, `getsockopt(SO_TYPE)`,
 * `getpeername` and `getsockopt(SO_ACCEPTCONN)`, cheapest first. Everything is compared as
 * numbers and bytes; the buffers are allocated once.
 *
 * Needs `--allow-ffi` (through the {@linkcode Libc} it is given).
 *
 * @module
 */

import type { Libc } from "./libc.ts";
import type { SocketConstants } from "./constants.ts";
import type { DenoSocket } from "../sockopt/types.ts";
import {
  addrMatches,
  denoAddrKey,
  familyName,
  familyOf,
  ipInto,
  type SocketFamily,
} from "./socket_address.ts";

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

/** Counters for tests and benchmarks: probes here, sweeps in `descriptor_sweep.ts`. */
export const discoveryCounters: { sweeps: number; probes: number } = { sweeps: 0, probes: 0 };

/**
 * What a Deno object promises about its descriptor, as numbers and bytes (no string keys).
 * One module-level instance (`EXP`) is refilled by every lookup: lookups are
 * synchronous and never nested, so a first call allocates nothing for it.
 */
export interface Expected {
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

export const FULL = 1;
/** Local address and type match, but the stream socket has no peer any more (reset). */
export const ORPHAN = 2;

export interface Found {
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

let scratch: {
  addr: Uint8Array;
  len: Uint32Array;
  stat: Uint8Array;
  statView: DataView;
  int: Int32Array;
  intLen: Uint32Array;
} | null = null;

export function bufs(C: SocketConstants) {
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
export function inodeOf(lib: Libc, fd: number): bigint {
  const C = lib.C;
  const b = bufs(C);
  if (lib.symbols.fstat(fd, b.stat) !== 0) return -BigInt(lib.errno());
  const mode = C.stat.modeWidth === 4
    ? b.statView.getUint32(C.stat.mode, true)
    : b.statView.getUint16(C.stat.mode, true);
  if ((mode & C.S_IFMT) !== C.S_IFSOCK) return -1_000_000n;
  return b.statView.getBigUint64(C.stat.ino, true);
}

function typeNumber(C: SocketConstants, transport: string): number {
  if (transport === "udp" || transport === "unixgram") return C.SOCK_DGRAM;
  if (transport === "unixpacket") return C.SOCK_SEQPACKET;
  return C.SOCK_STREAM;
}

export function typeName(C: SocketConstants, t: number): ResolvedSocket["type"] {
  return t === C.SOCK_DGRAM ? "dgram" : t === C.SOCK_SEQPACKET ? "seqpacket" : "stream";
}

/** Fill {@linkcode EXP} with the description a Deno object promises, and return it. */
export function expected(C: SocketConstants, s: DenoSocket): Expected {
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

export function expectedKey(s: DenoSocket): string {
  if ("remoteAddr" in s) return `${denoAddrKey(s.localAddr)} -> ${denoAddrKey(s.remoteAddr)}`;
  return denoAddrKey((s as Deno.Listener | Deno.DatagramConn).addr);
}

/** What the last successful {@linkcode probe} saw (valid until the next probe). */
export const PROBED: { ino: bigint; family: SocketFamily; listening: boolean } = {
  ino: 0n,
  family: "IPv4",
  listening: false,
};

/**
 * Check one descriptor against the expectation, cheapest test first: one `getsockname`
 * rejects almost every other descriptor; a match costs `fstat`, `SO_TYPE`, `getpeername`
 * (and `SO_ACCEPTCONN` for a stream socket without a peer).
 *
 * @returns 0 (no match), {@linkcode FULL} or {@linkcode ORPHAN}; on a match the inode, family
 *   and listening state are left in {@linkcode PROBED}.
 */
export function probe(lib: Libc, fd: number, exp: Expected): number {
  discoveryCounters.probes++;
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
  PROBED.ino = ino;
  PROBED.family = family;
  PROBED.listening = false;
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
  PROBED.listening = listening;
  return FULL;
}

/** The last probe's match as a {@linkcode Found} (for the sweep, which compares several). */
export function probedFound(C: SocketConstants, fd: number, how: number, exp: Expected): Found {
  return {
    fd,
    ino: PROBED.ino,
    how,
    info: { fd, family: PROBED.family, type: typeName(C, exp.type), listening: PROBED.listening },
  };
}
