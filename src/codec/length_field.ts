/**
 * {@linkcode LengthFieldCodec}: frames with a length field, Netty's
 * `LengthFieldBasedFrameDecoder`/`LengthFieldPrepender` and tokio's `LengthDelimitedCodec`.
 *
 * A frame is `fieldOffset` bytes of other header, the length field (1, 2, 3, 4 or 8 bytes,
 * big-endian unless `littleEndian`), then the body. The body is
 * `field value + lengthAdjustment` bytes long; the decoder hands out the frame with its first
 * `initialBytesToStrip` bytes dropped. The main combinations, drawn as in Netty's docs
 * (spec text first; `0x000C` is the field, `"HELLO, WORLD"` 12 bytes):
 *
 * **2-byte field at offset 0, header stripped** (`len:u16be`, the default strip):
 * ```
 * BEFORE DECODE (14 bytes)         AFTER DECODE (12 bytes)
 * +--------+----------------+      +----------------+
 * | Length | Actual Content |----->| Actual Content |
 * | 0x000C | "HELLO, WORLD" |      | "HELLO, WORLD" |
 * +--------+----------------+      +----------------+
 * ```
 *
 * **Header kept** (`len:u16be,strip=0`):
 * ```
 * BEFORE DECODE (14 bytes)         AFTER DECODE (14 bytes)
 * +--------+----------------+      +--------+----------------+
 * | Length | Actual Content |----->| Length | Actual Content |
 * | 0x000C | "HELLO, WORLD" |      | 0x000C | "HELLO, WORLD" |
 * +--------+----------------+      +--------+----------------+
 * ```
 *
 * **The field counts itself** (`len:u16be,adj=-2,strip=0`): the value is the whole frame,
 * 14, so the body is 14 - 2 bytes.
 * ```
 * BEFORE DECODE (14 bytes)         AFTER DECODE (14 bytes)
 * +--------+----------------+      +--------+----------------+
 * | Length | Actual Content |----->| Length | Actual Content |
 * | 0x000E | "HELLO, WORLD" |      | 0x000E | "HELLO, WORLD" |
 * +--------+----------------+      +--------+----------------+
 * ```
 *
 * **A 3-byte field after a 2-byte header** (`len:u24be,off=2,strip=0`):
 * ```
 * BEFORE DECODE (17 bytes)                      AFTER DECODE (17 bytes)
 * +----------+----------+----------------+      +----------+----------+----------------+
 * | Header 1 |  Length  | Actual Content |----->| Header 1 |  Length  | Actual Content |
 * |  0xCAFE  | 0x00000C | "HELLO, WORLD" |      |  0xCAFE  | 0x00000C | "HELLO, WORLD" |
 * +----------+----------+----------------+      +----------+----------+----------------+
 * ```
 *
 * **A header after the field** (`len:u24be,adj=2,strip=0`): the value counts only the
 * content, so the 2 bytes of Header 1 are added.
 * ```
 * BEFORE DECODE (17 bytes)                      AFTER DECODE (17 bytes)
 * +----------+----------+----------------+      +----------+----------+----------------+
 * |  Length  | Header 1 | Actual Content |----->|  Length  | Header 1 | Actual Content |
 * | 0x00000C |  0xCAFE  | "HELLO, WORLD" |      | 0x00000C |  0xCAFE  | "HELLO, WORLD" |
 * +----------+----------+----------------+      +----------+----------+----------------+
 * ```
 *
 * **Headers on both sides, the first and the field stripped** (`len:u16be,off=1,adj=1,strip=3`):
 * ```
 * BEFORE DECODE (16 bytes)                       AFTER DECODE (13 bytes)
 * +------+--------+------+----------------+      +------+----------------+
 * | HDR1 | Length | HDR2 | Actual Content |----->| HDR2 | Actual Content |
 * | 0xCA | 0x000C | 0xFE | "HELLO, WORLD" |      | 0xFE | "HELLO, WORLD" |
 * +------+--------+------+----------------+      +------+----------------+
 * ```
 *
 * **The same, the field counting the whole frame** (`len:u16be,off=1,adj=-3,strip=3`):
 * ```
 * BEFORE DECODE (16 bytes)                       AFTER DECODE (13 bytes)
 * +------+--------+------+----------------+      +------+----------------+
 * | HDR1 | Length | HDR2 | Actual Content |----->| HDR2 | Actual Content |
 * | 0xCA | 0x0010 | 0xFE | "HELLO, WORLD" |      | 0xFE | "HELLO, WORLD" |
 * +------+--------+------+----------------+      +------+----------------+
 * ```
 *
 * Two differences from Netty, on purpose: `initialBytesToStrip` defaults to the header
 * (Netty's to 0), and at end of stream a partial frame is an `IncompleteFrameError` (Netty
 * drops it silently). `maxFrameLength` bounds the body (`value + adjustment`).
 *
 * @module
 */
