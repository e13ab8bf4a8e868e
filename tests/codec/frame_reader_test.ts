import assert from "node:assert/strict";
import {
  decodeEofDefault,
  type Decoder,
  DelimiterCodec,
  FixedLengthCodec,
  FramedConn,
  FrameReader,
  IncompleteFrameError,
  IncompleteReadError,
  LengthFieldCodec,
  LimitOverrunError,
  LineCodec,
  RawCodec,
  readerFromStream,
  readFrames,
  VarintCodec,
} from "../../src/codec/mod.ts";
import type { IOBuffer } from "../../src/buffer/mod.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const source = (...chunks: string[]) => readerFromStream(ReadableStream.from(chunks.map(enc)));

/** A user-written decoder: "<decimal length>:<bytes>," frames (netstrings), as text. */
class Netstring implements Decoder<string> {
  state: "header" | "body" = "header";
  decode(buf: IOBuffer): string | null {
    const v = buf.view();
    const colon = v.indexOf(58);
    if (colon < 0) return null;
    const n = Number(dec(v.subarray(0, colon)));
    if (v.length < colon + 1 + n + 1) {
      this.state = "body";
      return null;
    }
    this.state = "header";
    const s = dec(v.subarray(colon + 1, colon + 1 + n));
    buf.consume(colon + 2 + n);
    return s;
  }
  decodeEof(buf: IOBuffer): string | null {
    return decodeEofDefault(this, buf);
  }
  encode(s: string): Uint8Array {
    const b = enc(s);
    return enc(`${b.length}:${s},`);
  }
}

Deno.test("a user-written decoder plugs into FramedConn, readFrames and decodeStream", async () => {
  const wire = "5:hello,0:,3:abc,";
  for (const split of [1, 2, 7, 100]) {
    const chunks: string[] = [];
    for (let i = 0; i < wire.length; i += split) chunks.push(wire.slice(i, i + split));
    const written: Uint8Array[] = [];
    const r = source(...chunks);
    using fc = new FramedConn(
      {
        read: (p) => r.read(p),
        write: (p) => (written.push(p.slice()), Promise.resolve(p.length)),
      },
      new Netstring(),
    );
    const got: string[] = [];
    for await (const f of fc) got.push(f);
    assert.deepEqual(got, ["hello", "", "abc"], `split ${split}`);
    await fc.writeFrame("hi");
    assert.equal(dec(written[0]), "2:hi,");
    assert.throws(() => fc.decoder, TypeError);
    assert.deepEqual(await Array.fromAsync(readFrames(source(...chunks), new Netstring())), got);
  }
  const { decodeStream } = await import("../../src/codec/mod.ts");
  const out = await Array.fromAsync(
    ReadableStream.from([enc("2:ab,1:"), enc("c,")]).pipeThrough(decodeStream(new Netstring())),
  );
  assert.deepEqual(out, ["ab", "c"]);
});

Deno.test("the driver refuses a frame that consumed no bytes, and reports leftovers at EOF", async () => {
  const bad: Decoder<number> = {
    state: "header",
    decode: (buf) => buf.length > 0 ? 1 : null,
    decodeEof: (buf) => buf.length > 0 ? 1 : null,
  };
  using r = new FrameReader(source("x"), bad);
  await assert.rejects(r.readFrame(), /consuming 0 bytes/);
  using r2 = new FrameReader(source("ab\nc"), new LineCodec());
  assert.equal(dec((await r2.readFrame())!), "ab");
  await assert.rejects(r2.readFrame(), (e) => {
    assert.ok(e instanceof IncompleteFrameError);
    assert.equal(e.leftover, 1);
    return true;
  });
});

