/**
 * {@linkcode IOBuffer}: a growable binary buffer in the Wasm core, in the spirit of the seeds'
 * `CNetIOBuffer` (NUL is data, not a terminator), without its flaws: it starts empty and grows
 * on demand up to a maximum, it has a read cursor, and overflow is a typed
 * {@linkcode BufferOverflowError} instead of a silent `FALSE`.
 *
 * Permissions: none. Runtime-neutral: also part of `./portable`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "./mod.ts";
 * using buf = new IOBuffer({ maxCapacity: 1024 });
 * buf.append(new Uint8Array([1, 0, 2]));
 * assert.equal(buf.length, 3);
 * assert.deepEqual(buf.peek(2), new Uint8Array([1, 0]));
 * buf.consume(2);
 * assert.equal(buf.length, 1);
 * ```
 *
 * @module
 */
export * from "./io_buffer.ts";
export * from "./errors.ts";
