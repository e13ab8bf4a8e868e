import assert from "node:assert/strict";
import fc from "fast-check";
import {
  acceptProxyConn,
  crc32c,
  decodeProxyDatagram,
  decodeProxyHeader,
  type DecodeProxyHeaderOptions,
  encodeProxyHeader,
  ProxiedConn,
  ProxiedTcpConnection,
  PROXY_TLV,
  type ProxyHeader,
  type ProxyHeaderInit,
  readProxyHeader,
} from "../../src/proxy/mod.ts";
import { ProxyProtocolError } from "../../src/proxy/errors.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** Hex text (spaces ignored) to bytes. */
function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, "");
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const SIG = "0d0a0d0a000d0a515549540a";

function complete(input: Uint8Array, options?: DecodeProxyHeaderOptions) {
  const r = decodeProxyHeader(input, options);
  assert.equal(r.status, "complete", "expected a complete header");
  if (r.status !== "complete") throw new Error("unreachable");
  return r;
}

function rejects(input: Uint8Array, reason: string, options?: DecodeProxyHeaderOptions) {
  assert.throws(
    () => decodeProxyHeader(input, options),
    (e: unknown) => {
      assert.ok(e instanceof ProxyProtocolError, `expected ProxyProtocolError, got ${e}`);
      assert.equal(e.reason, reason, `reason for ${JSON.stringify(td.decode(input))}`);
      return true;
    },
  );
}

/**
 * The split harness: every prefix shorter than the header is "need-more"; every longer
 * input gives the same header and consumed count, whatever follows.
 */
function checkEverySplit(header: Uint8Array, options?: DecodeProxyHeaderOptions) {
  const tail = te.encode("APPLICATION\r\n\0\xff");
  const full = cat(header, tail);
  const expected = complete(full, options);
  assert.equal(expected.consumed, header.length);
  for (let k = 0; k < full.length; k++) {
    const r = decodeProxyHeader(full.subarray(0, k), options);
    if (k < header.length) {
      assert.deepEqual(r, { status: "need-more" }, `prefix of ${k} bytes`);
    } else {
      assert.deepEqual(r, expected, `prefix of ${k} bytes`);
      if (r.status === "complete") {
        assert.deepEqual(full.subarray(r.consumed, k), tail.subarray(0, k - header.length));
      }
    }
  }
  return expected.header;
}

/** Every prefix of a malformed header is need-more or the same error: never a header. */
function checkRejectedAtEverySplit(input: Uint8Array, reason: string) {
  rejects(input, reason);
  for (let k = 0; k < input.length; k++) {
    try {
      const r = decodeProxyHeader(input.subarray(0, k));
      assert.equal(r.status, "need-more", `prefix of ${k} bytes must not decode`);
    } catch (e) {
      assert.ok(e instanceof ProxyProtocolError);
      assert.equal(e.reason, reason, `prefix of ${k} bytes`);
    }
  }
}

const tcp = (hostname: string, port: number) => ({ transport: "tcp" as const, hostname, port });
const udp = (hostname: string, port: number) => ({ transport: "udp" as const, hostname, port });

// ---------------------------------------------------------------------------------------
// v1

