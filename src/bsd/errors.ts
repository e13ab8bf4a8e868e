/**
 * Errors of the bsd module, and the last-error cell behind `WSAGetLastError()` and `errno()`.
 *
 * One design, two styles: every failing call **throws**, and before it throws it stores its
 * code, so a faithful port can print `WSAGetLastError()` or `errno()` in its `catch` exactly
 * where the C program tested for `SOCKET_ERROR`. Every thrown error is `instanceof BsdError`
 * and carries `call`, `errno`, `code`, `wsaCode` and `wsaName`:
 *
 * - errors the bsd module raises itself (`EBADF`, `EOPNOTSUPP`, `WSANOTINITIALISED`, ...) are
 *   real `BsdError` objects;
 * - errors the runtime raised (`Deno.errors.ConnectionRefused`, ...) are rethrown as the same
 *   object with those fields attached, so `instanceof Deno.errors.ConnectionRefused` keeps
 *   working, and `instanceof BsdError` is true for them as well.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BsdError } from "./errors.ts";
 * const e = new BsdError("recv", "EOPNOTSUPP", "Cannot recv: MSG_OOB is not supported");
 * assert.ok(e instanceof BsdError);
 * assert.equal(e.errno, 95);
 * assert.equal(e.wsaCode, 10045);
 * ```
 *
 * @module
 */

import { errnoNumber, type ErrorExplanation, explainError } from "../errno/error_table.ts";

/** The fields every error thrown by a bsd call carries. */
export interface BsdErrorFields {
  /** The call that failed (`"connect"`, `"recv"`, ...). */
  call: string;
  /** The errno number (Linux numbering on Linux), or 0 for Winsock-only codes. */
  errno: number;
  /** The errno name (`"ECONNREFUSED"`), or the Winsock name for Winsock-only codes. */
  code: string;
  /** The Winsock code (10061), as `WSAGetLastError()` returns it. */
  wsaCode: number;
  /** The Winsock name (`"WSAECONNREFUSED"`). */
  wsaName: string;
}

function fieldsFor(code: string, wsaOverride?: string): Omit<BsdErrorFields, "call"> {
  const ex: ErrorExplanation | undefined = explainError(code);
  const wsa = wsaOverride ? explainError(wsaOverride) : ex;
  const errno = ex?.name ? errnoNumber(ex.name) ?? 0 : 0;
  return {
    errno,
    code: ex?.name ?? ex?.wsaName ?? code,
    wsaCode: wsa?.wsaCode ?? 0,
    wsaName: wsa?.wsaName ?? "",
  };
}

/**
 * An error from a bsd call: errno and Winsock codes, and the call's name.
 *
 * `instanceof BsdError` is also true for runtime errors the bsd calls rethrow with the same
 * fields attached (see the module docs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BsdError } from "./errors.ts";
 * const e = new BsdError("recvfrom", "EINVAL", "Cannot recvfrom: the socket is not bound");
 * assert.equal(e.code, "EINVAL");
 * assert.equal(e.wsaName, "WSAEINVAL");
 * assert.equal(e.message, "Cannot recvfrom: the socket is not bound");
 * ```
 */
export class BsdError extends Error implements BsdErrorFields {
  /** The call that failed. */
  call: string;
  /** The errno number, 0 for Winsock-only codes. */
  errno: number;
  /** The errno name, or the Winsock name for Winsock-only codes. */
  code: string;
  /** The Winsock code. */
  wsaCode: number;
  /** The Winsock name. */
  wsaName: string;

  /**
   * Makes the error of a failed call, with the errno and Winsock fields filled in from `code`.
   *
   * @param call The call that failed.
   * @param code An errno name (`"EBADF"`) or a Winsock-only name (`"WSANOTINITIALISED"`).
   * @param message The message (starts with the failed action).
   * @param wsaCode Use this Winsock name instead of the errno's own (non-blocking `connect`
   *   is `EINPROGRESS` on POSIX but `WSAEWOULDBLOCK` on Winsock).
   * @param options `cause`.
   */
  constructor(
    call: string,
    code: string,
    message: string,
    wsaCode?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "BsdError";
    this.call = call;
    const f = fieldsFor(code, wsaCode);
    this.errno = f.errno;
    this.code = f.code;
    this.wsaCode = f.wsaCode;
    this.wsaName = f.wsaName;
  }

