/**
 * Socket error codes in the seeds' vocabulary: the POSIX errno name, its number on Linux and
 * on macOS, the Winsock name and number, and a one-line meaning.
 *
 * The table covers every code in the seeds' error tables (the Winsock function reference and
 * the Linux notes: `WSAECONNRESET` 10054, `EPIPE` "Broken pipe", `EAGAIN`, `EINTR`, ...),
 * including the Winsock-only start-up codes (`WSASYSNOTREADY` 10091, `WSAVERNOTSUPPORTED`
 * 10092, `WSANOTINITIALISED` 10093) and the resolver's `WSAHOST_NOT_FOUND` family.
 *
 * Needs no permissions. Reads `Deno.build.os` (when present) to pick the platform for plain
 * errno numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainError } from "./error_table.ts";
 * const e = explainError("ECONNRESET")!;
 * assert.ok(e.linuxErrno === 104 && e.macosErrno === 54);
 * assert.ok(e.wsaName === "WSAECONNRESET" && e.wsaCode === 10054);
 * ```
 *
 * @module
 */

/** The platforms whose errno numbers the table knows. */
export type ErrnoPlatform = "linux" | "darwin";

/** One row of the error table, as returned by {@linkcode explainError}. */
export interface ErrorExplanation {
  /** The POSIX errno name (`"ECONNRESET"`), or the netdb name for resolver codes (`"HOST_NOT_FOUND"`), or `null` for Winsock-only codes. */
  readonly name: string | null;
  /** Other POSIX names for the same number (`EWOULDBLOCK` for `EAGAIN`). */
  readonly aliases: readonly string[];
  /** The errno number on Linux, or `null` when Linux has no such errno. */
  readonly linuxErrno: number | null;
  /** The errno number on macOS, or `null` when macOS has no such errno. */
  readonly macosErrno: number | null;
  /** The Winsock name (`"WSAECONNRESET"`), or `null` when Winsock has no equivalent. */
  readonly wsaName: string | null;
  /** The Winsock number (10054), or `null`. */
  readonly wsaCode: number | null;
  /** One line saying what happened, in the seeds' terms. */
  readonly meaning: string;
  /** The `Deno.errors` class name the runtime throws for this code, or `null` when none is specific. */
  readonly denoError: string | null;
}

type Row = [
  name: string | null,
  linux: number | null,
  macos: number | null,
  wsa: string | null,
  wsaCode: number | null,
  denoError: string | null,
  meaning: string,
  aliases?: string[],
];

