import assert from "node:assert/strict";
import { python, server } from "./_run.ts";

// Five Python clients connect at once and each waits for its Welcome before any of them
// answers: a server that handles one client at a time would deadlock (each client times out).
const MANY_PY = `
import socket, sys, threading
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(5)]
got = []
for s in socks:
    data = b""
    while not data.endswith(b"\\0"):
        data += s.recv(64)
    got.append(data)
for s in socks:
    s.sendall(b"Hello\\0")
    s.close()
print(len([g for g in got if g == b"Welcome\\0"]))
`;

for (const flavour of ["", "bsd/"]) {
  Deno.test(`${flavour}tcp_concurrent_server welcomes five simultaneous Python clients`, async () => {
    const { child, port } = await server(`${flavour}tcp_concurrent_server`, ["--max-clients", "5"]);
    await using _ = child;
    assert.equal((await python(MANY_PY, [String(port)])).trim(), "5");
    assert.equal(await child.exit(), 0, child.stderr());
    assert.equal(child.stdout().match(/receive data from client \d+: Hello \n/g)?.length, 5);
  });
}