Deno.test("v1 TCP4 decodes at every split point and leaves the application's bytes (PP-01)", () => {
  const line = te.encode("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  const h = checkEverySplit(line);
  assert.equal(line.length, 47);
  assert.deepEqual(h, {
    version: 1,
    command: "proxy",
    family: "inet",
    protocol: "stream",
    tlvs: [],
    source: tcp("192.168.0.1", 56324),
    destination: tcp("192.168.0.11", 443),
  });
  const data = cat(line, te.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  const r = complete(data);
  assert.equal(td.decode(data.subarray(r.consumed)), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
});

Deno.test("v1 TCP6 with full 39-character addresses (104 bytes) decodes (PP-02)", () => {
  const a = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff1";
  const b = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff2";
  const line = te.encode(`PROXY TCP6 ${a} ${b} 65535 65535\r\n`);
  assert.equal(line.length, 104);
  const h = checkEverySplit(line);
  assert.deepEqual(h.source, tcp(a, 65535));
  assert.deepEqual(h.destination, tcp(b, 65535));
});

Deno.test("v1 UNKNOWN of exactly 107 bytes decodes and 108 bytes is rejected at byte 107 (PP-02)", () => {
  const worst = te.encode("PROXY UNKNOWN " + "x".repeat(107 - 16) + "\r\n");
  assert.equal(worst.length, 107);
  const h = checkEverySplit(worst);
  assert.equal(h.family, "unspec");
  assert.equal(h.source, undefined);
  const tooLong = te.encode("PROXY UNKNOWN " + "x".repeat(107 - 15) + "\r\n");
  assert.equal(tooLong.length, 108);
  // Rejected as soon as 107 bytes are present without a CRLF, without waiting for byte 108.
  assert.deepEqual(decodeProxyHeader(tooLong.subarray(0, 106)), { status: "need-more" });
  rejects(tooLong.subarray(0, 107), "v1-too-long");
  rejects(te.encode("PROXY UNKNOWN " + "y".repeat(200)), "v1-too-long");
  // A TCP4 line padded out to 108 bytes by over-long content is rejected too.
  rejects(te.encode("PROXY TCP6 " + "1:".repeat(60)), "v1-bad-address");
});

Deno.test("v1 UNKNOWN is accepted with and without addresses, using the real endpoints (PP-03)", () => {
  const a = checkEverySplit(te.encode("PROXY UNKNOWN\r\n"));
  const b = checkEverySplit(te.encode("PROXY UNKNOWN ffff::1 ::1 1 2\r\n"));
  for (const h of [a, b]) {
    assert.equal(h.version, 1);
    assert.equal(h.command, "proxy");
    assert.equal(h.family, "unspec");
    assert.equal(h.source, undefined);
    assert.equal(h.destination, undefined);
  }
});

Deno.test("v1 rejects UDP, bad ports, bad addresses, unknown protocols and commands, bad field counts and bare LF (PP-04)", () => {
  const cases: [string, string][] = [
    ["PROXY UDP4 192.168.0.1 192.168.0.11 56324 443\r\n", "v1-bad-protocol"],
    ["PROXY TCP4 192.168.0.1 192.168.0.11 80000 443\r\n", "v1-bad-port"],
    ["PROXY TCP4 192.168.0.1 192.168.0.11 56324 65536\r\n", "v1-bad-port"],
    ["PROXY TCP4 299.168.0.1 192.168.0.11 56324 443\r\n", "v1-bad-address"],
    ["PROXY TCP7 192.168.0.1 192.168.0.11 56324 443\r\n", "v1-bad-protocol"],
    ["PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n", "v1-bad-syntax"],
    ["PROXY TCP4 192.168.0.1 192.168.0.11\r\n", "v1-bad-syntax"],
    ["PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 123\r\n", "v1-bad-syntax"],
    ["PING TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", "bad-signature"],
    ["PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\nGET /", "v1-bad-eol"],
    ["PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\rGET /", "v1-bad-eol"],
    ["PROXY UNKNOWN\nGET /", "v1-bad-eol"],
    ["PROXY UNKNOWN stuff\nGET /", "v1-bad-eol"],
    ["PROXY tcp4 192.168.0.1 192.168.0.11 56324 443\r\n", "v1-bad-protocol"],
    ["PROXY TCP4 192.168.0.1 192.168.0.11 -1 443\r\n", "v1-bad-port"],
    ["PROXY TCP4 192.168.0.1 192.168.0.11 +1 443\r\n", "v1-bad-port"],
    ["PROXY TCP4 1.2.3 192.168.0.11 1 443\r\n", "v1-bad-address"],
    ["PROXY TCP4 1.2.3.4.5 192.168.0.11 1 443\r\n", "v1-bad-address"],
    ["PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 443\r\n", "v1-bad-address"],
    ["PROXY TCP6 1::2::3 ::1 1 443\r\n", "v1-bad-address"],
    ["PROXY TCP6 fe80::1%eth0 ::1 1 443\r\n", "v1-bad-address"],
    ["PROXY TCP6 12345::1 ::1 1 443\r\n", "v1-bad-address"],
    ["PROXY TCP6 ::ffff:1.2.03.4 ::1 1 443\r\n", "v1-bad-address"],
    ["PROXY\r\n", "bad-signature"],
    ["PROXY \r\n", "v1-bad-protocol"],
  ];
  for (const [text, reason] of cases) checkRejectedAtEverySplit(te.encode(text), reason);
});

Deno.test("v1 rejects leading zeros, double spaces and mismatched families (PP-05)", () => {
  const cases: [string, string][] = [
    ["PROXY TCP4 010.0.0.1 10.0.0.2 443 80\r\n", "v1-bad-address"],
    ["PROXY TCP4 10.0.0.1 10.0.0.02 443 80\r\n", "v1-bad-address"],
    ["PROXY TCP4 10.0.0.1 10.0.0.2 0443 80\r\n", "v1-bad-port"],
    ["PROXY TCP4 10.0.0.1 10.0.0.2 443 080\r\n", "v1-bad-port"],
    ["PROXY TCP4  10.0.0.1 10.0.0.2 443 80\r\n", "v1-bad-syntax"],
    ["PROXY TCP4 10.0.0.1  10.0.0.2 443 80\r\n", "v1-bad-syntax"],
    ["PROXY TCP4 10.0.0.1 10.0.0.2 443  80\r\n", "v1-bad-syntax"],
    ["PROXY  TCP4 10.0.0.1 10.0.0.2 443 80\r\n", "v1-bad-protocol"],
    ["PROXY TCP4 ::1 ::1 443 80\r\n", "v1-bad-address"],
    ["PROXY TCP6 10.0.0.1 10.0.0.2 443 80\r\n", "v1-bad-address"],
    ["PROXY TCP4 10.0.0.1 10.0.0.2 443 80 \r\n", "v1-bad-syntax"],
  ];
  for (const [text, reason] of cases) checkRejectedAtEverySplit(te.encode(text), reason);
  // Port 0 and address 0.0.0.0 are single zeros, not leading zeros.
  const h = complete(te.encode("PROXY TCP4 0.0.0.0 10.0.0.2 0 80\r\n")).header;
  assert.deepEqual(h.source, tcp("0.0.0.0", 0));
});

Deno.test("v1 accepts IPv6 forms from RFC 4291 and prints them in RFC 5952 form", () => {
  const cases: [string, string][] = [
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:0db8::0001", "2001:db8::1"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["1:0:0:1:0:0:0:1", "1:0:0:1::1"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
  ];
  for (const [input, printed] of cases) {
    const h = complete(te.encode(`PROXY TCP6 ${input} ::1 1 2\r\n`)).header;
    assert.deepEqual(h.source, tcp(printed, 1), input);
  }
});

Deno.test("v1 partial header is need-more, never a header (PP-06)", () => {
  const partial = te.encode("PROXY TCP4 192.168.0.1 192.168.0.11 56324");
  for (let k = 0; k <= partial.length; k++) {
    assert.deepEqual(decodeProxyHeader(partial.subarray(0, k)), { status: "need-more" });
  }
});

// ---------------------------------------------------------------------------------------
// v2

const PP07 = hex(`${SIG} 21 11 0014 7f000001 7f000001 002a 0539 020005 3132333435`);

Deno.test("v2 TCP4 with an AUTHORITY TLV decodes at every split point (PP-07)", () => {
  const h = checkEverySplit(PP07);
  assert.equal(h.version, 2);
  assert.deepEqual(h.source, tcp("127.0.0.1", 42));
  assert.deepEqual(h.destination, tcp("127.0.0.1", 1337));
  assert.equal(h.authority, "12345");
  assert.deepEqual(h.tlvs, [{ type: 2, value: te.encode("12345") }]);
  const http = te.encode("GET / HTTP/1.1\r\n\r\n");
  const r = complete(cat(PP07, http));
  assert.deepEqual(cat(PP07, http).subarray(r.consumed), http);
});

Deno.test("v2 bytes after len are application data, never a TLV (PP-08)", () => {
  const extra = hex("020005 3534333231");
  const input = cat(PP07, extra);
  const r = complete(input);
  assert.equal(r.consumed, PP07.length);
  assert.equal(r.header.tlvs.length, 1);
  assert.equal(r.header.authority, "12345");
  assert.deepEqual(input.subarray(r.consumed), extra);
});

Deno.test("v2 rejects a TLV overrunning the header and stray bytes inside len (PP-09, PP-10)", () => {
  const overrun = hex(
    `${SIG} 21 11 0014 7f000001 7f000001 002a 0539 02000A 31323334353637383930`,
  );
  checkRejectedAtEverySplit(overrun, "tlv-truncated");
  const stray = hex(`${SIG} 21 11 0014 7f000001 7f000001 002a 0539 020004 31323334 35`);
  checkRejectedAtEverySplit(stray, "tlv-truncated");
});

Deno.test("v2 rejects address blocks shorter than the family needs, from the length alone (PP-11)", () => {
  rejects(hex(`${SIG} 21 12 0000`), "v2-address-length");
  rejects(hex(`${SIG} 21 11 000b`), "v2-address-length");
  rejects(hex(`${SIG} 21 21 0023`), "v2-address-length");
  rejects(hex(`${SIG} 21 31 00d7`), "v2-address-length");
  // With the bytes present too.
  rejects(cat(hex(`${SIG} 21 11 000b`), new Uint8Array(11)), "v2-address-length");
});

Deno.test("v2 LOCAL is accepted with any block and consumes exactly 16 + len (PP-12)", () => {
  const plain = checkEverySplit(hex(`${SIG} 20 00 0000`));
  const withAddr = checkEverySplit(hex(`${SIG} 20 11 000c 7f000001 7f000002 0001 0002`));
  const withTlv = checkEverySplit(hex(`${SIG} 20 00 0008 020005 3132333435`));
  const garbage = checkEverySplit(hex(`${SIG} 20 11 0003 ffffff`));
  for (const h of [plain, withAddr, withTlv, garbage]) {
    assert.equal(h.command, "local");
    assert.equal(h.family, "unspec");
    assert.equal(h.source, undefined);
    assert.deepEqual(h.tlvs, []);
  }
});

Deno.test("v2 rejects unknown versions, commands, families and protocols (PP-13)", () => {
  const block = "000c 7f000001 7f000001 0001 0002";
  rejects(hex(`${SIG} 11 11 ${block}`), "v2-bad-version");
  rejects(hex(`${SIG} 31 11 ${block}`), "v2-bad-version");
  for (let c = 2; c <= 15; c++) {
    rejects(hex(`${SIG} 2${c.toString(16)} 11 ${block}`), "v2-bad-command");
  }
  for (const ft of ["41", "13", "10", "01", "02", "20", "f1", "33"]) {
    rejects(hex(`${SIG} 21 ${ft} ${block}`), "v2-bad-family");
  }
  // Each is detected as soon as its byte arrives.
  rejects(hex(`${SIG} 11`), "v2-bad-version");
  rejects(hex(`${SIG} 21 41`), "v2-bad-family");
});

Deno.test("v2 rejects 8100 nested SSL TLVs without recursion (PP-14)", () => {
  // Innermost first: each SSL TLV wraps the previous one as its only sub-TLV.
  let inner: Uint8Array = new Uint8Array(0);
  let depth = 0;
  while (depth < 8100) {
    const value = cat(new Uint8Array([1, 0, 0, 0, 0]), inner);
    if (value.length > 65535 - 12 - 3) break;
    inner = cat(new Uint8Array([0x20, value.length >> 8, value.length & 0xff]), value);
    depth++;
  }
  assert.ok(depth > 8000, `built ${depth} levels`);
  const len = 12 + inner.length;
  const input = cat(
    hex(`${SIG} 21 11`),
    new Uint8Array([len >> 8, len & 0xff]),
    hex("7f000001 7f000001 0001 0002"),
    inner,
  );
  rejects(input, "ssl-tlv-nested", { maxHeaderSize: 65551 });
});

const CRC_OK = hex(`${SIG} 2111 0013 7f0000017f000001002a0539 030004 d3a55d3b`);

Deno.test("v2 verifies CRC32C and rejects a wrong checksum or length (PP-15)", () => {
  assert.equal(crc32c(te.encode("123456789")), 0xe3069283);
  const h = checkEverySplit(CRC_OK);
  assert.equal(h.crc32c, 0xd3a55d3b);
  const bad = CRC_OK.slice();
  bad[bad.length - 1] = 0x3a;
  rejects(bad, "crc32c-mismatch");
  rejects(hex(`${SIG} 2111 0012 7f0000017f000001002a0539 030003 d3a55d`), "crc32c-length");
  rejects(hex(`${SIG} 2111 0014 7f0000017f000001002a0539 030005 d3a55d3b00`), "crc32c-length");
  // A second CRC32C TLV is rejected.
  const two = encodeProxyHeader({
    source: tcp("127.0.0.1", 42),
    destination: tcp("127.0.0.1", 1337),
    tlvs: [{ type: 3, value: new Uint8Array(4) }, { type: 3, value: new Uint8Array(4) }],
  });
  rejects(two, "crc32c-duplicate");
  // A flipped bit anywhere in a checksummed header is caught.
  const sum = encodeProxyHeader({
    source: tcp("10.1.2.3", 1000),
    destination: tcp("10.3.2.1", 2000),
    tlvs: [{ type: PROXY_TLV.AUTHORITY, value: te.encode("example.org") }],
  }, { crc32c: true });
  complete(sum);
  const crcType = sum.length - 7; // flipping the CRC TLV's own type byte removes the checksum
  for (let i = 16; i < sum.length; i++) {
    if (i === crcType) continue;
    const flipped = sum.slice();
    flipped[i] ^= 0x01;
    assert.throws(() => decodeProxyHeader(flipped), ProxyProtocolError, `bit flip at ${i}`);
  }
});

Deno.test("v2 text accessors ignore values with NUL while raw TLVs keep them (PP-16)", () => {
  const nul = te.encode("public\0x");
  const bytes = encodeProxyHeader({
    source: tcp("127.0.0.1", 1),
    destination: tcp("127.0.0.1", 2),
    tlvs: [
      { type: PROXY_TLV.AUTHORITY, value: nul },
      { type: PROXY_TLV.UNIQUE_ID, value: nul },
      { type: 0xe1, value: nul },
      { type: PROXY_TLV.NETNS, value: nul },
      { type: PROXY_TLV.ALPN, value: nul },
    ],
  });
  const h = complete(bytes).header;
  assert.equal(h.authority, undefined);
  assert.equal(h.netns, undefined);
  assert.equal(h.alpn, undefined);
  assert.deepEqual(h.uniqueId, nul);
  assert.deepEqual(h.tlvs.find((t) => t.type === 0xe1)?.value, nul);
  // UNIQUE_ID over 128 bytes is rejected; exactly 128 is fine.
  const id = (n: number) =>
    encodeProxyHeader({
      source: tcp("127.0.0.1", 1),
      destination: tcp("127.0.0.1", 2),
      tlvs: [{ type: PROXY_TLV.UNIQUE_ID, value: new Uint8Array(n).fill(7) }],
    });
  assert.equal(complete(id(128)).header.uniqueId?.length, 128);
  rejects(id(129), "unique-id-too-long");
  // A text TLV as the very last byte of the input: no read past the end.
  const last = encodeProxyHeader({
    source: tcp("127.0.0.1", 1),
    destination: tcp("127.0.0.1", 2),
    tlvs: [{ type: PROXY_TLV.AUTHORITY, value: te.encode("a") }],
  });
  assert.equal(complete(last).header.authority, "a");
  assert.deepEqual(decodeProxyHeader(last.slice(0, last.length - 1)), { status: "need-more" });
});

Deno.test("v2 header longer than maxHeaderSize is rejected from its first 16 bytes (PP-17)", () => {
  const head = hex(`${SIG} 21 11 ffff`);
  assert.throws(
    () => decodeProxyHeader(head, { maxHeaderSize: 1024 }),
    (e: unknown) =>
      e instanceof ProxyProtocolError && e.reason === "v2-too-long" &&
      e.message ===
        "Cannot decode PROXY header: declared length 65551 bytes exceeds maximum of 1024 bytes",
  );
  // The default is 4096; up to 65551 can be allowed.
  const big = encodeProxyHeader({
    source: tcp("127.0.0.1", 1),
    destination: tcp("127.0.0.1", 2),
    tlvs: [{ type: PROXY_TLV.NOOP, value: new Uint8Array(65535 - 12 - 3) }],
  });
  assert.equal(big.length, 65551);
  rejects(big, "v2-too-long");
  const r = complete(cat(big, te.encode("tail")), { maxHeaderSize: 65551 });
  assert.equal(r.consumed, 65551);
  assert.equal(r.header.tlvs[0].value.length, 65520);
  assert.throws(() => decodeProxyHeader(big, { maxHeaderSize: 65552 }), RangeError);
  assert.throws(() => decodeProxyHeader(big, { maxHeaderSize: 15 }), RangeError);
});

Deno.test("v2 TCP6, UDP4, UDP6 and UNIX headers decode at every split point", () => {
  const six = checkEverySplit(
    encodeProxyHeader({ source: tcp("2001:db8::1", 1234), destination: tcp("::1", 443) }),
  );
  assert.equal(six.family, "inet6");
  assert.deepEqual(six.source, tcp("2001:db8::1", 1234));
  const u4 = checkEverySplit(hex(`${SIG} 21 12 000c c0000201 c0000202 14e9 0035`));
  assert.equal(u4.protocol, "dgram");
  assert.deepEqual(u4.source, udp("192.0.2.1", 5353));
  assert.deepEqual(u4.destination, udp("192.0.2.2", 53));
  const u6 = checkEverySplit(
    encodeProxyHeader({ source: udp("2001:db8::5", 1), destination: udp("2001:db8::6", 2) }),
  );
  assert.deepEqual(u6.destination, udp("2001:db8::6", 2));
  const unix = encodeProxyHeader({
    source: { transport: "unix", path: "/run/client.sock" },
    destination: { transport: "unix", path: "/run/server.sock" },
    tlvs: [{ type: PROXY_TLV.NOOP, value: new Uint8Array(3) }],
  });
  assert.equal(unix.length, 16 + 216 + 6);
  assert.equal(unix[13], 0x31);
  const h = checkEverySplit(unix);
  assert.equal(h.family, "unix");
  assert.deepEqual(h.source, { transport: "unix", path: "/run/client.sock" });
  assert.deepEqual(h.destination, { transport: "unix", path: "/run/server.sock" });
  const dgram = complete(encodeProxyHeader({
    source: { transport: "unixpacket", path: "/a" },
    destination: { transport: "unixpacket", path: "/b" },
  })).header;
  assert.equal(dgram.protocol, "dgram");
});

Deno.test("v2 PROXY with UNSPEC family skips the block and reports no addresses", () => {
  const h = checkEverySplit(hex(`${SIG} 21 00 0004 deadbeef`));
  assert.equal(h.command, "proxy");
  assert.equal(h.family, "unspec");
  assert.equal(h.source, undefined);
  assert.deepEqual(h.tlvs, []);
});

Deno.test("v2 SSL TLV with sub-TLVs is unpacked, malformed ones are rejected", () => {
  const sub = (type: number, s: string) => ({ type, value: te.encode(s) });
  const subs = [
    sub(PROXY_TLV.SSL_VERSION, "TLSv1.3"),
    sub(PROXY_TLV.SSL_CN, "client.example"),
    sub(PROXY_TLV.SSL_CIPHER, "TLS_AES_128_GCM_SHA256"),
    sub(PROXY_TLV.SSL_SIG_ALG, "SHA256"),
    sub(PROXY_TLV.SSL_KEY_ALG, "RSA2048"),
  ];
  const ssl = cat(
    new Uint8Array([0x07, 0, 0, 0, 0]),
    ...subs.map((t) => cat(new Uint8Array([t.type, 0, t.value.length]), t.value)),
  );
  const header = encodeProxyHeader({
    source: tcp("198.51.100.1", 50000),
    destination: tcp("198.51.100.2", 443),
    tlvs: [
      { type: PROXY_TLV.ALPN, value: te.encode("h2") },
      { type: PROXY_TLV.SSL, value: ssl },
      { type: PROXY_TLV.NETNS, value: te.encode("blue") },
    ],
  }, { crc32c: true });
  const h = checkEverySplit(header);
  assert.equal(h.alpn, "h2");
  assert.equal(h.netns, "blue");
  assert.deepEqual(h.ssl, {
    client: 7,
    verify: 0,
    version: "TLSv1.3",
    commonName: "client.example",
    cipher: "TLS_AES_128_GCM_SHA256",
    signatureAlgorithm: "SHA256",
    keyAlgorithm: "RSA2048",
    tlvs: subs,
  });
  assert.deepEqual(h.tlvs.map((t) => t.type), [0x01, 0x20, 0x30, 0x03]);
  const withSsl = (value: Uint8Array) =>
    encodeProxyHeader({
      source: tcp("127.0.0.1", 1),
      destination: tcp("127.0.0.1", 2),
      tlvs: [{ type: PROXY_TLV.SSL, value }],
    });
  rejects(withSsl(new Uint8Array([1, 0, 0, 0])), "ssl-tlv-malformed");
  rejects(withSsl(hex("01 00000000 210005 4142")), "ssl-tlv-malformed");
  rejects(withSsl(hex("01 00000000 21")), "ssl-tlv-malformed");
  rejects(withSsl(hex("01 00000000 200005 0100000000")), "ssl-tlv-nested");
});

Deno.test("v2 with more TLVs than the table holds is rejected, 1024 are accepted", () => {
  const many = (n: number) =>
    encodeProxyHeader({
      source: tcp("127.0.0.1", 1),
      destination: tcp("127.0.0.1", 2),
      tlvs: Array.from({ length: n }, () => ({ type: PROXY_TLV.NOOP, value: new Uint8Array(0) })),
    });
  assert.equal(complete(many(1024), { maxHeaderSize: 65551 }).header.tlvs.length, 1024);
  rejects(many(1025), "too-many-tlvs", { maxHeaderSize: 65551 });
});

Deno.test("mode v1 rejects v2 headers and mode v2 rejects v1 lines at the first byte", () => {
  rejects(PP07, "bad-signature", { mode: "v1" });
  rejects(te.encode("PROXY UNKNOWN\r\n"), "bad-signature", { mode: "v2" });
  rejects(te.encode("P"), "bad-signature", { mode: "v2" });
  rejects(new Uint8Array([0x0d]), "bad-signature", { mode: "v1" });
  assert.equal(complete(PP07, { mode: "v2" }).consumed, 36);
  assert.throws(
    () => decodeProxyHeader(PP07, { mode: "v3" as "v2" }),
    TypeError,
  );
});

Deno.test("a plain request where a header is required is rejected at once, in every mode (PP-19)", () => {
  for (const mode of ["auto", "v1", "v2"] as const) {
    rejects(te.encode("GET / HTTP/1.1\r\n"), "bad-signature", { mode });
    rejects(te.encode("G"), "bad-signature", { mode });
  }
  // v2 signature mismatch in the middle is caught at that byte.
  assert.throws(
    () => decodeProxyHeader(hex("0d0a0d0a00 0d0a 5155495400")),
    (e: unknown) => e instanceof ProxyProtocolError && e.offset === 11,
  );
  assert.deepEqual(decodeProxyHeader(new Uint8Array(0)), { status: "need-more" });
});

// ---------------------------------------------------------------------------------------
// encoder

Deno.test("encoder writes v1 lines and v2 bytes as the spec shows them", () => {
  const info: ProxyHeaderInit = {
    source: tcp("192.0.2.1", 56324),
    destination: tcp("198.51.100.7", 443),
  };
  assert.equal(
    td.decode(encodeProxyHeader(info, { version: 1 })),
    "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
  );
  assert.deepEqual(
    encodeProxyHeader(info),
    hex(`${SIG} 21 11 000c c0000201 c6336407 dc04 01bb`),
  );
  assert.equal(td.decode(encodeProxyHeader({}, { version: 1 })), "PROXY UNKNOWN\r\n");
  assert.equal(
    td.decode(encodeProxyHeader({ ...info, command: "local" }, { version: 1 })),
    "PROXY UNKNOWN\r\n",
  );
  assert.deepEqual(encodeProxyHeader({ ...info, command: "local" }), hex(`${SIG} 20 00 0000`));
  assert.deepEqual(encodeProxyHeader({}), hex(`${SIG} 21 00 0000`));
});

Deno.test("encoder refuses what its fields cannot express (PP-21)", () => {
  const v4 = tcp("192.0.2.1", 1);
  assert.throws(() => encodeProxyHeader({ source: v4, destination: tcp("::1", 2) }), TypeError);
  assert.throws(() => encodeProxyHeader({ source: v4 }), TypeError);
  assert.throws(
    () => encodeProxyHeader({ source: v4, destination: udp("192.0.2.2", 2) }),
    TypeError,
  );
  assert.throws(
    () =>
      encodeProxyHeader({ source: udp("192.0.2.1", 1), destination: udp("192.0.2.2", 2) }, {
        version: 1,
      }),
    TypeError,
  );
  assert.throws(
    () => encodeProxyHeader({ source: tcp("example.com", 1), destination: v4 }),
    TypeError,
  );
  assert.throws(
    () => encodeProxyHeader({ source: tcp("01.2.3.4", 1), destination: v4 }),
    TypeError,
  );
  assert.throws(
    () => encodeProxyHeader({ source: tcp("1.2.3.4", 65536), destination: v4 }),
    RangeError,
  );
  assert.throws(
    () =>
      encodeProxyHeader(
        { source: v4, destination: v4, tlvs: [{ type: 2, value: te.encode("x") }] },
        { version: 1 },
      ),
    TypeError,
  );
  assert.throws(
    () =>
      encodeProxyHeader({
        source: v4,
        destination: v4,
        tlvs: [{ type: 4, value: new Uint8Array(65536) }],
      }),
    RangeError,
  );
  assert.throws(
    () =>
      encodeProxyHeader({
        source: v4,
        destination: v4,
        tlvs: [{ type: 4, value: new Uint8Array(65535 - 12 - 2) }],
      }),
    (e: unknown) => e instanceof RangeError && /maximum is 65535 bytes/.test(e.message),
  );
  assert.throws(
    () => encodeProxyHeader({ source: v4, destination: v4 }, { version: 3 as 2 }),
    RangeError,
  );
  assert.throws(
    () =>
      encodeProxyHeader({
        source: { transport: "unix", path: "x".repeat(109) },
        destination: { transport: "unix", path: "/y" },
      }),
    RangeError,
  );
  // The longest v1 line (45-character mapped forms are printed compactly) stays within 107.
  const mapped = "0000:0000:0000:0000:0000:ffff:255.255.255.255";
  assert.equal(mapped.length, 45);
  const line = encodeProxyHeader(
    { source: tcp(mapped, 65535), destination: tcp(mapped, 65535) },
    { version: 1 },
  );
  assert.ok(line.length <= 107);
  assert.equal(
    td.decode(line),
    "PROXY TCP6 ::ffff:255.255.255.255 ::ffff:255.255.255.255 65535 65535\r\n",
  );
  const worst = encodeProxyHeader({
    source: tcp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535),
    destination: tcp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535),
  }, { version: 1 });
  assert.equal(worst.length, 104);
});

// fast-check arbitraries: addresses as they decode (canonical text).
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const ipv6 = fc.array(fc.oneof(fc.constant(0), fc.nat(0xffff)), { minLength: 8, maxLength: 8 })
  .map((g) => {
    // Canonical text through the encoder's own v1 output is checked separately; here build
    // full, uncompressed text and compare through a decode.
    return g.map((x) => x.toString(16)).join(":");
  });
const port = fc.nat(65535);
const tlv = fc.record({
  type: fc.constantFrom(0x01, 0x02, 0x04, 0x05, 0x30, 0xe0, 0xe1, 0xee, 0xf0),
  value: fc.uint8Array({ maxLength: 40 }),
}).map((t) => ({ type: t.type, value: t.type === 0x05 ? t.value.subarray(0, 128) : t.value }));

function canonical(hostname: string): string {
  const h = decodeProxyHeader(
    te.encode(`PROXY TCP${hostname.includes(":") ? 6 : 4} ${hostname} ${hostname} 1 1\r\n`),
  );
  if (h.status !== "complete" || h.header.source?.transport !== "tcp") throw new Error("bad");
  return h.header.source.hostname;
}

Deno.test("encode then decode gives the same header back, v1 and v2 (property, PP-21)", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.tuple(ipv4, ipv4),
        fc.tuple(ipv6, ipv6),
      ),
      port,
      port,
      fc.constantFrom<"tcp" | "udp">("tcp", "udp"),
      fc.array(tlv, { maxLength: 6 }),
      fc.boolean(),
      fc.constantFrom<1 | 2>(1, 2),
      ([a, b], sp, dp, transport, tlvs, withCrc, version) => {
        if (version === 1) {
          transport = "tcp";
          tlvs = [];
          withCrc = false;
        }
        const source = { transport, hostname: canonical(a), port: sp };
        const destination = { transport, hostname: canonical(b), port: dp };
        const bytes = encodeProxyHeader({ source, destination, tlvs }, {
          version,
          crc32c: withCrc,
        });
        const app = te.encode("after");
        const r = decodeProxyHeader(cat(bytes, app), { maxHeaderSize: 65551 });
        assert.equal(r.status, "complete");
        if (r.status !== "complete") return;
        assert.equal(r.consumed, bytes.length);
        assert.equal(r.header.version, version);
        assert.deepEqual(r.header.source, source);
        assert.deepEqual(r.header.destination, destination);
        const got = r.header.tlvs.filter((t) => t.type !== PROXY_TLV.CRC32C);
        assert.deepEqual(got, tlvs);
        assert.equal(r.header.crc32c !== undefined, withCrc);
        // Re-encoding the decoded header gives identical bytes.
        assert.deepEqual(encodeProxyHeader(r.header, { version }), bytes);
      },
    ),
    { numRuns: 300 },
  );
});

