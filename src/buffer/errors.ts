/**
 * The error of {@linkcode IOBuffer} growth past its maximum capacity. Runtime-neutral.
 *
 * @module
 */

/**
 * A buffer would grow past its maximum capacity (the successor of `CNetIOBuffer`'s silent
 * `FALSE`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferOverflowError } from "./errors.ts";
 * const e = new BufferOverflowError(2_000_000, 1_048_576);
 * assert.ok(e instanceof RangeError);
 * assert.equal(e.requested, 2_000_000);
 * ```
 */
export class BufferOverflowError extends RangeError {
  /** The capacity the operation needed. */
  readonly requested: number;
  /** The buffer's maximum capacity. */
  readonly maxCapacity: number;
  /**
   * Creates the error.
   *
   * @param requested The capacity the operation needed.
   * @param maxCapacity The buffer's maximum capacity.
   * @param message The message; default: says both numbers.
   */
  constructor(requested: number, maxCapacity: number, message?: string) {
    super(
      message ??
        `Cannot grow buffer: ${requested} bytes needed, maximum capacity is ${maxCapacity} bytes`,
    );
    this.name = "BufferOverflowError";
    this.requested = requested;
    this.maxCapacity = maxCapacity;
  }
}
