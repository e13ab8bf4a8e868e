import assert from "node:assert/strict";
import { example, python, server, spawn } from "./_run.ts";

const CLIENT_PY = `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
data = b""
while not data.endswith(b"\\0"):
    chunk = s.recv(64)
    if not chunk: break
    data += chunk
s.sendall(b"Hello\\0")
print(repr(data))
print(s.getsockname()[1])
s.close()
`;

for (const flavour of ["", "bsd/"]) {
  Deno.test(`${flavour}tcp_welcome_server greets Python and nc, then the sockkit client, and logs each`, async () => {
    const { child, port } = await server(`${flavour}tcp_welcome_server`, ["--max-clients", "3"]);
    await using _ = child;
    // An outside client: Python's socket module.
    const [welcome, clientPort] = (await python(CLIENT_PY, [String(port)])).trim().split("\n");
    assert.equal(welcome, "b'Welcome\\x00'");
    await child.waitFor(/close client Socket successful/);
    // nc from Debian.
    const nc = spawn("nc", ["-q", "1", "127.0.0.1", String(port)]);
    await nc.write("Hello\0");
    await nc.closeStdin();
    await nc.exit(10_000);
    assert.equal(nc.stdout(), "Welcome\0");
    // The paired sockkit client, the other flavour too.
    const other = flavour ? "" : "bsd/";
    const c = example(`${other}tcp_welcome_client`, ["--port", String(port)]);
    assert.equal(await c.exit(), 0);
    assert.equal(
      c.stdout(),
      "connect to server: 127.0.0.1 successfull \n" +
        "    receive data from server: Welcome \n" +
        "    send hello to server successful \n",
    );
    assert.equal(await child.exit(), 0);
    const out = child.stdout();
    assert.match(
      out,
      new RegExp(`远程主机: 127\\.0\\.0\\.1 通过端口: ${clientPort} 连接到了服务器\\.\\.\\.`),
    );
    assert.equal(out.match(/receive data from client: Hello \n/g)?.length, 3);
    assert.equal(out.match(/send welcome to client successful/g)?.length, 3);
    assert.match(out, /^listening on 127\.0\.0\.1:\d+\nServer start\.\.\.\n/);
  });
}

const SERVER_PY = `
import socket
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
c.settimeout(10)
c.sendall(b"Welcome\\0")
data = b""
while len(data) < 6:
    chunk = c.recv(64)
    if not chunk: break
    data += chunk
print(repr(data), flush=True)
`;

Deno.test("tcp_welcome_client talks to a Python server and reports a refused connection", async () => {
  for (const flavour of ["", "bsd/"]) {
    await using srv = spawn("python3", ["-c", SERVER_PY]);
    const port = (await srv.waitFor(/^(\d+)\n/))[1];
    const c = example(`${flavour}tcp_welcome_client`, ["--port", port]);
    assert.equal(await c.exit(), 0, c.stderr());
    assert.match(c.stdout(), /receive data from server: Welcome \n/);
    assert.equal(await srv.exit(), 0);
    assert.match(srv.stdout(), /b'Hello\\x00'/);
    const refused = example(`${flavour}tcp_welcome_client`, ["--port", port]);
    assert.equal(await refused.exit(), 1);
    assert.match(refused.stdout(), /connect error!/);
  }
});