function assertOnlyTypedOutcomes(input: Uint8Array, options?: DecodeProxyHeaderOptions) {
  try {
    const r = decodeProxyHeader(input, options);
    if (r.status === "complete") {
      assert.ok(r.consumed > 0 && r.consumed <= input.length);
    }
  } catch (e) {
    assert.ok(e instanceof ProxyProtocolError, `untyped error ${e}`);
    assert.ok(e.offset >= 0 && e.offset <= Math.max(input.length, 107));
  }
}

Deno.test("random bytes give need-more, a header or a ProxyProtocolError, nothing else (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => assertOnlyTypedOutcomes(bytes)),
    { numRuns: 500 },
  );
  // Past the signatures, so the fuzzing reaches the deeper checks.
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.nat(255),
      fc.nat(255),
      fc.nat(300),
      (tail, vc, ft, len) => {
        const head = cat(hex(SIG), new Uint8Array([vc, ft, len >> 8, len & 0xff]));
        assertOnlyTypedOutcomes(cat(head, tail));
        assertOnlyTypedOutcomes(cat(hex(`${SIG} 21 11`), new Uint8Array([0, len & 0xff]), tail));
      },
    ),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(
      fc.stringMatching(/^[A-Z0-9:. \r\nabcdef]{0,110}$/),
      (s) => assertOnlyTypedOutcomes(te.encode("PROXY " + s)),
    ),
    { numRuns: 500 },
  );
});

