/**
 * Addresses and flow flags as ncat has them (issue 13, capabilities 4 and 5): dual-stack
 * listen, -4/-6, `connect HOST PORT`, -s/-p, --send-only, --recv-only, -C, -q, -o, -x,
 * --allow/--deny and -vv, each driven as a subprocess against Python peers.
 */
import assert from "node:assert/strict";
import { Background, events, python, sockkit } from "./_run.ts";

/** A Python TCP server in the background: prints `PORT n` first, then its result. */
function pythonServer(body: string, family = "AF_INET", host = "127.0.0.1") {
  const child = new Deno.Command("python3", {
    args: [
      "-u",
      "-c",
      `import socket, time\nl = socket.socket(socket.${family}); l.bind(("${host}", 0)); l.listen(4)\nprint("PORT", l.getsockname()[1])\n${body}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const port = (async () => {
    while (!/^PORT (\d+)\n/.test(buf)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`python exited: ${await new Response(child.stderr).text()}`);
      buf += value;
    }
    return Number(/^PORT (\d+)\n/.exec(buf)![1]);
  })();
  const done = (async () => {
    await port;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
    }
    const status = await child.status;
    clearTimeout(timer);
    const err = await new Response(child.stderr).text();
    assert.equal(status.code, 0, err);
    return buf.replace(/^PORT \d+\n/, "").trim();
  })();
  return { port, done };
}

Deno.test("listen PORT is dual stack: ::1 and 127.0.0.1 both connect, and IPv4 is reported as IPv4", async () => {
  await using server = new Background(["listen", "--json", "--echo", "-k", "-m", "2", "0"]);
  const port = await server.port();
  assert.equal(server.events[0].address, "::");
  const replies = await python(`
import socket
for family, host in ((socket.AF_INET6, "::1"), (socket.AF_INET, "127.0.0.1")):
    s = socket.socket(family); s.settimeout(5); s.connect((host, ${port}))
    s.sendall(host.encode()); s.shutdown(socket.SHUT_WR)
    print(s.recv(100).decode())
`);
  assert.equal(replies, "::1\n127.0.0.1");
  assert.equal((await server.finish()).code, 0);
  const accepts = server.events.filter((e) => e.event === "accept").map((e) => e.remote.address);
  assert.deepEqual(accepts, ["::1", "127.0.0.1"]);
});

Deno.test("-4 listens on IPv4 only, -6 turns IPv4 clients away and serves ::1", async () => {
  await using v4 = new Background(["listen", "--json", "-4", "--echo", "0"]);
  const p4 = await v4.port();
  assert.equal(v4.events[0].address, "0.0.0.0");
  const refused = await python(`
import socket
s = socket.socket(socket.AF_INET6)
try:
    s.connect(("::1", ${p4})); print("connected")
except ConnectionRefusedError:
    print("refused")
`);
  assert.equal(refused, "refused");
  v4.child.kill("SIGKILL");

  await using v6 = new Background(["listen", "--json", "-6", "--echo", "0"]);
  const p6 = await v6.port();
  const out = await python(`
import socket
s = socket.socket(socket.AF_INET); s.settimeout(5); s.connect(("127.0.0.1", ${p6}))
try:
    print(repr(s.recv(10)))
except ConnectionResetError:
    print("reset")
s = socket.socket(socket.AF_INET6); s.settimeout(5); s.connect(("::1", ${p6}))
s.sendall(b"six"); s.shutdown(socket.SHUT_WR); print(s.recv(10))
`);
  assert.match(out, /^(b''|reset)\nb'six'$/);
  assert.equal((await v6.finish()).code, 0);
  const refuse = v6.events.find((e) => e.event === "refuse")!;
  assert.equal(refuse.remote.address, "127.0.0.1");
  assert.match(refuse.reason, /IPv4 peer, with -6/);
});

Deno.test("connect HOST PORT (two arguments) works like HOST:PORT; -4 with an IPv6 literal is a usage error", async () => {
  const peer = pythonServer(
    `c, _ = l.accept(); print(c.recv(100)); c.sendall(b"ok\\n"); c.close()`,
  );
  const r = await sockkit(["connect", "127.0.0.1", String(await peer.port)], { stdin: "two args" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "ok\n");
  assert.equal(await peer.done, "b'two args'");
  const bad = await sockkit(["connect", "-4", "::1", "9"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /::1 is not an IPv4 address/);
});

Deno.test("-s and -p: listen -p PORT -s ADDR, and connect -u sends from the source address and port", async () => {
  const free = Number(
    await python(`
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])
`),
  );
  await using server = new Background([
    "listen",
    "--json",
    "--echo",
    "-s",
    "127.0.0.1",
    "-p",
    String(free),
  ]);
  assert.equal(await server.port(), free);
  assert.equal(server.events[0].address, "127.0.0.1");
  server.child.kill("SIGKILL");

  const udp = await python(`
import socket, subprocess, sys
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0)); r.settimeout(10)
src = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); src.bind(("127.0.0.1", 0))
sport = src.getsockname()[1]; src.close()
print(r.getsockname()[1], sport)
`);
  const [rport, sport] = udp.split(" ").map(Number);
  const receiver = python(`
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
r.bind(("127.0.0.1", ${rport})); r.settimeout(10)
d, a = r.recvfrom(100); print(d, a[1])
`);
  await new Promise((r) => setTimeout(r, 300));
  const c = await sockkit(
    ["connect", "-u", "-s", "127.0.0.1", "-p", String(sport), "-q", "0", `127.0.0.1:${rport}`],
    { stdin: "from source\n" },
  );
  assert.equal(c.code, 0, c.stderr);
  assert.equal(await receiver, `b'from source\\n' ${sport}`);
  const tcp = await sockkit(["connect", "-p", "5000", "127.0.0.1:9"]);
  assert.equal(tcp.code, 2);
  assert.match(tcp.stderr, /Deno.connect takes no local address/);
});

Deno.test("--send-only drops what arrives and ends with stdin; --recv-only never sends", async () => {
  const sink = pythonServer(`
