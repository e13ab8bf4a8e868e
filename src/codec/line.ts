/**
 * {@linkcode LineCodec}: text lines (Netty's `LineBasedFrameDecoder`, tokio's
 * `LinesCodec`). A line ends with LF; a CR right before it is dropped, and counts toward
 * the maximum (tokio's rule). With `crlf`, a bare LF is a corrupt frame, reported and
 * skipped.
 *
 * ```
 * "one\r\ntwo\n"            ->  "one", "two"
 * "one\r\ntwo\n"  keep      ->  "one\r\n", "two\n"
 * "a\nbb\r\n"     crlf      ->  FrameCorruptError (bare LF), "bb"
 * "toolong\nok\n" max=4,discard -> FrameTooLongError, "ok"
 * ```
 *
 * @module
 */
import { FrameCodec } from "./frame_codec.ts";
import { FrameCorruptError, FrameTooLongError } from "./errors.ts";
import { type LineOptions, resolveFrameOptions } from "./spec.ts";
import { resolveKind } from "./_kind.ts";
import { Status } from "../../wasm/status.ts";

/**
 * A line codec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "../buffer/io_buffer.ts";
 * import { LineCodec } from "./line.ts";
 * using codec = new LineCodec("line");
 * using buf = IOBuffer.from(new TextEncoder().encode("one\r\ntw"));
 * assert.equal(new TextDecoder().decode(codec.decode(buf)!), "one");
 * assert.equal(codec.decode(buf), null); // need more
 * buf.append(new TextEncoder().encode("o\n"));
 * assert.equal(new TextDecoder().decode(codec.decode(buf)!), "two");
 * assert.deepEqual(codec.encode(new TextEncoder().encode("hi")), new TextEncoder().encode("hi\n"));
 * ```
 */
export class LineCodec extends FrameCodec {
  /** The resolved options. */
  declare readonly options: Required<LineOptions>;
  readonly #ending: Uint8Array;

  /**
   * Creates the LineCodec.
   *
   * @param options A spec text (`"line,max=4KiB"`) or {@linkcode LineOptions}.
   * @throws {FrameSpecSyntaxError} / {TypeError} / {RangeError} for bad options.
   */
  constructor(options: string | Omit<LineOptions, "kind"> & { kind?: "line" } = "line") {
    super(resolveKind(resolveFrameOptions, options, "line", "LineCodec"));
    this.#ending = this.options.crlf ? new Uint8Array([13, 10]) : new Uint8Array([10]);
  }

  /**
   * The line ending: at most 2 bytes (CRLF).
   *
   * @returns The number of bytes.
   */
  protected headerBytes(): number {
    return 2;
  }

  /**
   * The error for a core status, naming this framing's cases: a line with no LF within `maxFrameLength`, or a bare LF in a strict CRLF line.
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
    return new FrameCorruptError("bare LF in strict CRLF mode", offset);
  }

  /**
   * Whether decoding goes on after an error: after a bare LF in strict CRLF mode always (the
   * line is reported and skipped), after a too-long line by the oversize policy.
   *
   * @param status The core status.
   * @returns True when the next line can be decoded.
   */
  protected override recoverable(status: number): boolean {
    return status !== Status.FRAME_TOO_LONG || super.recoverable(status);
  }

  /**
   * Encode one line: the payload and the line ending (LF, or CRLF with `crlf`).
   *
   * @param payload The line, without its ending.
   * @returns A new array.
   * @throws {PayloadTooLongError} over the maximum; {RangeError} when it holds an LF.
   */
  encode(payload: Uint8Array): Uint8Array {
    this.checkPayload(payload.length);
    if (payload.indexOf(10) >= 0) {
      throw new RangeError("Cannot encode frame: payload contains the delimiter");
    }
    const out = new Uint8Array(payload.length + this.#ending.length);
    out.set(payload, 0);
    out.set(this.#ending, payload.length);
    return out;
  }
}