  /** True for `BsdError` objects and for runtime errors a bsd call annotated. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (!(x instanceof Error)) return false;
    if (Object.prototype.isPrototypeOf.call(BsdError.prototype, x)) return true;
    const f = x as Partial<BsdErrorFields>;
    return typeof f.call === "string" && typeof f.wsaCode === "number" &&
      typeof f.errno === "number";
  }
}

let lastWsa = 0;
let lastErrno = 0;

function pick(x: { wsaName?: string | null; wsaCode?: number | null } | undefined) {
  return { wsaName: x?.wsaName ?? undefined, wsaCode: x?.wsaCode ?? undefined };
}

/**
 * Record `err` as the last error and return it with the bsd fields attached.
 *
 * @param call The call that failed.
 * @param err A `BsdError` or a runtime error.
 * @returns The same error object, now carrying `call`, `errno`, `code`, `wsaCode`, `wsaName`.
 */
export function recordError(call: string, err: unknown): Error & BsdErrorFields {
  if (err instanceof Error && Object.prototype.isPrototypeOf.call(BsdError.prototype, err)) {
    const b = err as BsdError;
    lastWsa = b.wsaCode;
    lastErrno = b.errno;
    return b;
  }
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & BsdErrorFields;
  const errnoEx = explainError(e);
  // Winsock has no EPIPE: where Linux's send() reports a broken pipe (the peer closed or
  // reset), Windows' send() fails with WSAECONNRESET, so WSAGetLastError() says that.
  const ex = errnoEx?.name === "EPIPE" && !errnoEx.wsaName
    ? { ...errnoEx, ...pick(explainError("WSAECONNRESET")) }
    : errnoEx;
  try {
    e.call = call;
    e.errno = ex?.name ? errnoNumber(ex.name) ?? 0 : 0;
    if (ex?.name && typeof (e as { code?: unknown }).code !== "string") e.code = ex.name;
    if (typeof (e as { code?: unknown }).code !== "string") e.code = ex?.wsaName ?? "EIO";
    e.wsaCode = ex?.wsaCode ?? 0;
    e.wsaName = ex?.wsaName ?? "";
  } catch {
    // A frozen error: keep the codes in the cell only.
  }
  lastWsa = ex?.wsaCode ?? 0;
  lastErrno = ex?.name ? errnoNumber(ex.name) ?? 0 : 0;
  return e;
}

/**
 * Throw a new {@linkcode BsdError} after recording it as the last error.
 *
 * @param call The call.
 * @param code The errno or Winsock-only name.
 * @param message The message.
 * @param wsaCode Winsock name override.
 */
export function fail(call: string, code: string, message: string, wsaCode?: string): never {
  throw recordError(call, new BsdError(call, code, message, wsaCode));
}

/**
 * Winsock's `WSAGetLastError()`: the Winsock code of the last failed bsd call (0 if none).
 *
 * @returns The code, e.g. 10061 for `WSAECONNREFUSED`.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSAGetLastError, WSASetLastError } from "./errors.ts";
 * WSASetLastError(10054);
 * assert.equal(WSAGetLastError(), 10054);
 * WSASetLastError(0);
 * ```
 */
export function WSAGetLastError(): number {
  return lastWsa;
}

/**
 * Winsock's `WSASetLastError(code)`: set the last error (and the matching errno).
 *
 * @param code A Winsock code, or 0 to clear.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errno, WSASetLastError } from "./errors.ts";
 * WSASetLastError(10061);
 * assert.equal(errno(), 111);
 * WSASetLastError(0);
 * ```
 */
export function WSASetLastError(code: number): void {
  lastWsa = code;
  const ex = code ? explainError(code) : undefined;
  lastErrno = ex?.name ? errnoNumber(ex.name) ?? 0 : 0;
}

/**
 * C's `errno` (a function here): the errno number of the last failed bsd call (0 if none, and
 * 0 for Winsock-only codes such as `WSANOTINITIALISED`).
 *
 * @returns The errno number, e.g. 111 for `ECONNREFUSED` on Linux.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errno, WSASetLastError } from "./errors.ts";
 * WSASetLastError(0);
 * assert.equal(errno(), 0);
 * ```
 */
export function errno(): number {
  return lastErrno;
}

/**
 * C's `strerror(n)`: the one-line meaning of an errno number (or a Winsock code).
 *
 * @param n An errno number or a Winsock code (10000 and up).
 * @returns The meaning, or `"Unknown error N"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strerror } from "./errors.ts";
 * assert.ok(strerror(111).startsWith("connection refused"));
 * assert.equal(strerror(99999), "Unknown error 99999");
 * ```
 */
export function strerror(n: number): string {
  return explainError(n)?.meaning ?? `Unknown error ${n}`;
}

/**
 * C's `perror(s)`: print `s: NAME (errno N / WSANAME N): meaning` for the last error to stderr.
 *
 * @param s The prefix, usually the failed call's name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perror, WSASetLastError } from "./errors.ts";
 * const printed: string[] = [];
 * const original = console.error;
 * console.error = (line: string) => printed.push(line);
 * try {
 *   WSASetLastError(10048);
 *   perror("bind");
 *   WSASetLastError(0);
 *   perror("bind");
 * } finally {
 *   console.error = original;
 * }
 * assert.match(printed[0], /^bind: EADDRINUSE \(errno 98 \/ WSAEADDRINUSE 10048\): /);
 * assert.equal(printed[1], "bind: Success");
 * ```
 */
export function perror(s: string): void {
  const ex = lastWsa ? explainError(lastWsa) : lastErrno ? explainError(lastErrno) : undefined;
  const what = ex
    ? `${ex.name ?? ex.wsaName} (errno ${lastErrno}${
      ex.wsaName ? ` / ${ex.wsaName} ${ex.wsaCode}` : ""
    }): ${ex.meaning}`
    : "Success";
  console.error(s ? `${s}: ${what}` : what);
}