import { FrameCodec } from "./frame_codec.ts";
import { FrameCorruptError } from "./errors.ts";
import { type LengthFieldOptions, resolveFrameOptions } from "./spec.ts";
import { resolveKind } from "./_kind.ts";
import { Status } from "../../wasm/status.ts";

/** The options of a {@linkcode LengthFieldCodec}, every default filled in. */
export type ResolvedLengthFieldOptions = Required<LengthFieldOptions>;

/**
 * A length-field codec; see the module doc for the byte diagrams.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "../buffer/io_buffer.ts";
 * import { LengthFieldCodec } from "./length_field.ts";
 * using codec = new LengthFieldCodec("len:u16be,adj=-2,strip=0");
 * const hello = new TextEncoder().encode("HELLO, WORLD");
 * const wire = codec.encode(hello);
 * assert.deepEqual(wire.subarray(0, 2), new Uint8Array([0x00, 0x0e]));
 * using buf = IOBuffer.from(wire);
 * assert.deepEqual(codec.decode(buf), wire); // header kept
 * assert.equal(buf.length, 0);
 * ```
 */
export class LengthFieldCodec extends FrameCodec {
  /** The resolved options. */
  declare readonly options: ResolvedLengthFieldOptions;

  /**
   * Creates the LengthFieldCodec.
   *
   * @param options A spec text (`"len:u32be"`) or {@linkcode LengthFieldOptions} (`kind`
   *   may be left out).
   * @throws {FrameSpecSyntaxError} for a bad spec; {TypeError} for a spec of another kind;
   *   {RangeError} for options out of range.
   */
  constructor(options: string | Omit<LengthFieldOptions, "kind"> & { kind?: "length" }) {
    super(resolveKind(resolveFrameOptions, options, "length", "LengthFieldCodec"));
  }

  /**
   * The header: `fieldOffset + fieldLength` bytes.
   *
   * @returns The number of bytes.
   */
  protected headerBytes(): number {
    return this.options.fieldOffset + this.options.fieldLength;
  }

  /**
   * The error for a core status, naming this framing's cases: a negative adjusted length, or a strip past the frame.
   *
   * @param status The core status.
   * @param offset Stream offset of the bad frame.
   * @param length The declared (or seen) length.
   * @returns The error to throw.
   */
  protected override describeError(status: number, offset: number, length: number): Error {
    if (status === Status.BAD_LENGTH) {
      if (length < 0) return new FrameCorruptError(`adjusted length ${length} is negative`, offset);
      return new FrameCorruptError(
        `initialBytesToStrip ${this.options.initialBytesToStrip} exceeds frame length ${length}`,
        offset,
      );
    }
    return super.describeError(status, offset, length);
  }

  /**
   * The header for a payload of `length` bytes.
   *
   * @param length Payload length.
   * @returns A new array with the header bytes.
   * @throws {RangeError} when `fieldOffset` is not 0 (the encoder would invent those bytes)
   *   or the adjusted value would be negative.
   * @throws {PayloadTooLongError} over the maximum, or when the field cannot hold the value.
   */
  override header(length: number): Uint8Array {
    const o = this.options;
    if (o.fieldOffset !== 0) {
      throw new RangeError(
        `Cannot encode frame: fieldOffset ${o.fieldOffset} is not supported (only 0)`,
      );
    }
    return this.encodeHeader(length, o.fieldLength);
  }

  /**
   * Encode one frame: the length field, then the payload.
   *
   * @param payload The frame's content.
   * @returns A new array holding the whole frame.
   * @throws Like {@linkcode LengthFieldCodec.header}.
   */
  encode(payload: Uint8Array): Uint8Array {
    const h = this.header(payload.length);
    const out = new Uint8Array(h.length + payload.length);
    out.set(h, 0);
    out.set(payload, h.length);
    return out;
  }
}
