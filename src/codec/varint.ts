/**
 * {@linkcode VarintCodec}: frames behind a protobuf base-128 varint length (Netty's
 * `ProtobufVarint32FrameDecoder`, up to 64-bit values here). The prefix is stripped.
 *
 * ```
 * BEFORE DECODE (302 bytes)          AFTER DECODE (300 bytes)
 * +--------+----------------+        +----------------+
 * | Length | Actual Content |------->| Actual Content |
 * | 0xAC02 |  (300 bytes)   |        |  (300 bytes)   |
 * +--------+----------------+        +----------------+
 * ```
 *
 * @module
 */
import { FrameCodec } from "./frame_codec.ts";
import { FrameCorruptError } from "./errors.ts";
import { resolveFrameOptions, type VarintOptions } from "./spec.ts";
import { resolveKind } from "./_kind.ts";
import { Status } from "../../wasm/status.ts";

/**
 * A varint length-prefix codec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "../buffer/io_buffer.ts";
 * import { VarintCodec } from "./varint.ts";
 * using codec = new VarintCodec("varint");
 * const wire = codec.encode(new Uint8Array(300));
 * assert.deepEqual(wire.subarray(0, 2), new Uint8Array([0xac, 0x02]));
 * using buf = IOBuffer.from(wire);
 * assert.equal(codec.decode(buf)?.length, 300);
 * ```
 */
export class VarintCodec extends FrameCodec {
  /** The resolved options. */
  declare readonly options: Required<VarintOptions>;

  /**
   * Creates the VarintCodec.
   *
   * @param options A spec text (`"varint,max=1MiB"`) or {@linkcode VarintOptions}.
   * @throws {FrameSpecSyntaxError} / {TypeError} / {RangeError} for bad options.
   */
  constructor(options: string | Omit<VarintOptions, "kind"> & { kind?: "varint" } = "varint") {
    super(resolveKind(resolveFrameOptions, options, "varint", "VarintCodec"));
  }

  /**
   * The longest varint prefix: 10 bytes.
   *
   * @returns The number of bytes.
   */
  protected headerBytes(): number {
    return 10;
  }

  /**
   * The error for a core status, naming this framing's cases: a varint prefix longer than 10 bytes or over 64 bits.
   *
   * @param status The core status.
   * @param offset Stream offset of the bad frame.
   * @param length The declared (or seen) length.
   * @returns The error to throw.
   */
  protected override describeError(status: number, offset: number, length: number): Error {
    if (status === Status.BAD_VARINT) {
      return new FrameCorruptError(
        "varint length prefix longer than 10 bytes or over 64 bits",
        offset,
      );
    }
    return super.describeError(status, offset, length);
  }

  /**
   * The varint prefix for a payload of `length` bytes.
   *
   * @param length Payload length.
   * @returns A new array with the prefix.
   * @throws {PayloadTooLongError} over the maximum.
   */
  override header(length: number): Uint8Array {
    return this.encodeHeader(length, 8);
  }

  /**
   * Encode one frame: the varint, then the payload.
   *
   * @param payload The frame's content.
   * @returns A new array holding the whole frame.
   * @throws {PayloadTooLongError} over the maximum.
   */
  encode(payload: Uint8Array): Uint8Array {
    const h = this.header(payload.length);
    const out = new Uint8Array(h.length + payload.length);
    out.set(h, 0);
    out.set(payload, h.length);
    return out;
  }
}
