/**
 * The public types of the socket-option tier: what a socket argument may be
 * ({@linkcode SocketLike}) and the per-OS constant and struct tables
 * ({@linkcode SocketConstants}, {@linkcode TcpInfoLayout}).
 *
 * @module
 */

/** A Deno socket object: connection, listener or datagram endpoint. */
export type DenoSocket = Deno.Conn | Deno.Listener | Deno.DatagramConn;

/** A Deno socket, or a sockkit wrapper that exposes the Deno object as `raw`. */
export type SocketLike = DenoSocket | { readonly raw: DenoSocket };

/** Byte offsets of the fields sockkit reads from the kernel's TCP information struct. */
export interface TcpInfoLayout {
  /** The `getsockopt` option name: `TCP_INFO` (Linux) or `TCP_CONNECTION_INFO` (macOS). */
  readonly option: number;
  /** Size of the buffer to pass. */
  readonly size: number;
  /** Offset of each field, its width in bytes (1, 4 or 8), and the unit multiplier to µs/bytes. */
  readonly fields: Readonly<
    Record<
      TcpInfoField,
      { readonly offset: number; readonly width: 1 | 4 | 8; readonly scale: number } | null
    >
  >;
  /** Kernel state number -> RFC 793 state name. */
  readonly states: Readonly<Record<number, TcpStateName>>;
}

/** The TCP states, named as in RFC 793 and the seeds' notes (`netstat` spelling). */
export type TcpStateName =
  | "CLOSED"
  | "LISTEN"
  | "SYN_SENT"
  | "SYN_RECEIVED"
  | "ESTABLISHED"
  | "FIN_WAIT_1"
  | "FIN_WAIT_2"
  | "CLOSE_WAIT"
  | "CLOSING"
  | "LAST_ACK"
  | "TIME_WAIT";

/** The fields of {@linkcode TcpInfoLayout}. `null` in a table means the OS does not report it. */
export type TcpInfoField =
  | "state"
  | "retransmits"
  | "rto"
  | "rtt"
  | "rttVar"
  | "sendCwnd"
  | "sendMss"
  | "unacked"
  | "totalRetrans"
  | "bytesAcked"
  | "bytesReceived"
  | "bytesSent"
  | "bytesRetrans"
  | "notSentBytes";

