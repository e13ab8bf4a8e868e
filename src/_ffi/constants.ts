/**
 * Per-OS socket constants and struct layouts: the numbers `setsockopt`/`getsockopt` need
 * (`SOL_SOCKET`, `SO_*`, `IPPROTO_*`, `TCP_*`, `IP_*`, `IPV6_*`), the address families and
 * the byte layouts of `struct sockaddr`, `struct linger`, `struct timeval`, `struct stat`
 * and the kernel's TCP information struct.
 *
 * Linux (x86_64, aarch64) is the tested platform. The macOS table is implemented from the
 * Darwin headers and unit-tested, never run here. Windows has no table: {@linkcode constantsFor}
 * throws {@linkcode UnsupportedPlatformError}.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { constantsFor } from "./constants.ts";
 * assert.equal(constantsFor("linux").SO_RCVBUF, 8);
 * assert.equal(constantsFor("darwin").SO_RCVBUF, 0x1002);
 * ```
 *
 * @module
 */

import { UnsupportedPlatformError } from "../sockopt/errors.ts";

import type { SocketConstants, TcpInfoLayout, TcpStateName } from "../sockopt/types.ts";
export type {
  SocketConstants,
  TcpInfoField,
  TcpInfoLayout,
  TcpStateName,
} from "../sockopt/types.ts";

const LINUX_TCP_STATES: Record<number, TcpStateName> = {
  1: "ESTABLISHED",
  2: "SYN_SENT",
  3: "SYN_RECEIVED",
  4: "FIN_WAIT_1",
  5: "FIN_WAIT_2",
  6: "TIME_WAIT",
  7: "CLOSED",
  8: "CLOSE_WAIT",
  9: "LAST_ACK",
  10: "LISTEN",
  11: "CLOSING",
  12: "SYN_RECEIVED", // TCP_NEW_SYN_RECV
};

const DARWIN_TCP_STATES: Record<number, TcpStateName> = {
  0: "CLOSED",
  1: "LISTEN",
  2: "SYN_SENT",
  3: "SYN_RECEIVED",
  4: "ESTABLISHED",
  5: "CLOSE_WAIT",
  6: "FIN_WAIT_1",
  7: "CLOSING",
  8: "LAST_ACK",
  9: "FIN_WAIT_2",
  10: "TIME_WAIT",
};

/** Linux `struct tcp_info` (include/uapi/linux/tcp.h); rtt fields are already in µs. */
const LINUX_TCP_INFO: TcpInfoLayout = {
  option: 11, // TCP_INFO
  size: 232,
  fields: {
    state: { offset: 0, width: 1, scale: 1 },
    retransmits: { offset: 2, width: 1, scale: 1 },
    rto: { offset: 8, width: 4, scale: 1 },
    sendMss: { offset: 16, width: 4, scale: 1 },
    unacked: { offset: 24, width: 4, scale: 1 },
    rtt: { offset: 68, width: 4, scale: 1 },
    rttVar: { offset: 72, width: 4, scale: 1 },
    sendCwnd: { offset: 80, width: 4, scale: 1 },
    totalRetrans: { offset: 100, width: 4, scale: 1 },
    bytesAcked: { offset: 120, width: 8, scale: 1 },
    bytesReceived: { offset: 128, width: 8, scale: 1 },
    notSentBytes: { offset: 144, width: 4, scale: 1 },
    bytesSent: { offset: 200, width: 8, scale: 1 },
    bytesRetrans: { offset: 208, width: 8, scale: 1 },
  },
  states: LINUX_TCP_STATES,
};

/**
 * macOS `struct tcp_connection_info` (xnu bsd/netinet/tcp.h), 112 bytes. RTTs are in ms
 * (scaled to µs here); `tcpi_snd_cwnd` is in bytes; there is no packet count of unacked data,
 * so `unacked` is `tcpi_snd_sbbytes` (bytes in the send buffer, in flight included).
 */
