/**
 * Find the OS descriptor behind a Deno socket object, which Deno does not expose.
 *
 * How: every open descriptor that is a socket is described by its type (`SO_TYPE`), its local
 * address (`getsockname`) and its peer (`getpeername`). The Deno object's `localAddr`,
 * `remoteAddr` or `addr` give the same description. On Linux the descriptors come from
 * `/proc/self/fd` when `--allow-read` covers it, otherwise (and on macOS) from the range
 * `0 .. RLIMIT_NOFILE`. One scan indexes every socket in the process, so looking up a
 * thousand connections costs about one scan, not a thousand.
 *
 * Safety: the result is cached per socket object (a `WeakMap`) together with the socket's
 * inode, and re-validated with one `fstat` before every use: a closed descriptor number is
 * reused at once by the next socket, so a cached number is never trusted on its own. A closed
 * or reused descriptor raises {@linkcode StaleDescriptorError} and no other socket is touched.
 *
 * Deno's internal `Symbol("Deno.internal.fd")` (present on accepted TCP connections only) is
 * read here, and only here, as a hint that is validated like a scan result.
 *
 * Needs `--allow-ffi` (and optionally `--allow-read=/proc/self/fd` for a faster scan).
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
import { StaleDescriptorError } from "../socket_errors.ts";

/** A Deno socket object: connection, listener or datagram endpoint. */
export type DenoSocket = Deno.Conn | Deno.Listener | Deno.DatagramConn;

/** A Deno socket, or a sockkit wrapper that exposes the Deno object as `raw`. */
export type SocketLike = DenoSocket | { readonly raw: DenoSocket };

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

interface Described {
  fd: number;
  ino: bigint;
  key: string;
  /** type|local for stream sockets that are not listening and have no peer (reset/disconnected). */
  orphanKey: string | null;
  info: ResolvedSocket;
}

const cache = new WeakMap<object, CacheEntry>();
/** inode -> the object it was resolved for, so a descriptor is never handed to a second object. */
const owners = new Map<bigint, WeakRef<object>>();
let snapshot: Map<string, Described[]> | null = null;
let orphanSnapshot: Map<string, Described[]> | null = null;

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

/** fstat `fd`: its inode if it is a socket, `-1n` if it is open but not a socket, or an errno (as a negative bigint). */
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

/** Decode a `struct sockaddr` into [family, key]. */
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
  if (fam === C.AF_UNIX) {
    let end = 2;
    while (end < len && addr[end] !== 0) end++;
    return ["unix", "unix:" + new TextDecoder().decode(addr.subarray(2, end))];
  }
  return [null, `af${fam}`];
}

/** Parse IPv6 text (with `::`, embedded IPv4 and `%zone`) into 16 bytes, or null. */
export function ipv6Bytes(text: string): Uint8Array | null {
  const pct = text.indexOf("%");
  if (pct >= 0) text = text.slice(0, pct);
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const out = new Uint8Array(16);
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string): number[] | null => {
    if (s === "") return [];
    const words: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = p.split(".").map(Number);
        if (v4.length !== 4 || v4.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) {
          return null;
        }
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        words.push(parseInt(p, 16));
      }
    }
    return words;
  };
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !tail) return null;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return null;
  const words = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Key text for a Deno address. */
export function denoAddrKey(addr: Deno.Addr): string {
  if ("path" in addr) return "unix:" + (addr.path ?? "");
  if (!("hostname" in addr)) return `vsock:${JSON.stringify(addr)}`;
  const host = addr.hostname;
  if (host.includes(":")) {
    const b = ipv6Bytes(host);
    return b ? ipKey(b, addr.port) : `${host}:${addr.port}`;
  }
  const b = new Uint8Array(16);
  b[10] = b[11] = 0xff;
  const parts = host.split(".").map(Number);
  b.set(parts.slice(0, 4), 12);
  return ipKey(b, addr.port);
}

function typeNumber(C: SocketConstants, transport: string): number {
  if (transport === "udp" || transport === "unixgram") return C.SOCK_DGRAM;
  if (transport === "unixpacket") return C.SOCK_SEQPACKET;
  return C.SOCK_STREAM;
}

function typeName(C: SocketConstants, t: number): ResolvedSocket["type"] {
  return t === C.SOCK_DGRAM ? "dgram" : t === C.SOCK_SEQPACKET ? "seqpacket" : "stream";
}

/** The description a Deno object promises: [key, orphanKey]. */
function expectedKeys(C: SocketConstants, s: DenoSocket): [string, string | null] {
  if ("remoteAddr" in s) {
    const t = typeNumber(C, s.localAddr.transport);
    const local = denoAddrKey(s.localAddr);
    return [
      `${t}|${local}|${denoAddrKey(s.remoteAddr)}`,
      t === C.SOCK_STREAM ? `${t}|${local}` : null,
    ];
  }
  const a = (s as Deno.Listener | Deno.DatagramConn).addr;
  return [`${typeNumber(C, a.transport)}|${denoAddrKey(a)}|-`, null];
}

