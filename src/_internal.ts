/**
 * Module-private hooks shared between src/ files (not re-exported by mod.ts).
 *
 * @module
 */

/** `IOBuffer[REGION]()` returns the address of its readable bytes in Wasm memory. */
export const REGION: unique symbol = Symbol("sockkit.ioBufferRegion");