const DARWIN_TCP_INFO: TcpInfoLayout = {
  option: 0x106, // TCP_CONNECTION_INFO
  size: 112,
  fields: {
    state: { offset: 0, width: 1, scale: 1 },
    retransmits: null,
    rto: { offset: 12, width: 4, scale: 1000 },
    sendMss: { offset: 16, width: 4, scale: 1 },
    sendCwnd: { offset: 24, width: 4, scale: 1 },
    unacked: { offset: 32, width: 4, scale: 1 },
    rtt: { offset: 44, width: 4, scale: 1000 }, // tcpi_srtt
    rttVar: { offset: 48, width: 4, scale: 1000 },
    totalRetrans: { offset: 104, width: 8, scale: 1 }, // tcpi_txretransmitpackets
    bytesAcked: null,
    bytesSent: { offset: 64, width: 8, scale: 1 }, // tcpi_txbytes
    bytesReceived: { offset: 88, width: 8, scale: 1 }, // tcpi_rxbytes
    bytesRetrans: { offset: 72, width: 8, scale: 1 }, // tcpi_txretransmitbytes
    notSentBytes: null,
  },
  states: DARWIN_TCP_STATES,
};

/** Linux constants (generic asm values, valid on x86_64 and aarch64). */
export const LINUX: SocketConstants = Object.freeze<SocketConstants>({
  os: "linux",
  AF_UNSPEC: 0,
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_SEQPACKET: 5,
  SOL_SOCKET: 1,
  SO_DEBUG: 1,
  SO_REUSEADDR: 2,
  SO_TYPE: 3,
  SO_ERROR: 4,
  SO_BROADCAST: 6,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_KEEPALIVE: 9,
  SO_LINGER: 13,
  SO_REUSEPORT: 15,
  SO_RCVTIMEO: 20,
  SO_SNDTIMEO: 21,
  SO_ACCEPTCONN: 30,
  IPPROTO_IP: 0,
  IPPROTO_TCP: 6,
  IPPROTO_IPV6: 41,
  TCP_NODELAY: 1,
  TCP_KEEPIDLE: 4,
  TCP_KEEPINTVL: 5,
  TCP_KEEPCNT: 6,
  TCP_CORK: 3,
  TCP_QUICKACK: 12,
  TCP_USER_TIMEOUT: 18,
  IP_TOS: 1,
  IP_TTL: 2,
  IP_MULTICAST_TTL: 33,
  IP_MULTICAST_LOOP: 34,
  IPV6_UNICAST_HOPS: 16,
  IPV6_MULTICAST_HOPS: 18,
  IPV6_MULTICAST_LOOP: 19,
  IPV6_TCLASS: 67,
  SIOCOUTQ: 0x5411,
  EBADF: 9,
  EINVAL: 22,
  ENOTCONN: 107,
  ENOTSOCK: 88,
  ECONNRESET: 104,
  sockaddr: { hasLen: false, familyOffset: 0, familyWidth: 2, storageSize: 128 },
  linger: { size: 8, onoff: 0, linger: 4 },
  timeval: { size: 16, sec: 0, usec: 8 },
  // x86_64: st_ino @8, st_mode @24, size 144. aarch64 (asm-generic): st_mode @16, size 128.
  stat: { size: 144, ino: 8, mode: 24, modeWidth: 4 },
  S_IFMT: 0o170000,
  S_IFSOCK: 0o140000,
  RLIMIT_NOFILE: 7,
  fstatSymbol: "fstat",
  errnoLocation: "__errno_location",
  libc: ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"],
  tcpInfo: LINUX_TCP_INFO,
});

/** Linux on aarch64 differs only in `struct stat`. */
export const LINUX_AARCH64: SocketConstants = Object.freeze<SocketConstants>({
  ...LINUX,
  stat: { size: 128, ino: 8, mode: 16, modeWidth: 4 },
});

