/**
 * `sockkit listen` / `sockkit connect` driven as subprocesses: stdin/stdout relay, echo,
 * keep-open with max-conns, frames with a Python peer, a peer's bad bytes, UDP, Unix, hex,
 * JSON events, `--opt` checked with `ss`, FIN/RST close reasons and timeouts.
 */
import assert from "node:assert/strict";
import { Background, events, python, sockkit } from "./_run.ts";

Deno.test("listen and connect relay stdin to the peer and the peer to stdout, both ways", async () => {
  await using server = new Background(["listen", "--json", "127.0.0.1:0"]);
  await server.stdin.write(new TextEncoder().encode("from server\n"));
  await server.stdin.close();
  const port = await server.port();
  const client = await sockkit(["connect", `127.0.0.1:${port}`], { stdin: "from client\n" });
  assert.equal(client.code, 0, client.stderr);
  assert.equal(client.stdout, "from server\n");
  assert.equal(client.stderr, "");
  const { code } = await server.finish();
  assert.equal(code, 0);
  const ev = server.events;
  // The server's half-close and the client's data cross on the wire: either order is right.
  assert.deepEqual(ev.map((e) => e.event).sort(), [
    "accept",
    "close",
    "data",
    "half-close",
    "listen",
  ]);
  const get = (name: string) => ev.find((e) => e.event === name)!;
  assert.equal(get("accept").remote.address, "127.0.0.1");
  assert.equal(get("data").text, "from client\n");
  assert.equal(get("half-close").direction, "send");
  assert.deepEqual(
    [get("close").reason, get("close").bytesIn, get("close").bytesOut],
    ["FIN", 12, 12],
  );
});

Deno.test("a framed echo server reports a peer's oversize frame as a typed error and keeps serving", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "--echo",
    "--keep-open",
    "--max-conns",
    "3",
    "--frame",
    "len:u16be,max=16",
    "127.0.0.1:0",
  ]);
  const port = await server.port();
  // 1. A Python peer declares a 1000-byte frame: too long for max=16.
  await python(`
import socket, struct
s = socket.create_connection(("127.0.0.1", ${port}))
s.sendall(struct.pack(">H", 1000) + b"x" * 20)
s.settimeout(5)
while s.recv(100): pass
`);
  const err = await server.waitFor((e) => e.event === "error");
  assert.equal(err.type, "FrameTooLongError");
  assert.equal(err.frameLength, 1000);
  assert.equal(err.maxFrameLength, 16);
  assert.equal(err.conn, 1);
  // 2. The server still serves: a sockkit client sends lines as frames and prints frames.
  const client = await sockkit(
    ["connect", "--json", "--frame", "len:u16be,max=16", `127.0.0.1:${port}`],
    { stdin: "one\ntwo\r\n" },
  );
  assert.equal(client.code, 0, client.stderr);
  const frames = events(client.stdout).filter((e) => e.event === "frame");
  assert.deepEqual(frames.map((f) => [f.text, f.length]), [["one", 3], ["two", 3]]);
  // 3. A Python peer speaks the same length prefix and gets its frames back, byte for byte.
  const echoed = await python(`
import socket, struct
s = socket.create_connection(("127.0.0.1", ${port}))
s.sendall(struct.pack(">H", 5) + b"hello" + struct.pack(">H", 0) + struct.pack(">H", 3) + b"\\x00\\xff\\x7f")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    b = s.recv(100)
    if not b: break
    data += b
print(data.hex())
`);
  assert.equal(echoed, "000568656c6c6f0000000300ff7f");
  const { code } = await server.finish();
  assert.equal(code, 1, "a connection ended with an error: the server keeps serving, then exits 1");
  const closes = server.events.filter((e) => e.event === "close");
  assert.equal(closes.length, 3);
  assert.equal(closes[0].reason, "error");
  assert.deepEqual(closes.slice(1).map((c) => c.reason), ["FIN", "FIN"]);
});

