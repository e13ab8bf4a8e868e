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
 * import { BufferOverflowError } from "./errors.ts";
 * const e = new BufferOverflowError(2_000_000, 1_048_576);
 * console.assert(e instanceof RangeError && e.requested === 2_000_000);
 * ```
 */
export class BufferOverflowError extends RangeError {
  /** The capacity the operation needed. */
  readonly requested: number;
  /** The buffer's maximum capacity. */
  readonly maxCapacity: number;
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
