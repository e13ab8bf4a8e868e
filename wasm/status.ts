/**
 * Mirror of `core/status.ts`: the negative status codes the Wasm core returns.
 * `tests/core/status_test.ts` checks that both files agree.
 *
 * @module
 */

/** Status codes of the Wasm core. A negative i32 from an export is one of these. */
export const Status = {
  OK: 0,
  NEED_MORE: -1,
  INVALID_ADDRESS: -2,
  BAD_ARGUMENT: -3,
  NO_SPACE: -4,
  OUT_OF_MEMORY: -5,
  FRAME_TOO_LONG: -6,
  BAD_LENGTH: -7,
  BAD_VARINT: -8,
  BUFFER_FULL: -9,
  BAD_HANDLE: -10,
  BAD_PROXY_HEADER: -11,
} as const;

/** The name of a status code, for messages: `statusName(-6) === "FRAME_TOO_LONG"`. */
export function statusName(code: number): string {
  for (const [name, value] of Object.entries(Status)) if (value === code) return name;
  return `UNKNOWN_STATUS(${code})`;
}
