/**
 * The command's UDP on the batched path: `bench udp` and `listen -u`/`connect -u` move
 * datagrams with `recvBatch`/`sendBatch` (`recvmmsg`/`sendmmsg`), fall back to one datagram
 * per call without `--allow-ffi` and say which under `-v`; `--datagram-per frame` cuts stdin
 * with the codec's read driver.
 *
 * @module
 */
import assert from "node:assert/strict";
import { bind, type UdpSocket } from "../../src/net/mod.ts";
import { events, MAIN, PERMS, type RunResult, sockkit } from "./_run.ts";

const NO_FFI = PERMS.filter((p) => p !== "--allow-ffi");
const enc = new TextEncoder();
const dec = new TextDecoder();

/** `sockkit ARGS` with the given permissions, stdin fed and closed, killed after 20 s. */
async function runWith(perms: string[], args: string[], stdin = ""): Promise<RunResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...perms, MAIN, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
  const w = child.stdin.getWriter();
  await w.write(enc.encode(stdin)).catch(() => {});
  await w.close().catch(() => {});
  const out = await child.output();
  clearTimeout(timer);
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A long-running `sockkit` whose stderr and stdout are collected as they come. */
class Running {
  readonly child: Deno.ChildProcess;
  stdout = new Uint8Array(0);
  stderr = "";
  #done: Promise<void>[];
  #kill: ReturnType<typeof setTimeout>;

