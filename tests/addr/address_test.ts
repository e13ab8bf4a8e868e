import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  InAddr,
  INADDR_ANY,
  INADDR_BROADCAST,
  INADDR_LOOPBACK,
  INADDR_NONE,
  inet_addr,
  inet_aton,
  inet_ntoa,
  inet_ntop,
  inet_pton,
  inetAddrMany,
} from "../../src/bsd/inet.ts";
import { parseAddress, parseHostPort } from "../../src/addr/ip.ts";
import { htonl } from "../../src/bsd/byte_order.ts";
import { AddressFamilyError, AddressSyntaxError } from "../../src/addr/errors.ts";

const dotted = (b: Uint8Array | null) => (b === null ? "ERR" : b.join("."));

Deno.test('htonl(0x7f000001) === inet_addr("127.0.0.1"), as in C on a little-endian host', () => {
  assert.equal(inet_addr("127.0.0.1"), htonl(0x7f000001));
  assert.equal(inet_addr("127.0.0.1"), 0x0100007f);
  assert.equal(htonl(INADDR_LOOPBACK), inet_addr("127.0.0.1"));
});

Deno.test("constants have their Linux values", () => {
  assert.deepEqual([AF_UNIX, AF_INET, AF_INET6], [1, 2, 10]);
  assert.deepEqual(
    [INADDR_ANY, INADDR_LOOPBACK, INADDR_BROADCAST, INADDR_NONE],
    [0, 0x7f000001, 0xffffffff, 0xffffffff],
  );
});

// Appendix A of anchors-reliability.md, columns "glibc inet_aton" and "inet_pton(AF_INET)".
const APPENDIX_A: [string, string, string][] = [
  ["127.0.0.1", "127.0.0.1", "127.0.0.1"],
  ["1.2.3", "1.2.0.3", "ERR"],
  ["1.2", "1.0.0.2", "ERR"],
  ["1", "0.0.0.1", "ERR"],
  ["127.1", "127.0.0.1", "ERR"],
  ["0x7f.1", "127.0.0.1", "ERR"],
  ["0x7F000001", "127.0.0.1", "ERR"],
  ["2130706433", "127.0.0.1", "ERR"],
  ["017700000001", "127.0.0.1", "ERR"],
  ["010.0.0.1", "8.0.0.1", "ERR"],
  ["08.0.0.1", "ERR", "ERR"],
  ["0127.0.0.1", "87.0.0.1", "ERR"],
  ["012.1.2.3", "10.1.2.3", "ERR"],
  ["255.255.255.255", "255.255.255.255", "255.255.255.255"],
  ["4294967295", "255.255.255.255", "ERR"],
  ["4294967296", "ERR", "ERR"],
  ["256.1.1.1", "ERR", "ERR"],
  ["1.2.65535", "1.2.255.255", "ERR"],
  ["1.2.65536", "ERR", "ERR"],
  ["1.16777215", "1.255.255.255", "ERR"],
  ["1.2.3.4 ", "1.2.3.4", "ERR"],
  ["1.2.3.4 garbage", "1.2.3.4", "ERR"],
  ["1.2.3.4x", "ERR", "ERR"],
  ["1.2.3.4.", "ERR", "ERR"],
  ["1.2.3.4..", "ERR", "ERR"],
  ["1..2.3", "ERR", "ERR"],
  [" 1.2.3.4", "ERR", "ERR"],
  ["", "ERR", "ERR"],
  ["0", "0.0.0.0", "ERR"],
  ["0x", "ERR", "ERR"],
  ["0x100.0.0.1", "ERR", "ERR"],
  ["00000000000001.2.3.4", "1.2.3.4", "ERR"],
  ["1.2.3.04", "1.2.3.4", "ERR"],
  ["1.2.3.4\t5", "1.2.3.4", "ERR"],
  ["1.2.3.4\n", "1.2.3.4", "ERR"],
  ["-1.2.3.4", "ERR", "ERR"],
  ["+1.2.3.4", "ERR", "ERR"],
  ["1.2.3.256", "ERR", "ERR"],
  ["0xffffffff", "255.255.255.255", "ERR"],
  ["0x1.0x2.0x3.0x4", "1.2.3.4", "ERR"],
  ["1.2.3.0x", "ERR", "ERR"],
  ["\uff11.2.3.4", "ERR", "ERR"],
];

Deno.test("inet_aton and inet_pton(AF_INET) give the measured glibc results of Appendix A", () => {
  for (const [input, aton, pton] of APPENDIX_A) {
    assert.equal(dotted(inet_aton(input)), aton, `inet_aton(${JSON.stringify(input)})`);
    assert.equal(dotted(inet_pton(AF_INET, input)), pton, `inet_pton(${JSON.stringify(input)})`);
    const addr = inet_addr(input);
    if (aton === "ERR") assert.equal(addr, INADDR_NONE, `inet_addr(${JSON.stringify(input)})`);
    else assert.equal(inet_ntoa(addr), aton, `inet_addr(${JSON.stringify(input)})`);
  }
});

