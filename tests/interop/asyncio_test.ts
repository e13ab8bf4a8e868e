/**
 * sockkit's readExact/readUntil against Python asyncio's StreamReader.readexactly/readuntil
 * itself (issue 15): the same bytes and the same calls give the same results and the same
 * errors. asyncio is fed every byte before reading; sockkit reads the same bytes once in one
 * piece and once split at random, through FrameReader (the driver of FramedConn and
 * BufferedReader). `LimitOverrunError.consumed` is compared where it does not depend on
 * chunking (asyncio's own value depends on what it had buffered): for a delimiter found past
 * the limit, and for the one-piece feed.
 */
import assert from "node:assert/strict";
import {
  BufferedReader,
  IncompleteReadError,
  LimitOverrunError,
  type Reader,
} from "../../src/codec/mod.ts";
import { pythonJson } from "../_child.ts";

type Op = ["until", number[]] | ["exact", number];
interface Case {
  limit: number;
  data: number[];
  ops: Op[];
}
type Result = ["ok", number[]] | ["LimitOverrunError", number] | [
  "IncompleteReadError",
  number[],
  number | null,
];

const PY = `
import asyncio, json, sys
async def run(c):
    r = asyncio.StreamReader(limit=c["limit"])
    r.feed_data(bytes(c["data"]))
    r.feed_eof()
    out = []
    for op in c["ops"]:
        try:
            if op[0] == "until":
                v = await r.readuntil(bytes(op[1]))
            else:
                v = await r.readexactly(op[1])
            out.append(["ok", list(v)])
        except asyncio.LimitOverrunError as e:
            out.append(["LimitOverrunError", e.consumed]); break
        except asyncio.IncompleteReadError as e:
            out.append(["IncompleteReadError", list(e.partial), e.expected]); break
    return out
async def main():
    cases = json.load(sys.stdin)
    print(json.dumps([await run(c) for c in cases]))
asyncio.run(main())
`;

function python(cases: Case[]): Promise<Result[][] | null> {
  return pythonJson<Result[][]>(PY, cases);
}

function chunkReader(data: Uint8Array, sizes: number[]): Reader {
  let off = 0, i = 0;
  return {
    read(p) {
      if (off >= data.length) return Promise.resolve(null);
      const n = Math.min(p.length, sizes[i++ % sizes.length], data.length - off);
      p.set(data.subarray(off, off + n));
      off += n;
      return Promise.resolve(n);
    },
  };
}

async function sockkit(c: Case, sizes: number[]): Promise<Result[]> {
  using r = new BufferedReader(chunkReader(Uint8Array.from(c.data), sizes), { limit: c.limit });
  const out: Result[] = [];
  for (const op of c.ops) {
    try {
      const v = op[0] === "until"
        ? await r.readUntil(Uint8Array.from(op[1]))
        : await r.readExact(op[1]);
      out.push(["ok", [...v]]);
    } catch (e) {
      if (e instanceof LimitOverrunError) out.push(["LimitOverrunError", e.consumed]);
      else if (e instanceof IncompleteReadError) {
        out.push(["IncompleteReadError", [...e.partial], e.expected]);
      } else throw e;
      break;
    }
  }
  return out;
}

function generate(n: number): Case[] {
  let seed = 15;
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >> 8) % k;
  };
  const alphabet = [10, 13, 97, 98, 0];
  const cases: Case[] = [
    // the two differences, as fixed points
    { limit: 4, data: [...new TextEncoder().encode("abcd\nxy")], ops: [["until", [10]]] },
    { limit: 4, data: [...new TextEncoder().encode("abcdef")], ops: [["until", [88, 89, 90, 87]]] },
  ];
  for (let i = 0; i < n; i++) {
    const data = Array.from({ length: rnd(40) }, () => alphabet[rnd(alphabet.length)]);
    const seps = [[10], [13, 10], [97, 98, 97], [0, 0, 0, 0, 0]];
    const ops: Op[] = Array.from(
      { length: 1 + rnd(5) },
      () => rnd(3) === 0 ? ["exact", rnd(8)] : ["until", seps[rnd(seps.length)]],
    );
    cases.push({ limit: 1 + rnd(12), data, ops });
  }
  return cases;
}

Deno.test("readUntil and readExact give asyncio's results and errors for the same bytes and calls", async () => {
  const cases = generate(400);
  const want = await python(cases);
  if (want === null) {
    console.log("SKIP: python3 is not installed (Debian package python3)");
    return;
  }
  // the two cases, spelled out
  assert.deepEqual(want[0], [["ok", [...new TextEncoder().encode("abcd\n")]]]);
  assert.deepEqual(want[1][0][0], "IncompleteReadError");
  let limitErrors = 0;
  for (let i = 0; i < cases.length; i++) {
    const whole = await sockkit(cases[i], [1 << 20]);
    assert.deepEqual(whole, want[i], `case ${i}: ${JSON.stringify(cases[i])}`);
    const split = await sockkit(cases[i], [1 + (i % 5), 3, 1]);
    const norm = (r: Result[]) =>
      r.map((x) => x[0] === "LimitOverrunError" ? ["LimitOverrunError"] : x);
    assert.deepEqual(norm(split), norm(want[i]), `case ${i} split`);
    if (want[i].some((x) => x[0] === "LimitOverrunError")) limitErrors++;
  }
  assert.ok(limitErrors > 10, `limit errors were exercised (${limitErrors})`);
});