Deno.test("one type per framing, each built from the same spec strings as createCodec", () => {
  using a = new LengthFieldCodec("len:u16be");
  using b = new VarintCodec("varint,max=1KiB");
  using c = new LineCodec("line,crlf");
  using d = new DelimiterCodec("delim:;");
  using e = new FixedLengthCodec("fixed:2");
  using f = new RawCodec("raw,max=3");
  assert.equal(b.maxFrameLength, 1024);
  assert.deepEqual(a.encode(enc("x")), new Uint8Array([0, 1, 120]));
  assert.deepEqual(c.encode(enc("x")), enc("x\r\n"));
  assert.deepEqual(d.encode(enc("x")), enc("x;"));
  assert.deepEqual(e.encode(enc("xy")), enc("xy"));
  assert.deepEqual(f.encode(enc("xy")), enc("xy"));
  assert.throws(() => new LineCodec("len:u32be"), {
    name: "TypeError",
    message: 'Cannot create LineCodec: spec is of kind "length", expected "line"',
  });
  // options objects may leave out the kind
  using g = new LengthFieldCodec({ fieldLength: 1 });
  assert.deepEqual(g.encode(enc("z")), new Uint8Array([1, 122]));
});

Deno.test("a codec keeps its queue straight when raw reads take bytes between frames", async () => {
  using lf = new LengthFieldCodec("len:u8");
  // three frames, then 2 raw bytes, then a frame
  using r = new FrameReader(
    readerFromStream(ReadableStream.from([new Uint8Array([1, 65, 1, 66, 1, 67, 9, 9, 1, 68])])),
    lf,
  );
  assert.deepEqual(await r.readFrame(), new Uint8Array([65]));
  assert.deepEqual(await r.readFrame(), new Uint8Array([66]));
  assert.deepEqual(await r.readFrame(), new Uint8Array([67]));
  assert.deepEqual(await r.readExact(2), new Uint8Array([9, 9]));
  assert.deepEqual(await r.readFrame(), new Uint8Array([68]));
  assert.equal(await r.readFrame(), null);
  // raw read in the middle of a queue: frames after it are decoded again, nothing skipped
  using r2 = new FrameReader(null, lf);
  r2.push(new Uint8Array([1, 65, 2, 66, 66, 1, 67]));
  assert.deepEqual(r2.tryReadFrame(), new Uint8Array([65]));
  assert.deepEqual(await r2.readExact(3), new Uint8Array([2, 66, 66]));
  assert.deepEqual(r2.tryReadFrame(), new Uint8Array([67]));
  assert.equal(r2.tryReadFrame(), null);
  // bytes appended after a partial queue (the buffer may move): still in order
  r2.push(new Uint8Array([1, 70, 1, 71]));
  assert.deepEqual(r2.tryReadFrame(), new Uint8Array([70]));
  r2.push(new Uint8Array([1, 72]));
  assert.deepEqual(r2.tryReadFrame(), new Uint8Array([71]));
  assert.deepEqual(r2.tryReadFrame(), new Uint8Array([72]));
});

Deno.test("readExact never reads past the bytes it was asked for", async () => {
  const reads: number[] = [];
  const r = source("abcdef");
  using fr = new FrameReader({ read: (p) => (reads.push(p.length), r.read(p)) });
  assert.equal(dec(await fr.readExact(2)), "ab");
  assert.deepEqual(reads, [2]);
  assert.equal(fr.buffered, 0);
  await assert.rejects(fr.readExact(10), (e) => {
    assert.ok(e instanceof IncompleteReadError);
    assert.equal(dec(e.partial), "cdef");
    assert.equal(e.expected, 10);
    return true;
  });
});

Deno.test("readUntil's limit bounds the bytes before the delimiter, as asyncio's readuntil", async () => {
  // content of exactly `limit` bytes is returned
  using a = new FrameReader(source("abcd\nrest"));
  assert.equal(dec(await a.readUntil(enc("\n"), 4)), "abcd\n");
  // found after the limit: LimitOverrunError, the bytes stay buffered
  using b = new FrameReader(source("abcde\n"));
  await assert.rejects(b.readUntil(enc("\n"), 4), (e) => {
    assert.ok(e instanceof LimitOverrunError);
    assert.equal(e.consumed, 5);
    return true;
  });
  assert.equal(b.buffered, 6);
  // a long separator that could still start inside the limit: EOF is IncompleteReadError
  using c = new FrameReader(source("abcdef"));
  await assert.rejects(c.readUntil(enc("XYZW"), 4), IncompleteReadError);
  // no separator and more than limit bytes that cannot start one
  using d = new FrameReader(source("abcdefgh", "ij"));
  await assert.rejects(d.readUntil(enc("XY"), 4), LimitOverrunError);
});
