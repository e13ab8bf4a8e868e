/**
 * Limits the Wasm core is built with (read by `tools/build_wasm.ts` and checked by tests).
 *
 * @module
 */

/** Wasm pages (64 KiB each) linear memory may grow to: 1 GiB. Past this, allocation fails with a typed error. */
export const MAXIMUM_MEMORY_PAGES = 16384;
