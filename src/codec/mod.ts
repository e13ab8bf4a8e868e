/**
 * Stream framing: turn a byte stream into messages and back. The frame codecs (length field,
 * varint, line, delimiter, fixed, raw) are built from a spec string such as `"len:u32be"`
 * ({@linkcode parseFrameSpec}) and run their parsing in the Wasm core. On top of them:
 * {@linkcode FramedConn} (frames over any connection, with batches for high message rates),
 * the stream adapters ({@linkcode readFrames}, {@linkcode decodeStream},
 * {@linkcode encodeStream}) and the seeds' `readn`/`writen` ({@linkcode readExact},
 * {@linkcode writeAll}, {@linkcode BufferedReader} with `readUntil`).
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
export * from "./codec.ts";
export * from "./framed_conn.ts";
export * from "./io.ts";
export * from "./errors.ts";
