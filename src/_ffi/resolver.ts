/**
 * The system resolver through libc: `getaddrinfo`, `getnameinfo` and `freeaddrinfo`, loaded
 * lazily with `Deno.dlopen` on first use (never at import). `getaddrinfo` and `getnameinfo`
 * block (they may read /etc/hosts, ask nsswitch and send DNS queries), so they are
 * `nonblocking: true` symbols: Deno runs them on a worker thread and returns a promise. Their
 * buffers stay referenced by the pending call until it settles. They report failure through
 * their return value (EAI_*), not `errno`, so the thread switch loses nothing.
 *
 * Struct layouts: `addrinfo` differs between Linux and macOS (`ai_addr` and `ai_canonname` swap
 * places); sockaddr families are 2/10 on Linux and 2/30 on macOS (whose sockaddr starts with a
 * length byte).
 *
 * Needs `--allow-ffi` on first use.
 *
 * @module
 */

import { packIn, packIn6, unpack } from "../../wasm/sockaddr.ts";
import { ntop4, ntop6 } from "../../wasm/addr.ts";
import { Status } from "../../wasm/status.ts";

/** Per-OS numbers the resolver needs. */
export interface ResolverConstants {
  /** Library names to try with `Deno.dlopen`. */
  readonly libc: readonly string[];
  readonly AF_INET: number;
  readonly AF_INET6: number;
  readonly AF_UNSPEC: number;
  readonly AI_CANONNAME: number;
  readonly AI_NUMERICHOST: number;
  readonly NI_NUMERICHOST: number;
  readonly NI_NUMERICSERV: number;
  readonly NI_NAMEREQD: number;
  /** Offsets inside `struct addrinfo`. */
  readonly addrinfo: {
    size: number;
    flags: number;
    family: number;
    socktype: number;
    protocol: number;
    addrlen: number;
    addr: number;
    canonname: number;
    next: number;
  };
  /** `true` when sockaddr starts with a length byte (BSD). */
  readonly sinLen: boolean;
  /** EAI_* values by name. */
  readonly EAI: Readonly<Record<string, number>>;
}

/** Linux (glibc, x86_64 and aarch64). */
export const LINUX_RESOLVER: ResolverConstants = Object.freeze({
  libc: ["libc.so.6", "libc.so"],
  AF_INET: 2,
  AF_INET6: 10,
  AF_UNSPEC: 0,
  AI_CANONNAME: 2,
  AI_NUMERICHOST: 4,
  NI_NUMERICHOST: 1,
  NI_NUMERICSERV: 2,
  NI_NAMEREQD: 8,
  addrinfo: {
    size: 48,
    flags: 0,
    family: 4,
    socktype: 8,
    protocol: 12,
    addrlen: 16,
    addr: 24,
    canonname: 32,
    next: 40,
  },
  sinLen: false,
  EAI: {
    EAI_BADFLAGS: -1,
    EAI_NONAME: -2,
    EAI_AGAIN: -3,
    EAI_FAIL: -4,
    EAI_NODATA: -5,
    EAI_FAMILY: -6,
    EAI_SOCKTYPE: -7,
    EAI_SERVICE: -8,
    EAI_ADDRFAMILY: -9,
    EAI_MEMORY: -10,
    EAI_SYSTEM: -11,
    EAI_OVERFLOW: -12,
  },
});

/** macOS (arm64 and x86_64). */
export const DARWIN_RESOLVER: ResolverConstants = Object.freeze({
  libc: ["libSystem.dylib", "/usr/lib/libSystem.B.dylib"],
  AF_INET: 2,
  AF_INET6: 30,
  AF_UNSPEC: 0,
  AI_CANONNAME: 2,
  AI_NUMERICHOST: 4,
  NI_NUMERICHOST: 2,
  NI_NUMERICSERV: 8,
  NI_NAMEREQD: 4,
  addrinfo: {
    size: 48,
    flags: 0,
    family: 4,
    socktype: 8,
    protocol: 12,
    addrlen: 16,
    canonname: 24,
    addr: 32,
    next: 40,
  },
  sinLen: true,
  EAI: {
    EAI_ADDRFAMILY: 1,
    EAI_AGAIN: 2,
    EAI_BADFLAGS: 3,
    EAI_FAIL: 4,
    EAI_FAMILY: 5,
    EAI_MEMORY: 6,
    EAI_NODATA: 7,
    EAI_NONAME: 8,
    EAI_SERVICE: 9,
    EAI_SOCKTYPE: 10,
    EAI_SYSTEM: 11,
    EAI_OVERFLOW: 14,
  },
});

