/**
 * `recvmmsg`/`sendmmsg` (and `sendmsg` with `UDP_SEGMENT`) through FFI for the batched UDP
 * path, and the `struct mmsghdr`/`cmsghdr` layout per OS. Linux only: macOS has no public `recvmmsg`/`sendmmsg`, so {@linkcode mmsgLayoutFor}
 * returns `null` there and the caller keeps the per-datagram path.
 *
 * Both symbols are synchronous and always called with `MSG_DONTWAIT`: they never wait for
 * data or buffer space, so they never block the thread that runs JS; waiting is left to
 * Deno's own `receive()`/`send()` on the same socket (see docs/udp_batching.md). `errno` is
 * read right after a failing call, before any other JS runs.
 *
 * Nothing is loaded at import time; {@linkcode mmsg} opens the library on first use.
 *
 * Needs `--allow-ffi` on first use.
 *
 * @example The layout on x86_64 Linux
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmsgLayoutFor } from "./mmsg.ts";
 * const L = mmsgLayoutFor("linux", "x86_64")!;
 * assert.equal(L.mmsghdrSize, 64);
 * assert.equal(L.msgLen, 56);
 * assert.equal(mmsgLayoutFor("darwin", "aarch64"), null);
 * ```
 *
 * @module
 */

import { constantsFor } from "./constants.ts";
import { ffiGranted } from "./libc.ts";
import { FfiPermissionError, LibcNotFoundError } from "../sockopt/errors.ts";

/** Byte offsets of `struct msghdr`, `struct mmsghdr` and `struct iovec`, plus the flags used. */
export interface MmsgLayout {
  /** `sizeof(struct mmsghdr)`. */
  readonly mmsghdrSize: number;
  /** `msg_hdr.msg_name` (a pointer). */
  readonly msgName: number;
  /** `msg_hdr.msg_namelen` (`socklen_t`, u32). */
  readonly msgNamelen: number;
  /** `msg_hdr.msg_iov` (a pointer). */
  readonly msgIov: number;
  /** `msg_hdr.msg_iovlen` (`size_t`). */
  readonly msgIovlen: number;
  /** `msg_hdr.msg_control` (a pointer). */
  readonly msgControl: number;
  /** `msg_hdr.msg_controllen` (`size_t`). */
  readonly msgControllen: number;
  /** `msg_hdr.msg_flags` (int). */
  readonly msgFlags: number;
  /** `msg_len` (unsigned int): bytes received or sent for this message. */
  readonly msgLen: number;
  /** `sizeof(struct iovec)`: `iov_base` at 0, `iov_len` (`size_t`) at 8. */
  readonly iovecSize: number;
  /** `MSG_DONTWAIT`. */
  readonly MSG_DONTWAIT: number;
  /** `MSG_TRUNC` (set in `msg_flags` when a datagram was longer than its buffer). */
  readonly MSG_TRUNC: number;
  /** `EAGAIN` (= `EWOULDBLOCK` on Linux). */
  readonly EAGAIN: number;
  /** `EINTR`. */
  readonly EINTR: number;
  /** `SOL_UDP` (the level of `UDP_SEGMENT`). */
  readonly SOL_UDP: number;
  /** `UDP_SEGMENT`: a `sendmsg` control message asking the kernel to cut the payload into datagrams of this many bytes (GSO). */
  readonly UDP_SEGMENT: number;
  /** `CMSG_SPACE(sizeof(uint16_t))`: the control buffer for `UDP_SEGMENT`. */
  readonly cmsgSpaceU16: number;
  /** `CMSG_LEN(sizeof(uint16_t))`: its `cmsg_len`. */
  readonly cmsgLenU16: number;
  /** Offsets in `struct cmsghdr`: `cmsg_level`, `cmsg_type`, data. (`cmsg_len` is a `size_t` at 0.) */
  readonly cmsgLevel: number;
  /** `cmsg_type` offset. */
  readonly cmsgType: number;
  /** `CMSG_DATA` offset. */
  readonly cmsgData: number;
  /** Most segments one `UDP_SEGMENT` send may carry (`UDP_MAX_SEGMENTS`; 64 before Linux 6.x raised it). */
  readonly maxSegments: number;
}

/** Linux on LP64 (x86_64, aarch64): `msghdr` is 56 bytes, `mmsghdr` 64. */
export const LINUX_LP64_MMSG: MmsgLayout = Object.freeze({
  mmsghdrSize: 64,
  msgName: 0,
  msgNamelen: 8,
  msgIov: 16,
  msgIovlen: 24,
  msgControl: 32,
  msgControllen: 40,
  msgFlags: 48,
  msgLen: 56,
  iovecSize: 16,
  MSG_DONTWAIT: 0x40,
  MSG_TRUNC: 0x20,
  EAGAIN: 11,
  EINTR: 4,
  SOL_UDP: 17,
  UDP_SEGMENT: 103,
  cmsgSpaceU16: 24,
  cmsgLenU16: 18,
  cmsgLevel: 8,
  cmsgType: 12,
  cmsgData: 16,
  maxSegments: 64,
});

