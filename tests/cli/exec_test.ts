/**
 * `--exec` and `--sh-exec` (ncat's `-e` and `-c`): a child per connection, with `-k` and
 * with `--frame`; the child's exit ends the connection and the peer's end closes its stdin.
 */
import assert from "node:assert/strict";
import { Background, python, sockkit } from "./_run.ts";

Deno.test("listen -k -e cat gives each of two concurrent clients its own child", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "-k",
    "-m",
    "2",
    "-e",
    "cat",
    "127.0.0.1:0",
  ]);
  const port = await server.port();
  const out = await python(`
import socket
a = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
b = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
a.sendall(b"first"); b.sendall(b"second")
a.shutdown(socket.SHUT_WR); b.shutdown(socket.SHUT_WR)
def all(s):
    d = b""
    while True:
        c = s.recv(100)
        if not c: return d
        d += c
print(all(a), all(b))
`);
  assert.equal(out, "b'first' b'second'");
  assert.equal((await server.finish()).code, 0);
  const exits = server.events.filter((e) => e.event === "exit");
  assert.deepEqual(exits.map((e) => e.code), [0, 0]);
});

Deno.test("--sh-exec with --frame: a frame reaches the child as a line, a child's line goes back as a frame", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "--frame",
    "len:u16be",
    "-c",
    'while read l; do echo "got $l"; done',
    "127.0.0.1:0",
  ]);
  const port = await server.port();
  const out = await python(`
import socket, struct
s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
for p in (b"a", b"bc"):
    s.sendall(struct.pack(">H", len(p)) + p)
s.shutdown(socket.SHUT_WR)
d = b""
while True:
    c = s.recv(100)
    if not c: break
    d += c
frames = []
while d:
    n = struct.unpack(">H", d[:2])[0]; frames.append(d[2:2 + n]); d = d[2 + n:]
print(frames)
`);
  assert.equal(out, "[b'got a', b'got bc']");
  assert.equal((await server.finish()).code, 0);
});

Deno.test("the child's exit ends the connection; the peer's end closes the child's stdin", async () => {
  await using bye = new Background(["listen", "--json", "-c", "echo bye", "127.0.0.1:0"]);
  const port = await bye.port();
  // The client neither sends nor closes: only the child's exit can end the connection.
  const got = await python(`
import socket
s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
d = b""
while True:
    c = s.recv(100)
    if not c: break
    d += c
print(d)
`);
  assert.equal(got, "b'bye\\n'");
  assert.equal((await bye.finish()).code, 0);

  await using count = new Background(["listen", "--json", "-e", "wc -c", "127.0.0.1:0"]);
  const p2 = await count.port();
  const r = await sockkit(["connect", `127.0.0.1:${p2}`], { stdin: "12345" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "5");
  assert.equal((await count.finish()).code, 0);
});

Deno.test("connect --exec runs the program against the server", async () => {
  await using server = new Background(["listen", "--json", "--echo", "127.0.0.1:0"]);
  const port = await server.port();
  const r = await sockkit(["connect", "-c", "echo ping; sleep 0.3", `127.0.0.1:${port}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await server.finish()).code, 0);
  const close = server.events.find((e) => e.event === "close")!;
  assert.deepEqual([close.bytesIn, close.bytesOut], [5, 5], "ping\\n went up and came back");
  const bad = await sockkit(["listen", "-e", "cat", "--echo", "0"]);
  assert.equal(bad.code, 2);
});