/**
 * The resolver constants for `os` (default: the running OS).
 *
 * @throws {Deno.errors.NotSupported} on an OS without a table (Windows).
 */
export function resolverConstants(os: string = Deno.build.os): ResolverConstants {
  if (os === "linux") return LINUX_RESOLVER;
  if (os === "darwin") return DARWIN_RESOLVER;
  throw new Deno.errors.NotSupported(
    `Cannot use the system resolver through FFI on ${os}: only Linux and macOS are supported`,
  );
}

/** One `addrinfo` entry, decoded. */
export interface RawAddrInfo {
  family: 4 | 6;
  socktype: number;
  protocol: number;
  address: string;
  port: number;
  scopeId?: number;
  canonname?: string;
}

/**
 * Decode a sockaddr_in / sockaddr_in6 with the core's `sockaddr_unpack` and `inet_ntop`.
 * Returns `undefined` for other families or a structure too short for its family.
 */
export function decodeSockaddr(
  b: Uint8Array,
  C: ResolverConstants = resolverConstants(),
): { family: 4 | 6; address: string; port: number; scopeId?: number } | undefined {
  const r = unpack(b, C.sinLen ? 1 : 0);
  if (typeof r === "number") return undefined;
  if (r.family === 2) return { family: 4, address: ntop4(r.addr), port: r.port };
  if (r.family !== 10) return undefined;
  return {
    family: 6,
    address: ntop6(r.addr),
    port: r.port,
    ...(r.scopeId ? { scopeId: r.scopeId } : {}),
  };
}

/**
 * Encode 4 or 16 address bytes, a port and a scope id as a sockaddr for `getnameinfo`, with
 * the core's `sockaddr_pack_in`/`sockaddr_pack_in6`. The text was parsed before, by
 * `parseNumericHost` (`src/addr/ip.ts`): nothing here reads address text.
 *
 * @throws {RangeError} For a port outside 0..65535 or a byte count other than 4 or 16.
 */
export function encodeSockaddr(
  address: Uint8Array,
  port: number,
  scopeId = 0,
  C: ResolverConstants = resolverConstants(),
): Uint8Array {
  const layout = C.sinLen ? 1 : 0;
  const r = address.length === 4
    ? packIn(address, port, layout)
    : address.length === 16
    ? packIn6(address, port, 0, scopeId, layout)
    : Status.BAD_ARGUMENT;
  if (typeof r === "number") {
    throw new RangeError(
      `Cannot encode sockaddr: expected 4 or 16 address bytes and a port 0..65535, got ${address.length} bytes and port ${port}`,
    );
  }
  return r;
}

const cstr = (s: string) => new TextEncoder().encode(s + "\0");

function openResolver(C: ResolverConstants) {
  let last: unknown;
  for (const name of C.libc) {
    try {
      return Deno.dlopen(
        name,
        {
          getaddrinfo: {
            parameters: ["buffer", "buffer", "buffer", "buffer"],
            result: "i32",
            nonblocking: true,
          },
          getnameinfo: {
            parameters: ["buffer", "u32", "buffer", "u32", "buffer", "u32", "i32"],
            result: "i32",
            nonblocking: true,
          },
          freeaddrinfo: { parameters: ["pointer"], result: "void" },
          gai_strerror: { parameters: ["i32"], result: "pointer" },
          gethostname: { parameters: ["buffer", "usize"], result: "i32" },
          if_nametoindex: { parameters: ["buffer"], result: "u32" },
        } as const,
      );
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable) throw e;
      last = e;
    }
  }
  throw new Deno.errors.NotFound(
    `Cannot load the system resolver: none of ${C.libc.join(", ")} opened (${last})`,
  );
}

let lib: ReturnType<typeof openResolver> | undefined;
function resolver() {
  return lib ??= openResolver(resolverConstants());
}

