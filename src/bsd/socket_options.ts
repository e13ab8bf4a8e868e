/**
 * `setsockopt` and `getsockopt`. Before the kernel socket exists (Deno creates it at `listen`,
 * `connect` or UDP `bind`), options are recorded and applied when it does.
 *
 * Permissions: `--allow-ffi` once the kernel socket exists (except `TCP_NODELAY` on a
 * connection and the timeouts, which are enforced here).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, getsockopt, setsockopt, SO_SNDTIMEO, SOCK_STREAM, socket, SOL_SOCKET } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, { tv_sec: 2, tv_usec: 500_000 });
 * assert.equal(getsockopt(s, SOL_SOCKET, SO_SNDTIMEO), 2500);
 * await closesocket(s);
 * ```
 *
 * @module
 */

import { isOptionOn, kernelSocketOf, openSocketEntry, optionKey } from "./_descriptor_table.ts";
import {
  applyOption,
  isRecordable,
  kernelIntOption,
  lingerValue,
  timeoutMilliseconds,
} from "./_socket_option_table.ts";
import {
  IPPROTO_TCP,
  SO_ACCEPTCONN,
  SO_CONDITIONAL_ACCEPT,
  SO_DONTLINGER,
  SO_ERROR,
  SO_LINGER,
  SO_RCVTIMEO,
  SO_SNDTIMEO,
  SO_TYPE,
  SOL_SOCKET,
  TCP_NODELAY,
} from "./constants.ts";
import { fail, recordError } from "./errors.ts";
import type { IntRef, linger, OptionValue } from "./structs.ts";
import { getSocketOption, getSocketOptions, socketConstants } from "../sockopt/socket_options.ts";

/**
 * Set a socket option (`setsockopt(s, level, optname, optval, optlen)`).
 *
 * Supported: `SOL_SOCKET` `SO_REUSEADDR`, `SO_REUSEPORT`, `SO_RCVBUF`, `SO_SNDBUF`,
 * `SO_BROADCAST`, `SO_KEEPALIVE`, `SO_DEBUG`, `SO_LINGER` (a `linger`), Winsock's
 * `SO_DONTLINGER` (TRUE: linger off; FALSE: linger on with the recorded `l_linger`, 0 by
 * default, so the close sends an RST and skips `TIME_WAIT`), `SO_RCVTIMEO`/`SO_SNDTIMEO` (ms or a
 * `timeval`, enforced by `recv`/`send`); `IPPROTO_TCP` `TCP_NODELAY`; other numeric options at
 * `IPPROTO_IP`/`IPPROTO_IPV6`/`IPPROTO_TCP` are passed to the kernel as they are. Before the
 * kernel socket exists (see the module docs) the option is recorded and applied later.
 *
 * @param s The socket.
 * @param level `SOL_SOCKET`, `IPPROTO_TCP`, ...
 * @param optname The option.
 * @param optval An int or BOOL, a `linger`, a `timeval`/ms, or raw bytes.
 * @param _optlen Ignored.
 * @returns 0.
 * @throws {BsdError} `ENOPROTOOPT` for `SO_CONDITIONAL_ACCEPT` (Windows only) and unknown
 *   options, `EINVAL` for a value of the wrong shape, the kernel's error otherwise.
 *
 * Needs `--allow-ffi` once the kernel socket exists (except `TCP_NODELAY` on a connection and
 * the timeouts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, getsockopt, setsockopt, SO_CONDITIONAL_ACCEPT, SO_RCVTIMEO, SOCK_STREAM, socket, SOL_SOCKET } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_STREAM, 0);
 * setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 1000);
 * assert.equal(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO), 1000);
 * assert.throws(() => setsockopt(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, true), { code: "ENOPROTOOPT" });
 * await closesocket(s);
 * ```
 */
export function setsockopt(
  s: number,
  level: number,
  optname: number,
  optval: OptionValue,
  _optlen?: number,
): number {
  const e = openSocketEntry("setsockopt", s);
  if (level === SOL_SOCKET && optname === SO_CONDITIONAL_ACCEPT) {
    fail(
      "setsockopt",
      "ENOPROTOOPT",
      "Cannot set SO_CONDITIONAL_ACCEPT: it exists only on Windows",
    );
  }
  if (
    level === SOL_SOCKET &&
    (optname === SO_TYPE || optname === SO_ERROR || optname === SO_ACCEPTCONN)
  ) {
    fail("setsockopt", "ENOPROTOOPT", `Cannot set option ${optname}: it is read-only`);
  }
  if (level === SOL_SOCKET && optname === SO_RCVTIMEO) {
    e.receiveTimeoutMs = timeoutMilliseconds("setsockopt", optval);
  }
  if (level === SOL_SOCKET && optname === SO_SNDTIMEO) {
    e.sendTimeoutMs = timeoutMilliseconds("setsockopt", optval);
  }
  if (level === SOL_SOCKET && optname === SO_LINGER) lingerValue("setsockopt", optval);
  if (kernelSocketOf(e)) applyOption("setsockopt", e, level, optname, optval);
  else if (!isRecordable(level, optname)) {
    fail(
      "setsockopt",
      "ENOPROTOOPT",
      `Cannot set option ${level}/${optname} before the socket exists in the kernel`,
    );
  }
  e.options.set(optionKey(level, optname), optval);
  if (level === SOL_SOCKET && optname === SO_DONTLINGER) {
    const l = e.options.get(optionKey(SOL_SOCKET, SO_LINGER)) as linger | undefined;
    e.options.delete(optionKey(SOL_SOCKET, SO_DONTLINGER));
    e.options.set(optionKey(SOL_SOCKET, SO_LINGER), {
      l_onoff: isOptionOn(optval) ? 0 : 1,
      l_linger: l?.l_linger ?? 0,
    });
  }
  return 0;
}

