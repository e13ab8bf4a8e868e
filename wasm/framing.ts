/**
 * Typed wrappers over the core's frame decoders (`core/frame_codec.ts`) and SIMD scan
 * (`core/scan.ts`). Handles are numbers; statuses are {@linkcode Status} codes.
 *
 * @module
 */
import { bytes, core } from "./loader.ts";
import { memAlloc, memFree } from "./iobuf.ts";

/** Decoder kinds, as the core numbers them. */
export const FrameKind = { length: 1, varint: 2, delimiter: 3, line: 4, fixed: 5, raw: 6 } as const;
/** Decoder flags, as the core numbers them. */
export const FrameFlag = { littleEndian: 1, discard: 2, failFast: 4, keep: 8, crlf: 16 } as const;
/** Decoder states: waiting for a header, waiting for a body, discarding a too-long frame. */
export const FrameState = { header: 0, body: 1, discarding: 2 } as const;

/** Numeric configuration of a core decoder. */
export interface CoreFrameConfig {
  kind: number;
  flags: number;
  fieldOffset: number;
  fieldLength: number;
  adjustment: number;
  strip: number;
  maxFrame: number;
  fixedLength: number;
  delimiters: Uint8Array[];
}

/** Create a core decoder: a handle (> 0) or a negative status. */
export function frameNew(c: CoreFrameConfig): number {
  const d = core.frame_new(
    c.kind,
    c.flags,
    c.fieldOffset,
    c.fieldLength,
    c.adjustment,
    c.strip,
    c.maxFrame,
    c.fixedLength,
  );
  if (d < 0) return d;
  for (const delim of c.delimiters) {
    const tmp = memAlloc(delim.length);
    if (tmp < 0) {
      core.frame_free(d);
      return tmp;
    }
    bytes().set(delim, tmp);
    const st = core.frame_add_delim(d, tmp, delim.length);
    memFree(tmp);
    if (st < 0) {
      core.frame_free(d);
      return st;
    }
  }
  return d;
}

/** Free a core decoder. */
export function frameFree(dec: number): void {
  core.frame_free(dec);
}

/** Decode frames from [ptr, ptr+len) into the (start, length) table `out`; returns the count. */
export function frameDecode(
  dec: number,
  ptr: number,
  len: number,
  out: number,
  max: number,
): number {
  return core.frame_decode(dec, ptr, len, out, max);
}

/** Bytes the last {@linkcode frameDecode} consumed. */
export function frameConsumed(dec: number): number {
  return core.frame_consumed(dec);
}
/** Status of the last {@linkcode frameDecode}: 0 or an error code. */
export function frameStatus(dec: number): number {
  return core.frame_status(dec);
}
/** Explicit decoder state (see {@linkcode FrameState}). */
export function frameState(dec: number): number {
  return core.frame_state(dec);
}
/** Offset (relative to the region decoded) of the frame that failed. */
export function frameErrOffset(dec: number): number {
  return core.frame_err_offset(dec);
}
/** Declared (or seen) length of the frame that failed. */
export function frameErrLength(dec: number): number {
  return core.frame_err_length(dec);
}
/** Change the maximum frame length (an in-flight frame keeps the old one). */
export function frameSetMax(dec: number, max: number): number {
  return core.frame_set_max(dec, max);
}
/** Forget partial-frame state. */
export function frameReset(dec: number): void {
  core.frame_reset(dec);
}
/** Write the header for a payload length at `out`: header length or a negative status. */
export function frameEncodeHeader(dec: number, payloadLength: number, out: number): number {
  return core.frame_encode_header(dec, payloadLength, out);
}
/** Index of the first `byte` in [ptr, ptr+len), or -1 (SIMD). */
export function scanByte(ptr: number, len: number, byte: number): number {
  return core.scan_byte(ptr, len, byte);
}
/** Write indexes of every `byte` in [ptr, ptr+len) into u32 table `out` (at most `max`); returns the count. */
export function scanAll(ptr: number, len: number, byte: number, out: number, max: number): number {
  return core.scan_all(ptr, len, byte, out, max);
}