Deno.test("inet_addr cannot tell 255.255.255.255 from an error, inet_aton can (ADDR-08)", () => {
  assert.equal(inet_addr("255.255.255.255"), INADDR_NONE);
  assert.equal(inet_addr("256.1.1.1"), INADDR_NONE);
  assert.equal(dotted(inet_aton("255.255.255.255")), "255.255.255.255");
  assert.equal(inet_aton("256.1.1.1"), null);
});

Deno.test("strict parsing rejects every short, octal, hex and junk form (ADDR-02..06)", () => {
  const bad = [
    "127.1",
    "1.2.3",
    "1.2",
    "1",
    "2130706433", // short forms
    "010.0.0.1",
    "0127.0.0.1",
    "1.2.3.04",
    "00000000000001.2.3.4",
    "010.000.015.001",
    "0x7f.1",
    "0x7F000001",
    "017700000001",
    "0xffffffff",
    "0300.0250.0214.0377",
    "256.1.1.1",
    "1.2.3.256",
    "2555.0.0.0",
    "4294967296",
    "1.2.3.4.5",
    "",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1.2.3.4 garbage",
    "1.2.3.4\n",
    "1.2.3.4\t5",
    "1.2.3.4x",
    "1.2.3.4.",
    "1..2.3",
    ".1.2.3",
    "-1.2.3.4",
    "+1.2.3.4",
    "\uff11.2.3.4",
    "127.0.0.1\0evil",
  ];
  for (const text of bad) {
    assert.equal(inet_pton(AF_INET, text), null, JSON.stringify(text));
    assert.throws(() => parseAddress(text), AddressSyntaxError, JSON.stringify(text));
  }
  // NUL is an ordinary invalid character, even where glibc would stop reading.
  assert.equal(inet_aton("127.0.0.1\0evil"), null);
});