/**
 * The `mmsghdr` layout for an OS and architecture, or `null` where there is no
 * `recvmmsg`/`sendmmsg` (macOS, Windows) or the layout is not known (32-bit).
 *
 * @param os `Deno.build.os` (default: the running OS).
 * @param arch `Deno.build.arch` (default: the running architecture).
 * @returns The layout, or `null`.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LINUX_LP64_MMSG, mmsgLayoutFor } from "./mmsg.ts";
 * assert.equal(mmsgLayoutFor("linux", "aarch64"), LINUX_LP64_MMSG);
 * assert.equal(mmsgLayoutFor("windows", "x86_64"), null);
 * ```
 */
export function mmsgLayoutFor(
  os: string = Deno.build.os,
  arch: string = Deno.build.arch,
): MmsgLayout | null {
  if (os === "linux" && (arch === "x86_64" || arch === "aarch64")) return LINUX_LP64_MMSG;
  return null;
}

/** The opened symbols. */
export interface Mmsg {
  /** The layout for this OS. */
  readonly L: MmsgLayout;
  /** `int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout)` (timeout NULL). */
  recvmmsg(fd: number, vec: Uint8Array, vlen: number, flags: number): number;
  /** `int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)`. */
  sendmmsg(fd: number, vec: Uint8Array, vlen: number, flags: number): number;
  /** `ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)` (the result fits 32 bits: at most 64 KiB or -1). */
  sendmsg(fd: number, msg: Uint8Array, flags: number): number;
  /** The calling thread's `errno`; read it right after a `-1`. */
  errno(): number;
  /** The address of an `ArrayBuffer`'s first byte (stable: it must be larger than 64 bytes, so off the V8 heap). */
  addressOf(buf: ArrayBuffer): bigint;
}

let opened: Mmsg | undefined;

/**
 * Open `recvmmsg`/`sendmmsg` on first use (cached afterwards).
 *
 * @returns The symbols, or a reason why the batched path is not available here.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 * @throws {LibcNotFoundError} When libc does not load.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmsg } from "./mmsg.ts";
 * const m = mmsg();
 * if (typeof m !== "string") {
 *   assert.equal(m.recvmmsg(-1, new Uint8Array(64), 1, m.L.MSG_DONTWAIT), -1);
 *   assert.equal(m.errno(), 9); // EBADF
 * }
 * ```
 */
export function mmsg(): Mmsg | string {
  if (opened) return opened;
  const L = mmsgLayoutFor();
  if (L === null) {
    return `no recvmmsg/sendmmsg on ${Deno.build.os} ${Deno.build.arch}`;
  }
  if (!ffiGranted()) throw new FfiPermissionError("load recvmmsg/sendmmsg");
  const C = constantsFor();
  let lastError: unknown;
  for (const name of C.libc) {
    try {
      const lib = Deno.dlopen(name, {
        recvmmsg: { parameters: ["i32", "buffer", "u32", "i32", "pointer"], result: "i32" },
        sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
        sendmsg: { parameters: ["i32", "buffer", "i32"], result: "i32" },
        errnoLocation: { name: C.errnoLocation, parameters: [], result: "pointer" },
      });
      const ptr = lib.symbols.errnoLocation();
      if (ptr === null) throw new Error("errno location is NULL");
      const view = new Deno.UnsafePointerView(ptr);
      const S = lib.symbols;
      return opened = {
        L,
        recvmmsg: (fd, vec, vlen, flags) => S.recvmmsg(fd, vec, vlen, flags, null),
        sendmmsg: (fd, vec, vlen, flags) => S.sendmmsg(fd, vec, vlen, flags),
        sendmsg: (fd, msg, flags) => S.sendmsg(fd, msg, flags),
        errno: () => view.getInt32(0),
        addressOf(buf) {
          if (buf.byteLength <= 64) {
            throw new RangeError(
              `Cannot take the address of a buffer: ${buf.byteLength} bytes may live on the V8 heap and move; need more than 64`,
            );
          }
          return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
        },
      };
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable) {
        throw new FfiPermissionError("load recvmmsg/sendmmsg", { cause: e });
      }
      lastError = e;
    }
  }
  throw new LibcNotFoundError([...C.libc], { cause: lastError });
}
