/**
 * The status codes the Wasm core returns, generated into `core_status.ts` from
 * `core/status.ts` by `tools/build_wasm.ts` (`deno task check:wasm` fails when they drift),
 * and {@linkcode statusName} for messages.
 *
 * @module
 */
import { Status } from "./core_status.ts";
export { Status, type StatusName } from "./core_status.ts";

/**
 * The name of a status code, for messages.
 *
 * @param code A negative status from a core export.
 * @returns Its name, or `UNKNOWN_STATUS(code)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusName } from "./status.ts";
 * assert.equal(statusName(-6), "FRAME_TOO_LONG");
 * ```
 */
export function statusName(code: number): string {
  for (const [name, value] of Object.entries(Status)) if (value === code) return name;
  return `UNKNOWN_STATUS(${code})`;
}
