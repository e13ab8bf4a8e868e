/**
 * The hand-written loader of the Wasm core. It instantiates the module synchronously from
 * bytes embedded in `core_wasm.ts`: no file read, no fetch, no permission. So it works
 * from a checkout (`file:`), from a URL import (`https:`/`http:`), inside a `deno compile`d
 * binary and in a bundle run by another runtime.
 *
 * This is the only layer that sees pointers. Domain files beside it (`addr.ts`, ...) turn
 * pointers into typed values for `src/`.
 *
 * Never cache a view of `memory.buffer` across calls: growth detaches it. Use {@linkcode bytes}
 * and {@linkcode dataView}, which re-create the view when the buffer has changed.
 *
 * @module
 */
import { CORE_WASM_BASE64 } from "./core_wasm.ts";
import type { CoreExports } from "./core_exports.ts";
export type { CoreExports } from "./core_exports.ts";

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module, shared by every instance (tests assert its imports and memory limit). */
export const coreModule: WebAssembly.Module = new WebAssembly.Module(
  decodeBase64(CORE_WASM_BASE64) as Uint8Array<ArrayBuffer>,
);

/**
 * The one instance's exports, typed by the generated {@linkcode CoreExports} (every export's
 * scalar signature; `tests/wasm/boundary_test.ts` checks names and parameter counts against
 * the module).
 */
export const core: CoreExports = new WebAssembly.Instance(coreModule, {})
  .exports as unknown as CoreExports;

let u8 = new Uint8Array(core.memory.buffer);
let dv = new DataView(core.memory.buffer);

/** A byte view of all of linear memory, valid until the next call that may grow memory. */
export function bytes(): Uint8Array {
  if (u8.buffer !== core.memory.buffer) u8 = new Uint8Array(core.memory.buffer);
  return u8;
}

/** A DataView of all of linear memory, valid until the next call that may grow memory. */
export function dataView(): DataView {
  if (dv.buffer !== core.memory.buffer) dv = new DataView(core.memory.buffer);
  return dv;
}

/**
 * Address and size of the core's static scratch area; its named regions are in
 * `scratch.ts`.
 */
export const SCRATCH_PTR: number = core.scratch_ptr();
/** Size in bytes of the scratch area. */
export const SCRATCH_SIZE: number = core.scratch_size();
