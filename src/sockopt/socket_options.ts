/**
 * Socket options through FFI: `setsockopt`/`getsockopt` on the descriptor behind any Deno
 * socket (or sockkit wrapper), which Deno itself does not expose.
 *
 * {@linkcode setSocketOptions} applies named options and returns what the kernel actually
 * applied: read back with `getsockopt` wherever the kernel may change a value (Linux doubles
 * buffer sizes and clamps tiny ones, so `receiveBufferSize: 262144` reads back as `524288`). {@linkcode getSocketOptions} reads
 * them. {@linkcode setSocketOption}/{@linkcode getSocketOption} reach every other option by
 * level and number (see {@linkcode socketConstants}).
 *
 * The seeds' twelve "setsockopt for robustness" recipes map onto options:
 *
 * | seed recipe | here |
 * |---|---|
 * | `SO_REUSEADDR` | `reuseAddress: true` |
 * | `SO_DONTLINGER` | `linger: false` |
 * | `SO_SNDTIMEO`/`SO_RCVTIMEO` 1 s | `kernelSendTimeout`/`kernelReceiveTimeout: 1000` (kernel value only: Deno's I/O is non-blocking, so use the socket layer's async timeouts) |
 * | `SO_RCVBUF`/`SO_SNDBUF` 32 KiB, and 0 | `receiveBufferSize`/`sendBufferSize` (0 is clamped by Linux to its minimum, as the report shows) |
 * | `SO_BROADCAST` | `broadcast: true` (UDP) |
 * | `SO_CONDITIONAL_ACCEPT` | `conditionalAccept` throws `UnsupportedPlatformError` (Windows-only) |
 * | `SO_LINGER` 5 s | `linger: 5` (then {@linkcode closeSocket} does an async graceful close with a 5 s limit) |
 * | `SO_DEBUG` | `debug: true` (needs `CAP_NET_ADMIN`) |
 * | `TCP_NODELAY` | `noDelay: true` |
 *
 * Permissions: `--allow-ffi` for every call (the error names the flag when it is missing);
 * `--allow-read=/proc/self/fd` is optional and makes the first lookup faster on Linux.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setSocketOptions } from "./socket_options.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const report = setSocketOptions(listener, { receiveBufferSize: 262144, keepAlive: { idle: 33 } });
 * assert.equal(report.receiveBufferSize?.requested, 262144);
 * assert.equal(report.receiveBufferSize?.applied, 524288); // Linux doubles it
 * assert.deepEqual(report.keepAlive?.applied, { idle: 33, interval: 75, count: 9 });
 * ```
 *
 * @module
 */

import { type Libc, libc } from "../_ffi/libc.ts";
import { constantsFor } from "../_ffi/constants.ts";
import type { DenoSocket, SocketConstants, SocketLike } from "./types.ts";
import { resolveDenoSocket, type ResolvedSocket, unwrapSocket as unwrap } from "../_ffi/fd.ts";
import { SocketOptionError, UnsupportedPlatformError } from "./errors.ts";
import { errnoName } from "../errno/error_table.ts";

/**
 * Return the Deno object behind a sockkit wrapper (its `raw`), or the argument itself.
 *
 * @param socket A `Deno.Conn`, `Deno.Listener`, `Deno.DatagramConn` or a wrapper with `raw`.
 * @returns The Deno socket.
 * @throws {TypeError} For anything else.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unwrapSocket } from "./socket_options.ts";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert.equal(unwrapSocket({ raw: l }), l);
 * ```
 */
export function unwrapSocket(socket: SocketLike): DenoSocket {
  return unwrap(socket);
}

/** Keepalive timing in seconds, as the kernel applies it. */
export interface KeepAliveTiming {
  /** Idle time before the first probe (`TCP_KEEPIDLE`), seconds. Linux default 7200. */
  idle: number;
  /** Time between probes (`TCP_KEEPINTVL`), seconds. Linux default 75. */
  interval: number;
  /** Unanswered probes before the connection is dropped (`TCP_KEEPCNT`). Linux default 9. */
  count: number;
}

/**
 * Options for {@linkcode setSocketOptions}. Every field is optional; a missing field is left
 * as it is. Ranges are checked by the kernel (its `EINVAL` becomes a `SocketOptionError`).
 */
