/**
 * Differential tests: sockkit's address functions against glibc's, called through FFI, on
 * the anchor matrices (Appendix A and B of anchors-reliability.md) and on tens of thousands of
 * generated inputs, valid and mutated. Any difference fails with the input that caused it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  AF_INET,
  AF_INET6,
  inet_addr,
  inet_aton,
  inet_ntop,
  inet_pton,
  inetAddrMany,
} from "../../src/bsd/inet.ts";
import {
  closeGlibc,
  glibcAddr,
  glibcAton,
  glibcAvailable,
  glibcNtop,
  glibcPton,
} from "../_glibc.ts";

const ignore = !glibcAvailable;

/** Runs a test body with glibc loaded, and closes it afterwards (resource sanitizer). */
function withGlibc(body: () => void): () => void {
  return () => {
    try {
      body();
    } finally {
      closeGlibc();
    }
  };
}

function hex(b: Uint8Array | null): string {
  return b === null ? "null" : Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Compares every text function on one input; returns a description of the first difference. */
function differences(text: string): string[] {
  const out: string[] = [];
  const p4 = hex(inet_pton(AF_INET, text)), g4 = hex(glibcPton(AF_INET, text));
  if (p4 !== g4) out.push(`inet_pton(AF_INET, ${JSON.stringify(text)}): ours ${p4}, glibc ${g4}`);
  const p6 = inet_pton(AF_INET6, text), g6 = glibcPton(AF_INET6, text);
  if (hex(p6) !== hex(g6)) {
    out.push(`inet_pton(AF_INET6, ${JSON.stringify(text)}): ours ${hex(p6)}, glibc ${hex(g6)}`);
  } else if (p6 !== null && g6 !== null) {
    const ours = inet_ntop(AF_INET6, p6), theirs = glibcNtop(AF_INET6, g6);
    if (ours !== theirs) out.push(`inet_ntop(AF_INET6, ${hex(p6)}): ours ${ours}, glibc ${theirs}`);
  }
  const a = hex(inet_aton(text)), ga = hex(glibcAton(text));
  if (a !== ga) out.push(`inet_aton(${JSON.stringify(text)}): ours ${a}, glibc ${ga}`);
  const n = inet_addr(text), gn = glibcAddr(text);
  if (n !== gn) out.push(`inet_addr(${JSON.stringify(text)}): ours ${n}, glibc ${gn}`);
  return out;
}

function checkAll(inputs: Iterable<string>): number {
  let count = 0;
  const diffs: string[] = [];
  for (const text of inputs) {
    count++;
    diffs.push(...differences(text));
    if (diffs.length >= 20) break;
  }
  assert.deepEqual(diffs, [], "sockkit and glibc disagree");
  return count;
}

// Appendix A (IPv4) and B (IPv6) inputs, plus the ADDR-0x catalogue rows.
const ANCHOR_INPUTS = [
  "127.0.0.1",
  "1.2.3",
  "1.2",
  "1",
  "127.1",
  "0x7f.1",
  "0x7F000001",
  "2130706433",
  "017700000001",
  "010.0.0.1",
  "08.0.0.1",
  "0127.0.0.1",
  "012.1.2.3",
  "255.255.255.255",
  "4294967295",
  "4294967296",
  "256.1.1.1",
  "1.2.65535",
  "1.2.65536",
  "1.16777215",
  "1.2.3.4 ",
  "1.2.3.4 garbage",
  "1.2.3.4x",
  "1.2.3.4.",
  "1.2.3.4..",
  "1..2.3",
  " 1.2.3.4",
  "",
  "0",
  "0x",
  "0x100.0.0.1",
  "00000000000001.2.3.4",
  "1.2.3.04",
  "1.2.3.4\t5",
  "1.2.3.4\n",
  "-1.2.3.4",
  "+1.2.3.4",
  "1.2.3.256",
  "0xffffffff",
  "0x1.0x2.0x3.0x4",
  "1.2.3.0x",
  "\uff11.2.3.4",
  "0.0.0.0",
  "0xffffffff",
  "0300.0250.0214.0377",
  "2555.0.0.0",
  "1.2.3.4.5",
  ".1.2.3",
  "010.000.015.001",
  "255.255.255*000",
  "255",
  "::",
  "::1",
  "1::",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7::",
  "::2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:9",
  "1::2::3",
  ":::",
  "1:::2",
  ":1:2:3:4:5:6:7",
  "1:2:3:4:5:6:7:",
  "::ffff:1.2.3.4",
  "::ffff:01.2.3.4",
  "::ffff:1.2.3",
  "::ffff:1.2.3.256",
  "::1.2.3.4",
  "1:2:3:4:5:6:1.2.3.4",
  "1:2:3:4:5:6:7:1.2.3.4",
  "1.2.3.4::",
  "::FFFF:7F00:1",
  "64:ff9b::1.2.3.4",
  "fe80::1%eth0",
  "fe80::1%1",
  "fe80::1%",
  "12345::",
  "00001::",
  "0001:0002::",
  "2001:db8:0:0:1:0:0:1",
  "2001:0:0:1:0:0:0:1",
  "2001:db8:0:1:1:1:1:1",
  "1:0:0:2:0:0:0:3",
  "0:0:0:0:0:0:0:0",
  "2001:DB8::A",
  " ::1",
  "::1 ",
  "[::1]",
  "::1\n",
  "g::1",
  "::-1",
  "0:0:0:0:0:0:0:1",
  "::0.0.0.0",
  "1:2:3:4:5:6:7:8::",
  "::1:2:3:4:5:6:7:8",
  "1:2:3:4::5:6:7:8",
  "1:2:3:4:5:6:7",
  "fe80:",
  "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
  "fe80:0:0:0:2acf:daff:abcd:1.2.3.4",
  "ffff::ffff:ffff:ffff:ffff:ffff:ffff:192.168.140.255",
  "::fFFf:127.0.0.1",
  "::ffff:7f00:1",
  "000:0:0000::01",
  "fe80::0001",
  "::ffff:0:0",
  "::1:0",
  "::0.1.0.0",
  "1:2:3:4:5:6::",
  "::ffff:1.2.3.4:1",
  "::1.2.3.4.5",
];

Deno.test({
  name: "every anchor address input gives glibc's result",
  ignore,
  fn: withGlibc(() => {
    assert.ok(checkAll(ANCHOR_INPUTS) >= 100);
  }),
});

// ---------------------------------------------------------------------------------------------
// Generators

const octet = fc.integer({ min: 0, max: 255 });
const validV4 = fc.tuple(octet, octet, octet, octet).map((p) => p.join("."));

/** One legacy part: decimal, octal or hex, with leading zeros, out of range, or junk. */
const v4Part = fc.oneof(
  { arbitrary: octet.map(String), weight: 6 },
  { arbitrary: fc.integer({ min: 0, max: 0xffffffff }).map(String), weight: 1 },
  { arbitrary: fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String), weight: 1 },
  {
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 14 }), octet).map(([z, v]) => "0".repeat(z) + v),
    weight: 2,
  },
  { arbitrary: fc.integer({ min: 0, max: 0x3ffff }).map((v) => "0" + v.toString(8)), weight: 2 },
  {
    arbitrary: fc.tuple(
      fc.constantFrom("0x", "0X", "0x0", "00x"),
      fc.integer({ min: 0, max: 0x1ffffffff }),
    ).map(([p, v]) => p + v.toString(16)),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom("", "0", "00", "0x", "08", "09", "099", "-1", "+1", " 1", "1 ", "a"),
    weight: 1,
  },
  { arbitrary: fc.stringMatching(/^[0-9a-fxX]{1,6}$/), weight: 1 },
);

