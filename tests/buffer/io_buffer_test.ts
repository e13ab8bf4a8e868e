import assert from "node:assert/strict";
import fc from "fast-check";
import { BufferOverflowError } from "../../src/buffer/errors.ts";
import { IOBuffer } from "../../src/buffer/io_buffer.ts";
import { heapStats, memAlloc, memFree, memUsableSize } from "../../wasm/iobuf.ts";
import { bytes } from "../../wasm/loader.ts";
import { Status } from "../../wasm/status.ts";

function assertEquals(a: unknown, b: unknown, msg?: string): void {
  assert.deepStrictEqual(a, b, msg);
}
// deno-lint-ignore no-explicit-any
function assertThrows<E>(fn: () => unknown, cls: new (...a: any[]) => E): E {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    return e as E;
  }
  throw new assert.AssertionError({ message: `expected ${cls.name} to be thrown` });
}
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("the allocator reuses a freed block for the next allocation of the same size", () => {
  const a = memAlloc(100);
  assert.ok(a > 0);
  assertEquals(memFree(a), 0);
  const b = memAlloc(100);
  assertEquals(b, a);
  assertEquals(memFree(b), 0);
});

Deno.test("the allocator rejects a double free and an unknown pointer with BAD_HANDLE", () => {
  const a = memAlloc(10);
  assertEquals(memFree(a), 0);
  assertEquals(memFree(a), Status.BAD_HANDLE);
  assertEquals(memFree(12345), Status.BAD_HANDLE);
  assertEquals(memFree(0), Status.BAD_HANDLE);
  assertEquals(memFree(-8), Status.BAD_HANDLE);
});

Deno.test("the allocator gives at least the size asked for and never overlapping blocks", () => {
  const ptrs: [number, number][] = [];
  for (const size of [1, 24, 25, 100, 1000, 4096, 70000]) {
    const p = memAlloc(size);
    assert.ok(p > 0);
    assert.ok(memUsableSize(p) >= size);
    ptrs.push([p, size]);
  }
  const sorted = [...ptrs].sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < sorted.length; i++) {
    assert.ok(sorted[i - 1][0] + sorted[i - 1][1] <= sorted[i][0], "blocks overlap");
  }
  for (const [p] of ptrs) assertEquals(memFree(p), 0);
});

Deno.test("the allocator returns OUT_OF_MEMORY past maximumMemory and stays usable (BUF-08)", () => {
  assertEquals(memAlloc(1 << 30), Status.OUT_OF_MEMORY);
  assertEquals(memAlloc(-1), Status.BAD_ARGUMENT);
  const p = memAlloc(64);
  assert.ok(p > 0);
  memFree(p);
});

Deno.test("allocator churn leaves no leak and no fragmentation once everything is freed", () => {
  // warm up so the heap holds a 4 MiB region, then churn inside it
  const warm = memAlloc(4 * 1024 * 1024 - 8);
  assert.ok(warm > 0);
  memFree(warm);
  const before = heapStats();
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const live: number[] = [];
  for (let i = 0; i < 20000; i++) {
    if (live.length > 0 && rnd() % 3 === 0) {
      const k = rnd() % live.length;
      assertEquals(memFree(live[k]), 0);
      live[k] = live[live.length - 1];
      live.pop();
    } else if (live.length < 200) {
      const p = memAlloc(1 + (rnd() % 8000));
      assert.ok(p > 0);
      live.push(p);
    }
  }
  for (const p of live) assertEquals(memFree(p), 0);
  const after = heapStats();
  assertEquals(after.usedBlocks, before.usedBlocks, "blocks leaked");
  assertEquals(after.heapSize, before.heapSize, "heap grew during churn");
  // coalescing: the 4 MiB region is whole again
  assert.ok(after.largestFree >= 4 * 1024 * 1024 - 8, `largest free ${after.largestFree}`);
});

