import assert from "node:assert/strict";
import { FrameDecoder } from "../../src/codec/codec.ts";
import { IOBuffer } from "../../src/buffer/io_buffer.ts";
import { decodeStream, encodeStream, FramedConn, readFrames } from "../../src/codec/framed_conn.ts";
import { BufferedReader, readerFromStream, readExact, writeAll } from "../../src/codec/io.ts";
import {
  FrameTooLongError,
  IncompleteFrameError,
  IncompleteReadError,
  LimitOverrunError,
} from "../../src/codec/errors.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function pair(): Promise<[Deno.TcpConn, Deno.TcpConn, Deno.TcpListener]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [a, b] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  return [a, b, listener];
}

Deno.test("FramedConn exchanges len:u32be frames over loopback in both directions", async () => {
  const [a, b, l] = await pair();
  using _l = l;
  using ca = new FramedConn(a, "len:u32be");
  using cb = new FramedConn(b, "len:u32be");
  const big = new Uint8Array(300_000).map((_, i) => i & 255);
  await ca.writeFrames([enc("one"), new Uint8Array(0), big]);
  assert.equal(dec((await cb.readFrame())!), "one");
  assert.equal((await cb.readFrame())!.length, 0);
  assert.deepEqual(await cb.readFrame(), big);
  await cb.writeFrame(enc("back"));
  assert.equal(dec((await ca.readFrame())!), "back");
  await a.closeWrite();
  assert.equal(await cb.readFrame(), null);
});

Deno.test("FramedConn readBatch hands out many frames per call through one reusable view", async () => {
  const [a, b, l] = await pair();
  using _l = l;
  using ca = new FramedConn(a, "len:u16be");
  using cb = new FramedConn(b, "len:u16be");
  const payloads = Array.from({ length: 1000 }, (_, i) => new Uint8Array([i & 255, 1, 2]));
  const writing = ca.writeFrames(payloads).then(() => a.closeWrite());
  let count = 0, sum = 0, calls = 0;
  for (let batch = await cb.readBatch(); batch !== null; batch = await cb.readBatch()) {
    calls++;
    for (let i = 0; i < batch.count; i++) {
      assert.equal(batch.length(i), 3);
      sum += batch.bytes[batch.offset(i)];
      count++;
    }
  }
  await writing;
  assert.equal(count, 1000);
  assert.equal(sum, payloads.reduce((s, p) => s + p[0], 0));
  assert.ok(calls < 1000);
});

Deno.test("FramedConn reports a stream that ends mid-frame with the leftover byte count", async () => {
  const [a, b, l] = await pair();
  using _l = l;
  using cb = new FramedConn(b, "len:u32be");
  await writeAll(a, new Uint8Array([0, 0, 0, 9, 97, 98, 99, 100]));
  a.close();
  await assert.rejects(
    cb.readFrame(),
    (e) => e instanceof IncompleteFrameError && e.leftover === 8,
  );
});

Deno.test("FramedConn under the discard policy throws once for a too-long frame, then reads the next", async () => {
  const [a, b, l] = await pair();
  using _l = l;
  using cb = new FramedConn(b, "len:u32be,max=16,discard");
  await writeAll(a, new Uint8Array([0, 0, 0, 32, ...new Array(32).fill(1), 0, 0, 0, 1, 97]));
  await assert.rejects(cb.readFrame(), FrameTooLongError);
  assert.equal(dec((await cb.readFrame())!), "a");
  a.close();
  assert.equal(await cb.readFrame(), null);
});

Deno.test("FramedConn iteration skips discarded frames through onDiscard", async () => {
  const [a, b, l] = await pair();
  using _l = l;
  const discarded: Error[] = [];
  using cb = new FramedConn(b, "line,max=4,discard", { onDiscard: (e) => discarded.push(e) });
  await writeAll(a, enc("ok\ntoolong\nfine\n"));
  a.close();
  const lines: string[] = [];
  for await (const f of cb) lines.push(dec(f));
  assert.deepEqual(lines, ["ok", "fine"]);
  assert.equal(discarded.length, 1);
  assert.ok(discarded[0] instanceof FrameTooLongError);
});