export interface SocketOptions {
  /** `SO_REUSEADDR`. Deno already sets it on TCP listeners. */
  reuseAddress?: boolean;
  /** `SO_REUSEPORT`. Only affects later binds; pass `reusePort` to `Deno.listen` for listeners. */
  reusePort?: boolean;
  /** `SO_RCVBUF` in bytes. Linux doubles the value and clamps it to [2304, 2 × rmem_max]. */
  receiveBufferSize?: number;
  /** `SO_SNDBUF` in bytes. Linux doubles the value and clamps it to [4608, 2 × wmem_max]. */
  sendBufferSize?: number;
  /**
   * `SO_LINGER`: seconds, or `false` for the seeds' `SO_DONTLINGER`. The value is also
   * recorded so that {@linkcode closeSocket} closes the way the seeds describe: 0 sends an RST,
   * N > 0 closes gracefully within N seconds without blocking the event loop.
   */
  linger?: number | false;
  /** `SO_KEEPALIVE`, plus `TCP_KEEPIDLE`/`TCP_KEEPINTVL`/`TCP_KEEPCNT` (seconds) when an object. */
  keepAlive?: boolean | Partial<KeepAliveTiming>;
  /** `TCP_USER_TIMEOUT` in ms: drop the connection when sent data stays unacknowledged that long. Linux only. */
  userTimeout?: number;
  /** `TCP_NODELAY`: disable Nagle's algorithm. */
  noDelay?: boolean;
  /** `SO_BROADCAST` (UDP). */
  broadcast?: boolean;
  /** `IP_TTL` / `IPV6_UNICAST_HOPS`. */
  ttl?: number;
  /** `IP_TOS` / `IPV6_TCLASS`. */
  tos?: number;
  /** `IP_MULTICAST_TTL` / `IPV6_MULTICAST_HOPS`. */
  multicastTtl?: number;
  /** `IP_MULTICAST_LOOP` / `IPV6_MULTICAST_LOOP`. */
  multicastLoop?: boolean;
  /** `TCP_CORK` (Linux) / `TCP_NOPUSH` (macOS). */
  cork?: boolean;
  /** `TCP_QUICKACK`. Linux only; the kernel clears it again on its own. */
  quickAck?: boolean;
  /** `SO_DEBUG`. Setting it needs `CAP_NET_ADMIN`. */
  debug?: boolean;
  /** `SO_RCVTIMEO` in ms. Kernel value only: Deno's non-blocking reads ignore it. */
  kernelReceiveTimeout?: number;
  /** `SO_SNDTIMEO` in ms. Kernel value only: Deno's non-blocking writes ignore it. */
  kernelSendTimeout?: number;
  /** `SO_CONDITIONAL_ACCEPT`: Windows-only; always throws `UnsupportedPlatformError` here. */
  conditionalAccept?: boolean;
}

/** The values {@linkcode getSocketOptions} reads back, one per option. */
export interface SocketOptionValues {
  /** The current {@linkcode SocketOptions.reuseAddress} value. */
  reuseAddress: boolean;
  /** The current {@linkcode SocketOptions.reusePort} value. */
  reusePort: boolean;
  /** The current {@linkcode SocketOptions.receiveBufferSize} value. */
  receiveBufferSize: number;
  /** The current {@linkcode SocketOptions.sendBufferSize} value. */
  sendBufferSize: number;
  /** The current {@linkcode SocketOptions.linger} value. */
  linger: number | false;
  /** The current {@linkcode SocketOptions.keepAlive} value. */
  keepAlive: false | KeepAliveTiming;
  /** The current {@linkcode SocketOptions.userTimeout} value. */
  userTimeout: number;
  /** The current {@linkcode SocketOptions.noDelay} value. */
  noDelay: boolean;
  /** The current {@linkcode SocketOptions.broadcast} value. */
  broadcast: boolean;
  /** The current {@linkcode SocketOptions.ttl} value. */
  ttl: number;
  /** The current {@linkcode SocketOptions.tos} value. */
  tos: number;
  /** The current {@linkcode SocketOptions.multicastTtl} value. */
  multicastTtl: number;
  /** The current {@linkcode SocketOptions.multicastLoop} value. */
  multicastLoop: boolean;
  /** The current {@linkcode SocketOptions.cork} value. */
  cork: boolean;
  /** The current {@linkcode SocketOptions.quickAck} value. */
  quickAck: boolean;
  /** The current {@linkcode SocketOptions.debug} value. */
  debug: boolean;
  /** The current {@linkcode SocketOptions.kernelReceiveTimeout} value. */
  kernelReceiveTimeout: number;
  /** The current {@linkcode SocketOptions.kernelSendTimeout} value. */
  kernelSendTimeout: number;
  /** The current {@linkcode SocketOptions.conditionalAccept} value. */
  conditionalAccept: boolean;
}

/** The name of an option. */
export type SocketOptionName = keyof SocketOptionValues;

