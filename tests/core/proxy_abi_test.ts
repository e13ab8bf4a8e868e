import assert from "node:assert/strict";
import { bytes, core, dataView, SCRATCH_PTR, SCRATCH_SIZE } from "../../wasm/loader.ts";
import { Status } from "../../wasm/status.ts";
import { PROXY_REASONS } from "../../wasm/proxy.ts";

const te = new TextEncoder();

function put(data: Uint8Array, ptr = SCRATCH_PTR): number {
  bytes().set(data, ptr);
  return ptr;
}

function result() {
  const r = core.proxy_result_ptr() as number;
  const dv = dataView();
  const mem = bytes();
  return {
    version: mem[r],
    command: mem[r + 1],
    family: mem[r + 2],
    transport: mem[r + 3],
    sourcePort: dv.getUint16(r + 4, true),
    destinationPort: dv.getUint16(r + 6, true),
    length: dv.getUint32(r + 8, true),
    tlvCount: dv.getUint32(r + 12, true),
    addrOffset: dv.getUint32(r + 16, true),
    addrLength: dv.getUint32(r + 20, true),
    source: mem.slice(r + 24, r + 40),
    destination: mem.slice(r + 40, r + 56),
    errorOffset: dv.getUint32(r + 56, true),
    reason: PROXY_REASONS[dv.getUint32(r + 60, true)],
    crc: dv.getUint32(r + 64, true),
  };
}

const V2 = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

Deno.test("proxy exports take and return numbers, and the result struct and TLV table are static", () => {
  for (
    const name of [
      "proxy_result_ptr",
      "proxy_result_size",
      "proxy_tlv_table_ptr",
      "proxy_tlv_max",
      "proxy_decode",
      "proxy_crc32c",
      "proxy_encode_v1",
      "proxy_encode_v2",
      "proxy_format_ip",
      "proxy_parse_ip",
    ] as const
  ) {
    assert.equal(typeof core[name], "function", name);
  }
  assert.equal(core.proxy_result_size(), 128);
  assert.equal(core.proxy_tlv_max(), 1024);
  const r = core.proxy_result_ptr();
  const t = core.proxy_tlv_table_ptr();
  assert.ok(r > 0 && t > 0);
  // Neither overlaps the scratch area.
  for (const [p, n] of [[r, 128], [t, 8192]]) {
    assert.ok(p + n <= SCRATCH_PTR || p >= SCRATCH_PTR + SCRATCH_SIZE);
  }
  assert.equal(core.proxy_result_ptr(), r);
});

Deno.test("proxy_decode fills the result struct for a v1 TCP4 line and returns its length", () => {
  const line = te.encode("PROXY TCP4 10.0.0.1 10.0.0.2 1000 2000\r\n");
  const n = core.proxy_decode(put(line), line.length, 0, 4096);
  assert.equal(n, line.length);
  const r = result();
  assert.equal(r.version, 1);
  assert.equal(r.command, 1);
  assert.equal(r.family, 1);
  assert.equal(r.transport, 1);
  assert.deepEqual([...r.source.subarray(0, 4)], [10, 0, 0, 1]);
  assert.deepEqual([...r.destination.subarray(0, 4)], [10, 0, 0, 2]);
  assert.equal(r.sourcePort, 1000);
  assert.equal(r.destinationPort, 2000);
  assert.equal(r.length, line.length);
});

Deno.test("proxy_decode returns NEED_MORE for every proper prefix and BAD_ARGUMENT for bad arguments", () => {
  const line = te.encode("PROXY TCP6 ::1 ::2 1 2\r\n");
  const ptr = put(line);
  for (let k = 0; k < line.length; k++) {
    assert.equal(core.proxy_decode(ptr, k, 1, 4096), Status.NEED_MORE, `prefix ${k}`);
  }
  assert.equal(core.proxy_decode(ptr, -1, 0, 4096), Status.BAD_ARGUMENT);
  assert.equal(core.proxy_decode(ptr, line.length, 3, 4096), Status.BAD_ARGUMENT);
  assert.equal(core.proxy_decode(ptr, line.length, 0, 15), Status.BAD_ARGUMENT);
});

Deno.test("proxy_decode never looks past the header: the length given is all it needs", () => {
  const header = new Uint8Array([
    ...V2,
    0x21,
    0x11,
    0x00,
    0x0c,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    0,
    9,
    0,
    10,
  ]);
  // The bytes after the header are poison that would fail any TLV walk.
  const ptr = put(new Uint8Array([...header, 0xff, 0xff, 0xff]));
  assert.equal(core.proxy_decode(ptr, header.length, 2, 4096), header.length);
  assert.equal(core.proxy_decode(ptr, header.length + 3, 2, 4096), header.length);
  const r = result();
  assert.equal(r.tlvCount, 0);
  assert.equal(r.addrOffset, 16);
  assert.equal(r.addrLength, 12);
  assert.equal(r.sourcePort, 9);
  assert.equal(r.destinationPort, 10);
});

