// sockkit codec micro-benchmarks on the same 64 MiB inputs as shared/bench/js/codec_bench.mjs.
//   deno run -A codec_bench.ts [ITERS=5]
// One "RESULT <name> <GB/s> GB/s <items/s> <unit> n=<items> chk=<checksum>" line per case:
//   frames_batch    FrameDecoder("len:u32be").decodeBatch() over bytes already in Wasm memory
//                   (an IOBuffer filled through its writable view, as a socket read would),
//                   offsets only: sum payload[0] through batch.bytes[batch.offset(i)]
//   frames_each     the same, one frame at a time with decodeView() (a subarray per frame)
//   frames_copyin   frames_batch plus copying the input into Wasm memory in 64 KiB pushes
//   newline_simd    FrameDecoder("line").decodeBatch(): SIMD scan, every '\n' position
//   newline_copyin  the same plus the copy into Wasm memory
import { FrameDecoder } from "../../src/codec/mod.ts";
import { IOBuffer } from "../../mod.ts";

const MiB = 1024 * 1024;
const ITERS = Number(Deno.args[0] ?? 5);

const NFRAMES = Math.floor(64 * MiB / 36);
const frames = new Uint8Array(NFRAMES * 36);
{
  const dv = new DataView(frames.buffer);
  for (let i = 0; i < NFRAMES; i++) {
    dv.setUint32(i * 36, 32);
    frames.fill(i & 255, i * 36 + 4, i * 36 + 36);
  }
}
const text = new Uint8Array(64 * MiB);
{
  let x = 0x9e3779b9, i = 0;
  while (i < text.length) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const len = 1 + (x % 127);
    for (let k = 0; k < len && i < text.length; k++) text[i++] = 97 + (k % 26);
    if (i < text.length) text[i++] = 10;
  }
}

// The input lives in an IOBuffer (Wasm memory); each iteration refills it untimed.
const buf = new IOBuffer({ maxCapacity: 65 * MiB });
function load(src: Uint8Array) {
  buf.reset();
  const w = buf.writableView(src.length);
  w.set(src);
  buf.commit(src.length);
}

function framesBatch(): [number, number] {
  using d = new FrameDecoder("len:u32be,max=1KiB", { buffer: buf });
  let n = 0, chk = 0;
  for (let b = d.decodeBatch(); b.count > 0; b = d.decodeBatch()) {
    const bytes = b.bytes;
    for (let i = 0; i < b.count; i++) chk = (chk + bytes[b.offset(i)]) | 0;
    n += b.count;
  }
  return [n, chk];
}
function framesEach(): [number, number] {
  using d = new FrameDecoder("len:u32be,max=1KiB", { buffer: buf });
  let n = 0, chk = 0;
  for (let f = d.decodeView(); f !== null; f = d.decodeView()) {
    n++;
    chk = (chk + f[0]) | 0;
  }
  return [n, chk];
}
function framesCopyIn(): [number, number] {
  using d = new FrameDecoder("len:u32be,max=1KiB");
  let n = 0, chk = 0;
  for (let o = 0; o < frames.length; o += 65536) {
    d.push(frames.subarray(o, o + 65536));
    for (let b = d.decodeBatch(); b.count > 0; b = d.decodeBatch()) {
      const bytes = b.bytes;
      for (let i = 0; i < b.count; i++) chk = (chk + bytes[b.offset(i)]) | 0;
      n += b.count;
    }
  }
  return [n, chk];
}
// Every '\n' of the stream, as the JS baseline sums them: chk = (chk + position) | 0.
// Frame i (its '\n' kept) ends at stream position base + offset(i) - offset(0) + length(i)
// - 1. The position is computed first, then added: adding `base` and the offsets straight
// into `chk` (as this file did before) makes sums beyond the int32 range, whose `| 0` V8
// truncates through a slow path, about 6 ns per line.
function newlines(d: FrameDecoder, acc: { n: number; chk: number; base: number }): void {
  let n = acc.n, chk = acc.chk, base = acc.base;
  for (let b = d.decodeBatch(); b.count > 0; b = d.decodeBatch()) {
    const k = b.count;
    const start = base - b.offset(0) - 1;
    for (let i = 0; i < k; i++) {
      const at = start + b.offset(i) + b.length(i);
      chk = (chk + at) | 0;
    }
    base = start + 1 + b.offset(k - 1) + b.length(k - 1);
    n += k;
  }
  acc.n = n;
  acc.chk = chk;
  acc.base = base;
}
function newlineSimd(): [number, number] {
  using d = new FrameDecoder("line,max=1KiB,keep", { buffer: buf });
  const acc = { n: 0, chk: 0, base: 0 };
  newlines(d, acc);
  return [acc.n, acc.chk];
}
function newlineCopyIn(): [number, number] {
  using d = new FrameDecoder("line,max=1KiB,keep");
  const acc = { n: 0, chk: 0, base: 0 };
  for (let o = 0; o < text.length; o += 65536) {
    d.push(text.subarray(o, o + 65536));
    newlines(d, acc);
  }
  return [acc.n, acc.chk];
}

const cases: [string, () => [number, number], Uint8Array, string, boolean][] = [
  ["frames_batch", framesBatch, frames, "frames/s", true],
  ["frames_each", framesEach, frames, "frames/s", true],
  ["frames_copyin", framesCopyIn, frames, "frames/s", false],
  ["newline_simd", newlineSimd, text, "lines/s", true],
  ["newline_copyin", newlineCopyIn, text, "lines/s", false],
];
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [name, fn, input, unit, preload] of cases) {
  let items = 0, chk0 = 0;
  const times: number[] = [];
  for (let k = 0; k < ITERS + 2; k++) {
    if (preload) load(input);
    const t0 = performance.now();
    const [n, chk] = fn();
    const t = (performance.now() - t0) / 1000;
    if (k < 2) {
      items = n;
      chk0 = chk;
      continue;
    }
    if (n !== items || chk !== chk0) throw new Error(`${name}: unstable result`);
    times.push(t);
  }
  const t = median(times);
  console.log(
    `RESULT ${name} ${(input.length / t / 1e9).toFixed(3)} GB/s ${
      (items / t).toFixed(0)
    } ${unit} n=${items} chk=${chk0 >>> 0}`,
  );
}
buf.free();
