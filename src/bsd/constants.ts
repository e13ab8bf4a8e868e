/**
 * The Berkeley sockets constants, under their C names, with the Linux values (the tested
 * platform). The bsd functions translate option numbers to the running OS's numbers
 * themselves, so a port written with these names works wherever sockkit does.
 *
 * Winsock-only names are here too, with their Winsock values, so that the seeds' Windows
 * programs port line for line: `SO_DONTLINGER` (`~SO_LINGER`), `SO_CONDITIONAL_ACCEPT`,
 * `SD_SEND`/`SD_RECEIVE`/`SD_BOTH`, `WINSOCK_VERSION`.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, SOCK_STREAM, SOCKET_ERROR, SO_DONTLINGER, SO_LINGER } from "./constants.ts";
 * assert.equal(AF_INET, 2);
 * assert.equal(SOCK_STREAM, 1);
 * assert.equal(SOCKET_ERROR, -1);
 * assert.equal(SO_DONTLINGER, ~SO_LINGER);
 * ```
 *
 * @module
 */

export {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  INADDR_ANY,
  INADDR_BROADCAST,
  INADDR_LOOPBACK,
  INADDR_NONE,
} from "./inet.ts";

/** `AF_UNSPEC` (0): no family; `connect` to it dissolves a UDP socket's default peer. */
export const AF_UNSPEC = 0;
/** `PF_INET`, the protocol-family spelling of {@linkcode AF_INET}. */
export const PF_INET = 2;
/** `PF_INET6`, the protocol-family spelling of `AF_INET6`. */
export const PF_INET6 = 10;

/** `SOCK_STREAM` (1): a TCP byte stream. */
export const SOCK_STREAM = 1;
/** `SOCK_DGRAM` (2): UDP datagrams. */
export const SOCK_DGRAM = 2;
/** `SOCK_RAW` (3): raw IP; needs privilege, and Deno has no raw sockets (always refused). */
export const SOCK_RAW = 3;

/** `IPPROTO_IP` (0): "pick the protocol for this type" in `socket()`, and the IP option level. */
export const IPPROTO_IP = 0;
/** `IPPROTO_ICMP` (1). */
export const IPPROTO_ICMP = 1;
/** `IPPROTO_TCP` (6): TCP, and the level of `TCP_NODELAY`. */
export const IPPROTO_TCP = 6;
/** `IPPROTO_UDP` (17). */
export const IPPROTO_UDP = 17;
/** `IPPROTO_IPV6` (41). */
export const IPPROTO_IPV6 = 41;
/** `IPPROTO_RAW` (255). */
export const IPPROTO_RAW = 255;

/** `SOL_SOCKET` (1 on Linux): the socket-level option level. */
export const SOL_SOCKET = 1;
/** `SO_DEBUG` (1): record debugging information (setting it needs `CAP_NET_ADMIN`). */
export const SO_DEBUG = 1;
/** `SO_REUSEADDR` (2): allow binding a port that has connections in `TIME_WAIT`. */
export const SO_REUSEADDR = 2;
/** `SO_TYPE` (3): read-only, the socket type. */
export const SO_TYPE = 3;
/** `SO_ERROR` (4): read-only, the pending error (read after a non-blocking connect); reading clears it. */
export const SO_ERROR = 4;
/** `SO_DONTROUTE` (5). */
export const SO_DONTROUTE = 5;
/** `SO_BROADCAST` (6): allow sending to a broadcast address (UDP). */
export const SO_BROADCAST = 6;
/** `SO_SNDBUF` (7): the send buffer size (Linux doubles the value you set). */
export const SO_SNDBUF = 7;
/** `SO_RCVBUF` (8): the receive buffer size (Linux doubles the value you set). */
export const SO_RCVBUF = 8;
/** `SO_KEEPALIVE` (9). */
export const SO_KEEPALIVE = 9;
/** `SO_OOBINLINE` (10): not supported (sockkit has no out-of-band data). */
export const SO_OOBINLINE = 10;
/** `SO_LINGER` (13): takes a {@linkcode linger} `{ l_onoff, l_linger }`. */
export const SO_LINGER = 13;
/** `SO_REUSEPORT` (15). */
export const SO_REUSEPORT = 15;
/** `SO_RCVTIMEO` (20): receive timeout; a number of ms (Winsock's `DWORD`) or a `timeval`. */
export const SO_RCVTIMEO = 20;
/** `SO_SNDTIMEO` (21): send timeout; a number of ms or a `timeval`. */
export const SO_SNDTIMEO = 21;
/** `SO_ACCEPTCONN` (30): read-only, 1 on a listening socket. */
export const SO_ACCEPTCONN = 30;
/** Winsock's `SO_DONTLINGER` (`~SO_LINGER`): TRUE turns linger off; FALSE turns it on with the recorded `l_linger`. */
export const SO_DONTLINGER: number = ~SO_LINGER;
/** Winsock's `SO_CONDITIONAL_ACCEPT` (0x3002): Windows only; refused here with `ENOPROTOOPT`. */
export const SO_CONDITIONAL_ACCEPT = 0x3002;

