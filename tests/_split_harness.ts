/**
 * The one shared every-split-point harness for codec tests: feeds an input whole, split in
 * two at every byte position, and one byte at a time, and checks that every feeding gives
 * the same events (frames and typed errors, in order).
 *
 * @module
 */
import assert from "node:assert/strict";
import { FrameDecoder } from "../src/codec/codec.ts";
import type { FrameOptions } from "../src/codec/spec.ts";

/** A decode outcome: a frame (hex) or an error (class name), in stream order. */
export type DecodeEvent = string;

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** A frame event for readable expectations: `frame("abc")` or `frame(bytes)`. */
export function frame(x: string | Uint8Array | number[]): DecodeEvent {
  const b = typeof x === "string" ? new TextEncoder().encode(x) : Uint8Array.from(x);
  return `frame:${hex(b)}`;
}

/** An error event: `error("FrameTooLongError")`. */
export function error(name: string): DecodeEvent {
  return `error:${name}`;
}

/**
 * Decode `chunks` with a fresh decoder; errors are recorded and decoding goes on while the
 * decoder allows it (discard policy); the end of stream is checked with `finish()`.
 */
export function decodeChunks(
  spec: string | FrameOptions,
  chunks: Uint8Array[],
  opts: { batch?: boolean } = {},
): DecodeEvent[] {
  const events: DecodeEvent[] = [];
  using dec = new FrameDecoder(spec);
  let dead = false;
  const drain = () => {
    for (let guard = 0; guard < 1_000_000 && !dead; guard++) {
      try {
        if (opts.batch) {
          const b = dec.decodeBatch();
          if (b.count === 0) return;
          for (let i = 0; i < b.count; i++) events.push(`frame:${hex(b.frame(i))}`);
        } else {
          const f = dec.decode();
          if (f === null) return;
          events.push(`frame:${hex(f)}`);
        }
      } catch (e) {
        events.push(`error:${(e as Error).name}`);
        // a repeated identical error means the decoder is stopped (fail policy)
        try {
          dec.decodeBatch(0);
        } catch {
          dead = true;
        }
      }
    }
  };
  for (const c of chunks) {
    let off = 0;
    while (off < c.length && !dead) {
      const n = Math.min(c.length - off, Math.max(dec.writable, 0));
      if (n === 0) {
        events.push("error:BufferOverflowError");
        dead = true;
        break;
      }
      dec.push(c.subarray(off, off + n));
      off += n;
      drain();
    }
    if (dead) break;
  }
  if (!dead) {
    try {
      dec.finish();
    } catch (e) {
      events.push(`error:${(e as Error).name}`);
    }
  }
  return events;
}

/**
 * Assert that `input` decodes to `expected` whole, split at every position, and bytewise,
 * through both the one-at-a-time and the batch API.
 */
export function assertEverySplit(
  spec: string | FrameOptions,
  input: Uint8Array | string,
  expected: DecodeEvent[],
): void {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  for (const batch of [false, true]) {
    assert.deepStrictEqual(decodeChunks(spec, [bytes], { batch }), expected, "whole input");
    for (let i = 0; i <= bytes.length; i++) {
      const got = decodeChunks(spec, [bytes.subarray(0, i), bytes.subarray(i)], { batch });
      assert.deepStrictEqual(got, expected, `split at ${i}`);
    }
    const bytewise = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    assert.deepStrictEqual(decodeChunks(spec, bytewise, { batch }), expected, "bytewise");
  }
}