Deno.test("10,000 idle IOBuffers take no Wasm memory at all", () => {
  const before = heapStats();
  const bufs: IOBuffer[] = [];
  for (let i = 0; i < 10000; i++) bufs.push(new IOBuffer());
  const after = heapStats();
  assertEquals(after.usedBlocks, before.usedBlocks);
  assertEquals(after.heapSize, before.heapSize);
  assertEquals(bufs[9999].capacity, 0);
});

Deno.test("IOBuffer mirrors every CNetIOBuffer operation", () => {
  using b = new IOBuffer();
  assert.ok(b.isEmpty);
  assertEquals(b.maxCapacity, 1024 * 1024);
  b.replace(enc("Hello")); // CopyData
  b.append(enc(", world")); // ConcatData
  assertEquals(b.length, 12); // GetLength
  assertEquals(b.remaining, 1024 * 1024 - 12); // GetRemainLen
  assertEquals(dec(b.view()), "Hello, world"); // operator LPBYTE
  const w = b.writableView(1); // GetCurPos
  w[0] = 33;
  b.commit(1);
  assertEquals(dec(b.toBytes()), "Hello, world!");
  b.setLength(5); // SetLength
  assertEquals(dec(b.toBytes()), "Hello");
  using c = b.clone(); // copy constructor
  using d = new IOBuffer();
  d.copyFrom(b); // operator=
  b.reset(); // ResetIoBuffer
  assert.ok(b.isEmpty);
  assertEquals(dec(c.toBytes()), "Hello");
  assertEquals(dec(d.toBytes()), "Hello");
});

Deno.test("IOBuffer throws BufferOverflowError and keeps its content when a write does not fit (BUF-01)", () => {
  using b = new IOBuffer({ maxCapacity: 1024 });
  b.append(new Uint8Array(1000).fill(7));
  const err = assertThrows(() => b.append(new Uint8Array(30)), BufferOverflowError);
  assertEquals(err.requested, 1030);
  assertEquals(err.maxCapacity, 1024);
  assertEquals(b.length, 1000);
  assert.ok(b.view().every((x) => x === 7));
  assertThrows(() => b.replace(new Uint8Array(1025)), BufferOverflowError);
  assertEquals(b.length, 1000);
  assertThrows(() => b.setLength(1025), BufferOverflowError);
  assertThrows(() => b.reserve(2 ** 31 - 1), BufferOverflowError);
  assertThrows(() => b.reserve(-1), RangeError);
});

Deno.test("IOBuffer grows in powers of two from 64 bytes and never above its maximum (BUF-02)", () => {
  using b = new IOBuffer({ maxCapacity: 5000 });
  const caps: number[] = [];
  for (const n of [1, 64, 128, 1000, 2000, 1807]) {
    b.append(new Uint8Array(n));
    caps.push(b.capacity);
  }
  assertEquals(caps, [56, 120, 248, 2040, 4088, 5000]);
  assertEquals(b.length, 5000);
});

Deno.test("IOBuffer with max 0 and max 1 accepts empty writes, one byte, and rejects two (BUF-09)", () => {
  using z = new IOBuffer({ maxCapacity: 0 });
  z.append(new Uint8Array(0));
  assertThrows(() => z.append(new Uint8Array(1)), BufferOverflowError);
  using one = new IOBuffer({ maxCapacity: 1 });
  one.append(new Uint8Array([5]));
  assertThrows(() => one.append(new Uint8Array([6])), BufferOverflowError);
  assertEquals(one.toBytes()[0], 5);
  assertThrows(() => new IOBuffer({ maxCapacity: -1 }), RangeError);
  assertThrows(() => new IOBuffer({ maxCapacity: 10, initialCapacity: 11 }), RangeError);
});

Deno.test("IOBuffer consume and compact move unread bytes to the front unchanged (BUF-06)", () => {
  using b = new IOBuffer();
  const data = Uint8Array.from({ length: 100 }, (_, i) => i);
  b.append(data);
  b.consume(60);
  b.compact();
  assertEquals([...b.toBytes()], [...data.subarray(60)]);
  assertThrows(() => b.consume(41), RangeError);
  assertEquals(b.length, 40);
});

