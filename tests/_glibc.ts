/**
 * The oracle for the address tests: glibc's own `inet_pton`, `inet_ntop`, `inet_aton` and
 * `inet_addr`, called through FFI (needs `--allow-ffi`; Linux with glibc only).
 *
 * Text is passed as UTF-8 with a terminating NUL, so callers must not pass text containing
 * U+0000 (C would stop reading there; see src/bsd/inet.ts).
 *
 * @module
 */

const encoder = new TextEncoder();

/** True when glibc can be loaded here (Linux with glibc, and FFI allowed). */
export const glibcAvailable: boolean = (() => {
  if (Deno.build.os !== "linux") return false;
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
})();

type Libc = Deno.DynamicLibrary<{
  inet_pton: { parameters: ["i32", "buffer", "buffer"]; result: "i32" };
  inet_ntop: { parameters: ["i32", "buffer", "buffer", "u32"]; result: "pointer" };
  inet_aton: { parameters: ["buffer", "buffer"]; result: "i32" };
  inet_addr: { parameters: ["buffer"]; result: "u32" };
  getaddrinfo: { parameters: ["buffer", "buffer", "buffer", "buffer"]; result: "i32" };
  freeaddrinfo: { parameters: ["pointer"]; result: "void" };
  getnameinfo: {
    parameters: ["buffer", "u32", "buffer", "u32", "buffer", "u32", "i32"];
    result: "i32";
  };
}>;

let lib: Libc | null = null;

function libc(): Libc {
  if (lib === null) {
    lib = Deno.dlopen("libc.so.6", {
      inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
      inet_ntop: { parameters: ["i32", "buffer", "buffer", "u32"], result: "pointer" },
      inet_aton: { parameters: ["buffer", "buffer"], result: "i32" },
      inet_addr: { parameters: ["buffer"], result: "u32" },
      getaddrinfo: { parameters: ["buffer", "buffer", "buffer", "buffer"], result: "i32" },
      freeaddrinfo: { parameters: ["pointer"], result: "void" },
      getnameinfo: {
        parameters: ["buffer", "u32", "buffer", "u32", "buffer", "u32", "i32"],
        result: "i32",
      },
    }) as Libc;
  }
  return lib;
}

/** Closes the library (call at the end of a test file so the resource sanitizer is happy). */
export function closeGlibc(): void {
  lib?.close();
  lib = null;
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  if (text.includes("\0")) throw new Error("Cannot pass text with NUL to glibc");
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** glibc `inet_pton(af, text)`: the bytes, or null when it returns 0. */
export function glibcPton(af: number, text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const r = libc().symbols.inet_pton(af, cString(text), out);
  if (r < 0) throw new Error(`glibc inet_pton(${af}) returned ${r}`);
  return r === 1 ? out.slice(0, af === 2 ? 4 : 16) : null;
}

/** glibc `inet_ntop(af, bytes)`. */
export function glibcNtop(af: number, bytes: Uint8Array): string {
  const dst = new Uint8Array(64);
  const p = libc().symbols.inet_ntop(af, new Uint8Array(bytes), dst, dst.length);
  if (p === null) throw new Error(`glibc inet_ntop(${af}) failed`);
  return new TextDecoder().decode(dst.subarray(0, dst.indexOf(0)));
}

/** glibc `inet_aton(text)`: the 4 bytes, or null when it returns 0. */
export function glibcAton(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  return libc().symbols.inet_aton(cString(text), out) === 1 ? out : null;
}

/** glibc `inet_addr(text)`. */
export function glibcAddr(text: string): number {
  return libc().symbols.inet_addr(cString(text));
}

/** One address from {@linkcode glibcNumericHost}: family 4 or 6, bytes as hex, scope id. */
export interface GlibcAddress {
  family: 4 | 6;
  hex: string;
  scopeId: number;
  /** The sockaddr glibc returned, as it returned it. */
  sockaddr: Uint8Array;
}

const AI_NUMERICHOST = 4;

/**
 * glibc `getaddrinfo(text, NULL, {ai_flags: AI_NUMERICHOST, ai_family, SOCK_STREAM})`, decoded
 * here by hand (not by sockkit): the addresses, or the negative EAI_* code. With
 * AI_NUMERICHOST glibc never sends a query.
 */
export function glibcNumericHost(text: string, family: 0 | 4 | 6 = 0): GlibcAddress[] | number {
  const hints = new Uint8Array(48);
  const dv = new DataView(hints.buffer);
  dv.setInt32(0, AI_NUMERICHOST, true);
  dv.setInt32(4, family === 4 ? 2 : family === 6 ? 10 : 0, true);
  dv.setInt32(8, 1, true); // SOCK_STREAM: one entry per address
  const res = new BigUint64Array(1);
  const rc = libc().symbols.getaddrinfo(cString(text), null, hints, res);
  if (rc !== 0) return rc;
  const out: GlibcAddress[] = [];
  const head = Deno.UnsafePointer.create(res[0]);
  try {
    for (let p = head; p !== null;) {
      const v = new Deno.UnsafePointerView(p);
      const len = v.getUint32(16);
      const sa = new Uint8Array(
        Deno.UnsafePointerView.getArrayBuffer(v.getPointer(24)!, len).slice(0),
      );
      const sdv = new DataView(sa.buffer);
      const fam = sdv.getUint16(0, true);
      const bytes = fam === 2 ? sa.subarray(4, 8) : sa.subarray(8, 24);
      out.push({
        family: fam === 2 ? 4 : 6,
        hex: Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join(""),
        scopeId: fam === 2 ? 0 : sdv.getUint32(24, true),
        sockaddr: sa,
      });
      p = v.getPointer(40);
    }
  } finally {
    libc().symbols.freeaddrinfo(head);
  }
  return out;
}

/** glibc `getnameinfo(sa, NI_NUMERICHOST | NI_NUMERICSERV)`: the host text, or the EAI code. */
export function glibcNumericName(sockaddr: Uint8Array): string | number {
  const host = new Uint8Array(1025);
  const serv = new Uint8Array(32);
  const rc = libc().symbols.getnameinfo(
    new Uint8Array(sockaddr),
    sockaddr.length,
    host,
    host.length,
    serv,
    serv.length,
    1 | 2,
  );
  if (rc !== 0) return rc;
  return new TextDecoder().decode(host.subarray(0, host.indexOf(0)));
}