c, _ = l.accept(); c.sendall(b"ignored\\n")
data = b""
while True:
    b = c.recv(100)
    if not b: break
    data += b
print(data); time.sleep(3); c.close()
`);
  const t0 = performance.now();
  const s = await sockkit(["connect", "--send-only", `127.0.0.1:${await sink.port}`], {
    stdin: "only this",
  });
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, "");
  assert.ok(performance.now() - t0 < 2900, "it did not wait for the peer's close");
  assert.equal(await sink.done, "b'only this'");

  const source = pythonServer(`
c, _ = l.accept(); c.sendall(b"hello\\n"); c.shutdown(socket.SHUT_WR); c.settimeout(1)
try:
    print(repr(c.recv(100)))
except socket.timeout:
    print("nothing")
`);
  const r = await sockkit(["connect", "--recv-only", `127.0.0.1:${await source.port}`], {
    stdin: "secret",
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "hello\n");
  // No byte of stdin reached the peer: it read the end of stream (or nothing at all).
  assert.match(await source.done, /^(b''|nothing)$/);
});

Deno.test("-C sends CRLF line ends, and -q 0.5 quits half a second after stdin ends", async () => {
  const peer = pythonServer(`
c, _ = l.accept()
data = b""
while True:
    b = c.recv(100)
    if not b: break
    data += b
print(data); time.sleep(4); c.close()
`);
  const t0 = performance.now();
  const r = await sockkit(
    ["connect", "--json", "-C", "-q", "0.5", `127.0.0.1:${await peer.port}`],
    {
      stdin: "a\nb\r\nc\n",
    },
  );
  const ms = performance.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await peer.done, "b'a\\r\\nb\\r\\nc\\r\\n'");
  assert.ok(ms < 3500, `${ms} ms: -q should not wait for the peer's close`);
  assert.equal(events(r.stdout).find((e) => e.event === "close")?.reason, "local");
});

Deno.test("-o FILE and -x FILE record both directions of the session", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sockkit_log_" });
  try {
    const peer = pythonServer(`
c, _ = l.accept(); c.sendall(b"pong\\n")
while c.recv(100): pass
c.close()
`);
    const r = await sockkit(
      ["connect", "-o", `${dir}/raw`, "-x", `${dir}/hex`, `127.0.0.1:${await peer.port}`],
      { stdin: "ping\n" },
    );
    await peer.done;
    assert.equal(r.code, 0, r.stderr);
    const raw = await Deno.readTextFile(`${dir}/raw`);
    assert.equal([...raw].sort().join(""), [..."ping\npong\n"].sort().join(""));
    assert.ok(raw === "ping\npong\n" || raw === "pong\nping\n", raw);
    const hex = await Deno.readTextFile(`${dir}/hex`);
    assert.match(hex, /> sent 5 bytes\n00000000 {2}70 69 6e 67 0a .*\|ping\.\|\n/);
    assert.match(hex, /< received 5 bytes\n00000000 {2}70 6f 6e 67 0a .*\|pong\.\|\n/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--allow and --deny decide who may connect; a refused client does not count", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "--echo",
    "-k",
    "-m",
    "1",
    "--allow",
    "127.0.0.0/8",
    "--deny",
    "127.0.0.1",
    "-4",
    "0",
  ]);
  const port = await server.port();
  const out = await python(`
import socket
def talk(src):
    s = socket.socket(); s.settimeout(5); s.bind((src, 0)); s.connect(("127.0.0.1", ${port}))
    try:
        s.sendall(b"hi from " + src.encode()); s.shutdown(socket.SHUT_WR)
        return s.recv(100)
    except OSError:
        return b"reset"
print(talk("127.0.0.1"), talk("127.0.0.2"))
`);
  assert.match(out, /^(b''|b'reset') b'hi from 127.0.0.2'$/);
  assert.equal((await server.finish()).code, 0);
  const refuse = server.events.find((e) => e.event === "refuse")!;
  assert.equal(refuse.remote.address, "127.0.0.1");
  assert.equal(server.events.filter((e) => e.event === "accept").length, 1);
  const bad = await sockkit(["listen", "--allow", "10.0.0.0/33", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid prefix in --allow entry "10.0.0.0\/33"/);
});

Deno.test("-v notes the connection, -vv each chunk too", async () => {
  const peer = pythonServer(`c, _ = l.accept(); c.sendall(b"abc"); c.close()`);
  const port = await peer.port;
  const r = await sockkit(["connect", "-vv", `127.0.0.1:${port}`], { stdin: "" });
  await peer.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /sockkit: connected to 127\.0\.0\.1:\d+\n/);
  assert.match(r.stderr, /sockkit: received 3 bytes\n/);
  const peer2 = pythonServer(`c, _ = l.accept(); c.sendall(b"abc"); c.close()`);
  const one = await sockkit(["connect", "-v", `127.0.0.1:${await peer2.port}`], { stdin: "" });
  await peer2.done;
  assert.doesNotMatch(one.stderr, /received 3 bytes/);
  assert.match(one.stderr, /connected to/);
});
