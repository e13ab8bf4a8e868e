/**
 * The raw Wasm ABI of the byte-order, address and sockaddr exports: status codes for bad input,
 * bounds, and no writes on failure.
 */
import assert from "node:assert/strict";
import { bytes, core, SCRATCH_PTR, SCRATCH_SIZE } from "../../wasm/loader.ts";
import { Status } from "../../wasm/status.ts";

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

// A private area inside the scratch region for these tests.
const IN = SCRATCH_PTR + 2048;
const OUT = SCRATCH_PTR + 3072;

function put(text: string): number {
  bytes().set(enc(text), IN);
  return text.length;
}

Deno.test("byteorder_swapNN reject negative counts and ranges past the end of memory", () => {
  const end = core.memory.buffer.byteLength;
  for (
    const [fn, size] of [["byteorder_swap16", 2], ["byteorder_swap32", 4], [
      "byteorder_swap64",
      8,
    ]] as const
  ) {
    assert.equal(core[fn](IN, -1), Status.BAD_ARGUMENT, `${fn} count -1`);
    assert.equal(core[fn](end - size + 1, 1), Status.BAD_ARGUMENT, `${fn} one byte past the end`);
    assert.equal(core[fn](0, 0x7fffffff), Status.BAD_ARGUMENT, `${fn} huge count`);
    assert.equal(core[fn](end - size, 1), 1, `${fn} last element of memory`);
    core[fn](end - size, 1); // swap back: those bytes are not ours
    assert.equal(core[fn](IN, 0), 0, `${fn} zero elements`);
  }
});

Deno.test("the byte-order swap buffer and the scratch area lie inside memory", () => {
  const end = core.memory.buffer.byteLength;
  const ptr = core.byteorder_buffer_ptr(), size = core.byteorder_buffer_size();
  assert.ok(ptr > 0 && ptr + size <= end && size % 16 === 0);
  assert.ok(SCRATCH_PTR + SCRATCH_SIZE <= end);
  // The two regions do not overlap.
  assert.ok(ptr + size <= SCRATCH_PTR || SCRATCH_PTR + SCRATCH_SIZE <= ptr);
});

Deno.test("addr_pton4/6 return INVALID_ADDRESS with the error position and write nothing", () => {
  const cases: ["addr_pton4" | "addr_pton6", string, number][] = [
    ["addr_pton4", "1.2.3.4x", 7],
    ["addr_pton4", "01.2.3.4", 1],
    ["addr_pton4", "1.2.3", 5],
    ["addr_pton4", "", 0],
    ["addr_pton6", "1::2::3", 5],
    ["addr_pton6", ":1", 1],
    ["addr_pton6", "", 0],
    ["addr_pton6", "::ffff:1.2.3.256", 15],
  ];
  for (const [fn, text, position] of cases) {
    bytes().fill(0xaa, OUT, OUT + 16);
    assert.equal(core[fn](IN, put(text), OUT), Status.INVALID_ADDRESS, `${fn}(${text})`);
    assert.equal(core.addr_error_position(), position, `${fn}(${text}) position`);
    assert.ok(bytes().subarray(OUT, OUT + 16).every((b) => b === 0xaa), "no partial write");
  }
  assert.equal(core.addr_pton4(IN, put("10.0.0.1"), OUT), 4);
  assert.deepEqual(Array.from(bytes().subarray(OUT, OUT + 4)), [10, 0, 0, 1]);
  assert.equal(core.addr_pton6(IN, put("::1"), OUT), 16);
  assert.equal(bytes()[OUT + 15], 1);
});

Deno.test("a NUL byte inside the given length is invalid, not a terminator", () => {
  const n = put("1.2.3.4\0");
  assert.equal(core.addr_pton4(IN, n, OUT), Status.INVALID_ADDRESS);
  assert.equal(core.addr_error_position(), 7);
  assert.equal(core.addr_aton(IN, n, OUT), Status.INVALID_ADDRESS);
});

