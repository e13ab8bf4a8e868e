import assert from "node:assert/strict";
import fc from "fast-check";
import { fromNetworkOrder, toNetworkOrder } from "../../src/addr/byte_order.ts";
import { htonl, htonll, htons, ntohl, ntohll, ntohs } from "../../src/bsd/byte_order.ts";
import { swapU16, swapU32, swapU64 } from "../../wasm/byteorder.ts";

// Reference: DataView reads the same bytes in the other byte order.
function refSwap16(x: number): number {
  const dv = new DataView(new ArrayBuffer(2));
  dv.setUint16(0, x, true);
  return dv.getUint16(0, false);
}
function refSwap32(x: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, x >>> 0, true);
  return dv.getUint32(0, false);
}
function refSwap64(x: bigint): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt.asUintN(64, x), true);
  return dv.getBigUint64(0, false);
}

Deno.test("htons and ntohs swap every 16-bit value exactly as the core's bswap does (BO-01)", () => {
  for (let x = 0; x <= 0xffff; x++) {
    const n = htons(x);
    if (n !== swapU16(x) || n !== refSwap16(x) || ntohs(n) !== x) {
      assert.fail(`htons(${x}) = ${n}, core ${swapU16(x)}, reference ${refSwap16(x)}`);
    }
  }
  assert.equal(htons(0x1234), 0x3412);
  assert.equal(htons(5000), 0x8813);
});

Deno.test("htonl and ntohl round-trip and return unsigned values (BO-02)", () => {
  for (const x of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x7f000001]) {
    assert.equal(htonl(x), refSwap32(x));
    assert.equal(ntohl(htonl(x)), x);
    assert.ok(htonl(x) >= 0);
  }
  assert.equal(htonl(0x80), 0x80000000, "never -2147483648");
  assert.equal(htonl(0xffffffff), 0xffffffff, "never -1");
  assert.equal(htonl(-1), 0xffffffff, "a negative int32 is read as its bit pattern");
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
      const n = htonl(x);
      return n === swapU32(x) && n === refSwap32(x) && ntohl(n) === x;
    }),
    { numRuns: 100_000 },
  );
});

Deno.test("htonl(0x7f000001) swaps 127.0.0.1 into the order inet_addr returns", () => {
  assert.equal(htonl(0x7f000001), 0x0100007f);
});

Deno.test("byte order functions reject out-of-range and non-integer values (BO-03)", () => {
  for (const bad of [65536, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => htons(bad), RangeError, `htons(${bad})`);
    assert.throws(() => ntohs(bad), RangeError, `ntohs(${bad})`);
  }
  for (const bad of [2 ** 32, -(2 ** 31) - 1, 0.5, NaN]) {
    assert.throws(() => htonl(bad), RangeError, `htonl(${bad})`);
    assert.throws(() => ntohl(bad), RangeError, `ntohl(${bad})`);
  }
  assert.throws(() => htons("80" as unknown as number), RangeError);
  assert.throws(
    () => htons(70000),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot convert byte order: htons expects an integer 0..65535, got 70000",
  );
  assert.equal(htons(0), 0);
  assert.equal(htons(65535), 65535);
});

Deno.test("htonll and ntohll swap 64-bit bigints in the core", () => {
  assert.equal(htonll(0x0102030405060708n), 0x0807060504030201n);
  assert.equal(htonll(-1n), 0xffffffffffffffffn);
  assert.equal(htonll(0x80n), 0x8000000000000000n, "results are unsigned");
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (x) => {
      const n = htonll(x);
      return n === swapU64(x) && n === refSwap64(x) && ntohll(n) === x;
    }),
    { numRuns: 10_000 },
  );
  assert.throws(() => htonll(2n ** 64n), RangeError);
  assert.throws(() => htonll(-(2n ** 63n) - 1n), RangeError);
  assert.throws(() => htonll(1 as unknown as bigint), TypeError);
});

Deno.test("toNetworkOrder and fromNetworkOrder swap every element of any length in place", () => {
  // Lengths around the JS/Wasm threshold, the 16-byte SIMD step and the 16 KiB chunk size.
  const lengths = fc.oneof(
    fc.integer({ min: 0, max: 40 }),
    fc.integer({ min: 8180, max: 8200 }),
    fc.integer({ min: 16380, max: 20000 }),
  );
  fc.assert(
    fc.property(lengths, fc.integer({ min: 0, max: 3 }), fc.integer(), (len, skip, seed) => {
      // A view that starts inside its buffer, to check byteOffset handling.
      const raw = new Uint8Array((len + skip + 1) * 8);
      let s = seed | 0;
      for (let i = 0; i < raw.length; i++) raw[i] = (s = (s * 1103515245 + 12345) | 0) >>> 24;
      const before = raw.slice();
      const a16 = new Uint16Array(raw.buffer, skip * 8, len);
      const expect16 = Array.from(a16, refSwap16);
      assert.equal(toNetworkOrder(a16), a16);
      assert.deepEqual(Array.from(a16), expect16);
      fromNetworkOrder(a16);
      assert.deepEqual(raw, before);
      const a32 = new Uint32Array(raw.buffer, skip * 8, len);
      const expect32 = Array.from(a32, refSwap32);
      toNetworkOrder(a32);
      assert.deepEqual(Array.from(a32), expect32);
      fromNetworkOrder(a32);
      const a64 = new BigUint64Array(raw.buffer, skip * 8, len);
      const expect64 = Array.from(a64, refSwap64);
      toNetworkOrder(a64);
      assert.deepEqual(Array.from(a64), expect64);
      fromNetworkOrder(a64);
      assert.deepEqual(raw, before, "bytes outside the view are untouched and swaps undo");
    }),
    { numRuns: 60 },
  );
});

Deno.test("toNetworkOrder also takes signed arrays and rejects other types", () => {
  const a = toNetworkOrder(new Int16Array([1, -2]));
  assert.deepEqual(Array.from(a), [256, -257]);
  assert.deepEqual(Array.from(toNetworkOrder(new BigInt64Array([1n]))), [72057594037927936n]);
  assert.throws(() => toNetworkOrder(new Uint8Array(4) as never), TypeError);
  assert.throws(() => toNetworkOrder(new Float32Array(4) as never), TypeError);
  assert.throws(() => toNetworkOrder([1, 2] as never), TypeError);
  assert.throws(() => fromNetworkOrder(null as never), TypeError);
});
