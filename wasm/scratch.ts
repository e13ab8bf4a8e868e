/**
 * The layout of the core's scratch area (`core/scratch.ts`, 8 KiB of static memory): one named
 * region per use, so that no two wrappers write the same bytes. Small arguments and results
 * cross the boundary through these regions; a wrapper copies its input in, calls the core and
 * copies the result out before it returns, so a region holds nothing between calls.
 *
 * `tests/wasm/boundary_test.ts` checks that the regions lie inside the scratch area and do
 * not overlap, and that no file of `wasm/` other than this one does arithmetic on the
 * scratch pointer.
 *
 * @module
 */
import { core } from "./loader.ts";

/** One region of the scratch area. */
export interface ScratchRegion {
  /** What the region is for, and who uses it. */
  readonly purpose: string;
  /** Offset from the start of the scratch area. */
  readonly offset: number;
  /** Size in bytes. */
  readonly size: number;
  /** Address in linear memory (the scratch area's address plus `offset`). */
  readonly ptr: number;
}

/** Address of the scratch area in linear memory (static data: it never moves). */
export const SCRATCH_PTR: number = core.scratch_ptr();
/** Size in bytes of the scratch area. */
export const SCRATCH_SIZE: number = core.scratch_size();

function region(purpose: string, offset: number, size: number): ScratchRegion {
  return Object.freeze({ purpose, offset, size, ptr: SCRATCH_PTR + offset });
}

/** The regions, by name. */
export const SCRATCH = Object.freeze({
  /** `wasm/addr.ts`: 4 or 16 address bytes in or out. */
  addressBytes: region("address bytes (wasm/addr.ts)", 0, 64),
  /** `wasm/addr.ts`: text written by `inet_ntop` (at most 45 bytes). */
  formattedText: region("inet_ntop text (wasm/addr.ts)", 64, 64),
  /** `wasm/addr.ts`: address text to parse, fed in chunks of this size. */
  addressText: region("address text to parse (wasm/addr.ts)", 128, 896),
  /** `wasm/sockaddr.ts`: a packed or to-be-unpacked `struct sockaddr`. */
  sockaddrStruct: region("struct sockaddr (wasm/sockaddr.ts)", 1024, 256),
  /** `wasm/sockaddr.ts`: the 36-byte record `sockaddr_unpack` fills. */
  sockaddrRecord: region("sockaddr_unpack record (wasm/sockaddr.ts)", 1280, 64),
  /** `wasm/sockaddr.ts`: address bytes to pack. */
  sockaddrAddress: region("address bytes to pack (wasm/sockaddr.ts)", 1344, 64),
  /** `wasm/sockaddr.ts`: a Unix path to pack (sun_path holds at most 108 bytes). */
  sockaddrPath: region("sun_path bytes (wasm/sockaddr.ts)", 1408, 128),
  /** `tests/core/`: the raw ABI tests' own inputs and outputs. */
  abiTests: region("raw ABI tests (tests/core/)", 2048, 2048),
  /**
   * `wasm/proxy.ts`: PROXY headers in and out (a v2 header up to this size is decoded here;
   * longer ones get a block of their own), the v2 Unix addresses at +512 and formatted text.
   */
  proxy: region("PROXY protocol headers (wasm/proxy.ts)", 4096, 4096),
});

/** The name of a region of {@linkcode SCRATCH}. */
export type ScratchRegionName = keyof typeof SCRATCH;