/** How {@linkcode setSocketOptions} learns what the kernel applied. */
export interface SetSocketOptionsConfig {
  /**
   * `"needed"` (default): read back with `getsockopt` every option the kernel may adjust
   * (buffer sizes, `tos`, `quickAck`, the kernel timeouts, `-1` defaults) and, on Linux, take
   * the others from the successful `setsockopt`, which stores them unchanged or fails.
   * `"all"`: read every option back, one more system call per option.
   */
  readBack?: "needed" | "all";
}

/** What {@linkcode setSocketOptions} returns: per option, what was asked and what the kernel applied. */
export type SocketOptionsReport = {
  [K in SocketOptionName]?: { requested: SocketOptions[K]; applied: SocketOptionValues[K] };
};

interface Ctx {
  lib: Libc;
  C: SocketConstants;
  fd: number;
  info: ResolvedSocket;
  /** The Deno socket object (linger is recorded against it). */
  obj: object;
}

let scratch: { buf: Uint8Array; view: DataView; len: Uint32Array } | null = null;
function sc() {
  if (!scratch) {
    const buf = new Uint8Array(512);
    scratch = { buf, view: new DataView(buf.buffer), len: new Uint32Array(1) };
  }
  return scratch;
}

function fail(ctx: Ctx, option: string, action: string, detail: string): never {
  const n = ctx.lib.errno();
  const code = errnoName(n, ctx.C.os) ?? `E${n}`;
  throw new SocketOptionError(
    option,
    n,
    code,
    `Cannot ${action} ${option}${detail}: ${code} (errno ${n})`,
  );
}

function setInt(ctx: Ctx, option: string, level: number, name: number, v: number): void {
  const s = sc();
  s.view.setInt32(0, v, true);
  if (ctx.lib.symbols.setsockopt(ctx.fd, level, name, s.buf, 4) !== 0) {
    fail(ctx, option, "set", ` to ${v}`);
  }
}

function getInt(ctx: Ctx, option: string, level: number, name: number): number {
  const s = sc();
  s.len[0] = 4;
  s.view.setInt32(0, 0, true);
  if (ctx.lib.symbols.getsockopt(ctx.fd, level, name, s.buf, s.len) !== 0) {
    fail(ctx, option, "get", "");
  }
  if (s.len[0] === 1) return s.buf[0]; // e.g. IP_MULTICAST_TTL may answer with one byte
  if (s.len[0] !== 4) {
    throw new SocketOptionError(
      option,
      0,
      "EBADLEN",
      `Cannot get ${option}: kernel returned ${s.len[0]} bytes, expected 4`,
    );
  }
  return s.view.getInt32(0, true);
}

function setStruct(ctx: Ctx, option: string, level: number, name: number, size: number): void {
  if (ctx.lib.symbols.setsockopt(ctx.fd, level, name, sc().buf, size) !== 0) {
    fail(ctx, option, "set", "");
  }
}

function getStruct(ctx: Ctx, option: string, level: number, name: number, size: number): DataView {
  const s = sc();
  s.buf.fill(0, 0, size);
  s.len[0] = size;
  if (ctx.lib.symbols.getsockopt(ctx.fd, level, name, s.buf, s.len) !== 0) {
    fail(ctx, option, "get", "");
  }
  if (s.len[0] !== size) {
    throw new SocketOptionError(
      option,
      0,
      "EBADLEN",
      `Cannot get ${option}: kernel returned ${s.len[0]} bytes, expected ${size}`,
    );
  }
  return s.view;
}

function need(ctx: Ctx, option: string, n: number | null, what: string): number {
  if (n === null) throw new UnsupportedPlatformError(`${option} (${what})`, ctx.C.os);
  return n;
}

// ---- argument checks (fail fast, before any libc call) ----

function checkBool(option: string, v: unknown): boolean {
  if (typeof v !== "boolean") {
    throw new TypeError(`Cannot set ${option}: expected a boolean, got ${typeof v}`);
  }
  return v;
}

function checkInt(option: string, v: unknown, min = -0x80000000, max = 0x7fffffff): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`Cannot set ${option}: expected an integer, got ${String(v)}`);
  }
  if (v < min || v > max) {
    throw new RangeError(`Cannot set ${option}: ${v} is outside ${min}..${max}`);
  }
  return v;
}

interface Spec<K extends SocketOptionName> {
  check(v: unknown): SocketOptions[K];
  set(ctx: Ctx, v: NonNullable<SocketOptions[K]>): void;
  get(ctx: Ctx): SocketOptionValues[K];
  /**
   * Linux only: the applied value after `set(ctx, v)` succeeded, where the kernel stores `v`
   * unchanged (or rejects it): `v` itself, normalised, plus reads of any part `v` left out.
   * `undefined` when the kernel may adjust `v`, so it must be read back. Checked against full
   * read-back by tests/socket_options_readback_test.ts.
   */
  stored?(ctx: Ctx, v: NonNullable<SocketOptions[K]>): SocketOptionValues[K] | undefined;
}