/** `TCP_NODELAY` (1, level `IPPROTO_TCP`): turn Nagle's algorithm off. */
export const TCP_NODELAY = 1;

/** `MSG_OOB` (1): out-of-band data. Not supported: fails with `EOPNOTSUPP` / `WSAEOPNOTSUPP`. */
export const MSG_OOB = 1;
/** `MSG_PEEK` (2): look at the queued data without removing it. */
export const MSG_PEEK = 2;
/** `MSG_DONTROUTE` (4): accepted on sends; loopback traffic is never routed anyway. */
export const MSG_DONTROUTE = 4;
/** `MSG_WAITALL` (0x100): `recv` waits for the full length (or end of stream). */
export const MSG_WAITALL = 0x100;

/** `SOMAXCONN`: the largest `listen` backlog (Linux's default since 5.4). */
export const SOMAXCONN = 4096;
/** `INVALID_SOCKET`: what C's `socket()`/`accept()` return on failure. */
export const INVALID_SOCKET: number = -1;
/** `SOCKET_ERROR` (-1): what the C calls return on failure. */
export const SOCKET_ERROR: number = -1;

/** `FIONBIO` (0x5421 on Linux): `ioctlsocket`/`ioctl` request to set non-blocking mode. */
export const FIONBIO = 0x5421;

/** `SHUT_RD` (0): stop receiving. */
export const SHUT_RD = 0;
/** `SHUT_WR` (1): stop sending (sends FIN). */
export const SHUT_WR = 1;
/** `SHUT_RDWR` (2): both. */
export const SHUT_RDWR = 2;
/** Winsock's `SD_RECEIVE` (0). */
export const SD_RECEIVE = 0;
/** Winsock's `SD_SEND` (1). */
export const SD_SEND = 1;
/** Winsock's `SD_BOTH` (2). */
export const SD_BOTH = 2;

/**
 * Winsock's `MAKEWORD(low, high)`: the version word `WSAStartup` takes.
 *
 * @param low The major version (low byte).
 * @param high The minor version (high byte).
 * @returns `low | high << 8`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAKEWORD } from "./constants.ts";
 * assert.equal(MAKEWORD(2, 2), 0x0202);
 * ```
 */
export function MAKEWORD(low: number, high: number): number {
  return (low & 0xff) | ((high & 0xff) << 8);
}

/**
 * Winsock's `LOBYTE(w)`: the major version of a version word.
 *
 * @param w A 16-bit word.
 * @returns Its low byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LOBYTE, MAKEWORD } from "./constants.ts";
 * assert.equal(LOBYTE(MAKEWORD(2, 1)), 2);
 * ```
 */
export function LOBYTE(w: number): number {
  return w & 0xff;
}

/**
 * Winsock's `HIBYTE(w)`: the minor version of a version word.
 *
 * @param w A 16-bit word.
 * @returns Its high byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HIBYTE, MAKEWORD } from "./constants.ts";
 * assert.equal(HIBYTE(MAKEWORD(2, 1)), 1);
 * ```
 */
export function HIBYTE(w: number): number {
  return (w >> 8) & 0xff;
}

/** `WINSOCK_VERSION`: `MAKEWORD(2,2)`, the one version `WSAStartup` accepts. */
export const WINSOCK_VERSION = 0x0202;