/** Describe one open descriptor, or null if it is not a socket. */
function describe(lib: Libc, fd: number): Described | null {
  const C = lib.C;
  const ino = inodeOf(lib, fd);
  if (ino < 0n) return null;
  const b = bufs(C);
  const S = lib.symbols;
  b.intLen[0] = 4;
  if (S.getsockopt(fd, C.SOL_SOCKET, C.SO_TYPE, b.int, b.intLen) !== 0) return null;
  const type = b.int[0];
  b.len[0] = b.addr.length;
  b.addr.fill(0);
  if (S.getsockname(fd, b.addr, b.len) !== 0) return null;
  const [family, local] = sockaddrKey(C, b.addr, b.len[0]);
  if (family === null) return null;
  b.len[0] = b.addr.length;
  b.addr.fill(0);
  let peer = "-";
  if (S.getpeername(fd, b.addr, b.len) === 0) {
    // An unnamed Unix peer (socketpair, client without bind) reads as family only.
    peer = sockaddrKey(C, b.addr, b.len[0])[1];
  }
  let listening = false;
  let orphanKey: string | null = null;
  if (peer === "-" && type === C.SOCK_STREAM) {
    b.intLen[0] = 4;
    listening = S.getsockopt(fd, C.SOL_SOCKET, C.SO_ACCEPTCONN, b.int, b.intLen) === 0 &&
      b.int[0] !== 0;
    if (!listening) orphanKey = `${type}|${local}`;
  }
  return {
    fd,
    ino,
    key: `${type}|${local}|${peer}`,
    orphanKey,
    info: { fd, family, type: typeName(C, type), listening },
  };
}

function listFds(lib: Libc): Iterable<number> {
  if (lib.C.os === "linux") {
    const read = Deno.permissions.querySync({ name: "read", path: "/proc/self/fd" });
    if (read.state === "granted") {
      try {
        const fds: number[] = [];
        for (const e of Deno.readDirSync("/proc/self/fd")) fds.push(Number(e.name));
        return fds;
      } catch { /* fall through to the range scan */ }
    }
  }
  const rl = new BigUint64Array(2);
  let max = 1024;
  if (lib.symbols.getrlimit(lib.C.RLIMIT_NOFILE, rl) === 0) {
    max = Number(rl[0] > 65536n ? 65536n : rl[0]);
  }
  return { [Symbol.iterator]: () => range(max) };
}

function* range(n: number) {
  for (let i = 0; i < n; i++) yield i;
}

function scan(lib: Libc): void {
  const byKey = new Map<string, Described[]>();
  const byOrphan = new Map<string, Described[]>();
  for (const fd of listFds(lib)) {
    const d = describe(lib, fd);
    if (!d) continue;
    (byKey.get(d.key) ?? byKey.set(d.key, []).get(d.key)!).push(d);
    if (d.orphanKey) {
      (byOrphan.get(d.orphanKey) ?? byOrphan.set(d.orphanKey, []).get(d.orphanKey)!).push(d);
    }
  }
  snapshot = byKey;
  orphanSnapshot = byOrphan;
}

function claimedByOther(ino: bigint, obj: object): boolean {
  const owner = owners.get(ino)?.deref();
  return owner !== undefined && owner !== obj;
}

/** Re-describe candidates and keep those still matching. */
function live(
  lib: Libc,
  obj: object,
  list: Described[] | undefined,
  pick: (d: Described) => string | null,
  want: string,
): Described[] {
  const out: Described[] = [];
  for (const c of list ?? []) {
    const d = describe(lib, c.fd);
    if (d && d.ino === c.ino && pick(d) === want && !claimedByOther(d.ino, obj)) out.push(d);
  }
  return out;
}

function remember(obj: object, d: Described): ResolvedSocket {
  cache.set(obj, { fd: d.fd, ino: d.ino, info: d.info });
  owners.set(d.ino, new WeakRef(obj));
  if (owners.size > 4096) {
    for (const [k, v] of owners) if (v.deref() === undefined) owners.delete(k);
  }
  return d.info;
}

function internalFdHint(s: object): number | undefined {
  for (const sym of Object.getOwnPropertySymbols(s)) {
    if (sym.description === "Deno.internal.fd") {
      const v = (s as Record<symbol, unknown>)[sym];
      return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;
    }
  }
  return undefined;
}

/**
 * Find (or re-validate) the descriptor of a socket.
 *
 * @param socket A Deno socket or sockkit wrapper.
 * @returns The descriptor and what kind of socket it is.
 * @throws {StaleDescriptorError} When the socket is closed, its descriptor was reused,
 *   no descriptor matches, or several do. Nothing is changed.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi`.
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
  const obj = unwrapSocket(socket);
  const hit = cache.get(obj);
  if (hit === CLOSED) throw new StaleDescriptorError("closed", -1);
  const lib = libc();
  if (hit) {
    const ino = inodeOf(lib, hit.fd);
    if (ino === hit.ino) return hit.info;
    throw new StaleDescriptorError(ino === -BigInt(lib.C.EBADF) ? "closed" : "reused", hit.fd);
  }
  const [key, orphanKey] = expectedKeys(lib.C, obj);
  const byKey = (d: Described) => d.key;
  const byOrphan = (d: Described) => d.orphanKey;

  const hint = internalFdHint(obj);
  if (hint !== undefined) {
    const d = describe(lib, hint);
    if (
      d && !claimedByOther(d.ino, obj) &&
      (d.key === key || (orphanKey && d.orphanKey === orphanKey))
    ) {
      return remember(obj, d);
    }
  }

  let found = snapshot ? live(lib, obj, snapshot.get(key), byKey, key) : [];
  if (found.length === 0) {
    scan(lib);
    found = live(lib, obj, snapshot!.get(key), byKey, key);
  }
  if (found.length === 0 && orphanKey) {
    // A reset or disconnected TCP socket has no peer any more; match on type and local address.
    found = live(lib, obj, orphanSnapshot!.get(orphanKey), byOrphan, orphanKey);
  }
  if (found.length === 1) return remember(obj, found[0]);
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
  if (hit && owners.get(hit.ino)?.deref() === obj) owners.delete(hit.ino);
  cache.set(obj, CLOSED);
}

const CLOSED: CacheEntry = {
  fd: -1,
  ino: -1n,
  info: { fd: -1, family: "unix", type: "stream", listening: false },
};