/** Where an int-valued option lives: its level, and its number (both may depend on the family). */
type Level = (C: SocketConstants, ctx: Ctx) => number;
type Name = (C: SocketConstants, ctx: Ctx) => number;

/** A boolean option: Linux stores it as a flag and reads back 0 or 1. */
function boolOpt(option: SocketOptionName, level: Level, name: Name): Spec<SocketOptionName> {
  return {
    check: (v) => checkBool(option, v),
    set: (ctx, v) => setInt(ctx, option, level(ctx.C, ctx), name(ctx.C, ctx), v ? 1 : 0),
    get: (ctx) => getInt(ctx, option, level(ctx.C, ctx), name(ctx.C, ctx)) !== 0,
    stored: (_ctx, v) => v,
  } as Spec<SocketOptionName>;
}

/**
 * An int option. `stored` says for which values Linux keeps exactly what was set (it
 * range-checks with `EINVAL`); omitted, the value is always read back.
 */
function intOpt(
  option: SocketOptionName,
  level: Level,
  name: Name,
  min = 0,
  stored?: (v: number) => boolean,
): Spec<SocketOptionName> {
  return {
    check: (v) => checkInt(option, v, min),
    set: (ctx, v) => setInt(ctx, option, level(ctx.C, ctx), name(ctx.C, ctx), v as number),
    get: (ctx) => getInt(ctx, option, level(ctx.C, ctx), name(ctx.C, ctx)),
    stored: stored && ((_ctx, v) => (stored(v as number) ? v : undefined)),
  } as Spec<SocketOptionName>;
}

/** `-1` asks the kernel for its default, which only a read-back tells; other values are kept. */
const notDefault = (v: number) => v !== -1;
const always = () => true;

const SOCKET: Level = (C) => C.SOL_SOCKET;
const TCP: Level = (C) => C.IPPROTO_TCP;
const IP: Level = (C, ctx) => ctx.info.family === "IPv6" ? C.IPPROTO_IPV6 : C.IPPROTO_IP;
const v6 = (ctx: Ctx) => ctx.info.family === "IPv6";

/** keepAlive's timing fields and the option names used in their errors. */
const KEEPALIVE_FIELDS: ReadonlyMap<string, string> = new Map([
  ["idle", "keepAlive.idle"],
  ["interval", "keepAlive.interval"],
  ["count", "keepAlive.count"],
]);

function timeoutOpt(option: SocketOptionName, name: (C: SocketConstants) => number) {
  return {
    check: (v: unknown) => checkInt(option, v, 0),
    set: (ctx: Ctx, v: number) => {
      const t = ctx.C.timeval;
      const view = sc().view;
      view.setBigInt64(t.sec, BigInt(Math.floor(v / 1000)), true);
      view.setBigInt64(t.usec, BigInt((v % 1000) * 1000), true);
      setStruct(ctx, option, ctx.C.SOL_SOCKET, name(ctx.C), t.size);
    },
    get: (ctx: Ctx) => {
      const t = ctx.C.timeval;
      const view = getStruct(ctx, option, ctx.C.SOL_SOCKET, name(ctx.C), t.size);
      return Number(view.getBigInt64(t.sec, true)) * 1000 +
        Math.floor(Number(view.getBigInt64(t.usec, true)) / 1000);
    },
  } as unknown as Spec<SocketOptionName>;
}

