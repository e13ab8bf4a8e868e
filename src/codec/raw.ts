/**
 * {@linkcode RawCodec}: no framing. Whatever bytes are buffered form one frame, at most
 * `maxFrameLength` bytes (the rest comes next).
 *
 * ```
 * raw,max=4   "abcdef"  ->  "abcd", "ef"
 * ```
 *
 * @module
 */
import { FrameCodec } from "./frame_codec.ts";
import { type RawOptions, resolveFrameOptions } from "./spec.ts";
import { resolveKind } from "./_kind.ts";

/**
 * A pass-through codec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "../buffer/io_buffer.ts";
 * import { RawCodec } from "./raw.ts";
 * using codec = new RawCodec("raw,max=4");
 * using buf = IOBuffer.from(new TextEncoder().encode("abcdef"));
 * assert.equal(new TextDecoder().decode(codec.decode(buf)!), "abcd");
 * assert.equal(new TextDecoder().decode(codec.decode(buf)!), "ef");
 * assert.equal(codec.decode(buf), null);
 * ```
 */
export class RawCodec extends FrameCodec {
  /** The resolved options. */
  declare readonly options: Required<RawOptions>;

  /**
   * Creates the RawCodec.
   *
   * @param options A spec text (`"raw,max=64KiB"`) or {@linkcode RawOptions}.
   * @throws {FrameSpecSyntaxError} / {TypeError} / {RangeError} for bad options.
   */
  constructor(options: string | Omit<RawOptions, "kind"> & { kind?: "raw" } = "raw") {
    super(resolveKind(resolveFrameOptions, options, "raw", "RawCodec"));
  }

  /**
   * None: a raw frame has no header.
   *
   * @returns The number of bytes.
   */
  protected headerBytes(): number {
    return 2;
  }

  /**
   * Encode one frame: the payload itself.
   *
   * @param payload The bytes.
   * @returns A copy of them.
   * @throws {PayloadTooLongError} over the maximum.
   */
  encode(payload: Uint8Array): Uint8Array {
    this.checkPayload(payload.length);
    return payload.slice();
  }
}