const junk = fc.oneof(
  fc.constantFrom(" ", "\t", "\n", "\r", "\v", "\f", ".", "..", "x", "/", ":", "#", "\uff11", "é"),
  fc.stringMatching(/^[ \t\n.0-9a-zA-Z:%]{1,5}$/),
);

/** IPv4-ish text: 1 to 5 parts, then sometimes trailing junk or a leading character. */
const mutatedV4 = fc.tuple(
  fc.array(v4Part, { minLength: 1, maxLength: 5 }),
  fc.oneof({ arbitrary: fc.constant(""), weight: 2 }, { arbitrary: junk, weight: 1 }),
  fc.oneof(
    { arbitrary: fc.constant(""), weight: 9 },
    { arbitrary: fc.constantFrom(" ", "\t", "0", "."), weight: 1 },
  ),
).map(([parts, tail, head]) => head + parts.join(".") + tail);

const randomV4Alphabet = fc.stringMatching(/^[0-9a-fxX. ]{0,20}$/);

/** 16 bytes biased towards zero groups, and the special prefixes. */
const v6Bytes = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
    minLength: 8,
    maxLength: 8,
  }).map((words) => {
    const b = new Uint8Array(16);
    words.forEach((w, i) => {
      b[2 * i] = w >> 8;
      b[2 * i + 1] = w & 0xff;
    });
    return b;
  }),
  fc.tuple(fc.constantFrom(0, 1, 2), fc.uint8Array({ minLength: 4, maxLength: 4 })).map(
    ([kind, v4]) => {
      const b = new Uint8Array(16);
      if (kind === 1) b[10] = b[11] = 0xff; // ::ffff:a.b.c.d
      if (kind === 2) b[0] = 0x64, b[1] = 0xff, b[2] = 0x9b; // 64:ff9b::a.b.c.d
      b.set(v4, 12);
      return b;
    },
  ),
);

