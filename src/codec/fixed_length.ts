/**
 * {@linkcode FixedLengthCodec}: frames of one size (Netty's `FixedLengthFrameDecoder`).
 *
 * ```
 * fixed:3   "abcdefg"  ->  "abc", "def"   ("g" waits; at end of stream: IncompleteFrameError)
 * ```
 *
 * @module
 */
import { FrameCodec } from "./frame_codec.ts";
import { type FixedOptions, resolveFrameOptions } from "./spec.ts";
import { resolveKind } from "./_kind.ts";

/**
 * A fixed-size frame codec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "../buffer/io_buffer.ts";
 * import { FixedLengthCodec } from "./fixed_length.ts";
 * using codec = new FixedLengthCodec("fixed:2");
 * using buf = IOBuffer.from(new Uint8Array([1, 2, 3]));
 * assert.deepEqual(codec.decode(buf), new Uint8Array([1, 2]));
 * assert.equal(codec.decode(buf), null);
 * assert.throws(() => codec.decodeEof(buf), { name: "IncompleteFrameError" });
 * assert.throws(() => codec.encode(new Uint8Array(3)), RangeError);
 * ```
 */
export class FixedLengthCodec extends FrameCodec {
  /** The resolved options. */
  declare readonly options: Required<FixedOptions>;

  /**
   * Creates the FixedLengthCodec.
   *
   * @param options A spec text (`"fixed:128"`) or {@linkcode FixedOptions}.
   * @throws {FrameSpecSyntaxError} / {TypeError} / {RangeError} for bad options.
   */
  constructor(options: string | Omit<FixedOptions, "kind"> & { kind?: "fixed" }) {
    super(resolveKind(resolveFrameOptions, options, "fixed", "FixedLengthCodec"));
  }

  /**
   * None: a fixed-size frame has no header.
   *
   * @returns The number of bytes.
   */
  protected headerBytes(): number {
    return 2;
  }

  /**
   * Encode one frame: the payload itself, which must have the fixed size.
   *
   * @param payload The frame's content.
   * @returns A copy of it.
   * @throws {RangeError} for a payload of another size.
   */
  encode(payload: Uint8Array): Uint8Array {
    const n = this.options.frameLength;
    if (payload.length !== n) {
      throw new RangeError(
        `Cannot encode frame: payload is ${payload.length} bytes, fixed size is ${n} bytes`,
      );
    }
    return payload.slice();
  }
}
