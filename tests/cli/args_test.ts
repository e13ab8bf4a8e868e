/** Unit tests of the CLI's argument parsers (in process, no subprocess). */
import assert from "node:assert/strict";
import {
  parseDuration,
  parseFlags,
  parseOptList,
  parseSize,
  parseTarget,
  UsageError,
} from "../../src/cli/_args.ts";
import { describeError, errorLine, hexDump } from "../../src/cli/_output.ts";
import { FrameTooLongError, setSocketOptions } from "../../mod.ts";

Deno.test("parseTarget accepts HOST:PORT, [IPv6]:PORT and a bare port for listen", () => {
  assert.deepEqual(parseTarget("example.org:443", "connect"), {
    hostname: "example.org",
    port: 443,
  });
  assert.deepEqual(parseTarget("[fe80::1%eth0]:22", "connect"), {
    hostname: "fe80::1%eth0",
    port: 22,
  });
  assert.deepEqual(parseTarget("0", "listen", "0.0.0.0"), { hostname: "0.0.0.0", port: 0 });
  for (const bad of ["host", "host:", ":80", "::1:80", "[::1]80", "h:65536", "h:0", "h:8a"]) {
    assert.throws(() => parseTarget(bad, "connect"), UsageError, bad);
  }
});

Deno.test("parseDuration and parseSize read units and reject anything else", () => {
  assert.equal(parseDuration("1.5s", "--x"), 1500);
  assert.equal(parseDuration("1m", "--x"), 60000);
  assert.equal(parseDuration("0", "--x"), 0);
  assert.throws(() => parseDuration("-1", "--x"), UsageError);
  assert.throws(() => parseDuration("5h", "--x"), UsageError);
  assert.equal(parseSize("64K", "x"), 65536);
  assert.equal(parseSize("2MiB", "x"), 2097152);
  assert.equal(parseSize("100", "x"), 100);
  assert.throws(() => parseSize("3T", "x"), UsageError);
  assert.throws(() => parseSize("4G", "x"), /too large/);
});

Deno.test("parseOptList maps every socat-like name onto setSocketOptions fields", () => {
  const o = parseOptList(
    "reuseaddr,reuseport=0,rcvbuf=1M,sndbuf=256K,linger=0,keepalive=60/10/5,nodelay," +
      "broadcast=on,ttl=64,tos=0x10,user-timeout=3000,cork=off,quickack",
  );
  assert.deepEqual(o, {
    reuseAddress: true,
    reusePort: false,
    receiveBufferSize: 1048576,
    sendBufferSize: 262144,
    linger: 0,
    keepAlive: { idle: 60, interval: 10, count: 5 },
    noDelay: true,
    broadcast: true,
    ttl: 64,
    tos: 16,
    userTimeout: 3000,
    cork: false,
    quickAck: true,
  });
  assert.deepEqual(parseOptList("linger=off,keepalive"), { linger: false, keepAlive: true });
  // Every field the CLI produces is one setSocketOptions accepts on a real socket.
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { reusePort: _, broadcast: __, ...tcp } = o;
  const report = setSocketOptions(l, tcp);
  assert.equal(report.linger?.applied, 0);
  assert.equal(report.userTimeout?.applied, 3000);
  for (const bad of ["ttl=0", "ttl=256", "linger", "keepalive=1/2/x", "nodelay=maybe", "x=1"]) {
    assert.throws(() => parseOptList(bad), UsageError, bad);
  }
});

Deno.test("parseFlags turns node:util errors into short usage errors", () => {
  const flags = { n: { type: "string" as const, help: "" } };
  assert.throws(() => parseFlags("c", ["--zzz"], flags), /^UsageError: unknown flag --zzz$/);
  assert.throws(() => parseFlags("c", ["--n"], flags), /^UsageError: flag --n needs a value$/);
  assert.deepEqual(parseFlags("c", ["--n", "3", "x"], flags).positionals, ["x"]);
});

Deno.test("errors become one line and typed JSON fields", () => {
  const e = new FrameTooLongError(70000, 65536);
  assert.deepEqual(describeError(e), {
    type: "FrameTooLongError",
    message: "Cannot decode frame: declared length 70000 bytes exceeds maximum of 65536 bytes",
    frameLength: 70000,
    maxFrameLength: 65536,
  });
  const reset = Object.assign(new Deno.errors.ConnectionReset("Connection reset by peer"), {
    operation: "read",
  });
  assert.equal(
    errorLine(reset),
    "sockkit: read: Connection reset by peer [ECONNRESET 104, WSAECONNRESET 10054]",
  );
  assert.equal(
    errorLine(new UsageError("missing NAME", "resolve")),
    "sockkit: missing NAME (see sockkit resolve --help)",
  );
  assert.equal(hexDump(new Uint8Array(17).fill(0x41)).split("\n").length, 3);
});