const SPECS: { [K in SocketOptionName]: Spec<SocketOptionName> } = {
  reuseAddress: boolOpt("reuseAddress", SOCKET, (C) => C.SO_REUSEADDR),
  reusePort: boolOpt("reusePort", SOCKET, (C) => C.SO_REUSEPORT),
  receiveBufferSize: intOpt("receiveBufferSize", SOCKET, (C) => C.SO_RCVBUF),
  sendBufferSize: intOpt("sendBufferSize", SOCKET, (C) => C.SO_SNDBUF),
  linger: {
    check: (v) => (v === false ? false : checkInt("linger", v, 0, 65535)),
    set: (ctx, v) => {
      const L = ctx.C.linger;
      const view = sc().view;
      view.setInt32(L.onoff, v === false ? 0 : 1, true);
      view.setInt32(L.linger, v === false ? 0 : (v as number), true);
      setStruct(ctx, "linger", ctx.C.SOL_SOCKET, ctx.C.SO_LINGER, L.size);
      lingers.set(ctx.obj, v as number | false);
    },
    get: (ctx) => {
      const L = ctx.C.linger;
      const view = getStruct(ctx, "linger", ctx.C.SOL_SOCKET, ctx.C.SO_LINGER, L.size);
      return view.getInt32(L.onoff, true) === 0 ? false : view.getInt32(L.linger, true);
    },
    // Linux keeps l_linger × HZ; the 65535 s ceiling above is far below its overflow cap.
    stored: (_ctx, v) => v,
  } as Spec<SocketOptionName>,
  keepAlive: {
    check: (v) => {
      if (typeof v === "boolean") return v;
      if (v === null || typeof v !== "object") {
        throw new TypeError(
          `Cannot set keepAlive: expected a boolean or { idle, interval, count }`,
        );
      }
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const option = KEEPALIVE_FIELDS.get(k);
        if (option === undefined) {
          throw new TypeError(`Cannot set keepAlive: unknown field "${k}"`);
        }
        checkInt(option, o[k], 0);
      }
      return o as Partial<KeepAliveTiming>;
    },
    set: (ctx, v) => {
      const C = ctx.C;
      if (typeof v === "object") {
        const t = v as Partial<KeepAliveTiming>;
        if (t.idle !== undefined) {
          setInt(ctx, "keepAlive.idle", C.IPPROTO_TCP, C.TCP_KEEPIDLE, t.idle);
        }
        if (t.interval !== undefined) {
          setInt(ctx, "keepAlive.interval", C.IPPROTO_TCP, C.TCP_KEEPINTVL, t.interval);
        }
        if (t.count !== undefined) {
          setInt(ctx, "keepAlive.count", C.IPPROTO_TCP, C.TCP_KEEPCNT, t.count);
        }
      }
      setInt(ctx, "keepAlive", C.SOL_SOCKET, C.SO_KEEPALIVE, v === false ? 0 : 1);
    },
    get: (ctx) => {
      const C = ctx.C;
      if (getInt(ctx, "keepAlive", C.SOL_SOCKET, C.SO_KEEPALIVE) === 0) return false;
      return {
        idle: getInt(ctx, "keepAlive.idle", C.IPPROTO_TCP, C.TCP_KEEPIDLE),
        interval: getInt(ctx, "keepAlive.interval", C.IPPROTO_TCP, C.TCP_KEEPINTVL),
        count: getInt(ctx, "keepAlive.count", C.IPPROTO_TCP, C.TCP_KEEPCNT),
      };
    },
    // The flag and each timing field are kept as set (the timings are range-checked with
    // EINVAL); the fields left out are read.
    stored: (ctx, v) => {
      if (v === false) return false;
      const C = ctx.C;
      const t = (typeof v === "object" ? v : {}) as Partial<KeepAliveTiming>;
      return {
        idle: t.idle ?? getInt(ctx, "keepAlive.idle", C.IPPROTO_TCP, C.TCP_KEEPIDLE),
        interval: t.interval ?? getInt(ctx, "keepAlive.interval", C.IPPROTO_TCP, C.TCP_KEEPINTVL),
        count: t.count ?? getInt(ctx, "keepAlive.count", C.IPPROTO_TCP, C.TCP_KEEPCNT),
      };
    },
  } as Spec<SocketOptionName>,
  userTimeout: intOpt(
    "userTimeout",
    TCP,
    (C, ctx) => need(ctx, "userTimeout", C.TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT"),
    0,
    always,
  ),
  noDelay: boolOpt("noDelay", TCP, (C) => C.TCP_NODELAY),
  broadcast: boolOpt("broadcast", SOCKET, (C) => C.SO_BROADCAST),
  ttl: intOpt("ttl", IP, (C, ctx) => v6(ctx) ? C.IPV6_UNICAST_HOPS : C.IP_TTL, -1, notDefault),
  tos: intOpt("tos", IP, (C, ctx) => v6(ctx) ? C.IPV6_TCLASS : C.IP_TOS, -1),
  multicastTtl: intOpt(
    "multicastTtl",
    IP,
    (C, ctx) => v6(ctx) ? C.IPV6_MULTICAST_HOPS : C.IP_MULTICAST_TTL,
    -1,
    notDefault,
  ),
  multicastLoop: boolOpt(
    "multicastLoop",
    IP,
    (C, ctx) => v6(ctx) ? C.IPV6_MULTICAST_LOOP : C.IP_MULTICAST_LOOP,
  ),
  cork: boolOpt("cork", TCP, (C) => C.TCP_CORK),
  quickAck: {
    ...boolOpt("quickAck", TCP, (C, ctx) => need(ctx, "quickAck", C.TCP_QUICKACK, "TCP_QUICKACK")),
    stored: undefined, // the kernel clears it again on its own: always read back
  },
  debug: boolOpt("debug", SOCKET, (C) => C.SO_DEBUG),
  kernelReceiveTimeout: timeoutOpt("kernelReceiveTimeout", (C) => C.SO_RCVTIMEO),
  kernelSendTimeout: timeoutOpt("kernelSendTimeout", (C) => C.SO_SNDTIMEO),
  conditionalAccept: {
    check: (v) => checkBool("conditionalAccept", v),
    set: (ctx) => {
      throw new UnsupportedPlatformError("SO_CONDITIONAL_ACCEPT", ctx.C.os, "it is Windows-only");
    },
    get: (ctx) => {
      throw new UnsupportedPlatformError("SO_CONDITIONAL_ACCEPT", ctx.C.os, "it is Windows-only");
    },
  } as Spec<SocketOptionName>,
};

