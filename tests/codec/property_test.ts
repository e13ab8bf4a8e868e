import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeChunks } from "../_split_harness.ts";
import { FrameDecoder, FrameEncoder } from "../../src/codec/codec.ts";
import { FrameCorruptError, FrameTooLongError } from "../../src/codec/errors.ts";
import { heapStats } from "../../wasm/iobuf.ts";
import { type FrameOptions, resolveFrameOptions } from "../../src/codec/spec.ts";
import { referenceDecode } from "./_reference.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

// random codec options over every kind (small maxima so limits are hit)
const lengthOpts = fc.record({
  kind: fc.constant("length" as const),
  fieldOffset: fc.integer({ min: 0, max: 3 }),
  fieldLength: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const, 8 as const),
  littleEndian: fc.boolean(),
  lengthAdjustment: fc.integer({ min: -6, max: 6 }),
  initialBytesToStrip: fc.integer({ min: 0, max: 12 }),
  maxFrameLength: fc.integer({ min: 0, max: 300 }),
});
const delimOpts = fc.record({
  kind: fc.constant("delimiter" as const),
  delimiters: fc.array(fc.uint8Array({ minLength: 1, maxLength: 3, max: 3 }), {
    minLength: 1,
    maxLength: 3,
  }),
  keepDelimiter: fc.boolean(),
  maxFrameLength: fc.integer({ min: 0, max: 40 }),
});
const lineOpts = fc.record({
  kind: fc.constant("line" as const),
  crlf: fc.boolean(),
  keepDelimiter: fc.boolean(),
  maxFrameLength: fc.integer({ min: 0, max: 40 }),
});
const anyOpts: fc.Arbitrary<FrameOptions> = fc.oneof(
  lengthOpts,
  delimOpts,
  lineOpts,
  fc.record({
    kind: fc.constant("varint" as const),
    maxFrameLength: fc.integer({ min: 0, max: 300 }),
  }),
  fc.record({ kind: fc.constant("fixed" as const), frameLength: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ kind: fc.constant("raw" as const), maxFrameLength: fc.integer({ min: 1, max: 9 }) }),
);
// bytes biased to small values so delimiters, CR and LF turn up
const input = fc.uint8Array({ maxLength: 200 }).map((a) =>
  a.map((x) => (x % 3 === 0 ? x % 16 : x))
);

function chunked(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of pts) {
    out.push(data.subarray(last, p));
    last = p;
  }
  out.push(data.subarray(last));
  return out;
}

Deno.test("encoding frames, chunking the bytes at random, and decoding gives the frames back", () => {
  const codec = fc.oneof(
    fc.constant("len:u32be"),
    fc.constant("len:u16le,adj=-2"),
    fc.constant("len:u8"),
    fc.constant("len:u24be"),
    fc.constant("len:u64le"),
    fc.constant("varint"),
  );
  fc.assert(
    fc.property(
      codec,
      fc.array(fc.uint8Array({ maxLength: 255 }), { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (spec, payloads, cuts) => {
        using enc = new FrameEncoder(spec);
        const wire = enc.encodeAll(payloads);
        const got = decodeChunks(spec, chunked(wire, cuts), { batch: cuts.length % 2 === 0 });
        assert.deepEqual(got, payloads.map((p) => `frame:${hex(p)}`));
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.constantFrom("line", "line,crlf", "delim:\\r\\n\\r\\n", "delim:;|\\n"),
      fc.array(fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n;]/g, "")), {
        maxLength: 20,
      }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (spec, strs, cuts) => {
        using enc = new FrameEncoder(spec);
        const payloads = strs.map((s) => new TextEncoder().encode(s));
        const wire = enc.encodeAll(payloads);
        assert.deepEqual(
          decodeChunks(spec, chunked(wire, cuts)),
          payloads.map((p) => `frame:${hex(p)}`),
        );
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("random bytes into every decoder give frames or typed errors, never a trap", () => {
  const typed = new Set([
    "error:FrameTooLongError",
    "error:FrameCorruptError",
    "error:IncompleteFrameError",
  ]);
  fc.assert(
    fc.property(anyOpts, input, fc.array(fc.nat(), { maxLength: 6 }), (opts, data, cuts) => {
      for (const e of decodeChunks(opts, chunked(data, cuts))) {
        assert.ok(e.startsWith("frame:") || typed.has(e), e);
      }
    }),
    { numRuns: 1000 },
  );
});

Deno.test("the Wasm decoders agree with the plain TS reference decoder on random specs and inputs", () => {
  fc.assert(
    fc.property(anyOpts, input, fc.array(fc.nat(), { maxLength: 6 }), (opts, data, cuts) => {
      const resolved = resolveFrameOptions(opts);
      const want = referenceDecode(resolved, data);
      // a strict-CRLF bare LF is recoverable: the reference goes on too
      assert.deepEqual(decodeChunks(opts, [data]), want);
      // raw frames follow the chunking by design; every other kind must not
      if (opts.kind !== "raw") assert.deepEqual(decodeChunks(opts, chunked(data, cuts)), want);
    }),
    { numRuns: 1500 },
  );
});

Deno.test("a decoder fed 10,000 random buffers keeps its Wasm heap bounded", () => {
  using d = new FrameDecoder("len:u16be,max=1000,discard");
  const before = heapStats();
  let usedMost = 0, rejected = 0;
  let seed = 7;
  const chunk = new Uint8Array(512);
  for (let i = 0; i < 10000; i++) {
    for (let k = 0; k < chunk.length; k++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      chunk[k] = seed >> 16;
    }
    d.push(chunk);
    for (;;) {
      try {
        if (d.decodeBatch().count === 0) break;
      } catch (e) {
        // discarded frames are reported, decoding goes on; nothing else may be thrown
        if (!(e instanceof FrameTooLongError || e instanceof FrameCorruptError)) throw e;
        rejected++;
      }
    }
    usedMost = Math.max(usedMost, heapStats().usedBytes);
  }
  assert.ok(rejected > 0, "random lengths above max=1000 were seen and discarded");
  assert.ok(d.buffered <= 1000 + 2 + 512);
  // The decoder's Wasm blocks stay within a few of its largest buffer; memory did not grow.
  assert.ok(usedMost - before.usedBytes <= 8 * 1024, `used grew by ${usedMost - before.usedBytes}`);
  assert.equal(heapStats().memoryBytes, before.memoryBytes);
});
