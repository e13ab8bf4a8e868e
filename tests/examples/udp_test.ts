import assert from "node:assert/strict";
import { example, python, server, spawn } from "./_run.ts";

const CLIENT_PY = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"Hello! I am a client.\\0", ("127.0.0.1", int(sys.argv[1])))
data, _ = s.recvfrom(1024)
print(repr(data))
print(s.getsockname()[1])
`;

for (const flavour of ["", "bsd/"]) {
  Deno.test(`${flavour}udp_server answers Python, socat and the sockkit client and prints each sender`, async () => {
    const { child, port } = await server(`${flavour}udp_server`, ["--count", "3"]);
    await using _ = child;
    const [reply, pyPort] = (await python(CLIENT_PY, [String(port)])).trim().split("\n");
    assert.equal(reply, "b'Hello! I am a server.\\x00'");
    const socat = spawn("socat", ["-T2", "-", `UDP:127.0.0.1:${port}`]);
    await socat.write("Hello! I am a client.\0");
    await socat.waitFor(/I am a server/);
    await socat.closeStdin();
    await socat.exit(5000);
    const other = flavour ? "" : "bsd/";
    const c = example(`${other}udp_client`, ["--port", String(port)]);
    assert.equal(await c.exit(), 0, c.stderr());
    assert.equal(c.stdout(), "sendto( ) succeeded.\nrecvfrom( ):Hello! I am a server.\n-----\n");
    assert.equal(await child.exit(), 0);
    const out = child.stdout();
    assert.match(out, / {2}Server start \.\.\. \n/);
    assert.match(out, new RegExp(`Accepted client IP:\\[127\\.0\\.0\\.1\\],port:\\[${pyPort}\\]`));
    assert.equal(out.match(/ {2}recvfrom\( \): Hello! I am a client\.\n/g)?.length, 3);
    assert.equal(out.match(/ {2}sendto\( \) succeeded!/g)?.length, 3);
  });
}

Deno.test("udp_client gets its answer from a Python server, in both styles", async () => {
  const SERVER_PY = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
s.settimeout(10)
for _ in range(2):
    data, addr = s.recvfrom(1024)
    print(repr(data), flush=True)
    s.sendto(b"Hello! I am a server.\\0", addr)
`;
  await using srv = spawn("python3", ["-c", SERVER_PY]);
  const port = (await srv.waitFor(/^(\d+)\n/))[1];
  for (const flavour of ["", "bsd/"]) {
    const c = example(`${flavour}udp_client`, ["--port", port]);
    assert.equal(await c.exit(), 0, c.stderr());
    assert.match(c.stdout(), /recvfrom\( \):Hello! I am a server\.\n/);
  }
  assert.equal(await srv.exit(), 0);
  assert.equal(srv.stdout().match(/Hello! I am a client\.\\x00/g)?.length, 2);
});
