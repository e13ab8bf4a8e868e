/**
 * stdin's line splitting (`LineSplitter`), now the codec's `FrameReader` over a `line` codec:
 * the behaviour the CLI had with its own splitter (CR dropped, newline kept for UDP, the
 * unterminated rest as the last line), and a line over the bound skipped and reported while
 * the lines after it still come.
 */
import assert from "node:assert/strict";
import { FrameTooLongError } from "../../src/codec/mod.ts";
import { LineSplitter, STDIN_LINE_MAX } from "../../src/cli/_stdin_hub.ts";

const enc = new TextEncoder();
const text = (lines: Uint8Array[]) => lines.map((l) => new TextDecoder().decode(l));

Deno.test("LineSplitter: lines across chunks, CR before LF dropped, the rest is the last line", () => {
  using s = new LineSplitter();
  const got: string[] = [];
  for (const c of ["a", "b\r", "\nc\n\n", "d\re", "\r\n", "tail"]) {
    got.push(...text(s.push(enc.encode(c))));
  }
  got.push(...text(s.push(null)));
  assert.deepEqual(got, ["ab", "c", "", "d\re", "tail"]);
});

Deno.test("LineSplitter(keepNewline): each line as it came, for UDP's datagram per line", () => {
  using s = new LineSplitter(true);
  assert.deepEqual(text(s.push(enc.encode("x\r\ny\nz"))), ["x\r\n", "y\n"]);
  assert.deepEqual(text(s.push(null)), ["z"]);
  assert.deepEqual(s.push(null), []);
});

Deno.test("LineSplitter: a line over STDIN_LINE_MAX is skipped and reported; the lines after it still come", () => {
  const errors: Error[] = [];
  using s = new LineSplitter(false, (e) => errors.push(e));
  const got: string[] = [];
  got.push(...text(s.push(enc.encode("before\n"))));
  const chunk = new Uint8Array(1 << 20).fill(0x61);
  for (let sent = 0; sent <= STDIN_LINE_MAX; sent += chunk.length) {
    got.push(...text(s.push(chunk)));
  }
  got.push(...text(s.push(enc.encode("\nafter\nlast"))));
  got.push(...text(s.push(null)));
  assert.deepEqual(got, ["before", "after", "last"]);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof FrameTooLongError, String(errors[0]));
});