/** Every option name, in the order {@linkcode setSocketOptions} applies them. */
export const SOCKET_OPTION_NAMES: readonly SocketOptionName[] = Object.freeze(
  Object.keys(SPECS) as SocketOptionName[],
);

/** Option name -> its position in {@linkcode SOCKET_OPTION_NAMES}. */
const ORDER: ReadonlyMap<string, number> = new Map(SOCKET_OPTION_NAMES.map((n, i) => [n, i]));

/**
 * The options present (not `undefined`) in `options`, in {@linkcode SOCKET_OPTION_NAMES} order.
 * A plain object (the usual literal) is read through its own enumerable keys, a handful of
 * lookups; any other object through all its option-named properties, inherited ones included.
 * Either way an enumerable key that names no option throws a `TypeError`.
 */
function wantedNames(options: object): SocketOptionName[] {
  const o = options as Record<string, unknown>;
  const names: SocketOptionName[] = [];
  const proto = Object.getPrototypeOf(options);
  if (proto !== Object.prototype && proto !== null) {
    for (const k of Object.keys(options)) if (!ORDER.has(k)) unknownOption(k);
    for (const name of SOCKET_OPTION_NAMES) if (o[name] !== undefined) names.push(name);
    return names;
  }
  const own = Object.keys(options);
  for (let i = 0; i < own.length; i++) {
    const at = ORDER.get(own[i]);
    if (at === undefined) unknownOption(own[i]);
    if (o[own[i]] === undefined) continue;
    // Insertion into order: option objects hold a few options.
    let j = names.length;
    names.push(own[i] as SocketOptionName);
    while (j > 0 && ORDER.get(names[j - 1])! > at) {
      names[j] = names[j - 1];
      j--;
    }
    names[j] = own[i] as SocketOptionName;
  }
  return names;
}

function unknownOption(k: string): never {
  throw new TypeError(`Cannot set socket options: unknown option "${k}"`);
}

/** Linger values recorded by setSocketOptions, per Deno socket object. */
const lingers = new WeakMap<object, number | false>();

/**
 * The `linger` value last set through {@linkcode setSocketOptions} on this socket, or
 * `undefined` when none was.
 *
 * @param socket A Deno socket or sockkit wrapper.
 * @returns Seconds, `false`, or `undefined`.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordedLinger } from "./socket_options.ts";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert.equal(recordedLinger(l), undefined);
 * ```
 */
export function recordedLinger(socket: SocketLike): number | false | undefined {
  return lingers.get(unwrap(socket));
}

function context(socket: SocketLike): Ctx {
  const obj = unwrap(socket);
  const info = resolveDenoSocket(obj);
  const lib = libc();
  return { lib, C: lib.C, fd: info.fd, info, obj };
}