// deno-fmt-ignore
const ROWS: Row[] = [
  ["EPERM", 1, 1, null, null, "PermissionDenied", "operation not permitted (the caller lacks the privilege)"],
  ["ENOENT", 2, 2, null, null, "NotFound", "no such file or directory (for Unix sockets: the socket path does not exist)"],
  ["EINTR", 4, 4, "WSAEINTR", 10004, "Interrupted", "a blocking call was interrupted (by a signal, or WSACancelBlockingCall); not fatal, retry"],
  ["EIO", 5, 5, null, null, null, "input/output error"],
  ["EBADF", 9, 9, "WSAEBADF", 10009, "BadResource", "bad file descriptor: the socket was already closed or never opened"],
  ["EAGAIN", 11, 35, "WSAEWOULDBLOCK", 10035, "WouldBlock", "resource temporarily unavailable: a non-blocking call would block; not fatal, retry when ready", ["EWOULDBLOCK"]],
  ["ENOMEM", 12, 12, null, null, null, "out of memory"],
  ["EACCES", 13, 13, "WSAEACCES", 10013, "PermissionDenied", "permission denied (e.g. broadcast without SO_BROADCAST, or a privileged port)"],
  ["EFAULT", 14, 14, "WSAEFAULT", 10014, null, "bad address: a buffer or address argument points outside the process or is too short"],
  ["EEXIST", 17, 17, null, null, "AlreadyExists", "file exists (for Unix sockets: the socket path is already taken)"],
  ["EINVAL", 22, 22, "WSAEINVAL", 10022, null, "invalid argument (e.g. bind on a socket that is already bound, or listen before bind)"],
  ["ENFILE", 23, 23, null, null, null, "too many open files in the system"],
  ["EMFILE", 24, 24, "WSAEMFILE", 10024, null, "too many open files: the process has no free descriptor for a new socket"],
  ["EPIPE", 32, 32, null, null, "BrokenPipe", "broken pipe: writing to a connection the peer has closed (after its FIN, or a second write after an RST)"],
  ["EDOM", 33, 33, null, null, null, "argument out of domain (e.g. a timeval with tv_usec >= 1000000)"],
  ["ENAMETOOLONG", 36, 63, "WSAENAMETOOLONG", 10063, null, "name too long (e.g. a Unix socket path over 107 bytes)"],
  ["ENOSYS", 38, 78, null, null, null, "function not implemented"],
  ["ELOOP", 40, 62, "WSAELOOP", 10062, "FilesystemLoop", "too many levels of symbolic links"],
  ["EPROTO", 71, 100, null, null, null, "protocol error"],
  ["ENOTSOCK", 88, 38, "WSAENOTSOCK", 10038, null, "socket operation on a descriptor that is not a socket"],
  ["EDESTADDRREQ", 89, 39, "WSAEDESTADDRREQ", 10039, null, "destination address required: sendto without an address on an unconnected socket"],
  ["EMSGSIZE", 90, 40, "WSAEMSGSIZE", 10040, null, "message too long: the datagram exceeds the largest the protocol allows (iMaxUdpDg, 65507 bytes over IPv4)"],
  ["EPROTOTYPE", 91, 41, "WSAEPROTOTYPE", 10041, null, "protocol wrong type for socket (e.g. IPPROTO_UDP with SOCK_STREAM)"],
  ["ENOPROTOOPT", 92, 42, "WSAENOPROTOOPT", 10042, null, "protocol not available: unknown option, or an option for the wrong level or socket type"],
  ["EPROTONOSUPPORT", 93, 43, "WSAEPROTONOSUPPORT", 10043, null, "protocol not supported"],
  ["ESOCKTNOSUPPORT", 94, 44, "WSAESOCKTNOSUPPORT", 10044, null, "socket type not supported in this address family"],
  ["EOPNOTSUPP", 95, 102, "WSAEOPNOTSUPP", 10045, "NotSupported", "operation not supported on this socket (e.g. MSG_OOB on a datagram socket, listen on UDP)", ["ENOTSUP"]],
  ["EPFNOSUPPORT", 96, 46, "WSAEPFNOSUPPORT", 10046, null, "protocol family not supported"],
  ["EAFNOSUPPORT", 97, 47, "WSAEAFNOSUPPORT", 10047, null, "address family not supported (e.g. an IPv6 address on an AF_INET socket)"],
  ["EADDRINUSE", 98, 48, "WSAEADDRINUSE", 10048, "AddrInUse", "address already in use: another socket is bound to this address and port (see SO_REUSEADDR)"],
  ["EADDRNOTAVAIL", 99, 49, "WSAEADDRNOTAVAIL", 10049, "AddrNotAvailable", "cannot assign requested address: it is not a local address, or the remote address is 0.0.0.0"],
  ["ENETDOWN", 100, 50, "WSAENETDOWN", 10050, null, "network is down: the network subsystem or interface failed"],
  ["ENETUNREACH", 101, 51, "WSAENETUNREACH", 10051, "NetworkUnreachable", "network is unreachable: no route to that network from this host"],
  ["ENETRESET", 102, 52, "WSAENETRESET", 10052, null, "network dropped connection on reset: keep-alive found the connection dead"],
  ["ECONNABORTED", 103, 53, "WSAECONNABORTED", 10053, "ConnectionAborted", "connection aborted by this host: timeout or other local failure ended the connection"],
  ["ECONNRESET", 104, 54, "WSAECONNRESET", 10054, "ConnectionReset", "connection reset by peer: the remote side sent RST (abortive close, or a crash and reboot)"],
  ["ENOBUFS", 105, 55, "WSAENOBUFS", 10055, null, "no buffer space available: the system ran out of socket buffers or too many connections"],
  ["EISCONN", 106, 56, "WSAEISCONN", 10056, null, "socket is already connected"],
  ["ENOTCONN", 107, 57, "WSAENOTCONN", 10057, "NotConnected", "socket is not connected (send/recv before connect, or after the connection ended)"],
  ["ESHUTDOWN", 108, 58, "WSAESHUTDOWN", 10058, null, "cannot send after socket shutdown: this side already half-closed writing"],
  ["ETOOMANYREFS", 109, 59, "WSAETOOMANYREFS", 10059, null, "too many references"],
  ["ETIMEDOUT", 110, 60, "WSAETIMEDOUT", 10060, "TimedOut", "connection timed out: the peer did not answer in time (SYN, retransmissions, or keep-alive probes)"],
  ["ECONNREFUSED", 111, 61, "WSAECONNREFUSED", 10061, "ConnectionRefused", "connection refused: nothing listens on that port (the peer answered with RST), or its backlog is full"],
  ["EHOSTDOWN", 112, 64, "WSAEHOSTDOWN", 10064, null, "host is down"],
  ["EHOSTUNREACH", 113, 65, "WSAEHOSTUNREACH", 10065, null, "no route to host: the remote host cannot be reached right now"],
  ["EALREADY", 114, 37, "WSAEALREADY", 10037, null, "operation already in progress: a non-blocking connect on this socket has not finished"],
  ["EINPROGRESS", 115, 36, "WSAEINPROGRESS", 10036, null, "operation now in progress: a non-blocking connect started; wait until the socket is writable (select)"],
  // Winsock-only codes from WSAStartup and the seeds' tables.
  [null, null, null, "WSASYSNOTREADY", 10091, null, "WSAStartup: the network subsystem is not ready"],
  [null, null, null, "WSAVERNOTSUPPORTED", 10092, null, "WSAStartup: the requested Winsock version (MAKEWORD(2,2)) is not supported"],
  [null, null, null, "WSANOTINITIALISED", 10093, null, "a Winsock call was made before a successful WSAStartup (or after WSACleanup)"],
  [null, null, null, "WSAEDISCON", 10101, null, "graceful shutdown in progress: the peer started closing the message-oriented connection"],
  // Resolver (netdb h_errno) codes that gethostbyname reports.
  ["HOST_NOT_FOUND", null, null, "WSAHOST_NOT_FOUND", 11001, "NotFound", "gethostbyname: the host name is unknown"],
  ["TRY_AGAIN", null, null, "WSATRY_AGAIN", 11002, null, "gethostbyname: temporary resolver failure; try again later"],
  ["NO_RECOVERY", null, null, "WSANO_RECOVERY", 11003, null, "gethostbyname: non-recoverable resolver failure"],
  ["NO_DATA", null, null, "WSANO_DATA", 11004, null, "gethostbyname: the name is valid but has no address of the requested type"],
];

