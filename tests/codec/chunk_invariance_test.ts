/**
 * Chunk invariance (issue 15, item 4): for every codec and every option combination, random
 * inputs split at random give the same frames and the same typed errors, in the same order,
 * as the bytes fed in one piece: `decode(split(bytes)) == decode(bytes)`. The error and
 * discard paths are included (oversize error/discard, fail fast/slow, strict CRLF), and three
 * drivers are checked: the push decoder one frame at a time and in batches, the read driver
 * (FrameReader over a chunked reader) and decodeStream.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeChunks } from "../_split_harness.ts";
import { createFrameCodec, decodeStream, FrameReader } from "../../src/codec/mod.ts";
import type { FrameOptions, Reader } from "../../src/codec/mod.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

const policy = fc.record({
  oversize: fc.constantFrom("error" as const, "discard" as const),
  failFast: fc.boolean(),
});
const withPolicy = <T extends object>(a: fc.Arbitrary<T>) =>
  fc.tuple(a, policy).map(([o, p]) => ({ ...o, ...p }));

const lengthOpts = withPolicy(fc.record({
  kind: fc.constant("length" as const),
  fieldOffset: fc.integer({ min: 0, max: 3 }),
  fieldLength: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const, 8 as const),
  littleEndian: fc.boolean(),
  lengthAdjustment: fc.integer({ min: -6, max: 6 }),
  initialBytesToStrip: fc.integer({ min: 0, max: 12 }),
  maxFrameLength: fc.integer({ min: 0, max: 40 }),
}));
const delimOpts = withPolicy(fc.record({
  kind: fc.constant("delimiter" as const),
  // small alphabet so that delimiters overlap and share prefixes (\n vs \r\n)
  delimiters: fc.array(fc.uint8Array({ minLength: 1, maxLength: 3, min: 10, max: 13 }), {
    minLength: 1,
    maxLength: 3,
  }),
  keepDelimiter: fc.boolean(),
  maxFrameLength: fc.integer({ min: 0, max: 12 }),
}));
const lineOpts = withPolicy(fc.record({
  kind: fc.constant("line" as const),
  crlf: fc.boolean(),
  keepDelimiter: fc.boolean(),
  maxFrameLength: fc.integer({ min: 0, max: 12 }),
}));
const varintOpts = withPolicy(fc.record({
  kind: fc.constant("varint" as const),
  maxFrameLength: fc.integer({ min: 0, max: 60 }),
}));
const fixedOpts = fc.record({
  kind: fc.constant("fixed" as const),
  frameLength: fc.integer({ min: 1, max: 9 }),
});
const anyOpts: fc.Arbitrary<FrameOptions> = fc.oneof(
  lengthOpts,
  delimOpts,
  lineOpts,
  varintOpts,
  fixedOpts,
);
// bytes from a small alphabet around CR and LF, with some lengths and varint bytes
const input = fc.array(fc.constantFrom(0, 1, 2, 3, 5, 10, 11, 12, 13, 13, 10, 97, 98, 0x80, 0xff), {
  maxLength: 160,
}).map((a) => Uint8Array.from(a));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

function chunked(data: Uint8Array, at: number[]): Uint8Array[] {
  const pts = [...new Set(at.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of pts) {
    out.push(data.subarray(last, p));
    last = p;
  }
  out.push(data.subarray(last));
  return out;
}

function chunkReader(chunks: Uint8Array[]): Reader {
  let i = 0;
  let rest: Uint8Array | null = null;
  return {
    read(p: Uint8Array) {
      while (rest === null || rest.length === 0) {
        if (i >= chunks.length) return Promise.resolve(null);
        rest = chunks[i++];
      }
      const n = Math.min(p.length, rest.length);
      p.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return Promise.resolve(n);
    },
  };
}

// Events through the read driver: frames, and errors while the decoder lets decoding go on.
async function viaReader(opts: FrameOptions, chunks: Uint8Array[]): Promise<string[]> {
  using codec = createFrameCodec(opts);
  using r = new FrameReader(chunkReader(chunks), codec, { readSize: 7 });
  const ev: string[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    try {
      const f = await r.readFrame();
      if (f === null) return ev;
      ev.push(`frame:${hex(f)}`);
    } catch (e) {
      ev.push(`error:${(e as Error).name}`);
      const o = codec.options as { oversize?: string };
      const goesOn = (e as Error).name === "FrameTooLongError"
        ? o.oversize === "discard"
        : codec.options.kind === "line" && (e as Error).name === "FrameCorruptError";
      if (!goesOn) return ev;
    }
  }
  throw new Error("reader did not finish");
}

async function viaStream(opts: FrameOptions, chunks: Uint8Array[]): Promise<string[]> {
  const ev: string[] = [];
  try {
    for await (const f of ReadableStream.from(chunks).pipeThrough(decodeStream(opts))) {
      ev.push(`frame:${hex(f)}`);
    }
  } catch (e) {
    ev.push(`error:${(e as Error).name}`);
  }
  return ev;
}

// decodeStream stops at the first error; compare with the whole-input events up to it
const upToFirstError = (ev: string[]) => {
  const i = ev.findIndex((e) => e.startsWith("error:"));
  return i < 0 ? ev : ev.slice(0, i + 1);
};

Deno.test("every codec gives the same frames and errors however its input is chunked", async () => {
  await fc.assert(
    fc.asyncProperty(anyOpts, input, cuts, async (opts, data, at) => {
      const whole = decodeChunks(opts, [data]);
      const chunks = chunked(data, at);
      assert.deepEqual(decodeChunks(opts, chunks), whole, "one frame at a time");
      assert.deepEqual(decodeChunks(opts, chunks, { batch: true }), whole, "batches");
      const bytewise = Array.from(data, (_, i) => data.subarray(i, i + 1));
      assert.deepEqual(decodeChunks(opts, bytewise), whole, "byte by byte");
      assert.deepEqual(await viaReader(opts, chunks), await viaReader(opts, [data]), "reader");
      assert.deepEqual(await viaReader(opts, [data]), whole, "reader vs push decoder");
      assert.deepEqual(await viaStream(opts, chunks), upToFirstError(whole), "decodeStream");
    }),
    { numRuns: 1500 },
  );
});

Deno.test("the specs named in issue 15 are chunk-invariant under max and discard", async () => {
  const specs = [
    "delim:\\n|\\r\\n,max=8,discard",
    "line,crlf,max=8,discard",
    "delim:\\r\\n,max=8,keep,discard",
    "delim:\\n|\\r\\n,max=8,discard,failslow",
    "line,crlf,max=8,discard,failslow",
    "line,max=8,discard",
  ];
  const text = fc.array(fc.constantFrom("a", "b", "\r", "\n", "\r\n", "aaaaaaaa", "bbbbbbbbb"), {
    maxLength: 40,
  }).map((parts) => new TextEncoder().encode(parts.join("")));
  for (const spec of specs) {
    await fc.assert(
      fc.asyncProperty(text, cuts, async (data, at) => {
        const whole = decodeChunks(spec, [data]);
        const opts = spec as unknown as FrameOptions;
        assert.deepEqual(decodeChunks(spec, chunked(data, at)), whole, spec);
        for (let i = 0; i <= data.length; i++) {
          assert.deepEqual(
            decodeChunks(spec, [data.subarray(0, i), data.subarray(i)]),
            whole,
            `${spec} split at ${i}`,
          );
        }
        assert.deepEqual(await viaReader(opts, chunked(data, at)), whole, `${spec} reader`);
      }),
      { numRuns: 200 },
    );
  }
});

Deno.test("raw frames follow the chunking by design, and their bytes are the input's", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 9 }), input, cuts, async (max, data, at) => {
      const opts: FrameOptions = { kind: "raw", maxFrameLength: max };
      using codec = createFrameCodec(opts);
      using r = new FrameReader(chunkReader(chunked(data, at)), codec);
      const got: number[] = [];
      for await (const f of r) {
        assert.ok(f.length >= 1 && f.length <= max);
        got.push(...f);
      }
      assert.deepEqual(Uint8Array.from(got), data);
    }),
    { numRuns: 300 },
  );
});
