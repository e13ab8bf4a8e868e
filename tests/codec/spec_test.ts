import assert from "node:assert/strict";
import { parseFrameSpec, resolveFrameOptions } from "../../src/codec/spec.ts";
import { createCodec } from "../../src/codec/codec.ts";
import { FrameSpecSyntaxError } from "../../src/codec/errors.ts";

Deno.test("parseFrameSpec reads every documented example", () => {
  assert.deepEqual(parseFrameSpec("len:u32be"), {
    kind: "length",
    fieldLength: 4,
    littleEndian: false,
  });
  assert.deepEqual(parseFrameSpec("len:u16le,adj=-2,strip=2,max=64KiB"), {
    kind: "length",
    fieldLength: 2,
    littleEndian: true,
    lengthAdjustment: -2,
    initialBytesToStrip: 2,
    maxFrameLength: 65536,
  });
  assert.deepEqual(parseFrameSpec("varint"), { kind: "varint" });
  assert.deepEqual(parseFrameSpec("line,max=4KiB"), { kind: "line", maxFrameLength: 4096 });
  assert.deepEqual(parseFrameSpec("delim:\\r\\n"), {
    kind: "delimiter",
    delimiters: [new Uint8Array([13, 10])],
  });
  assert.deepEqual(parseFrameSpec("fixed:128"), { kind: "fixed", frameLength: 128 });
  assert.deepEqual(
    (parseFrameSpec("delim:\\x00|\\,|;,keep") as { delimiters: Uint8Array[] }).delimiters,
    [
      new Uint8Array([0]),
      new Uint8Array([44]),
      new Uint8Array([59]),
    ],
  );
  assert.deepEqual(parseFrameSpec("len:u64le,off=2,oversize=discard,failslow"), {
    kind: "length",
    fieldLength: 8,
    littleEndian: true,
    fieldOffset: 2,
    oversize: "discard",
    failFast: false,
  });
  assert.equal(
    (parseFrameSpec("line,max=1M") as { maxFrameLength: number }).maxFrameLength,
    1 << 20,
  );
});

Deno.test("parseFrameSpec errors are SyntaxErrors that point at the offending position", () => {
  const cases: [string, number][] = [
    ["lenn:u32be", 0],
    ["len:u33be", 4],
    ["len", 3],
    ["len:u32be,max=12XB", 14],
    ["len:u32be,foo=1", 10],
    ["line,crlf=1", 10],
    ["varint:3", 7],
    ["delim:\\q", 6],
    ["delim:a||b", 8],
    ["len:u32be,adj=x", 14],
    ["len:u32be,max=1,max=2", 16],
    ["fixed:0", 6],
    ["line,max", 8],
    ["len:u32be,adj=99999999999", 14],
  ];
  for (const [spec, pos] of cases) {
    try {
      parseFrameSpec(spec);
      assert.fail(`expected an error for ${spec}`);
    } catch (e) {
      assert.ok(e instanceof FrameSpecSyntaxError, `${spec}: ${e}`);
      assert.ok(e instanceof SyntaxError);
      assert.equal(e.position, pos, `${spec}: ${e.message}`);
      assert.equal(e.input, spec);
      assert.match(e.message, /^Cannot parse frame spec: .* at position \d+$/);
    }
  }
});

Deno.test("resolveFrameOptions fills the documented defaults and rejects bad fields", () => {
  const o = resolveFrameOptions("len:u32be");
  assert.equal(o.kind, "length");
  if (o.kind === "length") {
    assert.equal(o.initialBytesToStrip, 4);
    assert.equal(o.maxFrameLength, 8 * 1024 * 1024);
    assert.equal(o.oversize, "error");
  }
  const l = resolveFrameOptions("line");
  assert.equal(l.kind === "line" && l.maxFrameLength, 65536);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => resolveFrameOptions({ kind: "length", fieldLength: 5 as any }), RangeError);
  assert.throws(() => resolveFrameOptions({ kind: "delimiter", delimiters: [] }), RangeError);
  assert.throws(
    () => resolveFrameOptions({ kind: "delimiter", delimiters: [new Uint8Array(33)] }),
    RangeError,
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => resolveFrameOptions({ kind: "nope" } as any), TypeError);
});

Deno.test("createCodec turns a spec into a matching decoder and encoder", () => {
  using c = createCodec("len:u16le,adj=-2,strip=2,max=64KiB");
  const wire = c.encoder!.encode(new Uint8Array([1, 2, 3]));
  assert.deepEqual([...wire], [5, 0, 1, 2, 3]);
  c.decoder.push(wire);
  assert.deepEqual([...c.decoder.decode()!], [1, 2, 3]);
  using off = createCodec("len:u16be,off=2");
  assert.equal(off.encoder, null);
});