Deno.test("proxy_decode reports reason and offset on BAD_PROXY_HEADER and FRAME_TOO_LONG", () => {
  const bad = te.encode("PROXY TCP4 10.0.0.1 10.0.0.2 1000 2000\n");
  assert.equal(core.proxy_decode(put(bad), bad.length, 0, 4096), Status.BAD_PROXY_HEADER);
  assert.equal(result().reason, "v1-bad-eol");
  assert.equal(result().errorOffset, bad.length - 1);
  const long = new Uint8Array([...V2, 0x21, 0x11, 0xff, 0xff]);
  assert.equal(core.proxy_decode(put(long), long.length, 0, 1024), Status.FRAME_TOO_LONG);
  assert.equal(result().reason, "v2-too-long");
  assert.equal(result().length, 16 + 0xffff);
  // A status is never a header length: success results are positive.
  assert.ok(Status.BAD_PROXY_HEADER < 0 && Status.FRAME_TOO_LONG < 0);
});

Deno.test("proxy_decode writes a TLV table entry of offset, length, type and parent", () => {
  const tlvs = [
    0x02,
    0x00,
    0x02,
    0x61,
    0x62,
    0x20,
    0x00,
    0x09,
    0x01,
    0,
    0,
    0,
    0,
    0x22,
    0x00,
    0x01,
    0x63,
  ];
  const len = 12 + tlvs.length;
  const header = new Uint8Array([
    ...V2,
    0x21,
    0x11,
    0,
    len,
    1,
    1,
    1,
    1,
    2,
    2,
    2,
    2,
    0,
    1,
    0,
    2,
    ...tlvs,
  ]);
  assert.equal(core.proxy_decode(put(header), header.length, 2, 4096), header.length);
  const r = result();
  assert.equal(r.tlvCount, 3);
  const t = core.proxy_tlv_table_ptr();
  const dv = dataView();
  const entry = (i: number) => [
    dv.getUint32(t + 8 * i, true),
    dv.getUint16(t + 8 * i + 4, true),
    bytes()[t + 8 * i + 6],
    bytes()[t + 8 * i + 7],
  ];
  assert.deepEqual(entry(0), [31, 2, 0x02, 0]);
  assert.deepEqual(entry(1), [36, 9, 0x20, 0]);
  assert.deepEqual(entry(2), [44, 1, 0x22, 0x20]);
});

Deno.test("proxy_crc32c matches the RFC 4960 check value and continues across chunks", () => {
  const data = te.encode("123456789");
  const ptr = put(data);
  assert.equal(core.proxy_crc32c(0, ptr, 9) >>> 0, 0xe3069283);
  const first = core.proxy_crc32c(0, ptr, 4) >>> 0;
  assert.equal(core.proxy_crc32c(first, ptr + 4, 5) >>> 0, 0xe3069283);
  assert.equal(core.proxy_crc32c(0, ptr, 0) >>> 0, 0);
});

Deno.test("proxy_encode_v1 and proxy_encode_v2 read the fields from the result struct", () => {
  const r = core.proxy_result_ptr();
  const mem = bytes();
  mem.fill(0, r, r + 128);
  mem[r + 1] = 1;
  mem[r + 2] = 1;
  mem[r + 3] = 1;
  dataView().setUint16(r + 4, 56324, true);
  dataView().setUint16(r + 6, 443, true);
  mem.set([192, 0, 2, 1], r + 24);
  mem.set([198, 51, 100, 7], r + 40);
  const out = SCRATCH_PTR;
  const n = core.proxy_encode_v1(out, SCRATCH_SIZE);
  assert.equal(
    new TextDecoder().decode(bytes().subarray(out, out + n)),
    "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
  );
  const m = core.proxy_encode_v2(out, 512, 0, 0);
  assert.equal(m, 28);
  assert.deepEqual(
    [...bytes().subarray(out, out + m)],
    [...V2, 0x21, 0x11, 0, 12, 192, 0, 2, 1, 198, 51, 100, 7, 0xdc, 0x04, 0x01, 0xbb],
  );
  assert.equal(core.proxy_encode_v2(out, 10, 0, 0), Status.NO_SPACE);
  assert.equal(core.proxy_encode_v2(out, 512, 65535 - 11, 0), Status.BAD_ARGUMENT);
  bytes()[r + 2] = 9;
  assert.equal(core.proxy_encode_v1(out, SCRATCH_SIZE), Status.BAD_ARGUMENT);
  assert.equal(core.proxy_encode_v2(out, 512, 0, 0), Status.BAD_ARGUMENT);
});

Deno.test("proxy_parse_ip is strict and proxy_format_ip prints RFC 5952 text", () => {
  const parse = (s: string, fam: number) => {
    const t = te.encode(s);
    return core.proxy_parse_ip(put(t), t.length, fam, SCRATCH_PTR + 256);
  };
  assert.equal(parse("1.2.3.4", 1), 4);
  for (const bad of ["01.2.3.4", "1.2.3", "256.1.1.1", "1.2.3.4 ", ""]) {
    assert.equal(parse(bad, 1), Status.INVALID_ADDRESS, bad);
  }
  assert.equal(parse("2001:db8::1", 2), 16);
  for (const bad of [":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "fe80::1%1", "1:"]) {
    assert.equal(parse(bad, 2), Status.INVALID_ADDRESS, bad);
  }
  assert.equal(parse("1.2.3.4", 3), Status.BAD_ARGUMENT);
  parse("2001:0DB8:0:0:1:0:0:1", 2);
  const n = core.proxy_format_ip(SCRATCH_PTR + 256, 2, SCRATCH_PTR + 512);
  assert.equal(
    new TextDecoder().decode(bytes().subarray(SCRATCH_PTR + 512, SCRATCH_PTR + 512 + n)),
    "2001:db8::1:0:0:1",
  );
});
