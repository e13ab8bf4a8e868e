/**
 * Stream framing: turn a byte stream into messages and back.
 *
 * - The contract: a {@linkcode Decoder} returns a frame or "need more", `decodeEof` handles
 *   the end of stream, and `state` is explicit; an {@linkcode Encoder} turns frames into
 *   bytes (tokio-util's `Decoder`/`Encoder`).
 * - One type per framing, each built from the same spec strings as the CLI's `--frame`
 *   ({@linkcode parseFrameSpec}): {@linkcode LengthFieldCodec}, {@linkcode VarintCodec},
 *   {@linkcode LineCodec}, {@linkcode DelimiterCodec}, {@linkcode FixedLengthCodec},
 *   {@linkcode RawCodec}; {@linkcode createFrameCodec} picks one for a spec. Their parsing
 *   runs in the Wasm core, with a batch API ({@linkcode FrameBatch}) for high message rates.
 * - One read driver, {@linkcode FrameReader}, under {@linkcode FramedConn}, the stream
 *   adapters ({@linkcode readFrames}, {@linkcode decodeStream}, {@linkcode encodeStream}) and
 *   the seeds' `readn`/`writen` ({@linkcode readExact}, {@linkcode writeAll},
 *   {@linkcode BufferedReader} with asyncio's `readUntil`). Your own decoder plugs in
 *   wherever a spec does.
 *
 * Every decoder is bounded (8 MiB by default) and has a declared oversize policy; a peer's bad
 * bytes give a typed error, and nothing already received is lost.
 *
 * Permissions: none (the connection you frame needs its own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCodec } from "./mod.ts";
 * using codec = createCodec("len:u16be");
 * const wire = codec.encoder!.encodeAll([new TextEncoder().encode("hi"), new Uint8Array([7])]);
 * assert.deepEqual(wire, new Uint8Array([0, 2, 104, 105, 0, 1, 7]));
 * codec.decoder.push(wire);
 * assert.deepEqual(codec.decoder.decode(), new Uint8Array([104, 105]));
 * assert.deepEqual(codec.decoder.decode(), new Uint8Array([7]));
 * assert.equal(codec.decoder.decode(), null);
 * ```
 *
 * @module
 */
export * from "./spec.ts";
export * from "./decoder.ts";
export * from "./frame_codec.ts";
export * from "./length_field.ts";
export * from "./varint.ts";
export * from "./line.ts";
export * from "./delimiter.ts";
export * from "./fixed_length.ts";
export * from "./raw.ts";
export * from "./codec.ts";
export * from "./frame_reader.ts";
export * from "./framed_conn.ts";
export * from "./io.ts";
export * from "./errors.ts";
// The buffer every decoder reads from (the full API is in `./buffer`).
export { IOBuffer, type IOBufferOptions } from "../buffer/io_buffer.ts";