Deno.test("a valid v2 header with random TLV bytes decodes only when a plain walk agrees (property)", () => {
  // Reference: a plain TLV walk over the block.
  function referenceOk(block: Uint8Array): boolean {
    let i = 0;
    let crc = 0;
    while (i < block.length) {
      if (i + 3 > block.length) return false;
      const t = block[i];
      const l = (block[i + 1] << 8) | block[i + 2];
      if (i + 3 + l > block.length) return false;
      if (t === 0x03) {
        if (l !== 4 || ++crc > 1) return false;
      }
      if (t === 0x05 && l > 128) return false;
      if (t === 0x20) {
        if (l < 5) return false;
        let j = i + 8;
        while (j < i + 3 + l) {
          if (j + 3 > i + 3 + l) return false;
          if (block[j] === 0x20) return false;
          j += 3 + ((block[j + 1] << 8) | block[j + 2]);
          if (j > i + 3 + l) return false;
        }
      }
      i += 3 + l;
    }
    return crc === 0; // a random CRC value almost never matches; checked elsewhere
  }
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          type: fc.constantFrom(0x01, 0x02, 0x04, 0x05, 0x20, 0x21, 0x30, 0xe0),
          len: fc.nat(12),
          body: fc.uint8Array({ maxLength: 12 }),
        }),
        { maxLength: 6 },
      ),
      fc.nat(3),
      (parts, trim) => {
        let block = cat(...parts.map((p) => cat(new Uint8Array([p.type, 0, p.len]), p.body)));
        block = block.subarray(0, Math.max(0, block.length - trim));
        const len = 12 + block.length;
        const input = cat(
          hex(`${SIG} 21 11`),
          new Uint8Array([len >> 8, len & 0xff]),
          hex("7f000001 7f000002 0001 0002"),
          block,
        );
        let ok: boolean;
        try {
          ok = decodeProxyHeader(input).status === "complete";
        } catch (e) {
          assert.ok(e instanceof ProxyProtocolError);
          ok = false;
        }
        assert.equal(ok, referenceOk(block));
      },
    ),
    { numRuns: 500 },
  );
});

