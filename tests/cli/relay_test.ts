/**
 * `sockkit relay LISTEN TARGET` against Python backends: bytes both ways with a half-close
 * passed on, an RST passed on as an RST, `--send-proxy v1|v2` checked by a backend that parses
 * the header, `--frame` counting frames, `--tls` towards the clients, `--upstream-tls` towards
 * a Python TLS backend (after a PROXY header in the clear), and `--workers`.
 */
import assert from "node:assert/strict";
import { Background, events, python, sockkit } from "./_run.ts";
import { findBinary } from "../integration/_daemon.ts";
import { makePki, type Pki } from "../tls/_pki.ts";

// The TLS tests make their certificates with openssl (Debian package openssl, in .ci/run).
const NO_OPENSSL = findBinary("openssl") ? "" : "no openssl on PATH (Debian package openssl)";
if (NO_OPENSSL) console.log(`SKIP tests/cli/relay_test.ts (TLS): ${NO_OPENSSL}`);
const pki: Pki | null = NO_OPENSSL ? null : makePki();
globalThis.addEventListener("unload", () => pki?.dispose());

/** A Python backend in the background: prints `PORT n` first, then its result. */
function backend(body: string) {
  const child = new Deno.Command("python3", {
    args: [
      "-u",
      "-c",
      `import socket, struct\nl = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4)\nprint("PORT", l.getsockname()[1])\n${body}`,
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
      if (done) throw new Error(`backend exited: ${await new Response(child.stderr).text()}`);
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
    assert.equal(status.code, 0, await new Response(child.stderr).text());
    return buf.replace(/^PORT \d+\n/, "").trim();
  })();
  return { port, done };
}

const READ_ALL = `
import socket
def read_all(s):
    d = b""
    while True:
        c = s.recv(65536)
        if not c: return d
        d += c
`;

/** `sockkit relay --json -m 1 FLAGS 127.0.0.1:0 TARGET` in the background. */
function relayOnce(flags: string[], target: string): Background {
  return new Background(["relay", "--json", "-m", "1", ...flags, "127.0.0.1:0", target]);
}

/** A Python TLS backend's first lines: `ctx`, a server context with this certificate. */
function tlsContext(cert: { certFile: string; keyFile: string }): string {
  return `import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(${JSON.stringify(cert.certFile)}, ${JSON.stringify(cert.keyFile)})
`;
}

Deno.test("relay passes bytes both ways and a half-close on, with a PROXY v1 header the backend checks", async () => {
  const b = backend(`${READ_ALL}
c, _ = l.accept()
f = c.makefile("rb")
header = f.readline().decode()
parts = header.split()
body = b""
while True:
    chunk = f.read1(65536)
    if not chunk: break
    body += chunk
c.sendall(body.upper()); c.shutdown(socket.SHUT_WR)
print(parts[0], parts[1], parts[2], parts[4])
`);
  await using relay = new Background([
    "relay",
    "--json",
    "-m",
    "1",
    "--send-proxy",
    "v1",
    "0",
    `127.0.0.1:${await b.port}`,
  ]);
  const port = await relay.port();
  const client = await python(`${READ_ALL}
s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
s.sendall(b"x" * 100000); s.shutdown(socket.SHUT_WR)
reply = read_all(s)
print(len(reply), reply[:3], s.getsockname()[1])
`);
  const [len, head, clientPort] = client.split(" ");
  assert.equal(len, "100000");
  assert.equal(head, "b'XXX'");
  assert.equal(await b.done, `PROXY TCP4 127.0.0.1 ${clientPort}`);
  assert.equal((await relay.finish()).code, 0);
  const close = relay.events.find((e) => e.event === "close")!;
  assert.deepEqual([close.reason, close.bytesUp, close.bytesDown], ["FIN", 100000, 100000]);
});

Deno.test("relay --send-proxy v2 gives an IPv6 client's address to the backend", async () => {
  const b = backend(`
c, _ = l.accept()
h = b""
while len(h) < 16: h += c.recv(16 - len(h))
assert h[:12] == b"\\r\\n\\r\\n\\x00\\r\\nQUIT\\n", h
n = struct.unpack("!H", h[14:16])[0]
a = b""
while len(a) < n: a += c.recv(n - len(a))
src = socket.inet_ntop(socket.AF_INET6, a[:16]); sport = struct.unpack("!H", a[32:34])[0]
print(hex(h[12]), hex(h[13]), src, sport)
c.close()
`);
  await using relay = new Background([
    "relay",
    "--json",
    "-m",
    "1",
    "--send-proxy",
    "v2",
    "0",
    `127.0.0.1:${await b.port}`,
  ]);
  const port = await relay.port();
  const clientPort = await python(`
s = socket.socket(socket.AF_INET6); s.settimeout(5); s.connect(("::1", ${port}))
print(s.getsockname()[1]); s.recv(10)
`.replace(/^/, "import socket\n"));
  assert.equal(await b.done, `0x21 0x21 ::1 ${clientPort}`);
  assert.equal((await relay.finish()).code, 0);
});

Deno.test("relay passes a backend's RST on to the client as an RST, and exits 1", async () => {
  const b = backend(`
c, _ = l.accept(); c.recv(5)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
print("reset sent")
`);
  await using relay = new Background(
    ["relay", "--json", "-m", "1", "0", `127.0.0.1:${await b.port}`].filter((a) => a !== "-4"),
  );
  const port = await relay.port();
  const out = await python(`
import socket
s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
s.sendall(b"hello")
try:
    d = s.recv(100)
    print("eof" if d == b"" else d)
except ConnectionResetError:
    print("reset")
`);
  assert.equal(out, "reset");
  assert.equal(await b.done, "reset sent");
  assert.equal((await relay.finish()).code, 1);
  assert.equal(relay.events.find((e) => e.event === "close")?.reason, "RST");
});

Deno.test("relay --frame counts frames both ways and --proxy-protocol takes the client from a header", async () => {
  const b = backend(`${READ_ALL}
c, _ = l.accept()
data = read_all(c)
c.sendall(data); c.close()
print(len(data))
`);
  await using relay = new Background([
    "relay",
    "--json",
    "-m",
    "1",
    "--frame",
    "len:u8",
    "--proxy-protocol",
    "v1",
    "127.0.0.1:0",
    `127.0.0.1:${await b.port}`,
  ]);
  const port = await relay.port();
  await python(`${READ_ALL}
s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
s.sendall(b"PROXY TCP4 198.51.100.7 127.0.0.1 4242 80\\r\\n" + b"\\x02hi\\x03abc\\x00")
s.shutdown(socket.SHUT_WR)
assert read_all(s) == b"\\x02hi\\x03abc\\x00"
`.replace(/^/, "import socket\n"));
  assert.equal(await b.done, "8");
  assert.equal((await relay.finish()).code, 0);
  const accept = relay.events.find((e) => e.event === "accept")!;
  assert.deepEqual(accept.remote, { address: "198.51.100.7", port: 4242 });
  const close = relay.events.find((e) => e.event === "close")!;
  assert.deepEqual([close.framesUp, close.framesDown], [3, 3]);
  const frames = relay.events.filter((e) => e.event === "frame" && e.direction === "up");
  assert.deepEqual(frames.map((f) => f.text), ["hi", "abc", ""]);
});

Deno.test({
  name: "relay --tls: a client of sockkit connect --tls is relayed to a plain backend, both ways",
  ignore: NO_OPENSSL !== "",
  fn: async () => {
    const p = pki!;
    const b = backend(`${READ_ALL}
c, _ = l.accept()
data = read_all(c)
c.sendall(data.upper()); c.shutdown(socket.SHUT_WR)
print(data.decode().strip())
`);
    await using relay = relayOnce(
      ["--tls", "--tls-cert", p.server.certFile, "--tls-key", p.server.keyFile],
      `127.0.0.1:${await b.port}`,
    );
    const port = await relay.port();
    const r = await sockkit(
      ["connect", "--json", "--tls", "--tls-ca", p.ca.certFile, `localhost:${port}`],
      { stdin: "secret line\n" },
    );
    assert.equal(r.code, 0, r.stderr);
    const got = events(r.stdout).filter((e) => e.event === "data").map((e) => e.text).join("");
    assert.equal(got, "SECRET LINE\n");
    assert.equal(await b.done, "secret line");
    assert.equal((await relay.finish()).code, 0);
    assert.equal(relay.events.find((e) => e.event === "listen")!.tls, true);
    assert.deepEqual(relay.events.find((e) => e.event === "accept")!.tls, { alpn: null });
    const close = relay.events.find((e) => e.event === "close")!;
    assert.deepEqual([close.reason, close.bytesUp, close.bytesDown], ["FIN", 12, 12]);
  },
});

Deno.test({
  name:
    "relay --send-proxy v1 --upstream-tls: the PROXY header goes in the clear, then TLS verified against --upstream-tls-ca",
  ignore: NO_OPENSSL !== "",
  fn: async () => {
    const p = pki!;
    const b = backend(`${tlsContext(p.server)}
c, _ = l.accept()
header = b""
while not header.endswith(b"\\r\\n"): header += c.recv(1)
t = ctx.wrap_socket(c, server_side=True)
data = b""
while not data.endswith(b"\\n"): data += t.recv(100)
t.sendall(data[::-1])
t.close()
print(header.decode().split()[0], header.decode().split()[1], data.decode().strip())
`);
    await using relay = relayOnce(
      ["--send-proxy", "v1", "--upstream-tls", "--upstream-tls-ca", p.ca.certFile],
      `localhost:${await b.port}`,
    );
    const port = await relay.port();
    const out = await python(`${READ_ALL}
s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
s.sendall(b"abc\\n")
print(read_all(s))
`);
    assert.equal(out, String.raw`b'\ncba'`);
    assert.equal(await b.done, "PROXY TCP4 abc");
    assert.equal((await relay.finish()).code, 0);
    const connect = relay.events.find((e) => e.event === "connect")!;
    assert.deepEqual(connect.tls, { alpn: null, serverName: "localhost" });
    assert.equal(relay.events.find((e) => e.event === "listen")!.upstreamTls, true);
  },
});

Deno.test({
  name: "relay --upstream-tls refuses a target whose certificate it cannot verify, and exits 1",
  ignore: NO_OPENSSL !== "",
  fn: async () => {
    const p = pki!;
    const b = backend(`${tlsContext(p.rogue)}
c, _ = l.accept()
try:
    ctx.wrap_socket(c, server_side=True)
    print("handshake done")
except ssl.SSLError as e:
    print("refused")
`);
    await using relay = relayOnce(
      ["--upstream-tls-ca", p.ca.certFile],
      `localhost:${await b.port}`,
    );
    const port = await relay.port();
    const out = await python(`${READ_ALL}
s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
print(repr(read_all(s)))
`);
    assert.equal(out, "b''");
    assert.equal(await b.done, "refused");
    assert.equal((await relay.finish()).code, 1);
    const error = relay.events.find((e) => e.event === "error")!;
    assert.equal(error.type, "TlsVerifyError");
    assert.equal(error.reason, "UnknownIssuer");
    assert.match(error.message, /give the CA with --upstream-tls-ca/);
  },
});

Deno.test({
  name:
    "relay --upstream-tls-insecure accepts that target's untrusted chain: the command reruns itself under Deno's --unsafely-ignore-certificate-errors for the target only",
  ignore: NO_OPENSSL !== "",
  fn: async () => {
    const p = pki!;
    const b = backend(`${tlsContext(p.rogue)}
c, _ = l.accept()
t = ctx.wrap_socket(c, server_side=True)
data = b""
while not data.endswith(b"\\n"): data += t.recv(100)
t.sendall(data.upper())
t.close()
print("served", data.decode().strip())
`);
    await using relay = relayOnce(
      ["--upstream-tls", "--upstream-tls-insecure"],
      `localhost:${await b.port}`,
    );
    const port = await relay.port();
    const out = await python(`${READ_ALL}
s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
s.sendall(b"abc\\n")
print(repr(read_all(s)))
`);
    assert.equal(out, String.raw`b'ABC\n'`);
    assert.equal(await b.done, "served abc");
    const done = await relay.finish();
    assert.equal(done.code, 0);
    assert.match(done.stderr, /DANGER: TLS certificate validation is disabled for: localhost\n/);
  },
});

Deno.test({
  name:
    "relay --tls --workers 2 -m 8: TLS clients that verify the certificate are relayed on two accept loops",
  ignore: NO_OPENSSL !== "",
  fn: async () => {
    const p = pki!;
    const b = backend(`${READ_ALL}
l.listen(8)
for i in range(8):
    c, _ = l.accept()
    f = c.makefile("rb")
    c.sendall(f.readline().upper()); f.close(); c.close()
print("served 8")
`);
    await using relay = new Background([
      "relay",
      "--json",
      "--tls",
      "--tls-cert",
      p.server.certFile,
      "--tls-key",
      p.server.keyFile,
      "--workers",
      "2",
      "-m",
      "8",
      "127.0.0.1:0",
      `127.0.0.1:${await b.port}`,
    ]);
    const port = await relay.port();
    const out = await python(`${READ_ALL}
import ssl
ctx = ssl.create_default_context(cafile=${JSON.stringify(p.ca.certFile)})
got = []
for i in range(8):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", ${port}), timeout=5), server_hostname="localhost")
    s.sendall(b"client %d\\n" % i)
    got.append(read_all(s).decode().strip())  # the backend's close comes back as close_notify
print(",".join(got))
`);
    assert.equal(out, [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `CLIENT ${i}`).join(","));
    assert.equal(await b.done, "served 8");
    assert.equal((await relay.finish()).code, 0);
    const listen = relay.events.find((e) => e.event === "listen")!;
    assert.deepEqual([listen.workers, listen.tls], [2, true]);
    const stats = relay.events.find((e) => e.event === "stats")!;
    assert.deepEqual([stats.accepted, stats.closed, stats.errors], [8, 8, 0]);
    const accepts = relay.events.filter((e) => e.event === "accept");
    assert.equal(accepts.length, 8);
    assert.ok(accepts.every((e) => e.tls?.alpn === null && typeof e.worker === "number"));
  },
});

Deno.test("relay --workers 2 -m 6 relays every client on two accept loops and sums the stats", async () => {
  const b = backend(`${READ_ALL}
l.listen(8)
for i in range(6):
    c, _ = l.accept()
    c.sendall(read_all(c)); c.close()
print("served 6")
`);
  await using relay = new Background([
    "relay",
    "--json",
    "--workers",
    "2",
    "-m",
    "6",
    "127.0.0.1:0",
    `127.0.0.1:${await b.port}`,
  ]);
  const port = await relay.port();
  const out = await python(`${READ_ALL}
got = []
for i in range(6):
    s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
    s.sendall(b"client %d" % i); s.shutdown(socket.SHUT_WR)
    got.append(read_all(s).decode())
print(",".join(got))
`);
  assert.equal(out, [0, 1, 2, 3, 4, 5].map((i) => `client ${i}`).join(","));
  assert.equal(await b.done, "served 6");
  assert.equal((await relay.finish()).code, 0);
  const listen = relay.events.find((e) => e.event === "listen")!;
  assert.equal(listen.workers, 2);
  const stats = relay.events.find((e) => e.event === "stats")!;
  assert.deepEqual([stats.accepted, stats.closed, stats.errors], [6, 6, 0]);
  assert.equal(stats.perWorker.length, 2);
  const closes = relay.events.filter((e) => e.event === "close");
  assert.equal(closes.length, 6);
  assert.ok(closes.every((e) => e.reason === "FIN" && typeof e.worker === "number"));
});

Deno.test("relay refuses --tls with --proxy-protocol, and a TLS file it cannot read (exit 2)", async () => {
  const cases: [string[], RegExp][] = [
    [["--tls", "--tls-cert", "/nonexistent.pem", "--tls-key", "k"], /--tls-cert: cannot read/],
    [["--upstream-tls-ca", "/nonexistent.pem"], /Cannot use --upstream-tls-ca: cannot read/],
    [["--workers", "0"], /--workers/],
  ];
  if (pki) {
    const tls = ["--tls", "--tls-cert", pki.server.certFile, "--tls-key", pki.server.keyFile];
    cases.push([[...tls, "--proxy-protocol", "v1"], /--tls cannot be combined/]);
  }
  for (const [flags, want] of cases) {
    const r = await sockkit(["relay", ...flags, "0", "127.0.0.1:9"]);
    assert.equal(r.code, 2, `${flags.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, want);
  }
});
