/**
 * The errors of the frame codecs and the stream readers. They carry fields, not just a
 * message, and extend the standard class that fits. Runtime-neutral (no `Deno.*`).
 *
 * @module
 */

/**
 * A peer's frame is longer than the decoder's maximum: its declared length, or the bytes seen
 * without a delimiter. (A caller's payload too long to encode is a
 * {@linkcode PayloadTooLongError}.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameTooLongError } from "./errors.ts";
 * const e = new FrameTooLongError(70000, 65536);
 * assert.ok(e.message === "Cannot decode frame: declared length 70000 bytes exceeds maximum of 65536 bytes");
 * ```
 */
export class FrameTooLongError extends RangeError {
  /** The length the frame declared (or the bytes seen so far without a delimiter). */
  readonly frameLength: number;
  /** The configured maximum. */
  readonly maxFrameLength: number;
  /**
   * Creates the error.
   *
   * @param frameLength The length the frame declared (or the bytes seen without a delimiter).
   * @param maxFrameLength The configured maximum.
   * @param message Replaces the default message.
   */
  constructor(frameLength: number, maxFrameLength: number, message?: string) {
    super(
      message ??
        `Cannot decode frame: declared length ${frameLength} bytes exceeds maximum of ${maxFrameLength} bytes`,
    );
    this.name = "FrameTooLongError";
    this.frameLength = frameLength;
    this.maxFrameLength = maxFrameLength;
  }
}

/**
 * A caller asked to encode a payload its codec cannot carry: over the codec's maximum, or
 * too big for the length field. This is the caller's mistake, not the peer's: a peer's
 * oversized frame is a {@linkcode FrameTooLongError}. Nothing is written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PayloadTooLongError } from "./errors.ts";
 * const e = new PayloadTooLongError(300, 255);
 * assert.ok(e instanceof RangeError);
 * assert.equal(e.message, "Cannot encode frame: payload of 300 bytes exceeds maximum of 255 bytes");
 * ```
 */
export class PayloadTooLongError extends RangeError {
  /** The payload's length in bytes. */
  readonly payloadLength: number;
  /** The most the codec can carry (its maximum, or what the length field can hold). */
  readonly maxPayloadLength: number;
  /**
   * Creates the PayloadTooLongError.
   *
   * @param payloadLength The payload's length in bytes.
   * @param maxPayloadLength The most the codec can carry.
   * @param message Replaces the default message.
   */
  constructor(payloadLength: number, maxPayloadLength: number, message?: string) {
    super(
      message ??
        `Cannot encode frame: payload of ${payloadLength} bytes exceeds maximum of ${maxPayloadLength} bytes`,
    );
    this.name = "PayloadTooLongError";
    this.payloadLength = payloadLength;
    this.maxPayloadLength = maxPayloadLength;
  }
}

/**
 * The stream ended before the requested number of bytes (or the delimiter) arrived.
 * `partial` holds every byte that did arrive: nothing received is lost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IncompleteReadError } from "./errors.ts";
 * const e = new IncompleteReadError(new Uint8Array(3), 8);
 * assert.ok(e.partial.length === 3 && e.expected === 8);
 * ```
 */
export class IncompleteReadError extends Error {
  /** The bytes read before the end of the stream. */
  readonly partial: Uint8Array;
  /** The number of bytes that were expected, or `null` when reading up to a delimiter. */
  readonly expected: number | null;
  /**
   * Creates the error.
   *
   * @param partial The bytes received before the end of the stream.
   * @param expected The bytes expected, or `null` when reading up to a delimiter.
   * @param message Replaces the default message.
   */
  constructor(partial: Uint8Array, expected: number | null, message?: string) {
    super(
      message ??
        (expected === null
          ? `Cannot read until delimiter: stream ended after ${partial.length} bytes`
          : `Cannot read exactly ${expected} bytes: stream ended after ${partial.length} bytes`),
    );
    this.name = "IncompleteReadError";
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * A read up to a delimiter went past its limit without finding it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LimitOverrunError } from "./errors.ts";
 * const e = new LimitOverrunError(4096, 4096);
 * assert.ok(e.consumed === 4096);
 * ```
 */
export class LimitOverrunError extends Error {
  /** Bytes examined (and still buffered) when the limit was hit. */
  readonly consumed: number;
  /** The limit. */
  readonly limit: number;
  /**
   * Creates the error.
   *
   * @param consumed Bytes read without finding the delimiter.
   * @param limit The limit.
   * @param message Replaces the default message.
   */
  constructor(consumed: number, limit: number, message?: string) {
    super(
      message ??
        `Cannot find delimiter: scanned ${consumed} bytes, limit is ${limit} bytes`,
    );
    this.name = "LimitOverrunError";
    this.consumed = consumed;
    this.limit = limit;
  }
}

/**
 * A frame is malformed: a length that is negative after adjustment, a header stripped past
 * the frame's end, a varint longer than 10 bytes, a bare LF in strict CRLF mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameCorruptError } from "./errors.ts";
 * const e = new FrameCorruptError("adjusted length is negative", 0);
 * assert.ok(e.reason === "adjusted length is negative" && e.offset === 0);
 * ```
 */
export class FrameCorruptError extends Error {
  /** What is wrong with the frame. */
  readonly reason: string;
  /** Offset in the stream (bytes since the decoder started) where the bad frame begins. */
  readonly offset: number;
  /**
   * Creates the error.
   *
   * @param reason What is wrong with the frame.
   * @param offset Stream offset where the bad frame begins.
   * @param message Replaces the default message.
   */
  constructor(reason: string, offset: number, message?: string) {
    super(message ?? `Cannot decode frame: ${reason} at stream offset ${offset}`);
    this.name = "FrameCorruptError";
    this.reason = reason;
    this.offset = offset;
  }
}

/**
 * The stream ended in the middle of a frame: `leftover` bytes were received that do not
 * make a whole frame. They are not lost: `partial` holds them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IncompleteFrameError } from "./errors.ts";
 * const e = new IncompleteFrameError(new Uint8Array(6));
 * assert.ok(e.leftover === 6 && e.message === "Cannot decode frame: stream ended with 6 bytes of an incomplete frame");
 * ```
 */
export class IncompleteFrameError extends Error {
  /** Number of bytes left over at the end of the stream. */
  readonly leftover: number;
  /** The leftover bytes themselves. */
  readonly partial: Uint8Array;
  /**
   * Creates the error.
   *
   * @param partial The bytes left over.
   * @param message Replaces the default message.
   */
  constructor(partial: Uint8Array, message?: string) {
    super(
      message ??
        `Cannot decode frame: stream ended with ${partial.length} bytes of an incomplete frame`,
    );
    this.name = "IncompleteFrameError";
    this.leftover = partial.length;
    this.partial = partial;
  }
}

/**
 * A frame spec text (`len:u32be,max=64KiB`) could not be parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameSpecSyntaxError } from "./errors.ts";
 * const e = new FrameSpecSyntaxError("Cannot parse frame spec: unknown kind \"lenn\" at position 0", "lenn", 0);
 * assert.ok(e instanceof SyntaxError && e.position === 0);
 * ```
 */
export class FrameSpecSyntaxError extends SyntaxError {
  /** The spec text. */
  readonly input: string;
  /** Zero-based index of the offending character. */
  readonly position: number;
  /**
   * Creates the error.
   *
   * @param message The message (says what and where).
   * @param input The spec text.
   * @param position Zero-based index of the offending character.
   */
  constructor(message: string, input: string, position: number) {
    super(message);
    this.name = "FrameSpecSyntaxError";
    this.input = input;
    this.position = position;
  }
}