/** One operating system's socket constants. Field names are the C macro names. */
export interface SocketConstants {
  /** `Deno.build.os` value this table is for. */
  readonly os: "linux" | "darwin";
  /** `AF_UNSPEC`: the address family from the C headers. */
  readonly AF_UNSPEC: number;
  /** `AF_UNIX`: the address family from the C headers. */
  readonly AF_UNIX: number;
  /** `AF_INET`: the address family from the C headers. */
  readonly AF_INET: number;
  /** `AF_INET6`: the address family from the C headers. */
  readonly AF_INET6: number;
  /** `SOCK_STREAM`: the socket type from the C headers. */
  readonly SOCK_STREAM: number;
  /** `SOCK_DGRAM`: the socket type from the C headers. */
  readonly SOCK_DGRAM: number;
  /** `SOCK_SEQPACKET`: the socket type from the C headers. */
  readonly SOCK_SEQPACKET: number;
  /** `SOL_SOCKET`: the option level from the C headers. */
  readonly SOL_SOCKET: number;
  /** `SO_DEBUG`: the socket-level option from the C headers. */
  readonly SO_DEBUG: number;
  /** `SO_REUSEADDR`: the socket-level option from the C headers. */
  readonly SO_REUSEADDR: number;
  /** `SO_TYPE`: the socket-level option from the C headers. */
  readonly SO_TYPE: number;
  /** `SO_ERROR`: the socket-level option from the C headers. */
  readonly SO_ERROR: number;
  /** `SO_BROADCAST`: the socket-level option from the C headers. */
  readonly SO_BROADCAST: number;
  /** `SO_SNDBUF`: the socket-level option from the C headers. */
  readonly SO_SNDBUF: number;
  /** `SO_RCVBUF`: the socket-level option from the C headers. */
  readonly SO_RCVBUF: number;
  /** `SO_KEEPALIVE`: the socket-level option from the C headers. */
  readonly SO_KEEPALIVE: number;
  /** `SO_LINGER` in seconds (`SO_LINGER_SEC` on macOS, whose `SO_LINGER` counts clock ticks). */
  readonly SO_LINGER: number;
  /** `SO_REUSEPORT`: the socket-level option from the C headers. */
  readonly SO_REUSEPORT: number;
  /** `SO_RCVTIMEO`: the socket-level option from the C headers. */
  readonly SO_RCVTIMEO: number;
  /** `SO_SNDTIMEO`: the socket-level option from the C headers. */
  readonly SO_SNDTIMEO: number;
  /** `SO_ACCEPTCONN`: the socket-level option from the C headers. */
  readonly SO_ACCEPTCONN: number;
  /** `IPPROTO_IP`: the protocol number, also the option level from the C headers. */
  readonly IPPROTO_IP: number;
  /** `IPPROTO_TCP`: the protocol number, also the option level from the C headers. */
  readonly IPPROTO_TCP: number;
  /** `IPPROTO_IPV6`: the protocol number, also the option level from the C headers. */
  readonly IPPROTO_IPV6: number;
  /** `TCP_NODELAY`: the TCP-level option from the C headers. */
  readonly TCP_NODELAY: number;
  /** `TCP_KEEPIDLE` (Linux) / `TCP_KEEPALIVE` (macOS), seconds. */
  readonly TCP_KEEPIDLE: number;
  /** `TCP_KEEPINTVL`: the TCP-level option from the C headers. */
  readonly TCP_KEEPINTVL: number;
  /** `TCP_KEEPCNT`: the TCP-level option from the C headers. */
  readonly TCP_KEEPCNT: number;
  /** `TCP_CORK` (Linux) / `TCP_NOPUSH` (macOS). */
  readonly TCP_CORK: number;
  /** `TCP_QUICKACK`; `null` on macOS (no equivalent). */
  readonly TCP_QUICKACK: number | null;
  /** `TCP_USER_TIMEOUT` in ms; `null` on macOS (only `TCP_RXT_CONNDROPTIME`, in seconds). */
  readonly TCP_USER_TIMEOUT: number | null;
  /** `IP_TOS`: the IPv4-level option from the C headers. */
  readonly IP_TOS: number;
  /** `IP_TTL`: the IPv4-level option from the C headers. */
  readonly IP_TTL: number;
  /** `IP_MULTICAST_TTL`: the IPv4-level option from the C headers. */
  readonly IP_MULTICAST_TTL: number;
  /** `IP_MULTICAST_LOOP`: the IPv4-level option from the C headers. */
  readonly IP_MULTICAST_LOOP: number;
  /** `IPV6_UNICAST_HOPS`: the IPv6-level option from the C headers. */
  readonly IPV6_UNICAST_HOPS: number;
  /** `IPV6_MULTICAST_HOPS`: the IPv6-level option from the C headers. */
  readonly IPV6_MULTICAST_HOPS: number;
  /** `IPV6_MULTICAST_LOOP`: the IPv6-level option from the C headers. */
  readonly IPV6_MULTICAST_LOOP: number;
  /** `IPV6_TCLASS`: the IPv6-level option from the C headers. */
  readonly IPV6_TCLASS: number;
  /** `ioctl` request for bytes not yet acknowledged by the peer (`SIOCOUTQ`); `null` on macOS. */
  readonly SIOCOUTQ: number | null;
  /** errno numbers this layer branches on. */
  readonly EBADF: number;
  /** `EINVAL`: the errno value from the C headers. */
  readonly EINVAL: number;
  /** `ENOTCONN`: the errno value from the C headers. */
  readonly ENOTCONN: number;
  /** `ENOTSOCK`: the errno value from the C headers. */
  readonly ENOTSOCK: number;
  /** `ECONNRESET`: the errno value from the C headers. */
  readonly ECONNRESET: number;
  /** `struct sockaddr`: macOS starts with a one-byte length, then a one-byte family. */
  readonly sockaddr: {
    readonly hasLen: boolean;
    readonly familyOffset: number;
    readonly familyWidth: 1 | 2;
    readonly storageSize: number;
  };
  /** `struct linger { int l_onoff; int l_linger; }`. */
  readonly linger: { readonly size: number; readonly onoff: number; readonly linger: number };
  /** `struct timeval { time_t tv_sec; suseconds_t tv_usec; }` (64-bit). */
  readonly timeval: { readonly size: number; readonly sec: number; readonly usec: number };
  /** `struct stat` offsets used to tell a socket's identity (inode) and type (mode). */
  readonly stat: {
    readonly size: number;
    readonly ino: number;
    readonly mode: number;
    readonly modeWidth: 2 | 4;
  };
  /** `S_IFMT` and `S_IFSOCK` from `<sys/stat.h>`. */
  readonly S_IFMT: number;
  /** `S_IFSOCK`: the file-type bits from the C headers. */
  readonly S_IFSOCK: number;
  /** `RLIMIT_NOFILE`, used to bound the descriptor scan when `/proc` is not readable. */
  readonly RLIMIT_NOFILE: number;
  /** Name of the libc `fstat` symbol (64-bit inode variant). */
  readonly fstatSymbol: string;
  /** Name of the libc function returning the thread's `errno` address. */
  readonly errnoLocation: "__errno_location" | "__error";
  /** Library file names to try with `Deno.dlopen`, in order. */
  readonly libc: readonly string[];
  /** The TCP information struct. */
  readonly tcpInfo: TcpInfoLayout;
}