/** Renders 16 bytes as IPv6 text in many valid ways (case, leading zeros, :: placement, v4 tail). */
const validV6 = fc.tuple(
  v6Bytes,
  fc.boolean(),
  fc.integer({ min: 0, max: 2 }),
  fc.integer({ min: -1, max: 7 }),
  fc.integer({ min: 0, max: 8 }),
  fc.boolean(),
).map(([b, upper, pad, zStart, zLen, v4tail]) => {
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  const groups = words.map((w) => {
    let s = w.toString(16);
    if (pad === 1) s = s.padStart(4, "0");
    if (pad === 2 && s.length < 4) s = "0" + s;
    return upper ? s.toUpperCase() : s;
  });
  const n = v4tail ? 6 : 8;
  const tail = v4tail ? [`${b[12]}.${b[13]}.${b[14]}.${b[15]}`] : [];
  const head = groups.slice(0, n);
  // Compress a run of zero groups that starts at zStart (if it is one).
  if (zStart >= 0 && zStart < n) {
    let end = zStart;
    while (end < n && end - zStart < zLen && words[end] === 0) end++;
    if (end > zStart) {
      const left = head.slice(0, zStart).join(":");
      const right = [...head.slice(end), ...tail].join(":");
      return `${left}::${right}`;
    }
  }
  return [...head, ...tail].join(":");
});

const v6Alphabet = "0123456789abcdefABCDEF:.:%gx ";

/** A valid text with one to three characters replaced, inserted or deleted. */
function mutate(base: fc.Arbitrary<string>, alphabet: string): fc.Arbitrary<string> {
  const edit = fc.tuple(
    fc.constantFrom("replace", "insert", "delete"),
    fc.nat(),
    fc.constantFrom(...alphabet.split("")),
  );
  return fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([s, edits]) => {
    for (const [op, at, ch] of edits) {
      const i = s.length === 0 ? 0 : at % (s.length + (op === "insert" ? 1 : 0));
      if (op === "replace") s = s.slice(0, i) + ch + s.slice(i + 1);
      else if (op === "insert") s = s.slice(0, i) + ch + s.slice(i);
      else s = s.slice(0, i) + s.slice(i + 1);
    }
    return s;
  });
}

function sample(arb: fc.Arbitrary<string>, n: number, seed: number): string[] {
  return fc.sample(arb, { numRuns: n, seed });
}

