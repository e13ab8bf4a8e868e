// The core's `len:u32be` fast path guesses that the next frame has the size of the last one
// (value speculation, core/frame_codec.ts). These property tests feed it runs of equal-sized
// frames broken by other sizes, too-long headers and a cut-off tail, in random pieces and
// batch sizes, and check it byte for byte against the plain TS reference and against the
// core's general loop (the same frames with every header one higher and `adj=-1`, a shape
// the fast path does not take).
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameDecoder } from "../../src/codec/codec.ts";
import { resolveFrameOptions } from "../../src/codec/spec.ts";
import { referenceDecode } from "./_reference.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

interface Wire {
  fast: Uint8Array; // u32be headers as the fast path reads them
  general: Uint8Array; // the same bytes with every header + 1 (for `adj=-1`)
}

// runs of frames of one size, sometimes a too-long header, sometimes a cut-off tail
const wireArb = fc.record({
  runs: fc.array(
    fc.record({ size: fc.integer({ min: 0, max: 40 }), count: fc.integer({ min: 1, max: 30 }) }),
    { minLength: 1, maxLength: 8 },
  ),
  bad: fc.option(fc.record({ at: fc.nat(), value: fc.integer({ min: 41, max: 5000 }) })),
  cut: fc.option(fc.integer({ min: 1, max: 30 })),
}).map(({ runs, bad, cut }): Wire => {
  const headers: number[] = [];
  const parts: number[][] = [];
  let k = 0;
  for (const r of runs) {
    for (let i = 0; i < r.count; i++, k++) {
      headers.push(r.size);
      parts.push(Array.from({ length: r.size }, (_, j) => (k * 7 + j) & 255));
    }
  }
  if (bad !== null) {
    const at = bad.at % (headers.length + 1);
    headers.splice(at, 0, bad.value);
    parts.splice(at, 0, Array.from({ length: bad.value }, (_, j) => j & 255));
  }
  const build = (plus: number) => {
    const out: number[] = [];
    headers.forEach((h, i) => {
      const v = h + plus;
      out.push(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255, ...parts[i]);
    });
    if (cut !== null) out.splice(Math.max(0, out.length - cut));
    return Uint8Array.from(out);
  };
  return { fast: build(0), general: build(1) };
});

// decode in the given pieces with decodeBatch(max), recording frames and error names
function decodeBatches(spec: string, data: Uint8Array, cuts: number[], max: number): string[] {
  const pts = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  pts.push(data.length);
  const events: string[] = [];
  using dec = new FrameDecoder(spec);
  let last = 0, dead = false;
  for (const p of pts) {
    dec.push(data.subarray(last, p));
    last = p;
    for (let guard = 0; guard < 100_000 && !dead; guard++) {
      try {
        const b = dec.decodeBatch(max);
        if (b.count === 0) break;
        for (let i = 0; i < b.count; i++) events.push(`frame:${hex(b.frame(i))}`);
      } catch (e) {
        events.push(`error:${(e as Error).name}`);
        try {
          dec.decodeBatch(0);
        } catch {
          dead = true;
        }
      }
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

Deno.test("the len:u32be fast path agrees with the TS reference on runs of equal-sized frames", () => {
  fc.assert(
    fc.property(
      wireArb,
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 0, max: 40 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.constantFrom(1, 2, 3, 7, 64, 4096),
      (wire, strip, max, cuts, batch) => {
        const spec = `len:u32be,strip=${strip},max=${max}`;
        const want = referenceDecode(resolveFrameOptions(spec), wire.fast);
        assert.deepEqual(decodeBatches(spec, wire.fast, cuts, batch), want);
      },
    ),
    { numRuns: 600 },
  );
});

Deno.test("the len:u32be fast path agrees with the core's general loop, discarding included", () => {
  fc.assert(
    fc.property(
      wireArb,
      fc.integer({ min: 0, max: 40 }),
      fc.constantFrom("", ",discard", ",discard,failslow"),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.constantFrom(1, 3, 64, 4096),
      (wire, max, policy, cuts, batch) => {
        // header stripped: a kept header would differ by the +1
        const fast = `len:u32be,max=${max}${policy}`;
        const general = `len:u32be,adj=-1,max=${max}${policy}`;
        const want = decodeBatches(general, wire.general, [], 4096);
        assert.deepEqual(decodeBatches(fast, wire.fast, cuts, batch), want);
        assert.deepEqual(decodeBatches(fast, wire.fast, [], 4096), want);
      },
    ),
    { numRuns: 600 },
  );
});

Deno.test("the len:u32be fast path finds every frame of a long run across full tables", () => {
  // 10,000 frames of 5 bytes, one of 6 in the middle: the guess breaks once, tables fill
  const n = 10_000;
  const sizes = Array.from({ length: n }, (_, i) => (i === 6000 ? 6 : 5));
  const total = sizes.reduce((a, s) => a + 4 + s, 0);
  const wire = new Uint8Array(total);
  const dv = new DataView(wire.buffer);
  let p = 0;
  sizes.forEach((s, i) => {
    dv.setUint32(p, s);
    wire.fill(i & 255, p + 4, p + 4 + s);
    p += 4 + s;
  });
  using dec = new FrameDecoder("len:u32be,max=64");
  dec.push(wire);
  let seen = 0;
  for (let b = dec.decodeBatch(); b.count > 0; b = dec.decodeBatch()) {
    for (let i = 0; i < b.count; i++, seen++) {
      assert.equal(b.length(i), sizes[seen]);
      assert.equal(b.bytes[b.offset(i)], seen & 255);
    }
  }
  assert.equal(seen, n);
  assert.equal(dec.buffered, 0);
});

Deno.test("decodeView hands out queued frames one by one and notices bytes taken out under it", () => {
  using d = new FrameDecoder("len:u8");
  d.push(new Uint8Array([1, 65, 2, 66, 67, 1, 68, 1, 69]));
  assert.deepEqual([...d.decodeView()!], [65]);
  assert.equal(d.buffered, 7); // each frame is consumed as it is handed out
  assert.deepEqual([...d.decodeView()!], [66, 67]);
  assert.equal(d.buffered, 4);
  // the caller truncates the buffer: the queued frames' bytes are gone, nothing stale comes out
  d.buffer.setLength(1);
  assert.throws(() => d.decodeView(), RangeError);
  // taking bytes out moves the region: the queue is dropped and decoding starts again
  d.buffer.reset();
  d.push(new Uint8Array([1, 70, 1]));
  assert.deepEqual([...d.decodeView()!], [70]);
  assert.equal(d.decodeView(), null);
  assert.equal(d.buffered, 1);
});