Deno.test("addr_aton_feed returns NEED_MORE until the result is settled, then OK", () => {
  core.addr_aton_begin();
  assert.equal(core.addr_aton_feed(IN, put("1.2")), Status.NEED_MORE);
  assert.equal(core.addr_aton_feed(IN, put(".3")), Status.NEED_MORE);
  assert.equal(core.addr_aton_feed(IN, put(" and the rest")), Status.OK, "settled by whitespace");
  assert.equal(core.addr_aton_feed(IN, put("ignored")), Status.OK);
  assert.equal(core.addr_aton_finish(OUT), 4);
  assert.deepEqual(Array.from(bytes().subarray(OUT, OUT + 4)), [1, 2, 0, 3]);

  core.addr_aton_begin();
  assert.equal(core.addr_aton_feed(IN, put("1.x")), Status.OK, "settled by a failure");
  assert.equal(core.addr_aton_finish(OUT), Status.INVALID_ADDRESS);
  assert.equal(core.addr_error_position(), 2);

  core.addr_aton_begin();
  assert.equal(core.addr_aton_finish(OUT), Status.INVALID_ADDRESS, "empty text");
});

Deno.test("addr_ntop4/6 write at most 15 and 45 bytes", () => {
  bytes().fill(0xff, IN, IN + 16);
  assert.equal(core.addr_ntop4(IN, OUT), 15);
  assert.equal(core.addr_ntop6(IN, OUT), 39);
  bytes().fill(0, IN, IN + 10);
  assert.equal(core.addr_ntop6(IN, OUT), "::ffff:255.255.255.255".length);
});

Deno.test("sockaddr exports return BAD_ARGUMENT, NO_SPACE and NEED_MORE for bad input", () => {
  assert.equal(core.sockaddr_pack_in(OUT, IN, -1, 0), Status.BAD_ARGUMENT);
  assert.equal(core.sockaddr_pack_in(OUT, IN, 65536, 0), Status.BAD_ARGUMENT);
  assert.equal(core.sockaddr_pack_in(OUT, IN, 80, 2), Status.BAD_ARGUMENT, "unknown layout");
  assert.equal(core.sockaddr_pack_in6(OUT, IN, 65536, 0, 0, 0), Status.BAD_ARGUMENT);
  assert.equal(core.sockaddr_pack_un(OUT, IN, 109, 0), Status.NO_SPACE);
  assert.equal(core.sockaddr_pack_un(OUT, IN, 105, 1), Status.NO_SPACE);
  assert.equal(core.sockaddr_pack_un(OUT, IN, -1, 0), Status.BAD_ARGUMENT);
  assert.equal(core.sockaddr_pack_un(OUT, IN, put("a\0b"), 0), Status.BAD_ARGUMENT, "NUL in path");
  assert.equal(core.sockaddr_pack_un(OUT, IN, put("\0abs"), 1), Status.BAD_ARGUMENT, "abstract");
  assert.equal(core.sockaddr_pack_un(OUT, IN, put("\0abs"), 0), 6);

  const REC = SCRATCH_PTR + 3584;
  bytes().set([2, 0], IN);
  assert.equal(core.sockaddr_unpack(IN, 15, 0, REC), Status.NEED_MORE);
  assert.equal(core.sockaddr_unpack(IN, 16, 0, REC), 2);
  bytes().set([10, 0], IN);
  assert.equal(core.sockaddr_unpack(IN, 27, 0, REC), Status.NEED_MORE);
  assert.equal(core.sockaddr_unpack(IN, 1, 0, REC), Status.NEED_MORE);
  bytes().set([42, 0], IN);
  assert.equal(core.sockaddr_unpack(IN, 16, 0, REC), Status.BAD_ARGUMENT);
  bytes().set([28, 30], IN);
  assert.equal(core.sockaddr_unpack(IN, 28, 1, REC), 10, "Darwin AF_INET6 reads as 10");
});

Deno.test("addr_aton_many parses NUL-separated texts and rejects a count that does not match", () => {
  const u32 = () => new Uint32Array(bytes().buffer, OUT, 4);
  const n = put("127.0.0.1\u0000010.1\u0000bogus\u00001.2.3.4 x");
  assert.equal(core.addr_aton_many(IN, n, OUT, 4), 4);
  assert.deepEqual(Array.from(u32()), [0x0100007f, 0x01000008, 0xffffffff, 0x04030201]);
  assert.equal(core.addr_aton_many(IN, n, OUT, 3), Status.BAD_ARGUMENT, "one text too many");
  assert.equal(core.addr_aton_many(IN, n, OUT, 5), Status.BAD_ARGUMENT, "one text missing");
  assert.equal(core.addr_aton_many(IN, 0, OUT, 0), 0);
  assert.equal(core.addr_aton_many(IN, 0, OUT, -1), Status.BAD_ARGUMENT);
  // One empty text is one invalid address.
  assert.equal(core.addr_aton_many(IN, 0, OUT, 1), 1);
  assert.equal(u32()[0], 0xffffffff);
});