Deno.test("oversize=discard skips the bad frame, reports it, and the same connection goes on", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "--frame",
    "line,max=8,oversize=discard",
    "127.0.0.1:0",
  ]);
  await server.stdin.close();
  const port = await server.port();
  await python(`
import socket
s = socket.create_connection(("127.0.0.1", ${port}))
s.sendall(b"ok\\n" + b"y" * 40 + b"\\nafter\\n")
s.shutdown(socket.SHUT_WR)
s.settimeout(5)
while s.recv(100): pass
`);
  assert.equal((await server.finish()).code, 0);
  const ev = server.events.filter((e) => e.event === "frame" || e.event === "error");
  assert.deepEqual(ev.map((e) => e.event === "frame" ? e.text : e.type), [
    "ok",
    "FrameTooLongError",
    "after",
  ]);
});

Deno.test("--opt values are applied (checked with ss), reported with --verbose, and idle-timeout closes", async () => {
  await using server = new Background(["listen", "--json", "--echo", "127.0.0.1:0"]);
  const port = await server.port();
  await using client = new Background([
    "connect",
    "--json",
    "--verbose",
    "--opt",
    "rcvbuf=64K,keepalive=60/10/5,nodelay,tos=0x10",
    "--idle-timeout",
    "5s", // room for the ss check below on a busy machine, before the close it then waits for
    `127.0.0.1:${port}`,
  ]);
  const options = await client.waitFor((e) => e.event === "options");
  assert.equal(options.report.receiveBufferSize.applied, 131072); // Linux doubles SO_RCVBUF
  assert.deepEqual(options.report.keepAlive.applied, { idle: 60, interval: 10, count: 5 });
  assert.equal(options.report.noDelay.applied, true);
  assert.equal(options.report.tos.applied, 0x10);
  const { local } = await client.waitFor((e) => e.event === "connect");
  const ss = await new Deno.Command("ss", {
    args: ["-tmioH", "state", "established", "src", `127.0.0.1:${local.port}`],
    stdout: "piped",
  }).output();
  const line = new TextDecoder().decode(ss.stdout);
  assert.match(line, /timer:\(keepalive,/);
  assert.match(line, /skmem:\(r\d+,rb131072,/);
  // No traffic: the idle timeout closes the connection; the client exits with 1.
  const close = await client.waitFor((e) => e.event === "close");
  assert.equal(close.reason, "idle-timeout");
  const err = client.events.find((e) => e.event === "error")!;
  assert.equal(err.type, "SocketTimeoutError");
  assert.equal(err.errno, "ETIMEDOUT");
  assert.equal(err.wsa, "WSAETIMEDOUT");
  assert.equal((await client.finish()).code, 1);
  assert.equal((await server.finish()).code, 0);
});

Deno.test("linger=0 on the server makes the client's close event say RST", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "--echo",
    "--opt",
    "linger=0",
    "127.0.0.1:0",
  ]);
  const port = await server.port();
  const client = await sockkit(["connect", "--json", `127.0.0.1:${port}`], { stdin: "x\n" });
  const ev = events(client.stdout);
  const close = ev.find((e) => e.event === "close")!;
  assert.equal(close.reason, "RST", client.stdout);
  assert.equal(client.code, 1);
  assert.equal((await server.finish()).code, 0);
});

Deno.test("UDP: an echo listener answers datagrams and stops after --max-conns datagrams", async () => {
  await using server = new Background([
    "listen",
    "--udp",
    "--json",
    "--echo",
    "--max-conns",
    "2",
    "127.0.0.1:0",
  ]);
  const port = await server.port();
  const client = await sockkit(
    ["connect", "--udp", "--json", `127.0.0.1:${port}`],
    { stdin: "ping\npong\n" },
  );
  const got = events(client.stdout).filter((e) => e.event === "datagram").map((e) => e.text);
  assert.deepEqual(got.sort(), ["ping\n", "pong\n"]);
  assert.equal((await server.finish()).code, 0);
  const recv = server.events.filter((e) => e.event === "datagram");
  assert.equal(recv.length, 2);
  assert.equal(recv[0].from.address, "127.0.0.1");
});