Deno.test("IOBuffer integer reads need enough bytes and leave the cursor alone otherwise (BUF-05)", () => {
  using b = IOBuffer.from(new Uint8Array([0xff, 0xff, 0xff]));
  assertThrows(() => b.readUint32(), RangeError);
  assertEquals(b.length, 3);
  b.append(new Uint8Array([0xff, 0x34, 0x12]));
  assertEquals(b.readUint32(), 4294967295);
  assertEquals(b.readUint16(true), 0x1234);
  assertEquals(b.length, 0);
  fc.assert(fc.property(fc.uint8Array({ minLength: 7, maxLength: 7 }), (arr) => {
    using x = IOBuffer.from(arr);
    const dv = new DataView(arr.buffer);
    return x.readUint8() === dv.getUint8(0) && x.readUint16() === dv.getUint16(1) &&
      x.readUint32(true) === dv.getUint32(3, true);
  }));
});

Deno.test("IOBuffer never hands out a stale view after Wasm memory grows (BUF-07)", () => {
  using a = IOBuffer.from(enc("keep me"));
  const old = a.view();
  // A block as large as all of today's memory cannot fit in it: memory.grow must run.
  const size = Math.max(10 * 1024 * 1024, bytes().buffer.byteLength);
  using big = new IOBuffer({ maxCapacity: 2 * size });
  big.append(new Uint8Array(size));
  assert.notEqual(old.buffer, bytes().buffer, "Wasm memory grew");
  assertEquals(old.length, 0); // the old view is detached, not stale
  assertEquals(dec(a.view()), "keep me");
  // appending a view of Wasm memory into a buffer that must grow is safe
  using c = new IOBuffer({ maxCapacity: 32 * 1024 * 1024 });
  c.append(big.view().subarray(0, 100));
  c.append(a.view());
  assertEquals(dec(c.view().subarray(100)), "keep me");
});

Deno.test("IOBuffer free returns its block to the allocator and the buffer stays usable", () => {
  const before = heapStats().usedBlocks;
  const b = IOBuffer.from(new Uint8Array(5000));
  assertEquals(heapStats().usedBlocks, before + 1);
  b.free();
  assertEquals(heapStats().usedBlocks, before);
  b.free(); // idempotent
  b.append(enc("x"));
  assertEquals(dec(b.toBytes()), "x");
  b[Symbol.dispose]();
  assertEquals(heapStats().usedBlocks, before);
});

Deno.test("IOBuffer churn of many buffers leaks no block", () => {
  const before = heapStats();
  for (let round = 0; round < 50; round++) {
    const bufs: IOBuffer[] = [];
    for (let i = 0; i < 100; i++) {
      const b = new IOBuffer();
      b.append(new Uint8Array((i * 37 + round * 101) % 3000 + 1));
      if (i % 3 === 0) b.append(new Uint8Array(2000));
      bufs.push(b);
    }
    for (const b of bufs) b.free();
  }
  const after = heapStats();
  assertEquals(after.usedBlocks, before.usedBlocks);
  assert.ok(after.heapSize - before.heapSize <= 1024 * 1024, "heap grew under churn");
});

Deno.test("a direct socket read into an IOBuffer survives memory.grow by another buffer while pending", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using server = await listener.accept();
  using b = new IOBuffer();
  const pending = b.readFrom(server, 1024);
  // the pending read keeps the buffer's bytes where they are
  assertThrows(() => b.append(new Uint8Array(1)), Error);
  assertThrows(() => b.consume(0), Error);
  const before = bytes().buffer;
  using big = new IOBuffer({ maxCapacity: 64 * 1024 * 1024 });
  big.append(new Uint8Array(40 * 1024 * 1024)); // forces memory.grow during the read
  assert.ok(bytes().buffer !== before, "memory did not grow");
  await client.write(enc("survives growth"));
  assertEquals(await pending, 15);
  assertEquals(dec(b.view()), "survives growth");
  // staged reads work too
  const staged = b.readFrom(server, 1024, { direct: false });
  await client.write(enc("!"));
  assertEquals(await staged, 1);
  assertEquals(dec(b.view()), "survives growth!");
});
