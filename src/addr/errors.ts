/**
 * The errors of address parsing and packing. Runtime-neutral (no `Deno.*`).
 *
 * @module
 */

/**
 * An address text could not be parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AddressSyntaxError } from "./errors.ts";
 * const e = new AddressSyntaxError("Cannot parse address: unexpected character at position 3", "1.2x", 3);
 * assert.ok(e instanceof SyntaxError);
 * assert.equal(e.position, 3);
 * ```
 */
export class AddressSyntaxError extends SyntaxError {
  /** The text that failed to parse. */
  readonly input: string;
  /** Zero-based index of the first offending character (`input.length` if text ended early). */
  readonly position: number;
  /**
   * Creates the error.
   *
   * @param message The message, `Cannot parse address "...": ...`.
   * @param input The text that failed to parse.
   * @param position Index of the first offending character.
   */
  constructor(message: string, input: string, position: number) {
    super(message);
    this.name = "AddressSyntaxError";
    this.input = input;
    this.position = position;
  }
}

/**
 * An operation was given an address family it does not support (C: `EAFNOSUPPORT`, errno 97
 * on Linux). `inet_pton(3, "1.2.3.4")` throws it where C returns -1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AddressFamilyError } from "./errors.ts";
 * const e = new AddressFamilyError("inet_pton", 3);
 * assert.ok(e instanceof RangeError);
 * assert.equal(e.family, 3);
 * assert.equal(e.code, "EAFNOSUPPORT");
 * assert.equal(e.message, "Cannot inet_pton: address family not supported, expected AF_INET (2) or AF_INET6 (10), got 3");
 * ```
 */
export class AddressFamilyError extends RangeError {
  /** The family that was given (a number such as `AF_UNIX`, or whatever the caller passed). */
  readonly family: unknown;
  /** The C error name, `"EAFNOSUPPORT"`. */
  readonly code = "EAFNOSUPPORT";
  /**
   * Creates the error.
   *
   * @param operation The operation, for the message (`"inet_pton"`).
   * @param family The family that was given.
   * @param message The message; default: names the operation and the families it takes.
   */
  constructor(operation: string, family: unknown, message?: string) {
    super(
      message ??
        `Cannot ${operation}: address family not supported, expected AF_INET (2) or AF_INET6 (10), got ${
          String(family)
        }`,
    );
    this.name = "AddressFamilyError";
    this.family = family;
  }
}