/** macOS constants (xnu sys/socket.h, netinet/in.h, netinet/tcp.h). Unit-tested only. */
export const DARWIN: SocketConstants = Object.freeze<SocketConstants>({
  os: "darwin",
  AF_UNSPEC: 0,
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 30,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_SEQPACKET: 5,
  SOL_SOCKET: 0xffff,
  SO_DEBUG: 0x0001,
  SO_REUSEADDR: 0x0004,
  SO_TYPE: 0x1008,
  SO_ERROR: 0x1007,
  SO_BROADCAST: 0x0020,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_KEEPALIVE: 0x0008,
  SO_LINGER: 0x1080, // SO_LINGER_SEC
  SO_REUSEPORT: 0x0200,
  SO_RCVTIMEO: 0x1006,
  SO_SNDTIMEO: 0x1005,
  SO_ACCEPTCONN: 0x0002,
  IPPROTO_IP: 0,
  IPPROTO_TCP: 6,
  IPPROTO_IPV6: 41,
  TCP_NODELAY: 0x01,
  TCP_KEEPIDLE: 0x10, // TCP_KEEPALIVE
  TCP_KEEPINTVL: 0x101,
  TCP_KEEPCNT: 0x102,
  TCP_CORK: 0x04, // TCP_NOPUSH
  TCP_QUICKACK: null,
  TCP_USER_TIMEOUT: null,
  IP_TOS: 3,
  IP_TTL: 4,
  IP_MULTICAST_TTL: 10,
  IP_MULTICAST_LOOP: 11,
  IPV6_UNICAST_HOPS: 4,
  IPV6_MULTICAST_HOPS: 10,
  IPV6_MULTICAST_LOOP: 11,
  IPV6_TCLASS: 36,
  SIOCOUTQ: null,
  EBADF: 9,
  EINVAL: 22,
  ENOTCONN: 57,
  ENOTSOCK: 38,
  ECONNRESET: 54,
  sockaddr: { hasLen: true, familyOffset: 1, familyWidth: 1, storageSize: 128 },
  linger: { size: 8, onoff: 0, linger: 4 },
  timeval: { size: 16, sec: 0, usec: 8 },
  // struct stat (64-bit inodes): dev_t st_dev (4), mode_t st_mode (2), nlink_t (2), ino_t st_ino (8)
  stat: { size: 144, ino: 8, mode: 4, modeWidth: 2 },
  S_IFMT: 0o170000,
  S_IFSOCK: 0o140000,
  RLIMIT_NOFILE: 8,
  fstatSymbol: "fstat",
  errnoLocation: "__error",
  libc: ["libSystem.B.dylib", "/usr/lib/libSystem.B.dylib"],
  tcpInfo: DARWIN_TCP_INFO,
});

/** macOS on Intel: `fstat` with 64-bit inodes is exported as `fstat$INODE64`. */
export const DARWIN_X86_64: SocketConstants = Object.freeze<SocketConstants>({
  ...DARWIN,
  fstatSymbol: "fstat$INODE64",
});

/**
 * Return the constant table for an OS and CPU.
 *
 * @param os A `Deno.build.os` value (default: the running OS).
 * @param arch A `Deno.build.arch` value (default: the running CPU).
 * @returns The table.
 * @throws {UnsupportedPlatformError} On Windows and every OS other than Linux and macOS.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { constantsFor } from "./constants.ts";
 * assert.throws(() => constantsFor("windows"), /not supported on windows/);
 * ```
 */
export function constantsFor(
  os: string = Deno.build.os,
  arch: string = Deno.build.arch,
): SocketConstants {
  if (os === "linux") return arch === "aarch64" ? LINUX_AARCH64 : LINUX;
  if (os === "darwin") {
    return arch === "x86_64" ? DARWIN_X86_64 : DARWIN;
  }
  throw new UnsupportedPlatformError("socket options through FFI", os);
}
