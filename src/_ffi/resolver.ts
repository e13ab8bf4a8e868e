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

/** Per-OS numbers the resolver needs. */
export interface ResolverConstants {
  /** Library names to try with `Deno.dlopen`. */
  readonly libc: readonly string[];
  readonly AF_INET: number;
  readonly AF_INET6: number;
  readonly AF_UNSPEC: number;
  readonly AI_CANONNAME: number;
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

/** Decode a sockaddr_in / sockaddr_in6. Returns `undefined` for other families. */
export function decodeSockaddr(
  b: Uint8Array,
  C: ResolverConstants = resolverConstants(),
): { family: 4 | 6; address: string; port: number; scopeId?: number } | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const family = C.sinLen ? b[1] : dv.getUint16(0, true);
  const port = dv.getUint16(2, false);
  if (family === C.AF_INET && b.length >= 8) {
    return { family: 4, address: `${b[4]}.${b[5]}.${b[6]}.${b[7]}`, port };
  }
  if (family === C.AF_INET6 && b.length >= 24) {
    const groups: number[] = [];
    for (let i = 0; i < 8; i++) groups.push(dv.getUint16(8 + i * 2, false));
    const scopeId = b.length >= 28 ? dv.getUint32(24, true) : 0;
    return { family: 6, address: formatIPv6(groups), port, ...(scopeId ? { scopeId } : {}) };
  }
  return undefined;
}

/** RFC 5952 text for eight 16-bit groups (longest run of ≥2 zero groups becomes `::`; IPv4-mapped keeps dotted form). */
export function formatIPv6(g: number[]): string {
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  }
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
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

/** Encode an IP literal and port as a sockaddr for getnameinfo. */
export function encodeSockaddr(
  address: string,
  port: number,
  C: ResolverConstants = resolverConstants(),
): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    if (C.sinLen) {
      b[0] = 16;
      b[1] = C.AF_INET;
    } else dv.setUint16(0, C.AF_INET, true);
    dv.setUint16(2, port, false);
    for (let i = 0; i < 4; i++) {
      const n = Number(v4[i + 1]);
      if (n > 255) throw new SyntaxError(`Cannot parse IPv4 address: octet ${n} exceeds 255`);
      b[4 + i] = n;
    }
    return b;
  }
  const [ip, zone] = address.replace(/^\[|\]$/g, "").split("%");
  const groups = parseIPv6(ip);
  if (!groups) throw new SyntaxError(`Cannot parse address: "${address}" is not an IP literal`);
  const b = new Uint8Array(28);
  const dv = new DataView(b.buffer);
  if (C.sinLen) {
    b[0] = 28;
    b[1] = C.AF_INET6;
  } else dv.setUint16(0, C.AF_INET6, true);
  dv.setUint16(2, port, false);
  groups.forEach((g, i) => dv.setUint16(8 + i * 2, g, false));
  if (zone && /^\d+$/.test(zone)) dv.setUint32(24, Number(zone), true);
  return b;
}

function parseIPv6(s: string): number[] | undefined {
  let text = s;
  const m = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (m) {
    const o = m.slice(1).map(Number);
    if (o.some((x) => x > 255)) return undefined;
    const h = (x: number) => x.toString(16);
    text = text.slice(0, -m[0].length) + `${h((o[0] << 8) | o[1])}:${h((o[2] << 8) | o[3])}`;
  }
  const parts = text.split("::");
  if (parts.length > 2) return undefined;
  const conv = (
    x: string,
  ) => (x === ""
    ? []
    : x.split(":").map((g) => /^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  const a = conv(parts[0]), b = parts.length === 2 ? conv(parts[1]) : [];
  if ([...a, ...b].some(Number.isNaN)) return undefined;
  const n = a.length + b.length;
  if (parts.length === 1 ? n !== 8 : n > 7) return undefined;
  return [...a, ...new Array(8 - n).fill(0), ...b];
}

/** Call libc `getnameinfo` on a worker thread. */
export async function ffiGetnameinfo(
  address: string,
  port: number,
  flags: number,
): Promise<{ host: string; service: string } | GaiFailure> {
  const C = resolverConstants();
  const sa = encodeSockaddr(address, port, C);
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

/** Call libc `gethostname`. */
export function ffiGethostname(): string {
  const buf = new Uint8Array(256);
  if (resolver().symbols.gethostname(buf, BigInt(buf.length)) !== 0) {
    throw new Error("Cannot get host name: gethostname failed");
  }
  return new TextDecoder().decode(buf.subarray(0, buf.indexOf(0)));
}
