/**
 * C's structures and out-arguments that the socket calls take: `struct linger`, `struct
 * timeval`, an `int *` ({@linkcode IntRef}), and the values `setsockopt` accepts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IntRef, linger, timeval } from "./structs.ts";
 * const off: linger = { l_onoff: 0, l_linger: 0 };
 * const second: timeval = { tv_sec: 1, tv_usec: 0 };
 * const len: IntRef = { value: 0 };
 * assert.equal(off.l_onoff + second.tv_usec + len.value, 0);
 * ```
 *
 * @module
 */

/** C's `struct linger`: `l_onoff` (0 or 1) and `l_linger` (seconds). */
export interface linger {
  /** Non-zero: linger on close. */
  l_onoff: number;
  /** Seconds to linger (0 = send an RST). */
  l_linger: number;
}

/** C's `struct timeval`. */
export interface timeval {
  /** Seconds. */
  tv_sec: number;
  /** Microseconds. */
  tv_usec: number;
}

/** An `int *` / `socklen_t *` out-argument: the call writes `value`. */
export interface IntRef {
  /** The value. */
  value: number;
}

/** A value `setsockopt` takes: an int or BOOL, a {@linkcode linger}, a {@linkcode timeval}, or raw bytes. */
export type OptionValue = number | boolean | linger | timeval | Uint8Array;
