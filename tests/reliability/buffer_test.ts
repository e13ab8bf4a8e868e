/**
 * Byte-order and buffer cases of the reliability catalogue (`shared/reference/
 * anchors-reliability.md` §2.2 and §2.5) that no other test covered, each named by its ID.
 * `DataView` is the reference.
 */
import assert from "node:assert/strict";
import { BufferOverflowError, IOBuffer } from "../../mod.ts";

Deno.test("BO-04: IOBuffer's u16/u32 reads, BE and LE, equal DataView at every offset, and the last ones need more", () => {
  const data = crypto.getRandomValues(new Uint8Array(257));
  const view = new DataView(data.buffer);
  for (const width of [2, 4] as const) {
    for (const littleEndian of [false, true]) {
      for (let off = 0; off < data.length; off++) {
        using b = IOBuffer.from(data.subarray(off));
        if (off + width > data.length) {
          assert.throws(() =>
            width === 2 ? b.readUint16(littleEndian) : b.readUint32(littleEndian)
          );
          assert.equal(b.length, data.length - off, "a failed read leaves the cursor");
          continue;
        }
        const got = width === 2 ? b.readUint16(littleEndian) : b.readUint32(littleEndian);
        const want = width === 2
          ? view.getUint16(off, littleEndian)
          : view.getUint32(off, littleEndian);
        assert.equal(got, want, `u${width * 8} ${littleEndian ? "LE" : "BE"} at ${off}`);
        assert.equal(b.length, data.length - off - width);
      }
    }
  }
});

Deno.test("BUF-10: ff ff ff ff reads as 4294967295 (unsigned), 34 12 as 0x1234 little-endian", () => {
  using b = IOBuffer.from(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x34, 0x12]));
  const u32 = b.readUint32();
  assert.equal(u32, 4294967295);
  assert.equal(u32 | 0, -1, "the signed view is the caller's `| 0`; IOBuffer reads are unsigned");
  assert.equal(b.readUint16(true), 0x1234);
});

Deno.test("BUF-03: after one byte, reserving 2^31-1 or 2^32-1 bytes is an overflow error, not a wrap-around", () => {
  using b = new IOBuffer({ maxCapacity: 1 << 20 });
  b.append(new Uint8Array([7]));
  const capacity = b.capacity;
  for (const n of [2 ** 31 - 1, 2 ** 32 - 1]) {
    assert.throws(() => b.reserve(n), BufferOverflowError);
    assert.equal(b.capacity, capacity, "the capacity did not change");
    assert.deepEqual(b.toBytes(), new Uint8Array([7]), "the content did not change");
  }
  assert.throws(() => b.reserve(2 ** 53), RangeError);
});

Deno.test("BUF-04: a bad maximum is a RangeError, a length past it an overflow, and a smaller length truncates", () => {
  assert.throws(() => new IOBuffer({ maxCapacity: -1 }), RangeError);
  assert.throws(() => new IOBuffer({ maxCapacity: 1.5 }), RangeError);
  assert.throws(() => new IOBuffer({ maxCapacity: 16, initialCapacity: 17 }), RangeError);
  using b = new IOBuffer({ maxCapacity: 16 });
  b.append(new Uint8Array([1, 2, 3, 4, 5]));
  assert.throws(() => b.setLength(17), BufferOverflowError);
  assert.throws(() => b.setLength(-1), RangeError);
  b.setLength(2);
  assert.deepEqual(b.toBytes(), new Uint8Array([1, 2]));
  assert.equal(b.maxCapacity, 16, "the maximum is unchanged");
});
