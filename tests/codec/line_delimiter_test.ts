import assert from "node:assert/strict";
import { assertEverySplit, decodeChunks, error, frame } from "../_split_harness.ts";
import { FrameDecoder, FrameEncoder } from "../../src/codec/codec.ts";
import { FrameTooLongError, PayloadTooLongError } from "../../src/codec/errors.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("LineDecoder splits LF and CRLF lines and reports an unterminated tail at EOF", () => {
  assertEverySplit("line", "line1\nline2\r\nline3\n", [
    frame("line1"),
    frame("line2"),
    frame("line3"),
  ]);
  assertEverySplit("line", "line1\nline2\r\nline3", [
    frame("line1"),
    frame("line2"),
    error("IncompleteFrameError"),
  ]);
});

Deno.test("LineDecoder joins a CRLF split across chunks without an extra empty line", () => {
  assert.deepEqual(decodeChunks("line", [enc("abc\r"), enc("\ndef\n")]), [
    frame("abc"),
    frame("def"),
  ]);
});

Deno.test("LineDecoder never treats a lone CR as a terminator", () => {
  assertEverySplit("line", "a\rb\n", [frame("a\rb")]);
  assertEverySplit("line,crlf", "a\rb\r\n", [frame("a\rb")]);
});

Deno.test("LineDecoder in strict CRLF mode rejects a bare LF and goes on with the next line", () => {
  assertEverySplit("line,crlf", "a\nb\r\n", [error("FrameCorruptError"), frame("b")]);
});

Deno.test("LineDecoder emits empty lines for consecutive terminators", () => {
  assertEverySplit("line", "\n\n", [frame(""), frame("")]);
  assertEverySplit("line,keep", "a\r\n\n", [frame("a\r\n"), frame("\n")]);
});

Deno.test("LineDecoder with a maximum discards too-long lines, counts the CR, and recovers", () => {
  const spec = "line,max=6,discard";
  assertEverySplit(spec, "line 1 is too long\nline 2\nline 3\r\nline 4\n\r\n", [
    error("FrameTooLongError"),
    frame("line 2"),
    error("FrameTooLongError"),
    frame("line 4"),
    frame(""),
  ]);
  assertEverySplit(spec, "aaabbbc\nok\n", [error("FrameTooLongError"), frame("ok")]);
  assertEverySplit("line,max=6", "aaabbbc\nok\n", [error("FrameTooLongError")]);
  assertEverySplit("line,max=6,discard,failslow", "aaabbbcdefgh\nok\n", [
    error("FrameTooLongError"),
    frame("ok"),
  ]);
});

Deno.test("LineDecoder stays bounded on a stream with no delimiter at all", () => {
  using d = new FrameDecoder("line,max=64KiB");
  const chunk = new Uint8Array(65536).fill(97);
  let threw = false;
  for (let i = 0; i < 3200 && !threw; i++) { // up to 200 MiB
    try {
      d.push(chunk);
      d.decode();
    } catch (e) {
      assert.ok(e instanceof FrameTooLongError);
      threw = true;
    }
  }
  assert.ok(threw);
  assert.ok(d.buffered <= 65536 + 65536);
});

Deno.test("LineDecoder fed a 1 MiB line one byte at a time resumes its scan (linear time)", () => {
  using d = new FrameDecoder("line,max=2MiB");
  const one = new Uint8Array([97]);
  const t0 = performance.now();
  for (let i = 0; i < 1 << 20; i++) {
    d.push(one);
    if ((i & 1023) === 0) assert.equal(d.decode(), null);
  }
  d.push(enc("\n"));
  assert.equal(d.decode()!.length, 1 << 20);
  // generous bound: quadratic rescanning would take minutes
  assert.ok(performance.now() - t0 < 30_000);
});

Deno.test("DelimiterDecoder does not end a frame on a partial match, and the earliest delimiter wins", () => {
  assert.deepEqual(decodeChunks("delim:\\r\\n\\r\\n", [enc("ab\r\n\r"), enc("x\r\n\r\n")]), [
    frame("ab\r\n\rx"),
  ]);
  assertEverySplit("delim:\\r\\n\\r\\n", "ab\r\n\rx\r\n\r\n", [frame("ab\r\n\rx")]);
  assertEverySplit("delim:\\r\\n|\\n", "ab\r\ncd\nef\r\n", [frame("ab"), frame("cd"), frame("ef")]);
  assertEverySplit("delim:\\n|\\r\\n", "ab\r\ncd\n", [frame("ab"), frame("cd")]); // shortest frame wins (Netty)
  assertEverySplit("delim:XYZ,keep", "aXYbXYZXYZ", [frame("aXYbXYZ"), frame("XYZ")]);
});

Deno.test("DelimiterDecoder discards a too-long frame and decodes the next", () => {
  assertEverySplit("delim:||,max=3,discard".replace("||", "\\|\\|"), "abcdef||ab||", [
    error("FrameTooLongError"),
    frame("ab"),
  ]);
  assertEverySplit("delim:;,max=3,discard,failslow", "abcdefgh;ab;", [
    error("FrameTooLongError"),
    frame("ab"),
  ]);
});

Deno.test("Line and delimiter encoders append the delimiter and refuse payloads containing it", () => {
  using l = new FrameEncoder("line");
  assert.deepEqual(l.encode(enc("hi")), enc("hi\n"));
  assert.throws(() => l.encode(enc("a\nb")), RangeError);
  using c = new FrameEncoder("line,crlf");
  assert.deepEqual(c.encode(enc("hi")), enc("hi\r\n"));
  using d = new FrameEncoder("delim:\\r\\n\\r\\n");
  assert.deepEqual(d.encode(enc("x")), enc("x\r\n\r\n"));
  using m = new FrameEncoder("line,max=2");
  assert.throws(() => m.encode(enc("abc")), PayloadTooLongError);
});

Deno.test("RawDecoder passes bytes through in frames of at most the maximum", () => {
  assert.deepEqual(decodeChunks("raw,max=4", [enc("abcdef")]), [frame("abcd"), frame("ef")]);
  assert.deepEqual(decodeChunks("raw", [enc("ab"), enc("c")]), [frame("ab"), frame("c")]);
});

Deno.test("DelimiterDecoder waits while a delimiter listed first may still complete (chunk invariance)", () => {
  // "\r\r" is listed before "\r": one "\r" alone is not yet a frame end
  assertEverySplit("delim:\\r\\r|\\r,max=4", "a\r\rb\r\r", [frame("a"), frame("b")]);
  // "abc" starting before "b" wins; "ab" alone is not yet a frame
  assertEverySplit("delim:abc|b,max=4", "xabcyb!", [
    frame("x"),
    frame("y"),
    error("IncompleteFrameError"),
  ]);
  // every frame that can end here is too long: reported as without a delimiter
  assertEverySplit("delim:\\r\\n|\\r,max=1,discard", "\0\0\r\nz\r\n", [
    error("FrameTooLongError"),
    frame("z"),
  ]);
});