// ---------------------------------------------------------------------------------------
// datagrams

Deno.test("decodeProxyDatagram strips a v2 header and keeps the payload intact", () => {
  const payload = new Uint8Array([0, 1, 2, 0x0d, 0x0a, 255]);
  const header = encodeProxyHeader({
    source: udp("2001:db8::9", 5000),
    destination: udp("2001:db8::1", 53),
  });
  const d = decodeProxyDatagram(cat(header, payload));
  assert.deepEqual(d.header.source, udp("2001:db8::9", 5000));
  assert.deepEqual(d.payload, payload);
  assert.deepEqual(decodeProxyDatagram(header).payload, new Uint8Array(0));
  assert.throws(
    () => decodeProxyDatagram(header.subarray(0, header.length - 1)),
    (e: unknown) => e instanceof ProxyProtocolError && e.reason === "incomplete",
  );
  assert.throws(
    () => decodeProxyDatagram(te.encode("PROXY UNKNOWN\r\n")),
    (e: unknown) => e instanceof ProxyProtocolError && e.reason === "bad-signature",
  );
  assert.throws(
    () => decodeProxyDatagram(payload),
    (e: unknown) => e instanceof ProxyProtocolError && e.reason === "bad-signature",
  );
});

// ---------------------------------------------------------------------------------------
// connections (loopback, port 0)