/**
 * Set socket options through `setsockopt` and report what the kernel applied.
 *
 * Every option the kernel may change is read back with `getsockopt`: Linux doubles and clamps
 * buffer sizes, keeps the ECN bits of `tos` on TCP, rounds the kernel timeouts to clock ticks,
 * replaces `-1` by its default and clears `quickAck` again. On Linux the others (the boolean
 * flags, `linger`, `keepAlive` and its timing, `userTimeout`, `ttl`, `multicastTtl`) are
 * stored exactly as given or refused with an error, so their applied value is the one set,
 * without a read; `{ readBack: "all" }` reads those back too. Each read is one system call,
 * about 1 µs on a cold socket, which matters when this runs once per accepted connection.
 *
 * Arguments are checked first (a wrong type throws before anything is changed); then options
 * are applied in {@linkcode SOCKET_OPTION_NAMES} order. If the kernel rejects one, the ones
 * before it stay applied and a {@linkcode SocketOptionError} names the option and errno.
 *
 * Options set on a TCP listener are inherited by the connections it accepts on Linux
 * (`receiveBufferSize`, `sendBufferSize`, `keepAlive` with its timing, `noDelay`, `linger`,
 * `userTimeout`, `tos`, `ttl`), so set them once on the listener.
 *
 * @param socket A Deno socket (`Conn`, `Listener`, `DatagramConn`) or sockkit wrapper.
 * @param options The options to set.
 * @param config `readBack: "all"` to read every option back (default `"needed"`).
 * @returns Per option: `requested` and the `applied` value.
 * @throws {TypeError|RangeError} For a malformed option value (nothing is changed).
 * @throws {SocketOptionError} When the kernel rejects an option (`errno`, `code`).
 * @throws {StaleDescriptorError} When the socket is closed (nothing is touched).
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 * @throws {UnsupportedPlatformError} For `conditionalAccept`, and on Windows.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setSocketOptions } from "./socket_options.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const r = setSocketOptions(listener, { noDelay: true, receiveBufferSize: 0 });
 * assert.equal(r.noDelay?.applied, true);
 * assert.equal(r.receiveBufferSize?.applied, 2304); // Linux's minimum
 * ```
 */
export function setSocketOptions(
  socket: SocketLike,
  options: SocketOptions,
  config?: SetSocketOptionsConfig,
): SocketOptionsReport {
  if (options === null || typeof options !== "object") {
    throw new TypeError("Cannot set socket options: expected an options object");
  }
  const readAll = config?.readBack === "all";
  if (!readAll && config?.readBack !== undefined && config.readBack !== "needed") {
    throw new TypeError(`Cannot set socket options: readBack must be "needed" or "all"`);
  }
  const names = wantedNames(options);
  const values: unknown[] = [];
  const o = options as Record<string, unknown>;
  for (let i = 0; i < names.length; i++) values.push(SPECS[names[i]].check(o[names[i]]));
  const report: Record<string, { requested: unknown; applied: unknown }> = {};
  if (names.length === 0) return report as SocketOptionsReport;
  const ctx = context(socket);
  const derive = !readAll && ctx.C.os === "linux";
  for (let i = 0; i < names.length; i++) {
    const spec = SPECS[names[i]];
    const v = values[i];
    spec.set(ctx, v as never);
    const stored = derive && spec.stored ? spec.stored(ctx, v as never) : undefined;
    report[names[i]] = { requested: v, applied: stored === undefined ? spec.get(ctx) : stored };
  }
  return report as SocketOptionsReport;
}

/**
 * Read socket options through `getsockopt`.
 *
 * @param socket A Deno socket or sockkit wrapper.
 * @param names The options to read (default: the ones that apply to the socket's kind:
 *   TCP options for stream IP sockets, IP options for IP sockets, socket-level ones for all).
 * @returns The values.
 * @throws {SocketOptionError} When the kernel refuses a read (e.g. `noDelay` on UDP).
 * @throws {StaleDescriptorError} When the socket is closed.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getSocketOptions } from "./socket_options.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const v = getSocketOptions(listener, ["reuseAddress", "linger"]);
 * assert.deepEqual(v, { reuseAddress: true, linger: false });
 * ```
 */
export function getSocketOptions<K extends SocketOptionName = SocketOptionName>(
  socket: SocketLike,
  names?: readonly K[],
): Pick<SocketOptionValues, K> {
  const ctx = context(socket);
  let list: readonly SocketOptionName[] = names ?? defaultNames(ctx);
  list = list.filter((n) => {
    if (!(n in SPECS)) throw new TypeError(`Cannot get socket options: unknown option "${n}"`);
    return true;
  });
  const out: Record<string, unknown> = {};
  for (const n of list) out[n] = SPECS[n].get(ctx);
  return out as Pick<SocketOptionValues, K>;
}

function defaultNames(ctx: Ctx): SocketOptionName[] {
  const names: SocketOptionName[] = [
    "reuseAddress",
    "reusePort",
    "receiveBufferSize",
    "sendBufferSize",
    "linger",
    "debug",
    "kernelReceiveTimeout",
    "kernelSendTimeout",
  ];
  if (ctx.info.family !== "unix") {
    names.push("ttl", "tos");
    if (ctx.info.type === "dgram") names.push("broadcast", "multicastTtl", "multicastLoop");
    if (ctx.info.type === "stream") {
      names.push("keepAlive", "noDelay", "cork");
      if (ctx.C.TCP_USER_TIMEOUT !== null) names.push("userTimeout");
      if (ctx.C.TCP_QUICKACK !== null) names.push("quickAck");
    }
  }
  return names;
}

