/**
 * Socket options at the bsd level: the one table of options the kernel holds as plain ints,
 * the value checks, applying one option to the kernel socket (FFI, names translated to the
 * running OS), and applying the options recorded before the kernel socket existed.
 *
 * @module
 */

import { isOptionOn, kernelSocketOf, optionKey, type SocketEntry } from "./_descriptor_table.ts";
import {
  IPPROTO_TCP,
  SO_BROADCAST,
  SO_DEBUG,
  SO_DONTLINGER,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SOL_SOCKET,
  TCP_NODELAY,
} from "./constants.ts";
import { fail, recordError } from "./errors.ts";
import type { linger, OptionValue } from "./structs.ts";
import { setSocketOption, setSocketOptions, socketConstants } from "../sockopt/socket_options.ts";
import type { SocketConstants } from "../sockopt/types.ts";

/**
 * The `SOL_SOCKET` options the kernel holds as plain ints: the bsd number (Linux's) → the name
 * of the running OS's constant. `setsockopt`, `getsockopt` and the recording of options
 * before the kernel socket exists all read this one table.
 */
export const KERNEL_INT_OPTIONS: ReadonlyMap<number, keyof SocketConstants> = new Map<
  number,
  keyof SocketConstants
>([
  [SO_REUSEADDR, "SO_REUSEADDR"],
  [SO_REUSEPORT, "SO_REUSEPORT"],
  [SO_RCVBUF, "SO_RCVBUF"],
  [SO_SNDBUF, "SO_SNDBUF"],
  [SO_BROADCAST, "SO_BROADCAST"],
  [SO_KEEPALIVE, "SO_KEEPALIVE"],
  [SO_DEBUG, "SO_DEBUG"],
]);

/** The `SOL_SOCKET` options handled here rather than read back as ints. */
const SOCKET_LEVEL_SPECIAL = [SO_LINGER, SO_DONTLINGER, SO_RCVTIMEO, SO_SNDTIMEO];

/**
 * Whether `setsockopt` may record the option before the kernel socket exists: the plain-int
 * options, linger, the timeouts and `TCP_NODELAY`.
 */
export function isRecordable(level: number, name: number): boolean {
  if (level === SOL_SOCKET) {
    return KERNEL_INT_OPTIONS.has(name) || SOCKET_LEVEL_SPECIAL.includes(name);
  }
  return level === IPPROTO_TCP && name === TCP_NODELAY;
}

/** The running OS's number for a plain-int `SOL_SOCKET` option, or undefined. */
export function kernelIntOption(name: number): number | undefined {
  const constant = KERNEL_INT_OPTIONS.get(name);
  return constant === undefined ? undefined : socketConstants()[constant] as number;
}

/** A timeout option's value in ms: a number of ms or a `timeval`. */
export function timeoutMilliseconds(call: string, v: OptionValue): number {
  if (typeof v === "number") return v;
  if (v && typeof v === "object" && "tv_sec" in v) {
    return v.tv_sec * 1000 + Math.floor(v.tv_usec / 1000);
  }
  fail(call, "EINVAL", `Cannot ${call}: a timeout is a number of ms or a timeval`);
}

/** An `SO_LINGER` value, checked to be a `linger`. */
export function lingerValue(call: string, v: OptionValue): linger {
  if (v && typeof v === "object" && "l_onoff" in v) return v;
  fail(call, "EINVAL", `Cannot ${call}: SO_LINGER takes a linger { l_onoff, l_linger }`);
}

/** An int option's value: an integer, or a BOOL as 0/1. */
export function intValue(call: string, v: OptionValue): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  fail(call, "EINVAL", `Cannot ${call}: the option takes an int or BOOL`);
}

/** Apply one option to the kernel socket (FFI), translating names to the running OS. */
export function applyOption(
  call: string,
  e: SocketEntry,
  level: number,
  name: number,
  v: OptionValue,
): void {
  const k = kernelSocketOf(e)!;
  const C = socketConstants();
  try {
    if (level === SOL_SOCKET) {
      switch (name) {
        case SO_LINGER: {
          const l = lingerValue(call, v);
          setSocketOptions(k, { linger: l.l_onoff ? l.l_linger : false });
          return;
        }
        case SO_DONTLINGER: {
          const recorded = e.options.get(optionKey(SOL_SOCKET, SO_LINGER)) as linger | undefined;
          setSocketOptions(k, { linger: isOptionOn(v) ? false : recorded?.l_linger ?? 0 });
          return;
        }
        case SO_RCVTIMEO:
        case SO_SNDTIMEO:
          return; // enforced by recv/send here; Deno's sockets are non-blocking
      }
      const kernelName = kernelIntOption(name);
      if (kernelName !== undefined) {
        return setSocketOption(k, C.SOL_SOCKET, kernelName, intValue(call, v));
      }
    } else if (level === IPPROTO_TCP && name === TCP_NODELAY) {
      if (e.conn) return e.conn.setNoDelay(isOptionOn(v));
      return setSocketOption(k, C.IPPROTO_TCP, C.TCP_NODELAY, intValue(call, v));
    } else if (v instanceof Uint8Array || typeof v === "number" || typeof v === "boolean") {
      // Other levels (IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP): passed through as numbers.
      return setSocketOption(k, level, name, v);
    }
  } catch (err) {
    throw recordError(call, err);
  }
  fail(call, "ENOPROTOOPT", `Cannot ${call}: option ${level}/${name} is not supported`);
}

/**
 * Apply the options recorded before the kernel socket existed (the timeouts stay here;
 * `SO_REUSEADDR` off is the default).
 */
export function applyRecordedOptions(call: string, e: SocketEntry): void {
  for (const [key, v] of e.options) {
    const [level, name] = key.split("/").map(Number);
    if (level === SOL_SOCKET && (name === SO_RCVTIMEO || name === SO_SNDTIMEO)) continue;
    if (level === SOL_SOCKET && name === SO_REUSEADDR && !isOptionOn(v)) continue;
    applyOption(call, e, level, name, v);
  }
}