/** A getaddrinfo/getnameinfo failure: `code` is the EAI_* name, `eai` its number, `message` gai_strerror's text. */
export interface GaiFailure {
  code: string;
  eai: number;
  message: string;
}

function gaiFailure(rc: number, C: ResolverConstants): GaiFailure {
  const code = Object.entries(C.EAI).find(([, v]) => v === rc)?.[0] ?? `EAI_${rc}`;
  const p = resolver().symbols.gai_strerror(rc);
  const message = p ? Deno.UnsafePointerView.getCString(p) : code;
  return { code, eai: rc, message };
}

/**
 * Call libc `getaddrinfo` on a worker thread.
 *
 * @returns The decoded entries, or a {@linkcode GaiFailure}.
 */
export async function ffiGetaddrinfo(
  host: string | null,
  service: string | null,
  hints: { family?: number; socktype?: number; protocol?: number; flags?: number },
): Promise<RawAddrInfo[] | GaiFailure> {
  const C = resolverConstants();
  const { symbols } = resolver();
  const h = new Uint8Array(C.addrinfo.size);
  const dv = new DataView(h.buffer);
  dv.setInt32(C.addrinfo.flags, hints.flags ?? 0, true);
  dv.setInt32(C.addrinfo.family, hints.family ?? C.AF_UNSPEC, true);
  dv.setInt32(C.addrinfo.socktype, hints.socktype ?? 0, true);
  dv.setInt32(C.addrinfo.protocol, hints.protocol ?? 0, true);
  const out = new BigUint64Array(1);
  const node = host === null ? null : cstr(host);
  const serv = service === null ? null : cstr(service);
  const rc = await symbols.getaddrinfo(node, serv, h, out);
  if (rc !== 0) return gaiFailure(rc, C);
  const head = Deno.UnsafePointer.create(out[0]);
  const list: RawAddrInfo[] = [];
  try {
    let p = head;
    for (let guard = 0; p !== null && guard < 1024; guard++) {
      const v = new Deno.UnsafePointerView(p);
      const addrlen = v.getUint32(C.addrinfo.addrlen);
      const addrPtr = v.getPointer(C.addrinfo.addr);
      const canonPtr = v.getPointer(C.addrinfo.canonname);
      if (addrPtr !== null && addrlen > 0) {
        const sa = new Uint8Array(
          Deno.UnsafePointerView.getArrayBuffer(addrPtr, Math.min(addrlen, 128)).slice(0),
        );
        const d = decodeSockaddr(sa, C);
        if (d) {
          list.push({
            ...d,
            socktype: v.getInt32(C.addrinfo.socktype),
            protocol: v.getInt32(C.addrinfo.protocol),
            ...(canonPtr !== null
              ? { canonname: Deno.UnsafePointerView.getCString(canonPtr) }
              : {}),
          });
        }
      }
      p = v.getPointer(C.addrinfo.next);
    }
  } finally {
    if (head !== null) symbols.freeaddrinfo(head);
  }
  return list;
}

/** Call libc `getnameinfo` on a worker thread. */
export async function ffiGetnameinfo(
  sa: Uint8Array,
  flags: number,
): Promise<{ host: string; service: string } | GaiFailure> {
  const C = resolverConstants();
  const host = new Uint8Array(1025);
  const serv = new Uint8Array(32);
  const rc = await resolver().symbols.getnameinfo(
    sa,
    sa.length,
    host,
    host.length,
    serv,
    serv.length,
    flags,
  );
  if (rc !== 0) return gaiFailure(rc, C);
  const dec = new TextDecoder();
  const z = (b: Uint8Array) =>
    dec.decode(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));
  return { host: z(host), service: z(serv) };
}

/** Call libc `if_nametoindex`: the interface's index, or 0 when there is no such interface. */
export function ffiIfNameToIndex(name: string): number {
  return resolver().symbols.if_nametoindex(cstr(name));
}

/** Call libc `gethostname`. */
export function ffiGethostname(): string {
  const buf = new Uint8Array(256);
  if (resolver().symbols.gethostname(buf, BigInt(buf.length)) !== 0) {
    throw new Error("Cannot get host name: gethostname failed");
  }
  return new TextDecoder().decode(buf.subarray(0, buf.indexOf(0)));
}
