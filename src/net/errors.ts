/**
 * Deno-specific socket errors. Each one extends the `Deno.errors` class the runtime would
 * throw for the same condition, so `instanceof Deno.errors.TimedOut` (and the others) keeps
 * working, and each carries the errno name in `code` so {@linkcode explainError} reads it.
 *
 * Needs no permissions.
 *
 * @module
 */

import { type ErrorExplanation, explainError } from "../errno/error_table.ts";

/** The operation a socket timeout applies to. */
export type TimeoutOperation =
  | "connect"
  | "read"
  | "write"
  | "idle"
  | "receive"
  | "send"
  | "accept";

/**
 * A socket operation did not finish within its timeout (the seeds' `SO_RCVTIMEO` /
 * `SO_SNDTIMEO`, a connect timeout, or an idle timeout). It is a `Deno.errors.TimedOut`, with
 * `code` `"ETIMEDOUT"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SocketTimeoutError } from "./errors.ts";
 * const e = new SocketTimeoutError("read", 100);
 * assert.ok(e instanceof Deno.errors.TimedOut);
 * assert.equal(e.message, "Cannot read: timed out after 100 ms");
 * assert.equal(e.code, "ETIMEDOUT");
 * ```
 */
export class SocketTimeoutError extends Deno.errors.TimedOut {
  /** What timed out. */
  readonly operation: TimeoutOperation;
  /** The timeout in milliseconds. */
  readonly timeout: number;
  /** Always `"ETIMEDOUT"`. */
  readonly code = "ETIMEDOUT";
  /** Builds the error for the operation that ran past `timeout` ms. */
  constructor(operation: TimeoutOperation, timeout: number, detail?: string) {
    super(`Cannot ${operation}${detail ? ` ${detail}` : ""}: timed out after ${timeout} ms`);
    this.name = "SocketTimeoutError";
    this.operation = operation;
    this.timeout = timeout;
  }
}

/**
 * A socket was used in a state that does not allow the call: `send()` on an unconnected UDP
 * socket (`EDESTADDRREQ`), a write after `closeWrite()` (`ESHUTDOWN`), or any call after
 * `close()` (`EBADF`, as a `Deno.errors.BadResource`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SocketStateError } from "./errors.ts";
 * const e = new SocketStateError("Cannot write: the socket was closed", "EBADF");
 * assert.ok(e instanceof Deno.errors.BadResource);
 * assert.equal(e.code, "EBADF");
 * ```
 */
export class SocketStateError extends Deno.errors.BadResource {
  /** The errno name that describes the state (`EBADF`, `ESHUTDOWN`, `EDESTADDRREQ`, `EISCONN`). */
  readonly code: string;
  /** Builds the error from its message and errno-style code. */
  constructor(message: string, code: string) {
    super(message);
    this.name = "SocketStateError";
    this.code = code;
  }
}

/** Context that sockkit attaches to a runtime error without changing its class. */
export interface SocketErrorContext {
  /** The operation that failed (`"connect"`, `"read"`, `"listen"`, ...). */
  operation: string;
  /** The address involved, as `host:port` or a Unix path. */
  address?: string;
}

/** A runtime error with the fields sockkit attached. */
export type AnnotatedError = Error & {
  operation?: string;
  address?: string;
  code?: string;
  explanation?: ErrorExplanation;
};

/**
 * Attach `operation`, `address`, `code` (the errno name, when known) and `explanation` (the
 * seeds' vocabulary: errno and Winsock names and numbers) to an error the runtime threw. The
 * error object and its class stay the same, so `instanceof Deno.errors.ConnectionRefused`
 * still works.
 *
 * @param err The thrown value; non-errors are returned unchanged.
 * @param ctx What sockkit was doing.
 * @returns The same `err`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { annotateError } from "./errors.ts";
 * const e = annotateError(new Deno.errors.ConnectionRefused("refused"), { operation: "connect", address: "127.0.0.1:1" });
 * assert.ok(e instanceof Deno.errors.ConnectionRefused);
 * assert.equal(e.code, "ECONNREFUSED");
 * assert.equal(e.explanation?.wsaName, "WSAECONNREFUSED");
 * ```
 */
export function annotateError<T>(err: T, ctx: SocketErrorContext): T & AnnotatedError {
  if (!(err instanceof Error)) return err as T & AnnotatedError;
  const e = err as Error & AnnotatedError;
  try {
    if (e.operation === undefined) e.operation = ctx.operation;
    if (e.address === undefined && ctx.address !== undefined) e.address = ctx.address;
    const ex = explainError(e);
    if (ex) {
      if (e.explanation === undefined) e.explanation = ex;
      if (e.code === undefined && ex.name) e.code = ex.name;
    }
  } catch {
    // Frozen or exotic error objects: leave them as they are.
  }
  return e as T & AnnotatedError;
}