Deno.test("Unix sockets: echo over a path, and --hex prints a hex dump", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/s.sock`;
  try {
    await using server = new Background(["listen", "--json", "--echo", "--unix", path]);
    const listen = await server.waitFor((e) => e.event === "listen");
    assert.equal(listen.path, path);
    const client = await sockkit(["connect", "--hex", "--unix", path], { stdin: "unix hello\n" });
    assert.equal(client.code, 0, client.stderr);
    assert.equal(
      client.stdout,
      "00000000  75 6e 69 78 20 68 65 6c  6c 6f 0a                 |unix hello.|\n",
    );
    assert.equal((await server.finish()).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("network failures exit with 1 and one line naming errno and Winsock codes", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  const [refused, refusedJson, noPeer] = await Promise.all([
    sockkit(["connect", `127.0.0.1:${port}`]),
    sockkit(["connect", "--json", `127.0.0.1:${port}`]),
    sockkit(["listen", "--timeout", "300ms", "127.0.0.1:0"]),
  ]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, "");
  assert.equal(refused.stderr.trimEnd().split("\n").length, 1);
  assert.match(
    refused.stderr,
    /^sockkit: connect 127\.0\.0\.1:\d+: .*\[ECONNREFUSED 111, WSAECONNREFUSED 10061\]\n$/,
  );
  assert.equal(refusedJson.code, 1);
  const [err] = events(refusedJson.stdout);
  assert.deepEqual(
    [err.event, err.type, err.errno, err.errnoNumber, err.wsa, err.wsaCode],
    ["error", "ConnectionRefused", "ECONNREFUSED", 111, "WSAECONNREFUSED", 10061],
  );
  assert.equal(noPeer.code, 1);
  assert.match(
    noPeer.stderr,
    /^sockkit: Cannot accept: no connection within 300 ms \[ETIMEDOUT 110, WSAETIMEDOUT 10060\]\n$/,
  );
});

Deno.test("bad flags and bad specs exit with 2 and a one-line message", async () => {
  const cases: [string[], RegExp][] = [
    [["listen", "--frame", "len:u99", "0"], /invalid --frame: Cannot parse frame spec/],
    [["connect", "--opt", "bogus=1", "127.0.0.1:1"], /unknown --opt name "bogus"/],
    [["connect", "--opt", "rcvbuf=lots", "127.0.0.1:1"], /invalid size "lots"/],
    [["connect", "--opt", "keepalive=1/2", "127.0.0.1:1"], /expected IDLE\/INTVL\/CNT/],
    [["connect", "127.0.0.1"], /missing port/],
    [["connect", "::1:80"], /must be in brackets/],
    [["listen", "--udp", "--unix", "/tmp/x", "0"], /cannot be combined/],
    [["listen", "--udp", "--frame", "line", "0"], /--frame applies to stream sockets/],
    [["listen", "--max-conns", "0", "0"], /--max-conns/],
    [["connect", "--timeout", "soon", "127.0.0.1:1"], /invalid duration "soon"/],
    [["connect", "--bogus", "127.0.0.1:1"], /unknown flag --bogus/],
    [["listen", "70000"], /out of range/],
    [["nonsense"], /unknown command "nonsense"/],
  ];
  const results = await Promise.all(cases.map(([args]) => sockkit(args)));
  results.forEach((r, i) => {
    const what = cases[i][0].join(" ");
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, `${what}: ${r.stderr}`);
    assert.match(r.stderr, cases[i][1], what);
    assert.match(r.stderr, /^sockkit: .*\(see sockkit( \w+)? --help\)\n$/, what);
  });
});