function freeze(r: Row): ErrorExplanation {
  return Object.freeze({
    name: r[0],
    aliases: Object.freeze(r[7] ?? []),
    linuxErrno: r[1],
    macosErrno: r[2],
    wsaName: r[3],
    wsaCode: r[4],
    meaning: r[6],
    denoError: r[5],
  });
}

/** Every entry of the table, in errno order, then the Winsock-only and resolver codes. */
export const ERROR_TABLE: readonly ErrorExplanation[] = Object.freeze(ROWS.map(freeze));

const byName = new Map<string, ErrorExplanation>();
const byLinux = new Map<number, ErrorExplanation>();
const byMacos = new Map<number, ErrorExplanation>();
const byWsa = new Map<number, ErrorExplanation>();
const byDeno = new Map<string, ErrorExplanation>();
for (const e of ERROR_TABLE) {
  if (e.name) byName.set(e.name, e);
  for (const a of e.aliases) byName.set(a, e);
  if (e.wsaName) byName.set(e.wsaName, e);
  if (e.linuxErrno !== null) byLinux.set(e.linuxErrno, e);
  if (e.macosErrno !== null) byMacos.set(e.macosErrno, e);
  if (e.wsaCode !== null) byWsa.set(e.wsaCode, e);
  // First row wins: PermissionDenied -> EACCES is set after EPERM, so prefer EACCES below.
  if (e.denoError && !byDeno.has(e.denoError)) byDeno.set(e.denoError, e);
}
byDeno.set("PermissionDenied", byName.get("EACCES")!);
byDeno.set("NotFound", byName.get("ENOENT")!);
// Deno.errors.WriteZero / UnexpectedEof have no errno; leave them out.

function currentPlatform(): ErrnoPlatform {
  // deno-lint-ignore no-explicit-any
  const os = (globalThis as any).Deno?.build?.os;
  return os === "darwin" ? "darwin" : "linux";
}

/**
 * Name the errno number `n` on `platform` (default: the running one).
 *
 * @param n An errno number as libc reports it (e.g. 104 on Linux).
 * @param platform `"linux"` or `"darwin"`; defaults to the running OS (Linux numbers elsewhere).
 * @returns The POSIX name (`"ECONNRESET"`), or `undefined` when the number is not in the table.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errnoName } from "./error_table.ts";
 * assert.ok(errnoName(104, "linux") === "ECONNRESET");
 * assert.ok(errnoName(54, "darwin") === "ECONNRESET");
 * assert.ok(errnoName(9999) === undefined);
 * ```
 */
export function errnoName(
  n: number,
  platform: ErrnoPlatform = currentPlatform(),
): string | undefined {
  const e = (platform === "darwin" ? byMacos : byLinux).get(n);
  return e?.name ?? undefined;
}

/**
 * Give the errno number for a POSIX name on `platform` (default: the running one).
 *
 * @param name An errno name (`"ECONNRESET"`, `"EWOULDBLOCK"`) or its Winsock name.
 * @param platform `"linux"` or `"darwin"`.
 * @returns The number, or `undefined` when the name is unknown or has no errno on that platform.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errnoNumber } from "./error_table.ts";
 * assert.ok(errnoNumber("ECONNREFUSED", "linux") === 111);
 * assert.ok(errnoNumber("EWOULDBLOCK", "darwin") === 35);
 * ```
 */