const SEED = 20260824;

Deno.test({
  name: "generated IPv4 inputs (valid, leading zeros, hex, octal, missing parts, junk) match glibc",
  ignore,
  fn: withGlibc(() => {
    const inputs = [
      ...sample(validV4, 3000, SEED),
      ...sample(mutatedV4, 8000, SEED + 1),
      ...sample(randomV4Alphabet, 4000, SEED + 2),
      ...sample(mutate(validV4, "0123456789.xX \t"), 3000, SEED + 3),
    ];
    assert.equal(checkAll(inputs), 18000);
  }),
});

Deno.test({
  name: "generated IPv6 inputs (compression, mixed case, embedded IPv4, mutations) match glibc",
  ignore,
  fn: withGlibc(() => {
    const inputs = [
      ...sample(validV6, 6000, SEED + 4),
      ...sample(mutate(validV6, v6Alphabet), 6000, SEED + 5),
      ...sample(fc.stringMatching(/^[0-9a-fA-F:.]{0,24}$/), 2000, SEED + 6),
    ];
    assert.equal(checkAll(inputs), 14000);
  }),
});

Deno.test({
  name: "inet_ntop renders random and special addresses exactly as glibc",
  ignore,
  fn: withGlibc(() => {
    const diffs: string[] = [];
    for (const b of fc.sample(v6Bytes, { numRuns: 8000, seed: SEED + 7 })) {
      const ours = inet_ntop(AF_INET6, b), theirs = glibcNtop(AF_INET6, b);
      if (ours !== theirs) diffs.push(`${hex(b)}: ours ${ours}, glibc ${theirs}`);
      // Round trip: the text parses back to the same bytes.
      if (hex(inet_pton(AF_INET6, ours)) !== hex(b)) diffs.push(`${ours} does not round-trip`);
    }
    for (const b of fc.sample(fc.uint8Array({ minLength: 4, maxLength: 4 }), 2000)) {
      const ours = inet_ntop(AF_INET, b), theirs = glibcNtop(AF_INET, b);
      if (ours !== theirs) diffs.push(`${hex(b)}: ours ${ours}, glibc ${theirs}`);
    }
    assert.deepEqual(diffs.slice(0, 20), []);
  }),
});

Deno.test({
  name: "inet_aton matches glibc on very long inputs fed in chunks",
  ignore,
  fn: withGlibc(() => {
    const long = [
      "0".repeat(10000) + "1.2.3.4",
      "1.2.3.4 " + "x".repeat(100000),
      "1".repeat(1 << 20),
      "0x" + "0".repeat(5000) + "7f000001",
      "1.2.3." + "0".repeat(8000) + "4",
      "1.2.3." + "0".repeat(8000) + "4x",
      "1." + "0".repeat(4000) + "8",
    ];
    assert.equal(checkAll(long), long.length);
  }),
});

Deno.test({
  name: "inetAddrMany matches glibc's inet_addr text by text on generated and anchor inputs",
  ignore,
  fn: withGlibc(() => {
    const inputs = [
      ...ANCHOR_INPUTS,
      ...sample(mutatedV4, 6000, SEED + 8),
      ...sample(randomV4Alphabet, 3000, SEED + 9),
      // Texts that force the one-by-one path inside a chunk: long, NUL-free non-ASCII.
      "1.2.3.4 " + "x".repeat(200),
      "\u00e91.2.3.4",
      "1.2.3.4 \u00e9",
    ].filter((t) => !t.includes("\0"));
    const got = inetAddrMany(inputs);
    const diffs: string[] = [];
    inputs.forEach((t, i) => {
      const g = glibcAddr(t);
      if (got[i] !== g) {
        diffs.push(`inetAddrMany(${JSON.stringify(t)}): ours ${got[i]}, glibc ${g}`);
      }
    });
    assert.equal(got.length, inputs.length);
    assert.deepEqual(diffs.slice(0, 20), []);
  }),
});