/**
 * Read a socket option (`getsockopt(s, level, optname, optval, optlen)`). Values are read
 * back from the kernel when the kernel socket exists (so `SO_RCVBUF` shows Linux's doubling);
 * before that, the recorded value is returned. `SO_TYPE`, `SO_ERROR` (read and cleared) and
 * `SO_ACCEPTCONN` come from the socket table; `SO_RCVTIMEO`/`SO_SNDTIMEO` are in ms.
 *
 * @param s The socket.
 * @param level The level.
 * @param optname The option.
 * @param optval When given, filled in too (an {@linkcode IntRef}'s `value`, or a `linger`'s fields).
 * @returns The value: a number, or a `linger` for `SO_LINGER`.
 * @throws {BsdError} `ENOPROTOOPT` for an option never set before the kernel socket exists, or
 *   not supported; the kernel's error otherwise.
 *
 * Needs `--allow-ffi` for options read from the kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, closesocket, getsockopt, SO_TYPE, SOCK_DGRAM, socket, SOL_SOCKET } from "./mod.ts";
 * const s = socket(AF_INET, SOCK_DGRAM, 0);
 * assert.equal(getsockopt(s, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
 * await closesocket(s);
 * ```
 */
export function getsockopt(
  s: number,
  level: number,
  optname: number,
  optval?: IntRef | linger,
  _optlen?: IntRef,
): number | linger {
  const e = openSocketEntry("getsockopt", s);
  const out = (v: number | linger): number | linger => {
    if (optval && typeof v === "number" && "value" in optval) optval.value = v;
    if (optval && typeof v === "object" && "l_onoff" in optval) Object.assign(optval, v);
    return v;
  };
  if (level === SOL_SOCKET) {
    switch (optname) {
      case SO_TYPE:
        return out(e.type);
      case SO_ACCEPTCONN:
        return out(e.listener ? 1 : 0);
      case SO_ERROR: {
        const err = e.pendingError;
        e.pendingError = undefined;
        if (!err) return out(0);
        const r = recordError("connect", err);
        return out(r.errno);
      }
      case SO_RCVTIMEO:
        return out(e.receiveTimeoutMs);
      case SO_SNDTIMEO:
        return out(e.sendTimeoutMs);
      case SO_CONDITIONAL_ACCEPT:
        fail(
          "getsockopt",
          "ENOPROTOOPT",
          "Cannot get SO_CONDITIONAL_ACCEPT: it exists only on Windows",
        );
    }
  }
  const k = kernelSocketOf(e);
  if (!k) {
    const v = e.options.get(optionKey(level, optname));
    if (v === undefined) {
      fail(
        "getsockopt",
        "ENOPROTOOPT",
        `Cannot get option ${level}/${optname}: the kernel socket does not exist yet (Deno creates it at listen, connect or UDP bind) and it was never set`,
      );
    }
    if (typeof v === "object" && "l_onoff" in v) return out({ ...v });
    return out(typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "number" ? v : 0);
  }
  const C = socketConstants();
  try {
    if (level === SOL_SOCKET) {
      switch (optname) {
        case SO_LINGER:
        case SO_DONTLINGER: {
          const l = getSocketOptions(k, ["linger"]).linger;
          if (optname === SO_DONTLINGER) return out(l === false ? 1 : 0);
          return out({ l_onoff: l === false ? 0 : 1, l_linger: l === false ? 0 : l });
        }
      }
      const kernelName = kernelIntOption(optname);
      if (kernelName !== undefined) return out(getSocketOption(k, C.SOL_SOCKET, kernelName));
      fail("getsockopt", "ENOPROTOOPT", `Cannot get option ${level}/${optname}: not supported`);
    }
    if (level === IPPROTO_TCP && optname === TCP_NODELAY) {
      return out(getSocketOption(k, C.IPPROTO_TCP, C.TCP_NODELAY));
    }
    return out(getSocketOption(k, level, optname));
  } catch (err) {
    throw recordError("getsockopt", err);
  }
}