export function errnoNumber(
  name: string,
  platform: ErrnoPlatform = currentPlatform(),
): number | undefined {
  const e = byName.get(name.toUpperCase());
  if (!e) return undefined;
  return (platform === "darwin" ? e.macosErrno : e.linuxErrno) ?? undefined;
}

const OS_ERROR_RE = /\(os error (\d+)\)/;

/**
 * Explain an error code or a thrown error in the seeds' vocabulary.
 *
 * Accepts:
 * - an errno name (`"ECONNRESET"`, `"EWOULDBLOCK"`) or a netdb name (`"HOST_NOT_FOUND"`)
 * - a Winsock name (`"WSAECONNRESET"`, `"WSANOTINITIALISED"`)
 * - a number: 10000 and above is a Winsock code; below, an errno on `platform`
 * - a thrown error: its `.code` (Deno's `"ECONNREFUSED"`, Node's), its `errno`, the
 *   `(os error N)` in a Deno message, or its `Deno.errors` class (`Deno.errors.BrokenPipe` →
 *   `EPIPE`)
 *
 * @param codeOrError The code or error to explain.
 * @param platform Which errno numbering to use for plain numbers; defaults to the running OS.
 * @returns The table row, or `undefined` when nothing in the table matches.
 *
 * Needs no permissions.
 *
 * @example Explain a refused connection
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainError } from "./error_table.ts";
 * const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const { port } = l.addr as Deno.NetAddr;
 * l.close(); // now nothing listens on `port`
 * const err = await Deno.connect({ hostname: "127.0.0.1", port }).catch((e) => e);
 * const e = explainError(err)!;
 * assert.equal(e.name, "ECONNREFUSED");
 * assert.equal(e.wsaName, "WSAECONNREFUSED");
 * assert.equal(e.wsaCode, 10061);
 * assert.ok(explainError(10093)!.wsaName === "WSANOTINITIALISED");
 * ```
 */
export function explainError(
  codeOrError: unknown,
  platform: ErrnoPlatform = currentPlatform(),
): ErrorExplanation | undefined {
  if (typeof codeOrError === "string") {
    const s = codeOrError.trim();
    if (/^-?\d+$/.test(s)) return explainError(Number(s), platform);
    return byName.get(s.toUpperCase());
  }
  if (typeof codeOrError === "number") {
    if (!Number.isInteger(codeOrError)) return undefined;
    // Node reports errno as a negative number (-104).
    const n = Math.abs(codeOrError);
    if (n >= 10000) return byWsa.get(n);
    return (platform === "darwin" ? byMacos : byLinux).get(n);
  }
  if (codeOrError === null || typeof codeOrError !== "object") return undefined;
  // deno-lint-ignore no-explicit-any
  const err = codeOrError as any;
  if (typeof err.code === "string") {
    const hit = byName.get(err.code.toUpperCase());
    if (hit) return hit;
  }
  if (typeof err.errno === "number") {
    const hit = explainError(err.errno, platform);
    if (hit) return hit;
  }
  if (typeof err.errno === "string") {
    const hit = byName.get(err.errno.toUpperCase());
    if (hit) return hit;
  }
  if (typeof err.message === "string") {
    const m = OS_ERROR_RE.exec(err.message);
    if (m) {
      const hit = explainError(Number(m[1]), platform);
      if (hit) return hit;
    }
  }
  // deno-lint-ignore no-explicit-any
  const errors = (globalThis as any).Deno?.errors as Record<string, unknown> | undefined;
  if (errors) {
    for (const [cls, row] of byDeno) {
      const C = errors[cls];
      if (typeof C === "function" && codeOrError instanceof C) return row;
    }
  }
  if (typeof err.name === "string") return byDeno.get(err.name);
  return undefined;
}

/**
 * Format an explanation as one line: `ECONNRESET (Linux 104, macOS 54) / WSAECONNRESET 10054: connection reset by peer: ...`.
 *
 * @param e A row returned by {@linkcode explainError}.
 * @returns The line.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainError, formatExplanation } from "./error_table.ts";
 * assert.ok(formatExplanation(explainError("EPIPE")!).startsWith("EPIPE (Linux 32, macOS 32): broken pipe"));
 * ```
 */
export function formatExplanation(e: ErrorExplanation): string {
  const parts: string[] = [];
  if (e.name) {
    const nums = [
      e.linuxErrno !== null ? `Linux ${e.linuxErrno}` : null,
      e.macosErrno !== null ? `macOS ${e.macosErrno}` : null,
    ].filter(Boolean);
    parts.push(nums.length ? `${e.name} (${nums.join(", ")})` : e.name);
  }
  if (e.wsaName) parts.push(`${e.wsaName} ${e.wsaCode}`);
  return `${parts.join(" / ")}: ${e.meaning}`;
}