Deno.test("FramedConn readExact and readUntil share the buffer with frames", async () => {
  const [a, b, l] = await pair();
  using _l = l;
  using cb = new FramedConn(b, "len:u8");
  await writeAll(a, enc("HELLO\r\nxyz"));
  await writeAll(a, new Uint8Array([2, 65, 66]));
  assert.equal(dec(await cb.readUntil(enc("\r\n"))), "HELLO\r\n");
  assert.equal(dec(await cb.readExact(3)), "xyz");
  assert.equal(dec((await cb.readFrame())!), "AB");
  await writeAll(a, enc("abcdefgh"));
  await assert.rejects(cb.readUntil(enc("\n"), 4), LimitOverrunError);
  a.close();
  await assert.rejects(
    cb.readExact(20),
    (e) => e instanceof IncompleteReadError && e.expected === 20 && dec(e.partial) === "abcdefgh",
  );
});

Deno.test("readExact, BufferedReader and writeAll behave like readn/readuntil/writen", async () => {
  const r = readerFromStream(ReadableStream.from([enc("ab"), enc("c\nde"), enc("f")]));
  using br = new BufferedReader(r, { limit: 8 });
  assert.equal(dec(await br.readUntil(enc("\n"))), "abc\n");
  assert.equal(dec(await br.readExact(2)), "de");
  await assert.rejects(
    br.readUntil(enc("\n")),
    (e) => e instanceof IncompleteReadError && e.expected === null && dec(e.partial) === "f",
  );
  const r2 = readerFromStream(ReadableStream.from([enc("0123456789")]));
  using br2 = new BufferedReader(r2, { limit: 4 });
  await assert.rejects(br2.readUntil(enc("\n")), LimitOverrunError);
  assert.equal(dec(await br2.readExact(10)), "0123456789"); // nothing was lost
  await assert.rejects(
    readExact(readerFromStream(ReadableStream.from([enc("x")])), 2),
    IncompleteReadError,
  );
  let zero = 0;
  await assert.rejects(writeAll({ write: () => Promise.resolve(zero++) }, enc("abc")), Error);
});

Deno.test("decodeStream and encodeStream round-trip frames through web streams", async () => {
  const payloads = [enc("a"), enc(""), new Uint8Array(70000).fill(3)];
  const frames = await Array.fromAsync(
    ReadableStream.from(payloads).pipeThrough(encodeStream("varint")).pipeThrough(
      decodeStream("varint"),
    ),
  );
  assert.deepEqual(frames, payloads);
  await assert.rejects(
    Array.fromAsync(
      ReadableStream.from([new Uint8Array([5, 1])]).pipeThrough(decodeStream("varint")),
    ),
    IncompleteFrameError,
  );
  const lines: string[] = [];
  for await (const f of readFrames(ReadableStream.from([enc("x\r\ny\n")]), "line")) {
    lines.push(dec(f));
  }
  assert.deepEqual(lines, ["x", "y"]);
});

Deno.test("queued frames stay readable when another buffer grows Wasm memory between reads", async () => {
  const [a, b, l] = await pair();
  using _l = l;
  using cb = new FramedConn(b, "len:u16be");
  await writeAll(a, new Uint8Array([0, 2, 65, 66, 0, 3, 67, 68, 69, 0, 1, 70]));
  assert.equal(dec((await cb.readFrame())!), "AB");
  const batchFirst = cb.tryReadFrame(); // a borrowed view of the 2nd frame
  assert.equal(dec(batchFirst!), "CDE");
  using big = new IOBuffer({ maxCapacity: 64 * 1024 * 1024 });
  big.append(new Uint8Array(48 * 1024 * 1024)); // memory.grow: old views are detached
  assert.equal(dec((await cb.readFrame())!), "F");
  a.close();
  assert.equal(await cb.readFrame(), null);
  // batches: bytes/offset/length re-derive their views after growth too
  using d = new FrameDecoder("len:u8");
  d.push(new Uint8Array([1, 7, 1, 8]));
  const batch = d.decodeBatch();
  using big2 = new IOBuffer({ maxCapacity: 128 * 1024 * 1024 });
  big2.append(new Uint8Array(100 * 1024 * 1024));
  assert.equal(batch.bytes[batch.offset(1)], 8);
  assert.deepEqual([...batch.frame(0)], [7]);
});