Deno.test("valid and invalid IPv6 text gives glibc's bytes and canonical text (ADDR-10..13)", () => {
  const good: [string, string][] = [
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["2001:DB8::A", "2001:db8::a"],
    ["0001:0002::", "1:2::"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["::ffff:1.2.3.4", "::ffff:1.2.3.4"],
    ["::1.2.3.4", "::1.2.3.4"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["64:ff9b::1.2.3.4", "64:ff9b::102:304"],
    ["::FFFF:7F00:1", "::ffff:127.0.0.1"],
    ["ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["::0.0.0.0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
  ];
  for (const [input, canonical] of good) {
    const bytes = inet_pton(AF_INET6, input);
    assert.ok(bytes !== null, input);
    assert.equal(inet_ntop(AF_INET6, bytes), canonical, input);
    assert.equal(parseAddress(input).text, canonical);
  }
  const bad = [
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    ":::",
    "1:::2",
    ":1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:",
    "12345::",
    "00001::",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    "1:2:3:4::5:6:7:8",
    "g::1",
    "::-1",
    " ::1",
    "::1 ",
    "[::1]",
    "::1\n",
    "1:2:3:4:5:6:7",
    "fe80:",
    "::ffff:01.2.3.4",
    "::ffff:1.2.03.4",
    "::ffff:1.2.3",
    "::ffff:1.2.3.256",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1.2.3.4::",
    "fe80:0:0:0:2acf:daff:abcd:1.2.3.4",
    "ffff::ffff:ffff:ffff:ffff:ffff:ffff:192.168.140.255",
    "fe80::1%eth0",
  ];
  for (const input of bad) assert.equal(inet_pton(AF_INET6, input), null, input);
});

Deno.test("inet_pton and inet_ntop throw AddressFamilyError for other families", () => {
  for (const af of [AF_UNIX, 0, 3, 30, 23, NaN]) {
    assert.throws(() => inet_pton(af, "1.2.3.4"), AddressFamilyError);
    assert.throws(() => inet_ntop(af, new Uint8Array(4)), AddressFamilyError);
  }
  const e = (() => {
    try {
      inet_pton(AF_UNIX, "x");
    } catch (err) {
      return err;
    }
  })();
  assert.ok(e instanceof RangeError && e instanceof AddressFamilyError);
  assert.equal(e.family, 1);
  assert.equal(e.code, "EAFNOSUPPORT");
});

Deno.test("inet_ntop checks the byte count and type", () => {
  assert.throws(() => inet_ntop(AF_INET, new Uint8Array(3)), RangeError);
  assert.throws(() => inet_ntop(AF_INET6, new Uint8Array(4)), RangeError);
  assert.throws(() => inet_ntop(AF_INET, [1, 2, 3, 4] as unknown as Uint8Array), TypeError);
});

Deno.test("non-string address text is a TypeError, never silently converted (ADDR-20)", () => {
  const inputs: unknown[] = [null, undefined, 123, {}, { toString: () => "127.0.0.1" }];
  for (const x of inputs) {
    const t = x as string;
    assert.throws(() => inet_pton(AF_INET, t), TypeError);
    assert.throws(() => inet_aton(t), TypeError);
    assert.throws(() => inet_addr(t), TypeError);
    assert.throws(() => parseAddress(t), TypeError);
    assert.throws(() => parseHostPort(t), TypeError);
  }
});

Deno.test("inet_ntoa formats s_addr numbers and bytes, rejecting bad numbers (ADDR-17)", () => {
  assert.equal(inet_ntoa(htonl(0x7f000001)), "127.0.0.1");
  assert.equal(inet_ntoa(0), "0.0.0.0");
  assert.equal(inet_ntoa(0xffffffff), "255.255.255.255");
  assert.equal(inet_ntoa(new Uint8Array([10, 0, 0, 1])), "10.0.0.1");
  assert.equal(inet_ntoa(inet_addr("202.119.9.199")), "202.119.9.199");
  for (const bad of [-1, 2 ** 32, 1.5, NaN]) assert.throws(() => inet_ntoa(bad), RangeError);
  assert.throws(() => inet_ntoa(new Uint8Array(5)), RangeError);
  assert.throws(() => inet_ntoa("1.2.3.4" as never), TypeError);
});

Deno.test("InAddr views one address as bytes, words and a u32 over the same memory", () => {
  const addr = new InAddr();
  addr.s_addr = inet_addr("202.119.9.199");
  const b = addr.S_un.S_un_b;
  assert.deepEqual([b.s_b1, b.s_b2, b.s_b3, b.s_b4], [202, 119, 9, 199]);
  assert.deepEqual([addr.s_net, addr.s_host, addr.s_lh, addr.s_impno], [202, 119, 9, 199]);
  assert.equal(addr.S_un.S_un_w.s_w1, 119 * 256 + 202);
  assert.equal(addr.S_un.S_un_w.s_w2, 199 * 256 + 9);
  assert.equal(addr.s_imp, addr.S_un.S_un_w.s_w2);
  assert.equal(addr.S_un.S_addr, 0xc70977ca);
  // Writing through one view changes the others.
  addr.S_un.S_un_w.s_w2 = 0x0100; // bytes 3, 4 = 0x00, 0x01
  assert.equal(addr.toString(), "202.119.0.1");
  assert.equal(inet_ntoa(addr), "202.119.0.1");
  addr.S_un.S_un_b.s_b1 = 127;
  assert.equal(addr.S_un.S_addr, inet_addr("127.119.0.1"));
  assert.deepEqual(Array.from(new InAddr(new Uint8Array([1, 2, 3, 4])).bytes), [1, 2, 3, 4]);
  assert.throws(() => (addr.S_un.S_un_b.s_b1 = 256), RangeError);
  assert.throws(() => (addr.s_addr = -1), RangeError);
  assert.throws(() => new InAddr(new Uint8Array(3)), RangeError);
});

Deno.test("parseAddress accepts zone ids on IPv6 only and reports the offending position", () => {
  const a = parseAddress("fe80::1%eth0");
  assert.equal(a.family, "IPv6");
  assert.equal(a.zone, "eth0");
  assert.equal(a.text, "fe80::1%eth0");
  assert.equal(parseAddress("fe80::1%1").zone, "1");
  assert.equal(parseAddress("::ffff:0:0%0").zone, "0");
  assert.equal(parseAddress("fe80::1%lo").zone, "lo");
  const v4 = parseAddress("192.168.1.20");
  assert.deepEqual([v4.family, v4.zone, v4.text], ["IPv4", null, "192.168.1.20"]);
  assert.deepEqual(Array.from(v4.bytes), [192, 168, 1, 20]);

  const cases: [string, number][] = [
    ["fe80::1%", 8], // empty zone
    ["1.2.3.4%eth0", 7], // IPv4 has no zone
    ["fe80::1%et h0", 10],
    ["0127.0.0.1", 1], // leading zero
    ["1.2.3.4x", 7],
    ["1.2.3", 5], // ends early
    ["1::2::3", 5],
    ["::g", 2],
    ["", 0],
  ];
  for (const [input, position] of cases) {
    assert.throws(
      () => parseAddress(input),
      (e: unknown) =>
        e instanceof AddressSyntaxError && e instanceof SyntaxError && e.input === input &&
        e.position === position,
      `${JSON.stringify(input)} at ${position}`,
    );
  }
  assert.throws(() => parseAddress("010.0.0.1"), /leading zeros are not allowed/);
});

Deno.test("parseHostPort reads IPv4:port and [IPv6]:port, strictly", () => {
  assert.deepEqual(
    (({ family, text, zone, port }) => ({ family, text, zone, port }))(parseHostPort("[::1]:80")),
    { family: "IPv6", text: "::1", zone: null, port: 80 },
  );
  assert.equal(parseHostPort("1.2.3.4:80").port, 80);
  assert.equal(parseHostPort("1.2.3.4:0").port, 0);
  assert.equal(parseHostPort("1.2.3.4:65535").port, 65535);
  const z = parseHostPort("[fe80::1%eth0]:443");
  assert.deepEqual([z.text, z.zone, z.port], ["fe80::1%eth0", "eth0", 443]);
  assert.equal(parseHostPort("1.2.3.4", { defaultPort: 7 }).port, 7);
  assert.equal(parseHostPort("[::1]", { defaultPort: 7 }).port, 7);
  assert.equal(parseHostPort("::1", { defaultPort: 7 }).text, "::1");

  const cases: [string, number][] = [
    ["1.2.3.4", 7], // missing port
    ["1.2.3.4:", 8],
    ["1.2.3.4:65536", 8],
    ["1.2.3.4:080", 9],
    ["1.2.3.4:8a", 9],
    ["1.2.3.4:-1", 8],
    ["1.2.3.4:123456", 13],
    ["::1:80", 0], // IPv6 with a port needs brackets
    ["[::1]80", 5],
    ["[::1", 4],
    ["[1.2.3.4]:80", 0],
    ["01.2.3.4:80", 1],
    ["[::1]:", 6],
  ];
  for (const [input, position] of cases) {
    assert.throws(
      () => parseHostPort(input),
      (e: unknown) => e instanceof AddressSyntaxError && e.position === position,
      `${JSON.stringify(input)} at ${position}`,
    );
  }
  assert.throws(() => parseHostPort("1.2.3.4", { defaultPort: 70000 }), RangeError);
});

Deno.test("hostile sizes are rejected quickly without growing Wasm memory (ADDR-19)", async () => {
  const { core } = await import("../../wasm/loader.ts");
  const pages = core.memory.buffer.byteLength;
  const ones = "1".repeat(1 << 20);
  const colons = ":".repeat(100_000);
  for (const text of [ones, colons]) {
    assert.equal(inet_pton(AF_INET, text), null);
    assert.equal(inet_pton(AF_INET6, text), null);
    assert.equal(inet_aton(text), null);
    assert.throws(() => parseAddress(text), AddressSyntaxError);
  }
  assert.equal(dotted(inet_aton("0".repeat(1 << 20) + "1.2.3.4")), "1.2.3.4");
  assert.equal(core.memory.buffer.byteLength, pages);
});

Deno.test("the address tour prints the course notes' values", async () => {
  const { addressTour } = await import("../../examples/address_tour.ts");
  const lines: string[] = [];
  addressTour((line) => lines.push(line));
  const text = lines.join("\n");
  assert.match(text, /inet_addr\("202\.119\.9\.199"\) = 0xc70977ca/);
  assert.match(text, /s_b1=202 s_b2=119 s_b3=9 s_b4=199/);
  assert.match(text, /htons\(5000\) = 0x8813/);
  assert.match(text, /02 00 13 88 7f 00 00 01 00 00 00 00 00 00 00 00/);
});

Deno.test("inetAddrMany agrees with inet_addr across chunk boundaries and odd texts", () => {
  const texts: string[] = [];
  for (let i = 0; i < 9000; i++) texts.push(`${i & 255}.${(i >> 8) & 255}.0${i % 8}.0x${i % 16}`);
  texts[100] = "1.2\u00003.4"; // NUL: the batch path must fall back, not shift results
  texts[5000] = "1.2.3.4 " + "junk ".repeat(40); // longer than the batch limit
  texts[8999] = "";
  const got = inetAddrMany(texts);
  assert.equal(got.length, texts.length);
  assert.deepEqual(Array.from(got), texts.map((t) => inet_addr(t)));
  assert.equal(got[100], INADDR_NONE);
  assert.equal(got[5000], inet_addr("1.2.3.4"));
});

Deno.test("inetAddrMany rejects a short output array and non-string texts", () => {
  assert.throws(() => inetAddrMany(["1.2.3.4", "5.6.7.8"], new Uint32Array(1)), RangeError);
  assert.throws(() => inetAddrMany(["1.2.3.4", 5 as unknown as string]), TypeError);
});
