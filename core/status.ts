// Status codes returned by the Wasm core. Every export that can fail returns an i32;
// a negative value is one of these codes. tools/build_wasm.ts generates wasm/core_status.ts
// from this file, and `deno task check:wasm` fails when the generated file is stale.
//
// Keep the form `export const NAME: i32 = -N;` (one per line, a one-line doc comment above):
// the generator refuses anything else.

/** Success (used where no count or length is returned). */
export const OK: i32 = 0;
/** Not enough input yet: feed more bytes and call again. */
export const NEED_MORE: i32 = -1;
/** The input text is not a valid address. */
export const INVALID_ADDRESS: i32 = -2;
/** An argument is out of range (bad family, length, offset, option). */
export const BAD_ARGUMENT: i32 = -3;
/** The output would not fit in the space given. */
export const NO_SPACE: i32 = -4;
/** The allocator could not get memory (maximumMemory reached). */
export const OUT_OF_MEMORY: i32 = -5;
/** A frame declares a length above the configured maximum. */
export const FRAME_TOO_LONG: i32 = -6;
/** A frame's length field, after adjustment, is below the header size or negative. */
export const BAD_LENGTH: i32 = -7;
/** A varint is longer than 10 bytes or does not fit 64 bits. */
export const BAD_VARINT: i32 = -8;
/** A buffer would exceed its configured maximum capacity. */
export const BUFFER_FULL: i32 = -9;
/** A handle (buffer, decoder) is unknown or already freed. */
export const BAD_HANDLE: i32 = -10;
/** A PROXY protocol header is malformed. */
export const BAD_PROXY_HEADER: i32 = -11;
