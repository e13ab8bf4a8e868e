/**
 * The one place that knows libc: a lazy `Deno.dlopen` of the socket-option symbols,
 * `getsockname`/`getpeername`, `connect` (for the `AF_UNSPEC` disconnect), `ioctl`
 * (`SIOCOUTQ`), `fstat` and `getrlimit`, plus the thread's `errno`.
 *
 * Nothing is loaded at import time: the library opens on the first call to
 * {@linkcode libc}, so importing sockkit never needs `--allow-ffi`. Every symbol is
 * synchronous, and `errno` is read right after the failing call, before any other JS can run
 * (errno is thread-local; an async symbol would read another thread's errno).
 *
 * Needs `--allow-ffi` on first use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { libc } from "./libc.ts";
 * const c = libc();
 * const st = new Uint8Array(c.C.stat.size);
 * assert.equal(c.symbols.fstat(-1, st), -1);
 * assert.equal(c.errno(), c.C.EBADF);
 * ```
 *
 * @module
 */

import { constantsFor, type SocketConstants } from "./constants.ts";
import { FfiPermissionError, LibcNotFoundError } from "../sockopt/errors.ts";

const SYMBOLS = {
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
} as const;

/** The libc functions sockkit calls, typed for `Deno.dlopen`. */
export interface LibcSymbols {
  /** `int setsockopt(int fd, int level, int name, const void *val, socklen_t len)` */
  setsockopt(fd: number, level: number, name: number, val: ArrayBufferView, len: number): number;
  /** `int getsockopt(int fd, int level, int name, void *val, socklen_t *len)` */
  getsockopt(
    fd: number,
    level: number,
    name: number,
    val: ArrayBufferView,
    len: ArrayBufferView,
  ): number;
  /** `int getsockname(int fd, struct sockaddr *addr, socklen_t *len)` */
  getsockname(fd: number, addr: ArrayBufferView, len: ArrayBufferView): number;
  /** `int getpeername(int fd, struct sockaddr *addr, socklen_t *len)` */
  getpeername(fd: number, addr: ArrayBufferView, len: ArrayBufferView): number;
  /** `int connect(int fd, const struct sockaddr *addr, socklen_t len)` */
  connect(fd: number, addr: ArrayBufferView, len: number): number;
  /** `int getrlimit(int resource, struct rlimit *rl)` */
  getrlimit(resource: number, rl: ArrayBufferView): number;
  /** `int fstat(int fd, struct stat *st)` */
  fstat(fd: number, st: ArrayBufferView): number;
  /** `int ioctl(int fd, unsigned long request, void *arg)`; `null` where unused (macOS). */
  ioctl: ((fd: number, request: bigint, arg: ArrayBufferView) => number) | null;
}

/** An opened libc: its symbols, the constant table for this OS, and an errno reader. */
export interface Libc {
  /** The symbols. */
  readonly symbols: LibcSymbols;
  /** The running OS's constants and struct layouts. */
  readonly C: SocketConstants;
  /** Read the calling thread's `errno`; call it right after a `-1` result. */
  errno(): number;
}

let opened: Libc | undefined;

/**
 * Whether `--allow-ffi` is granted, asked without a prompt. Callers with a non-FFI fallback
 * (the resolver, the lingering close) check it first.
 *
 * @returns `true` when FFI calls are allowed.
 */
export function ffiGranted(): boolean {
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Open libc on first use and return it (cached afterwards).
 *
 * @returns The opened library.
 * @throws {FfiPermissionError} Without `--allow-ffi` (a `Deno.errors.NotCapable`).
 * @throws {UnsupportedPlatformError} On Windows.
 * @throws {LibcNotFoundError} When no libc file name in the table loads.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { libc } from "./libc.ts";
 * assert.equal(libc(), libc());
 * ```
 */
export function libc(): Libc {
  return opened ??= openLibc(constantsFor());
}

/**
 * Open the first of `names` that loads (default: this OS's table), without caching. `libc()`
 * uses it; tests call it with names that cannot load.
 *
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 * @throws {LibcNotFoundError} When none of `names` loads; `tried` lists them.
 */
export function openLibc(C: SocketConstants, names: readonly string[] = C.libc): Libc {
  if (!ffiGranted()) throw new FfiPermissionError("load libc");
  const tried: string[] = [];
  let lastError: unknown;
  for (const name of names) {
    tried.push(name);
    try {
      const lib = Deno.dlopen(name, {
        ...SYMBOLS,
        fstat: { name: C.fstatSymbol, parameters: ["i32", "buffer"], result: "i32" },
        errnoLocation: { name: C.errnoLocation, parameters: [], result: "pointer" },
        ...(C.SIOCOUTQ === null
          ? {}
          : { ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" } as const }),
      });
      const ptr = lib.symbols.errnoLocation();
      if (ptr === null) throw new Error("errno location is NULL");
      const view = new Deno.UnsafePointerView(ptr);
      const s = lib.symbols as unknown as Record<string, unknown>;
      const symbols: LibcSymbols = {
        setsockopt: lib.symbols.setsockopt as LibcSymbols["setsockopt"],
        getsockopt: lib.symbols.getsockopt as LibcSymbols["getsockopt"],
        getsockname: lib.symbols.getsockname as LibcSymbols["getsockname"],
        getpeername: lib.symbols.getpeername as LibcSymbols["getpeername"],
        connect: lib.symbols.connect as LibcSymbols["connect"],
        getrlimit: lib.symbols.getrlimit as LibcSymbols["getrlimit"],
        fstat: lib.symbols.fstat as LibcSymbols["fstat"],
        ioctl: (s.ioctl as LibcSymbols["ioctl"]) ?? null,
      };
      return { symbols, C, errno: () => view.getInt32(0) };
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable) {
        throw new FfiPermissionError("load libc", { cause: e });
      }
      lastError = e;
    }
  }
  throw new LibcNotFoundError(tried, { cause: lastError });
}
