/**
 * {@linkcode DelimiterCodec}: frames ended by one of up to 8 byte sequences (Netty's
 * `DelimiterBasedFrameDecoder`). The earliest match in the stream wins; when two delimiters
 * match at the same place, the first one listed. The maximum counts the bytes before the
 * delimiter.
 *
 * ```
 * delim:;        "a;bc;"          ->  "a", "bc"
 * delim:\r\n|\n  "a\r\nb\n"       ->  "a", "b"
 * delim:;,keep   "a;bc;"          ->  "a;", "bc;"
 * delim:;,max=2,discard "abc;d;"  ->  FrameTooLongError, "d"
 * ```
 *
 * @module
 */
import { FrameCodec } from "./frame_codec.ts";
import { FrameTooLongError } from "./errors.ts";
import { type DelimiterOptions, resolveFrameOptions } from "./spec.ts";
import { resolveKind } from "./_kind.ts";
import { indexOfSequence } from "./_search.ts";
import { Status } from "../../wasm/status.ts";

/**
 * A delimiter codec. The encoder appends the first delimiter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "../buffer/io_buffer.ts";
 * import { DelimiterCodec } from "./delimiter.ts";
 * using codec = new DelimiterCodec("delim:\\r\\n|\\n");
 * using buf = IOBuffer.from(new TextEncoder().encode("a\r\nb\nc"));
 * assert.equal(new TextDecoder().decode(codec.decode(buf)!), "a");
 * assert.equal(new TextDecoder().decode(codec.decode(buf)!), "b");
 * assert.equal(codec.decode(buf), null);
 * assert.deepEqual(codec.encode(new Uint8Array([65])), new Uint8Array([65, 13, 10]));
 * ```
 */
export class DelimiterCodec extends FrameCodec {
  /** The resolved options. */
  declare readonly options: Required<DelimiterOptions>;

  /**
   * Creates the DelimiterCodec.
   *
   * @param options A spec text (`"delim:\\r\\n|\\n"`) or {@linkcode DelimiterOptions}.
   * @throws {FrameSpecSyntaxError} / {TypeError} / {RangeError} for bad options.
   */
  constructor(options: string | Omit<DelimiterOptions, "kind"> & { kind?: "delimiter" }) {
    super(resolveKind(resolveFrameOptions, options, "delimiter", "DelimiterCodec"));
  }

  /**
   * The longest delimiter: the most bytes a frame has beyond its payload.
   *
   * @returns The number of bytes.
   */
  protected headerBytes(): number {
    return 32;
  }

  /**
   * The error for a core status, naming this framing's cases: a frame with no delimiter within `maxFrameLength`.
   *
   * @param status The core status.
   * @param offset Stream offset of the bad frame.
   * @param length The declared (or seen) length.
   * @returns The error to throw.
   */
  protected override describeError(status: number, offset: number, length: number): Error {
    if (status === Status.FRAME_TOO_LONG) {
      const max = this.options.maxFrameLength;
      return new FrameTooLongError(
        length,
        max,
        `Cannot decode frame: no delimiter within ${length} bytes, maximum is ${max} bytes`,
      );
    }
    return super.describeError(status, offset, length);
  }

  /**
   * Encode one frame: the payload and the first delimiter.
   *
   * @param payload The frame's content.
   * @returns A new array.
   * @throws {PayloadTooLongError} over the maximum; {RangeError} when it holds the delimiter.
   */
  encode(payload: Uint8Array): Uint8Array {
    this.checkPayload(payload.length);
    const t = this.options.delimiters[0];
    if (indexOfSequence(payload, t) >= 0) {
      throw new RangeError("Cannot encode frame: payload contains the delimiter");
    }
    const out = new Uint8Array(payload.length + t.length);
    out.set(payload, 0);
    out.set(t, payload.length);
    return out;
  }
}
