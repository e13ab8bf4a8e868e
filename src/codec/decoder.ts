/**
 * The codec contract (tokio-util's `Decoder`/`Encoder`, Netty's `ByteToMessageDecoder`):
 * a {@linkcode Decoder} turns the bytes in an {@linkcode IOBuffer} into frames, one call at
 * a time, and a {@linkcode FrameReader} drives it over a connection or a stream.
 *
 * - `decode(buffer)` returns a frame and consumes its bytes from `buffer`, or returns `null`
 *   ("need more") and leaves the bytes where they are. Returning a frame while consuming
 *   nothing is a bug: the driver throws.
 * - `decodeEof(buffer)` is called at end of stream, until it returns `null`. Bytes left
 *   over that make no frame are an {@linkcode IncompleteFrameError} that says how many.
 * - `state` names where the decoder is: waiting for a header, for a body, or discarding a
 *   too-long frame.
 *
 * ```
 * buffer "ab\ncd"  --decode-->  "ab"   buffer "cd"
 * buffer "cd"      --decode-->  null   buffer "cd"   (need more)
 * buffer "cd" EOF  --decodeEof-->  IncompleteFrameError (2 bytes left over)
 * ```
 *
 * @module
 */
import type { IOBuffer } from "../buffer/io_buffer.ts";
import { IncompleteFrameError } from "./errors.ts";

/** A decoder's explicit state: waiting for a header, for a body, or discarding. */
export type DecoderState = "header" | "body" | "discarding";

/**
 * Turns bytes into frames. Implement it to plug your own framing into
 * {@linkcode FrameReader} and `FramedConn`.
 *
 * @typeParam T The frame type (`Uint8Array` for the built-in codecs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "../buffer/io_buffer.ts";
 * import { type Decoder, decodeEofDefault } from "./decoder.ts";
 *
 * // frames of "a 1-byte length, then that many bytes", handed out as text
 * class TinyText implements Decoder<string> {
 *   state: "header" | "body" = "header";
 *   decode(buf: IOBuffer): string | null {
 *     if (buf.length < 1) return null;
 *     const n = buf.peek(1)[0];
 *     if (buf.length < 1 + n) {
 *       this.state = "body";
 *       return null;
 *     }
 *     this.state = "header";
 *     const text = new TextDecoder().decode(buf.peek(1 + n).subarray(1));
 *     buf.consume(1 + n);
 *     return text;
 *   }
 *   decodeEof(buf: IOBuffer): string | null {
 *     return decodeEofDefault(this, buf);
 *   }
 * }
 * using buf = IOBuffer.from(new Uint8Array([2, 104, 105, 3, 1]));
 * const d = new TinyText();
 * assert.equal(d.decode(buf), "hi");
 * assert.equal(d.decode(buf), null);
 * assert.equal(d.state, "body");
 * assert.throws(() => d.decodeEof(buf), { name: "IncompleteFrameError" });
 * ```
 */
export interface Decoder<T = Uint8Array> {
  /** Where the decoder is; see {@linkcode DecoderState}. */
  readonly state: DecoderState;
  /**
   * Decode the next frame from the start of `buffer`, consuming its bytes.
   *
   * @param buffer The bytes received and not consumed yet.
   * @returns The frame, or `null` when more bytes are needed (nothing consumed then, except
   *   bytes of a frame being discarded).
   */
  decode(buffer: IOBuffer): T | null;
  /**
   * Decode at end of stream; the driver calls it until it returns `null`.
   *
   * @param buffer The bytes left.
   * @returns A last frame, or `null` when none is left.
   * @throws {IncompleteFrameError} when bytes are left that make no frame.
   */
  decodeEof(buffer: IOBuffer): T | null;
  /**
   * Forget any partial-frame state: the driver calls it after it took raw bytes out of the
   * buffer itself (`readExact`, `readUntil` between frames).
   */
  reset?(): void;
  /**
   * The most bytes the next read may take without reading past the current frame (for a
   * reader that must leave the rest on the connection, like the PROXY header's). Absent or
   * 0: any amount.
   *
   * @param buffer The bytes received so far.
   */
  readHint?(buffer: IOBuffer): number;
  /**
   * The most bytes the decoder may need buffered at once (its maximum frame plus header);
   * the driver sizes its buffer from it. Absent: 8 MiB.
   */
  readonly maxBuffered?: number;
}

/**
 * Turns frames into bytes.
 *
 * @typeParam T The frame type.
 */
export interface Encoder<T = Uint8Array> {
  /**
   * Encode one frame.
   *
   * @param item The frame.
   * @returns The bytes to write.
   * @throws {PayloadTooLongError} / {RangeError} when the codec cannot carry it.
   */
  encode(item: T): Uint8Array;
}

/**
 * A decoder that can hand back every complete frame in one call, as offsets into one
 * memory block (no object per frame): the built-in codecs are.
 */
export interface BatchDecoder extends Decoder<Uint8Array> {
  /**
   * Find every complete frame in `buffer` and consume them.
   *
   * @param buffer The bytes received.
   * @returns The frames as offsets into one block; valid until the next call.
   */
  decodeBatch(buffer: IOBuffer): {
    readonly count: number;
    readonly bytes: Uint8Array;
    offset(i: number): number;
    length(i: number): number;
  };
}

/**
 * The default `decodeEof` (tokio's `decode_eof`): decode once more; if that gives nothing
 * and bytes are left, they are an incomplete frame.
 *
 * @param decoder The decoder.
 * @param buffer The bytes left at end of stream.
 * @returns A last frame, or `null`.
 * @throws {IncompleteFrameError} with `leftover` and the bytes in `partial`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "../buffer/io_buffer.ts";
 * import { decodeEofDefault } from "./decoder.ts";
 * import { LineCodec } from "./line.ts";
 * using line = new LineCodec("line");
 * using buf = IOBuffer.from(new TextEncoder().encode("a\nb"));
 * assert.deepEqual(decodeEofDefault(line, buf), new TextEncoder().encode("a"));
 * assert.throws(() => decodeEofDefault(line, buf), { name: "IncompleteFrameError", message: /1 bytes/ });
 * ```
 */
export function decodeEofDefault<T>(decoder: Decoder<T>, buffer: IOBuffer): T | null {
  const f = decoder.decode(buffer);
  if (f !== null) return f;
  if (buffer.length > 0 && decoder.state !== "discarding") {
    throw new IncompleteFrameError(buffer.toBytes());
  }
  return null;
}
