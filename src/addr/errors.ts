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
 * import { AddressSyntaxError } from "./errors.ts";
 * const e = new AddressSyntaxError("Cannot parse address: unexpected character at position 3", "1.2x", 3);
 * console.assert(e instanceof SyntaxError && e.position === 3);
 * ```
 */
export class AddressSyntaxError extends SyntaxError {
  /** The text that failed to parse. */
  readonly input: string;
  /** Zero-based index of the first offending character (`input.length` if text ended early). */
  readonly position: number;
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
 * import { AddressFamilyError } from "./errors.ts";
 * const e = new AddressFamilyError("inet_pton", 3);
 * console.assert(e instanceof RangeError && e.family === 3 && e.code === "EAFNOSUPPORT");
 * console.assert(e.message === "Cannot inet_pton: address family not supported, expected AF_INET (2) or AF_INET6 (10), got 3");
 * ```
 */
export class AddressFamilyError extends RangeError {
  /** The family that was given (a number such as `AF_UNIX`, or whatever the caller passed). */
  readonly family: unknown;
  /** The C error name, `"EAFNOSUPPORT"`. */
  readonly code = "EAFNOSUPPORT";
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
