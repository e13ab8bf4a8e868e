/**
 * Errors thrown by socket options, close semantics and TCP diagnostics (the FFI layer).
 *
 * They extend the `Deno.errors.*` class that fits, so `instanceof Deno.errors.NotCapable`,
 * `instanceof Deno.errors.BadResource` and `instanceof Deno.errors.NotSupported` keep working,
 * and carry structured fields. This file uses `Deno.errors`, so it is not runtime-neutral and
 * lives beside the socket layer rather than in `errors.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FfiPermissionError } from "./errors.ts";
 * const e = new FfiPermissionError("set socket options");
 * assert.ok(e instanceof Deno.errors.NotCapable);
 * assert.match(e.message, /--allow-ffi/);
 * ```
 *
 * @module
 */

/**
 * A `setsockopt`/`getsockopt`/`ioctl` call failed in the kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SocketOptionError } from "./errors.ts";
 * const e = new SocketOptionError("keepAlive", 22, "EINVAL", "Cannot set keepAlive: EINVAL (errno 22)");
 * assert.ok(e.errno === 22 && e.code === "EINVAL" && e.option === "keepAlive");
 * ```
 */
export class SocketOptionError extends Error {
  /** The option name (`"receiveBufferSize"`) or raw `"level/name"` (`"1/8"`). */
  readonly option: string;
  /** The errno number reported by libc. */
  readonly errno: number;
  /** The errno name (`"EINVAL"`), or `"E<number>"` when unknown. */
  readonly code: string;
  /** Builds the error from the option, the errno and its name, and the message. */
  constructor(
    option: string,
    errno: number,
    code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "SocketOptionError";
    this.option = option;
    this.errno = errno;
    this.code = code;
  }
}

/**
 * The process was started without `--allow-ffi`, which socket options, abortive close and
 * TCP diagnostics need. The runtime's `NotCapable` error is the `cause`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FfiPermissionError } from "./errors.ts";
 * assert.ok(new FfiPermissionError("read TCP_INFO") instanceof Deno.errors.NotCapable);
 * ```
 */
export class FfiPermissionError extends Deno.errors.NotCapable {
  /** The operation that needed FFI. */
  readonly operation: string;
  /** Builds the error for the operation that needed `--allow-ffi`. */
  constructor(operation: string, options?: ErrorOptions) {
    super(
      `Cannot ${operation}: FFI is not permitted; run with --allow-ffi (socket options, abortive close and tcpInfo call libc)`,
      options,
    );
    this.name = "FfiPermissionError";
    this.operation = operation;
  }
}

/**
 * libc could not be loaded with `Deno.dlopen` (for example a musl system whose libc has an
 * unexpected name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LibcNotFoundError } from "./errors.ts";
 * const e = new LibcNotFoundError(["libc.so.6"]);
 * assert.deepEqual(e.tried, ["libc.so.6"]);
 * ```
 */
export class LibcNotFoundError extends Error {
  /** The library names that were tried. */
  readonly tried: readonly string[];
  /** Builds the error from the library paths that were tried. */
  constructor(tried: readonly string[], options?: ErrorOptions) {
    super(
      `Cannot load libc: tried ${
        tried.join(", ")
      }; socket options need glibc (libc.so.6) or macOS libSystem`,
      options,
    );
    this.name = "LibcNotFoundError";
    this.tried = tried;
  }
}

/**
 * Why a socket's descriptor could not be used: it was `"closed"`, its number now belongs to
 * another socket (`"reused"`), no open descriptor matches the socket's addresses
 * (`"not-found"`), or several do (`"ambiguous"`).
 */
export type DescriptorProblem = "closed" | "reused" | "not-found" | "ambiguous";

/**
 * The socket's descriptor is gone or cannot be told apart from another one. Nothing was
 * changed on any socket. Extends `Deno.errors.BadResource`, which Deno throws for a closed
 * resource.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StaleDescriptorError } from "./errors.ts";
 * const e = new StaleDescriptorError("reused", 7);
 * assert.ok(e instanceof Deno.errors.BadResource && e.fd === 7 && e.problem === "reused");
 * ```
 */
export class StaleDescriptorError extends Deno.errors.BadResource {
  /** What is wrong. */
  readonly problem: DescriptorProblem;
  /** The descriptor number involved, or -1 when none was found. */
  readonly fd: number;
  /** Builds the error from the problem, the descriptor and an optional detail. */
  constructor(problem: DescriptorProblem, fd: number, detail = "", options?: ErrorOptions) {
    const what = {
      closed: "the socket is closed",
      reused: "its descriptor now belongs to another socket (the socket was closed)",
      "not-found": "no open descriptor matches its addresses (is it closed?)",
      ambiguous: "several open descriptors match its addresses",
    }[problem];
    super(
      `Cannot find socket descriptor: ${what}${detail ? `; ${detail}` : ""}, fd ${fd}`,
      options,
    );
    this.name = "StaleDescriptorError";
    this.problem = problem;
    this.fd = fd;
  }
}

/**
 * A feature or option does not exist on this platform (Windows for every FFI feature,
 * `SO_CONDITIONAL_ACCEPT` everywhere but Windows, `TCP_QUICKACK` on macOS).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnsupportedPlatformError } from "./errors.ts";
 * const e = new UnsupportedPlatformError("SO_CONDITIONAL_ACCEPT", "linux", "it is Windows-only");
 * assert.ok(e instanceof Deno.errors.NotSupported && e.os === "linux");
 * ```
 */
export class UnsupportedPlatformError extends Deno.errors.NotSupported {
  /** The feature or option. */
  readonly feature: string;
  /** The OS it was asked for on. */
  readonly os: string;
  /** Builds the error for a feature the OS lacks, with an optional reason. */
  constructor(feature: string, os: string, reason = "", options?: ErrorOptions) {
    super(`Cannot use ${feature}: not supported on ${os}${reason ? ` (${reason})` : ""}`, options);
    this.name = "UnsupportedPlatformError";
    this.feature = feature;
    this.os = os;
  }
}
