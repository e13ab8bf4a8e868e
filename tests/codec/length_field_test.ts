import assert from "node:assert/strict";
import { assertEverySplit, decodeChunks, error, frame } from "../_split_harness.ts";
import { FrameDecoder, FrameEncoder } from "../../src/codec/codec.ts";
import {
  FrameCorruptError,
  FrameTooLongError,
  IncompleteFrameError,
  PayloadTooLongError,
} from "../../src/codec/errors.ts";
import { heapStats } from "../../wasm/iobuf.ts";

const b = (...parts: (number[] | string)[]) => {
  const out: number[] = [];
  for (const p of parts) out.push(...(typeof p === "string" ? new TextEncoder().encode(p) : p));
  return Uint8Array.from(out);
};

Deno.test("LengthFieldDecoder emits one frame only once all 13 bytes arrived, at every split", () => {
  assertEverySplit("len:u32be", b([0, 0, 0, 9], "abcdefghi"), [frame("abcdefghi")]);
  using d = new FrameDecoder("len:u32be");
  const input = b([0, 0, 0, 9], "abcdefghi");
  for (let i = 0; i < 12; i++) {
    d.push(input.subarray(i, i + 1));
    assert.equal(d.decode(), null);
  }
  d.push(input.subarray(12));
  assert.equal(new TextDecoder().decode(d.decode()!), "abcdefghi");
});

Deno.test("LengthFieldDecoder decodes three frames from one chunk with no leftover", () => {
  assertEverySplit(
    "len:u32be",
    b([0, 0, 0, 9], "abcdefghi", [0, 0, 0, 3], "123", [0, 0, 0, 11], "hello world"),
    [frame("abcdefghi"), frame("123"), frame("hello world")],
  );
});

Deno.test("LengthFieldDecoder emits an empty frame for a zero length and goes on", () => {
  assertEverySplit("len:u32be", b([0, 0, 0, 0, 0, 0, 0, 1], "A"), [frame(""), frame("A")]);
});

Deno.test("LengthFieldDecoder reports leftovers at EOF with their count, and a clean end at a boundary", () => {
  assertEverySplit("len:u32be", b([0, 0]), [error("IncompleteFrameError")]);
  assertEverySplit("len:u32be", b([0, 0, 0, 9], "abcd"), [error("IncompleteFrameError")]);
  assertEverySplit("len:u32be", b([0, 0, 0, 1], "x"), [frame("x")]);
  using d = new FrameDecoder("len:u32be");
  d.push(b([0, 0, 0, 9], "abcd"));
  assert.equal(d.decode(), null);
  assert.equal(d.state, "body");
  // finish() reports the stranded bytes, every time it is called.
  for (let i = 0; i < 2; i++) {
    assert.throws(
      () => d.finish(),
      (err: unknown) =>
        err instanceof IncompleteFrameError && err.leftover === 8 && err.partial.length === 8,
    );
  }
});

Deno.test("LengthFieldDecoder fails fast on a too-long header without buffering the payload", () => {
  assertEverySplit({ kind: "length", maxFrameLength: 5 }, b([0, 0, 0, 9], "abcdefghi"), [
    error("FrameTooLongError"),
  ]);
  using d = new FrameDecoder({ kind: "length", maxFrameLength: 5 });
  d.push(b([0, 0, 0, 9]));
  try {
    d.decode();
    assert.fail("expected FrameTooLongError");
  } catch (e) {
    assert.ok(e instanceof FrameTooLongError);
    assert.equal(e.frameLength, 9);
    assert.equal(e.maxFrameLength, 5);
    assert.equal(
      e.message,
      "Cannot decode frame: declared length 9 bytes exceeds maximum of 5 bytes",
    );
  }
  // the stopped decoder keeps failing (policy "error": caller closes)
  assert.throws(() => d.decode(), FrameTooLongError);
});

Deno.test("LengthFieldDecoder rejects ff ff ff ff at once without growing Wasm memory", () => {
  const before = heapStats().heapSize;
  using d = new FrameDecoder("len:u32be");
  d.push(b([0xff, 0xff, 0xff, 0xff]));
  assert.throws(() => d.decode(), FrameTooLongError);
  assert.ok(heapStats().heapSize - before < 512 * 1024);
});

