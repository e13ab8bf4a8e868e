/**
 * Checks of the options shared by the PROXY decoders and readers (private).
 *
 * @module
 */
import { PROXY_V2_MAX_LENGTH } from "../../wasm/proxy.ts";
import type { ProxyProtocolMode } from "./header.ts";

export const DEFAULT_MAX_HEADER = 4096;

export function checkMax(max: number | undefined): number {
  const m = max ?? DEFAULT_MAX_HEADER;
  if (!Number.isInteger(m) || m < 16 || m > PROXY_V2_MAX_LENGTH) {
    throw new RangeError(
      `Cannot use maxHeaderSize: ${m} is outside 16..${PROXY_V2_MAX_LENGTH}`,
    );
  }
  return m;
}

export function checkMode(mode: string | undefined): ProxyProtocolMode {
  const m = mode ?? "auto";
  if (m !== "v1" && m !== "v2" && m !== "auto") {
    throw new TypeError(`Cannot use PROXY mode "${m}": expected "v1", "v2" or "auto"`);
  }
  return m;
}