function checkLevelName(level: number, name: number): void {
  checkInt("level", level);
  checkInt("name", name);
}

/**
 * Set any socket option by level and number (`setsockopt`), for options without a name here.
 *
 * @param socket A Deno socket or sockkit wrapper.
 * @param level The level, e.g. `socketConstants().SOL_SOCKET`.
 * @param name The option number, e.g. `socketConstants().SO_RCVBUF`.
 * @param value An `int` (a boolean is 1/0), or the raw bytes of a struct.
 * @throws {TypeError|RangeError} For a malformed argument.
 * @throws {SocketOptionError} When the kernel rejects it (`option` is `"level/name"`).
 * @throws {StaleDescriptorError} When the socket is closed.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getSocketOption, setSocketOption, socketConstants } from "./socket_options.ts";
 * const C = socketConstants();
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * setSocketOption(l, C.IPPROTO_TCP, C.TCP_KEEPCNT, 4);
 * assert.equal(getSocketOption(l, C.IPPROTO_TCP, C.TCP_KEEPCNT), 4);
 * ```
 */
export function setSocketOption(
  socket: SocketLike,
  level: number,
  name: number,
  value: number | boolean | Uint8Array,
): void {
  checkLevelName(level, name);
  const option = `${level}/${name}`;
  let bytes: Uint8Array | null = null;
  let int = 0;
  if (value instanceof Uint8Array) {
    if (value.length > 65536) {
      throw new RangeError(`Cannot set ${option}: ${value.length} bytes exceeds 65536`);
    }
    bytes = value;
  } else if (typeof value === "boolean") int = value ? 1 : 0;
  else int = checkInt(option, value);
  const ctx = context(socket);
  if (bytes) {
    if (ctx.lib.symbols.setsockopt(ctx.fd, level, name, bytes, bytes.length) !== 0) {
      fail(ctx, option, "set", "");
    }
  } else setInt(ctx, option, level, name, int);
}

/**
 * Read any socket option by level and number (`getsockopt`).
 *
 * Without `length` the option is read as an `int` and the kernel must answer with 4 bytes
 * (or 1 for the byte-sized IP multicast options); with `length`, the raw bytes the kernel
 * returned (possibly fewer than `length`).
 *
 * @param socket A Deno socket or sockkit wrapper.
 * @param level The level.
 * @param name The option number.
 * @param length Buffer size for a struct option (1..65536); omit for an `int`.
 * @returns The `int` value, or the returned bytes.
 * @throws {SocketOptionError} When the kernel refuses (e.g. `ENOPROTOOPT`).
 * @throws {StaleDescriptorError} When the socket is closed.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getSocketOption, socketConstants } from "./socket_options.ts";
 * const C = socketConstants();
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert.equal(getSocketOption(l, C.SOL_SOCKET, C.SO_ACCEPTCONN), 1);
 * assert.equal(getSocketOption(l, C.SOL_SOCKET, C.SO_LINGER, 8).length, 8);
 * ```
 */
export function getSocketOption(socket: SocketLike, level: number, name: number): number;
/** Reads a raw option of `length` bytes (a struct such as `linger`) as its bytes. */
export function getSocketOption(
  socket: SocketLike,
  level: number,
  name: number,
  length: number,
): Uint8Array;
export function getSocketOption(
  socket: SocketLike,
  level: number,
  name: number,
  length?: number,
): number | Uint8Array {
  checkLevelName(level, name);
  const option = `${level}/${name}`;
  if (length !== undefined) checkInt(`${option} length`, length, 1, 65536);
  const ctx = context(socket);
  if (length === undefined) return getInt(ctx, option, level, name);
  const buf = new Uint8Array(length);
  const len = new Uint32Array([length]);
  if (ctx.lib.symbols.getsockopt(ctx.fd, level, name, buf, len) !== 0) fail(ctx, option, "get", "");
  return buf.slice(0, len[0]);
}

/**
 * The socket constants of the running OS (levels, option numbers, struct layouts), for
 * {@linkcode setSocketOption}/{@linkcode getSocketOption}.
 *
 * @param os An OS name (default `Deno.build.os`); `"linux"` or `"darwin"`.
 * @returns The constant table.
 * @throws {UnsupportedPlatformError} On Windows.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { socketConstants } from "./socket_options.ts";
 * assert.equal(socketConstants("linux").TCP_NODELAY, 1);
 * ```
 */
export function socketConstants(os?: string): SocketConstants {
  return constantsFor(os);
}