  constructor(perms: string[], args: string[]) {
    const child = this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...perms, MAIN, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#kill = setTimeout(() => child.kill("SIGKILL"), 20000);
    this.#done = [
      (async () => {
        for await (const c of child.stdout) {
          const all = new Uint8Array(this.stdout.length + c.length);
          all.set(this.stdout);
          all.set(c, this.stdout.length);
          this.stdout = all;
        }
      })(),
      (async () => {
        for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) {
          this.stderr += c;
        }
      })(),
    ];
  }

  /** Wait until `pattern` matches stderr (text) or stdout (decoded), at most 15 s. */
  async waitFor(pattern: RegExp, where: "stderr" | "stdout" = "stderr"): Promise<RegExpMatchArray> {
    const t0 = performance.now();
    for (;;) {
      const m = (where === "stderr" ? this.stderr : dec.decode(this.stdout)).match(pattern);
      if (m) return m;
      if (performance.now() - t0 > 15000) {
        throw new Error(`no ${pattern} in ${where}: ${this.stderr} ${dec.decode(this.stdout)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async finish(): Promise<number> {
    const { code } = await this.child.status;
    clearTimeout(this.#kill);
    await Promise.all(this.#done);
    return code;
  }
}

/** Receive `n` datagrams (at most 5 s each) and return their payloads. */
async function receive(sock: UdpSocket, n: number): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  while (got.length < n) got.push((await sock.recvFrom({ timeout: 5000 })).data);
  return got;
}

Deno.test("bench udp moves datagrams in batches with --allow-ffi, one per call with --batch 1, and says which under -v", async () => {
  const [batched, single, eight] = await Promise.all([
    sockkit(["bench", "udp", "--json", "-v", "--count", "5000", "--size", "100"]),
    sockkit(["bench", "udp", "--json", "-v", "--count", "500", "--batch", "1"]),
    sockkit(["bench", "udp", "--json", "--count", "800", "--size", "10", "--batch", "8"]),
  ]);
  for (const r of [batched, single, eight]) assert.equal(r.code, 0, r.stderr);
  const b = JSON.parse(batched.stdout);
  assert.deepEqual([b.kind, b.messages, b.batch, b.batched], ["udp", 5000, 64, true]);
  assert.ok(b.received > 0 && b.received <= 5000, `received ${b.received}`);
  assert.equal(b.bytes, b.received * 100);
  assert.match(
    batched.stderr,
    /^sockkit: udp: batches of up to 64 datagrams \(recvmmsg, sendmmsg/m,
  );
  const s = JSON.parse(single.stdout);
  assert.deepEqual([s.messages, s.batch, s.batched], [500, 1, false]);
  assert.ok(s.received > 0 && s.received <= 500);
  assert.equal(s.bytes, s.received * 1200);
  assert.match(single.stderr, /one datagram per receive and per send \(--batch 1\)/);
  const e = JSON.parse(eight.stdout);
  assert.deepEqual([e.messages, e.batch, e.batched], [800, 8, true]);
  assert.equal(eight.stderr, "", "no notes without -v");
});

Deno.test("bench udp without --allow-ffi falls back to one datagram per call and says why under -v", async () => {
  const [v, quiet] = await Promise.all([
    runWith(NO_FFI, ["bench", "udp", "--json", "-v", "--count", "300", "--size", "64"]),
    runWith(NO_FFI, ["bench", "udp", "--json", "--count", "300", "--size", "64"]),
  ]);
  assert.equal(v.code, 0, v.stderr);
  const r = JSON.parse(v.stdout);
  assert.deepEqual([r.messages, r.batch, r.batched], [300, 1, false]);
  assert.ok(r.received > 0 && r.received <= 300);
  assert.match(v.stderr, /one datagram per receive and per send: --allow-ffi is not granted/);
  assert.match(v.stderr, /receive buffer keeps the system's size \(no --allow-ffi\)/);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, "");
  assert.equal(JSON.parse(quiet.stdout).batched, false);
});

Deno.test("bench --batch is checked: 1-1024, udp only", async () => {
  const runs = await Promise.all([
    sockkit(["bench", "udp", "--batch", "0"]),
    sockkit(["bench", "udp", "--batch", "1025"]),
    sockkit(["bench", "tcp", "--batch", "4"]),
  ]);
  for (const r of runs) {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--batch/);
  }
  assert.match(runs[1].stderr, /expected 1\.\.1024/);
  assert.match(runs[2].stderr, /applies to bench udp/);
});

Deno.test("listen -u receives a burst several datagrams per receive (-vv) and prints each, in order", async () => {
  const n = 100;
  const l = new Running(PERMS, [
    "listen",
    "-u",
    "-vv",
    "-m",
    String(n),
    "--opt",
    "rcvbuf=1M",
    "127.0.0.1:0",
  ]);
  const port = Number((await l.waitFor(/listening on udp 127\.0\.0\.1:(\d+)/))[1]);
  // The note may come in a later stderr write than the listening line.
  await l.waitFor(/datagrams move in batches of up to 64 \(recvmmsg, sendmmsg\)/);
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  const datagrams = Array.from(
    { length: n },
    (_, i) => enc.encode(`d${String(i).padStart(3, "0")}\n`),
  );
  // One sendBatch: the datagrams are queued before the listener wakes, so receives find many.
  assert.equal(await tx.sendBatch(datagrams, { hostname: "127.0.0.1", port }), n);
  assert.equal(await l.finish(), 0, l.stderr);
  assert.equal(dec.decode(l.stdout), datagrams.map((d) => dec.decode(d)).join(""));
  const sizes = [...l.stderr.matchAll(/udp: (\d+) datagrams in one receive/g)].map((m) => +m[1]);
  assert.ok(sizes.length > 0 && sizes.every((k) => k > 1 && k <= 64), l.stderr);
});

Deno.test("listen -u without --allow-ffi receives one datagram per call, says why under -v, and prints the same", async () => {
  const l = new Running(NO_FFI, ["listen", "-u", "--json", "-v", "-m", "3", "127.0.0.1:0"]);
  const port = Number((await l.waitFor(/"event":"listen".*"port":(\d+)/, "stdout"))[1]);
  assert.match(l.stderr, /one datagram per receive and per send: --allow-ffi is not granted/);
  using tx = bind({ hostname: "127.0.0.1", port: 0 });
  const to = { hostname: "127.0.0.1", port };
  assert.equal(await tx.sendBatch(["a", "bb", "ccc"].map((t) => enc.encode(t)), to), 3);
  assert.equal(await l.finish(), 0, l.stderr);
  const got = events(dec.decode(l.stdout)).filter((e) => e.event === "datagram");
  assert.deepEqual(got.map((e) => [e.text, e.from.port]), [
    ["a", tx.addr.port],
    ["bb", tx.addr.port],
    ["ccc", tx.addr.port],
  ]);
});

Deno.test("listen -u --echo answers a burst of datagrams, each to its sender, in order", async () => {
  const n = 60;
  const l = new Running(PERMS, [
    "listen",
    "-u",
    "--echo",
    "--json",
    "-m",
    String(2 * n),
    "--opt",
    "rcvbuf=1M",
    "127.0.0.1:0",
  ]);
  const port = Number((await l.waitFor(/"event":"listen".*"port":(\d+)/, "stdout"))[1]);
  const to = { hostname: "127.0.0.1", port };
  using a = bind({ hostname: "127.0.0.1", port: 0, receiveBufferSize: 1 << 20 });
  using b = bind({ hostname: "127.0.0.1", port: 0, receiveBufferSize: 1 << 20 });
  const fromA = Array.from({ length: n }, (_, i) => enc.encode(`a${i}`));
  const fromB = Array.from({ length: n }, (_, i) => enc.encode(`b${i}`.repeat(i % 3 + 1)));
  await Promise.all([a.sendBatch(fromA, to), b.sendBatch(fromB, to)]);
  const [gotA, gotB] = await Promise.all([receive(a, n), receive(b, n)]);
  assert.deepEqual(gotA.map((d) => dec.decode(d)), fromA.map((d) => dec.decode(d)));
  assert.deepEqual(gotB.map((d) => dec.decode(d)), fromB.map((d) => dec.decode(d)));
  assert.equal(await l.finish(), 0, l.stderr);
  assert.equal(events(dec.decode(l.stdout)).filter((e) => e.event === "datagram").length, 2 * n);
});

/** `[u16 BE length][payload]` for each payload. */
function framed(payloads: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(payloads.reduce((s, p) => s + 2 + p.length, 0));
  let o = 0;
  for (const p of payloads) {
    out[o] = p.length >> 8;
    out[o + 1] = p.length & 0xff;
    out.set(p, o + 2);
    o += 2 + p.length;
  }
  return out;
}

Deno.test("connect -u --datagram-per frame sends one datagram per frame of stdin, byte for byte", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0 });
  const payloads = [
    enc.encode("one"),
    new Uint8Array(0),
    enc.encode("two\nthree\r\n"),
    Uint8Array.from({ length: 256 }, (_, i) => i),
    new Uint8Array(3000).fill(0x5a),
  ];
  const r = await sockkit(
    [
      "connect",
      "-u",
      "--datagram-per",
      "frame",
      "--frame",
      "len:u16be",
      "-q",
      "0",
      `127.0.0.1:${rx.addr.port}`,
    ],
    { stdin: framed(payloads) },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await receive(rx, payloads.length), payloads);
  await assert.rejects(
    rx.recvFrom({ timeout: 200 }),
    Deno.errors.TimedOut,
    "nothing more was sent",
  );
});

Deno.test("connect -u --datagram-per frame: a partial last frame is an error (exit 1) and the frames before it go", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0 });
  const whole = framed([enc.encode("ab"), enc.encode("cd")]);
  const stdin = new Uint8Array(whole.length + 3);
  stdin.set(whole);
  stdin.set([0, 9, 0x78], whole.length); // declares 9 bytes, 1 arrives
  const r = await sockkit(
    [
      "connect",
      "-u",
      "--json",
      "--datagram-per",
      "frame",
      "--frame",
      "len:u16be",
      "-q",
      "0",
      `127.0.0.1:${rx.addr.port}`,
    ],
    { stdin },
  );
  assert.equal(r.code, 1, r.stderr);
  const err = events(r.stdout).find((e) => e.event === "error");
  assert.equal(err?.type, "IncompleteFrameError", r.stdout);
  assert.deepEqual((await receive(rx, 2)).map((d) => dec.decode(d)), ["ab", "cd"]);
});

Deno.test("connect -u --datagram-per frame: a frame over max= is reported, the frames before it go, and with oversize=discard the ones after it too", async () => {
  using rx = bind({ hostname: "127.0.0.1", port: 0 });
  const stdin = framed(["ab", "toolong", "cd"].map((t) => enc.encode(t)));
  const r = await sockkit(
    [
      "connect",
      "-u",
      "--json",
      "--datagram-per",
      "frame",
      "--frame",
      "len:u16be,max=4,oversize=discard",
      "-q",
      "0",
      `127.0.0.1:${rx.addr.port}`,
    ],
    { stdin },
  );
  assert.equal(r.code, 1, r.stderr);
  const err = events(r.stdout).filter((e) => e.event === "error");
  assert.deepEqual(err.map((e) => [e.type, e.frameLength, e.maxFrameLength]), [[
    "FrameTooLongError",
    7,
    4,
  ]]);
  assert.deepEqual((await receive(rx, 2)).map((d) => dec.decode(d)), ["ab", "cd"]);
});
