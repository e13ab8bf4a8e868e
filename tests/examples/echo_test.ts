import assert from "node:assert/strict";
import { example, python, server, spawn } from "./_run.ts";

const PY = `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"one\\ntw")      # a line split across sends, and two lines in one send
s.sendall(b"o\\nthree\\n")
got = b""
while got.count(b"\\n") < 3:
    got += s.recv(1024)
s.sendall(b"exit\\n")
print(repr(got))
print(repr(s.recv(16)))   # the server closes after exit
`;

for (const flavour of ["", "bsd/"]) {
  Deno.test(`${flavour}echo_server echoes whole lines to Python and to the sockkit client and stops on exit`, async () => {
    const { child, port } = await server(`${flavour}echo_server`, ["--max-clients", "3"]);
    await using _ = child;
    const [echo, after] = (await python(PY, [String(port)])).trim().split("\n");
    assert.equal(echo, "b'one\\ntwo\\nthree\\n'");
    assert.equal(after, "b''");
    // nc: the client just leaves (EOF) without exit; the server must not spin.
    const nc = spawn("nc", ["-q", "1", "127.0.0.1", String(port)]);
    await nc.write("via nc\n");
    await nc.closeStdin();
    await nc.exit(10_000);
    assert.equal(nc.stdout(), "via nc\n");
    const other = flavour ? "" : "bsd/";
    const c = example(`${other}echo_client`, ["--port", String(port)]);
    await c.write("abc\nhello world\nexit\nnot sent\n");
    await c.closeStdin();
    assert.equal(await c.exit(), 0, c.stderr());
    assert.equal(c.stdout(), "client received:abc\nclient received:hello world\n");
    assert.equal(await child.exit(), 0);
    assert.equal(
      child.stdout().replace(/^listening on .*\n/, ""),
      "server received:one\nserver received:two\nserver received:three\n" +
        "server received:via nc\nserver received:abc\nserver received:hello world\n",
    );
  });
}

Deno.test("echo_client works against a socat echo server in both styles", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  await using _srv = spawn("socat", [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, "PIPE"]);
  for (let i = 0; i < 50; i++) {
    const c = await Deno.connect({ hostname: "127.0.0.1", port }).catch(() => null);
    if (c) {
      c.close();
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const flavour of ["", "bsd/"]) {
    const c = example(`${flavour}echo_client`, ["--port", String(port)]);
    await c.write("ping\npong\n");
    await c.closeStdin();
    assert.equal(await c.exit(), 0, c.stderr());
    assert.equal(c.stdout(), "client received:ping\nclient received:pong\n");
  }
});