Deno.test("LengthFieldDecoder reads 8-byte lengths without rounding them to a Number", () => {
  assertEverySplit("len:u64be", b([0, 0x20, 0, 0, 0, 0, 0, 1]), [error("FrameTooLongError")]);
  assertEverySplit("len:u64be", b([0x80, 0, 0, 0, 0, 0, 0, 0]), [error("FrameTooLongError")]);
  assertEverySplit("len:u64le", b([2, 0, 0, 0, 0, 0, 0, 0], "hi"), [frame("hi")]);
});

Deno.test("LengthFieldDecoder rejects a length below zero after adjustment and accepts exactly zero", () => {
  for (const v of [0, 1, 2, 3]) {
    assertEverySplit("len:u32be,adj=-4", b([0, 0, 0, v]), [error("FrameCorruptError")]);
  }
  assertEverySplit("len:u32be,adj=-4", b([0, 0, 0, 4]), [frame("")]);
  using d = new FrameDecoder("len:u32be,adj=-4");
  d.push(b([0, 0, 0, 0, 9]));
  assert.throws(
    () => d.decode(),
    (e: unknown) => e instanceof FrameCorruptError && e.offset === 0 && /negative/.test(e.reason),
  );
});

Deno.test("LengthFieldDecoder rejects adjustments at the i32 extremes when it is created", () => {
  assert.throws(
    () => new FrameDecoder({ kind: "length", lengthAdjustment: -(2 ** 31) }),
    RangeError,
  );
  assert.throws(
    () => new FrameDecoder({ kind: "length", lengthAdjustment: 2 ** 31 - 1 }),
    RangeError,
  );
  assert.throws(() => new FrameDecoder({ kind: "length", lengthAdjustment: 0.5 }), RangeError);
});

Deno.test("LengthFieldDecoder's maximum bounds the payload whatever the adjustment sign", () => {
  // field counts the header (adj -4): payload 10 ok, 11 rejected
  assertEverySplit("len:u32be,adj=-4,max=10", b([0, 0, 0, 14], "0123456789"), [
    frame("0123456789"),
  ]);
  assertEverySplit("len:u32be,adj=-4,max=10", b([0, 0, 0, 15], "0123456789a"), [
    error("FrameTooLongError"),
  ]);
  // adj +2: field value 8 means 10 payload bytes
  assertEverySplit("len:u32be,adj=2,max=10", b([0, 0, 0, 8], "0123456789"), [frame("0123456789")]);
  assertEverySplit("len:u32be,adj=2,max=10", b([0, 0, 0, 9], "0123456789a"), [
    error("FrameTooLongError"),
  ]);
});

Deno.test("LengthFieldDecoder rejects stripping more bytes than the frame holds", () => {
  assertEverySplit("len:u32be,strip=8", b([0, 0, 0, 0]), [error("FrameCorruptError")]);
});

Deno.test("LengthFieldDecoder recovers after a too-long frame under the discard policy", () => {
  const input = b([0, 0, 0, 0x20], new Array(32).fill(120), [0, 0, 0, 1], "a");
  const twice = b([...input, ...input]);
  for (const spec of ["len:u32be,max=16,discard", "len:u32be,max=16,discard,failslow"]) {
    assertEverySplit(spec, input, [error("FrameTooLongError"), frame("a")]);
    assertEverySplit(spec, twice, [
      error("FrameTooLongError"),
      frame("a"),
      error("FrameTooLongError"),
      frame("a"),
    ]);
  }
  assertEverySplit("len:u32be,max=16,discard,strip=0", input, [
    error("FrameTooLongError"),
    frame([0, 0, 0, 1, 97]),
  ]);
  // default policy: error, then nothing more
  assertEverySplit("len:u32be,max=16", input, [error("FrameTooLongError")]);
  // split exactly at byte 14 (Netty testDiscardTooLongFrame2)
  assert.deepEqual(
    decodeChunks("len:u32be,max=16,discard", [input.subarray(0, 14), input.subarray(14)]),
    [
      error("FrameTooLongError"),
      frame("a"),
    ],
  );
});

