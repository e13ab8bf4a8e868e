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
}>;

let lib: Libc | null = null;

function libc(): Libc {
  if (lib === null) {
    lib = Deno.dlopen("libc.so.6", {
      inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
      inet_ntop: { parameters: ["i32", "buffer", "buffer", "u32"], result: "pointer" },
      inet_aton: { parameters: ["buffer", "buffer"], result: "i32" },
      inet_addr: { parameters: ["buffer"], result: "u32" },
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