async function pair() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  listener.close();
  return { client, server };
}

async function readAll(conn: Deno.Conn | ProxiedTcpConnection): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    parts.push(buf.slice(0, n));
  }
  return cat(...parts);
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("readProxyHeader returns v1 header and hands every following byte to the application", async () => {
  const { client, server } = await pair();
  using _c = client;
  const app = new Uint8Array(10000).map((_, i) => (i * 7) & 0xff);
  await client.write(cat(te.encode("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), app));
  await client.closeWrite();
  await using conn = await acceptProxyConn(server, { mode: "v1" });
  assert.deepEqual(conn.remoteAddr, tcp("192.168.0.1", 56324));
  assert.deepEqual(conn.localAddr, tcp("192.168.0.11", 443));
  assert.deepEqual(conn.socketRemoteAddr, client.localAddr);
  conn.setNoDelay(true);
  conn.setKeepAlive(true);
  assert.deepEqual(await readAll(conn), app);
});

Deno.test("readProxyHeader reads a v2 header exactly, leaving application bytes in the socket", async () => {
  const { client, server } = await pair();
  using _c = client;
  using _s = server;
  await client.write(cat(PP07, te.encode("GET / HTTP/1.1\r\n")));
  const { header, rest } = await readProxyHeader(server, { mode: "auto" });
  assert.equal(header.authority, "12345");
  assert.equal(rest.length, 0);
  const buf = new Uint8Array(64);
  let got = "";
  while (got.length < 16) got += td.decode(buf.subarray(0, (await server.read(buf))!));
  assert.equal(got, "GET / HTTP/1.1\r\n");
});

Deno.test("ProxiedTcpConnection.readable yields the bytes read with the header first, then the socket's", async () => {
  const { client, server } = await pair();
  using _c = client;
  await client.write(te.encode("PROXY UNKNOWN\r\nfirst|"));
  await delay(20);
  await client.write(te.encode("second"));
  await client.closeWrite();
  await using conn = await acceptProxyConn(server);
  // No addresses in the header, so the socket's own are reported.
  assert.deepEqual(conn.remoteAddr, client.localAddr);
  assert.deepEqual(conn.localAddr, client.remoteAddr);
  assert.equal(conn.proxied.family, "unspec");
  await conn.write(te.encode("bye"));
  await conn.closeWrite();
  assert.equal(td.decode(await readAll(client)), "bye");
  // The readable runs over read(), so the bytes read with the header come first and count.
  let text = "";
  for await (const chunk of conn.readable) text += td.decode(chunk);
  assert.equal(text, "first|second");
  assert.equal(conn.bytesRead, "first|second".length);
});

Deno.test("a v2 LOCAL connection keeps the socket's own addresses (PP-12)", async () => {
  const { client, server } = await pair();
  using _c = client;
  await client.write(cat(hex(`${SIG} 20 11 000c 01020304 05060708 0001 0002`), te.encode("ok")));
  await using conn = await acceptProxyConn(server, { mode: "v2" });
  assert.equal(conn.proxied.command, "local");
  assert.deepEqual(conn.remoteAddr, client.localAddr);
  const buf = new Uint8Array(8);
  let got = "";
  while (got.length < 2) got += td.decode(buf.subarray(0, (await conn.read(buf))!));
  assert.equal(got, "ok");
});

Deno.test("a partial header then silence times out with TimedOut and the connection is closed (PP-06)", async () => {
  const { client, server } = await pair();
  using _c = client;
  await client.write(te.encode("PROXY TCP4 192.168.0.1 192.168.0.11 56324"));
  await assert.rejects(
    readProxyHeader(server, { timeout: 300 }),
    (e: unknown) =>
      e instanceof Deno.errors.TimedOut && /within 300 ms \(received 41 bytes\)/.test(e.message),
  );
  // The server side was closed: the client sees EOF.
  assert.equal((await readAll(client)).length, 0);
  assert.throws(() => server.close(), Deno.errors.BadResource);
});

Deno.test("a v2 header trickled one byte per write decodes once complete (PP-18)", async () => {
  const { client, server } = await pair();
  using _c = client;
  const header = encodeProxyHeader({
    source: tcp("203.0.113.5", 777),
    destination: tcp("127.0.0.1", 80),
    tlvs: [{ type: PROXY_TLV.AUTHORITY, value: te.encode("trickle.example") }],
  }, { crc32c: true });
  const reading = acceptProxyConn(server, { timeout: 5000 });
  for (const b of cat(header, te.encode("z"))) {
    await client.write(new Uint8Array([b]));
    await delay(2);
  }
  using conn = await reading;
  assert.deepEqual(conn.remoteAddr, tcp("203.0.113.5", 777));
  assert.equal(conn.proxied.authority, "trickle.example");
  const buf = new Uint8Array(4);
  assert.equal(td.decode(buf.subarray(0, (await conn.read(buf))!)), "z");
});

Deno.test("a header arriving slower than the deadline is cut off at the deadline (PP-18)", async () => {
  const { client, server } = await pair();
  using _c = client;
  const header = te.encode("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
  const t0 = performance.now();
  const reading = readProxyHeader(server, { timeout: 250 });
  const outcome = reading.then(() => "header", (e) => e);
  // The whole header, one byte every 60 ms (about 2 s): no gap comes near 250 ms, so only a
  // deadline on the whole header (not an idle timer per byte) can end the read.
  for (let i = 0; i < header.length; i++) {
    await client.write(header.subarray(i, i + 1)).catch(() => 0);
    await delay(60);
  }
  const e = await outcome;
  assert.ok(e instanceof Deno.errors.TimedOut, String(e));
  const elapsed = performance.now() - t0;
  assert.ok(elapsed >= 240, `cut off after ${elapsed} ms`);
});

Deno.test("a plain request on a PROXY listener is rejected and closed; the stream ending early is 'incomplete' (PP-19)", async () => {
  {
    const { client, server } = await pair();
    using _c = client;
    await client.write(te.encode("GET / HTTP/1.1\r\n\r\n"));
    await assert.rejects(
      acceptProxyConn(server),
      (e: unknown) => e instanceof ProxyProtocolError && e.reason === "bad-signature",
    );
    assert.equal((await readAll(client)).length, 0);
  }
  {
    const { client, server } = await pair();
    using _c = client;
    await client.write(PP07.subarray(0, 20));
    await client.closeWrite();
    await assert.rejects(
      readProxyHeader(server),
      (e: unknown) =>
        e instanceof ProxyProtocolError && e.reason === "incomplete" && e.offset === 20,
    );
  }
});

Deno.test("a header from a peer outside trustedProxies is rejected before reading (PP-20)", async () => {
  const { client, server } = await pair();
  using _c = client;
  await client.write(te.encode("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"));
  await assert.rejects(
    readProxyHeader(server, { trustedProxies: ["127.0.0.2"] }),
    (e: unknown) =>
      e instanceof ProxyProtocolError && e.reason === "untrusted-peer" &&
      e.message.includes(`peer 127.0.0.1:${client.localAddr.port}`),
  );
  const ok = await pair();
  using _c2 = ok.client;
  await ok.client.write(te.encode("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"));
  await using conn = await acceptProxyConn(ok.server, { trustedProxies: ["127.0.0.1"] });
  assert.deepEqual(conn.remoteAddr, tcp("1.2.3.4", 1));
});

Deno.test("readProxyHeader stops on abort and rejects an oversized header before buffering it", async () => {
  {
    const { client, server } = await pair();
    using _c = client;
    const ac = new AbortController();
    const p = readProxyHeader(server, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("shutting down")), 30);
    await assert.rejects(p, /shutting down/);
  }
  {
    const { client, server } = await pair();
    using _c = client;
    await client.write(hex(`${SIG} 21 11 ffff`));
    await assert.rejects(
      readProxyHeader(server, { maxHeaderSize: 1024 }),
      (e: unknown) => e instanceof ProxyProtocolError && e.reason === "v2-too-long",
    );
  }
});

Deno.test("ProxiedTcpConnection keeps a decoded header's TLVs as `proxied`", () => {
  const fake = {
    localAddr: tcp("127.0.0.1", 1),
    remoteAddr: tcp("127.0.0.1", 2),
  } as unknown as Deno.TcpConn;
  const header: ProxyHeader = complete(PP07).header;
  const pc = new ProxiedTcpConnection(fake, header);
  assert.throws(() => pc.setNoDelay(), TypeError);
  assert.throws(() => pc.setKeepAlive(), TypeError);
  assert.equal(pc.proxied.authority, "12345");
  assert.deepEqual(pc.remoteAddr, tcp("127.0.0.1", 42));
  assert.deepEqual(pc.socketRemoteAddr, tcp("127.0.0.1", 2));
});

Deno.test("ProxiedConn is another name for ProxiedTcpConnection, the class serve() hands its handler", async () => {
  assert.equal(ProxiedConn, ProxiedTcpConnection);
  const { ProxiedTcpConnection: fromNet } = await import("../../src/net/mod.ts");
  assert.equal(fromNet, ProxiedTcpConnection);
  const { client, server } = await pair();
  using _c = client;
  await client.write(te.encode("PROXY TCP4 192.0.2.9 127.0.0.1 4000 80\r\nabc"));
  await using conn = await acceptProxyConn(server, { mode: "v1", timeouts: { readTimeout: 2000 } });
  assert.ok(conn instanceof ProxiedTcpConnection);
  assert.equal(conn.raw, server);
  const buf = new Uint8Array(3);
  assert.deepEqual(await conn.readFull(buf), te.encode("abc"));
  assert.equal(conn.bytesRead, 3); // the application's bytes, not the header
});

Deno.test("acceptProxyConn refuses a connection that is not TCP, and closes it", async () => {
  let closed = 0;
  const unix = {
    localAddr: { transport: "unix", path: "/tmp/x" },
    remoteAddr: { transport: "unix", path: "" },
    close() {
      closed++;
    },
  } as unknown as Deno.TcpConn;
  await assert.rejects(
    acceptProxyConn(unix),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message ===
        "Cannot accept a PROXY connection: expected a TCP connection, got transport unix",
  );
  assert.equal(closed, 1);
});

Deno.test("a v2 header with UNIX addresses on a TCP socket reports the socket's own addresses", async () => {
  const { client, server } = await pair();
  using _c = client;
  const header = encodeProxyHeader({
    source: { transport: "unix", path: "/run/client.sock" },
    destination: { transport: "unix", path: "/run/server.sock" },
  }, { version: 2 });
  await client.write(header);
  await using conn = await acceptProxyConn(server, { mode: "v2" });
  assert.deepEqual(conn.proxied.source, { transport: "unix", path: "/run/client.sock" });
  assert.deepEqual(conn.remoteAddr, client.localAddr);
  assert.deepEqual(conn.localAddr, client.remoteAddr);
});

Deno.test("PROXY v1 TCP6 with v4-mapped addresses is written in RFC 5952 form (::ffff:192.0.2.1)", () => {
  const h = encodeProxyHeader({
    source: { transport: "tcp", hostname: "::ffff:192.0.2.1", port: 1000 },
    destination: { transport: "tcp", hostname: "0:0:0:0:0:ffff:c000:202", port: 80 },
  }, { version: 1 });
  assert.equal(
    new TextDecoder().decode(h),
    "PROXY TCP6 ::ffff:192.0.2.1 ::ffff:192.0.2.2 1000 80\r\n",
  );
  const r = decodeProxyHeader(h);
  assert.ok(r.status === "complete");
  assert.deepEqual(r.header.source, { transport: "tcp", hostname: "::ffff:192.0.2.1", port: 1000 });
});