Deno.test("LengthFieldDecoder lets an in-flight frame finish under the old maximum", () => {
  using d = new FrameDecoder("len:u32be");
  d.push(b([0, 0, 0, 9], "abcd"));
  assert.equal(d.decode(), null);
  d.setMaxFrameLength(5);
  d.push(b("efghi", [0, 0, 0, 9]));
  assert.equal(new TextDecoder().decode(d.decode()!), "abcdefghi");
  assert.throws(() => d.decode(), FrameTooLongError);
});

Deno.test("LengthFieldDecoder handles a field offset, 1-, 2-, 3-byte and little-endian fields", () => {
  assertEverySplit(
    { kind: "length", fieldOffset: 4, fieldLength: 2 },
    b("zzzz", [0, 9], "abcdefghi"),
    [frame("abcdefghi")],
  );
  assertEverySplit("len:u8", b([9], "abcdefghi"), [frame("abcdefghi")]);
  assertEverySplit("len:u24be,off=1,strip=4", b([0xff, 0, 0, 0x0b], "Hello world"), [
    frame("Hello world"),
  ]);
  assertEverySplit("len:u32le", b([9, 0, 0, 0], "abcdefghi"), [frame("abcdefghi")]);
  assertEverySplit("len:u16le", b([2, 0], "hi", [0, 0]), [frame("hi"), frame("")]);
  assertEverySplit("len:u16be,strip=0", b([0, 2], "hi"), [frame([0, 2, 104, 105])]);
});

Deno.test("LengthFieldEncoder refuses lengths its field cannot hold and writes nothing", () => {
  using e1 = new FrameEncoder("len:u8");
  assert.throws(() => e1.encode(new Uint8Array(256)), PayloadTooLongError);
  assert.equal(e1.encode(new Uint8Array(255)).length, 256);
  using e2 = new FrameEncoder("len:u16be");
  assert.throws(() => e2.encode(new Uint8Array(65536)), PayloadTooLongError);
  using e3 = new FrameEncoder("len:u32be,max=10");
  assert.throws(() => e3.encode(new Uint8Array(11)), PayloadTooLongError);
  // adjustment +4: a payload shorter than 4 cannot be expressed
  using e4 = new FrameEncoder("len:u32be,adj=4");
  assert.throws(() => e4.encode(new Uint8Array(3)), RangeError);
  assert.deepEqual([...e4.encode(new Uint8Array(4))].slice(0, 4), [0, 0, 0, 0]);
  using e5 = new FrameEncoder("len:u16le,adj=-2");
  assert.deepEqual([...e5.encode(new Uint8Array([7]))], [3, 0, 7]);
  assert.throws(() => new FrameEncoder({ kind: "length", fieldOffset: 2 }), RangeError);
  using e6 = new FrameEncoder("len:u24le");
  assert.deepEqual([...e6.header(0x030201)], [1, 2, 3]);
});

Deno.test("VarintDecoder decodes protobuf length prefixes and rejects 11-byte varints", () => {
  assertEverySplit("varint", b([3], "abc", [0], [0x80, 0x01], new Array(128).fill(0x61)), [
    frame("abc"),
    frame(""),
    frame(new Array(128).fill(0x61)),
  ]);
  assertEverySplit("varint", b(new Array(10).fill(0xff), [1]), [error("FrameCorruptError")]);
  assertEverySplit("varint,max=100", b([0x80, 0x01]), [error("FrameTooLongError")]);
  using e = new FrameEncoder("varint");
  assert.deepEqual([...e.header(300)], [0xac, 0x02]);
});

Deno.test("FixedLengthDecoder cuts fixed-size frames and reports a partial tail", () => {
  assertEverySplit("fixed:3", "abcdef", [frame("abc"), frame("def")]);
  assertEverySplit("fixed:3", "abcd", [frame("abc"), error("IncompleteFrameError")]);
  assert.throws(() => new FrameDecoder({ kind: "fixed", frameLength: 0 }), RangeError);
});
