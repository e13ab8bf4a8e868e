/**
 * Module-private hooks shared between src/ files (not re-exported by mod.ts).
 *
 * @module
 */

/** `IOBuffer[REGION]()` returns the address of its readable bytes in Wasm memory. */
export const REGION: unique symbol = Symbol("sockkit.ioBufferRegion");

/**
 * `IOBuffer[SKIP](n)` advances the read index over `n` bytes, for a decoder that consumes
 * a frame it just decoded from this buffer: only the check that the bytes are still there.
 */
export const SKIP: unique symbol = Symbol("sockkit.ioBufferSkip");
