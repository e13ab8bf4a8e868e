import assert from "node:assert/strict";
import { example, spawn } from "./_run.ts";

const ECHO_PY = `
import socket, threading
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(4)
print(l.getsockname()[1], flush=True)
def serve(c):
    while True:
        d = c.recv(65536)
        if not d: break
        c.sendall(d)
    c.close()
for _ in range(2):
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,)).start()
`;

Deno.test("readn_writen moves exactly N bytes through a Python echo peer, in both styles", async () => {
  await using peer = spawn("python3", ["-c", ECHO_PY]);
  const port = (await peer.waitFor(/^(\d+)\n/))[1];
  for (const flavour of ["", "bsd/"]) {
    const c = example(`${flavour}readn_writen`, ["--port", port, "--bytes", "300000"]);
    assert.equal(await c.exit(), 0, c.stderr());
    assert.equal(c.stdout(), "writen: 300000 bytes\nreadn: 300000 bytes, match\n");
  }
  assert.equal(await peer.exit(), 0);
});

// A listener whose accept queue is full drops new SYNs, so a connect to it hangs: the
// timeout case, on loopback. Backlog 0 holds one connection, made here by Python itself.
const FULL_PY = `
import socket, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(0)
port = l.getsockname()[1]
held = [socket.create_connection(("127.0.0.1", port))]
time.sleep(0.2)
try:
    held.append(socket.create_connection(("127.0.0.1", port), timeout=0.3))
except OSError:
    pass
print(port, flush=True)
time.sleep(120)  # outlives the six example runs; the test stops it by its PID when done
`;

Deno.test("connect_timeout connects, times out on a full backlog and reports a refusal, in both styles", async () => {
  await using echo = spawn("python3", ["-c", ECHO_PY]);
  const open = (await echo.waitFor(/^(\d+)\n/))[1];
  await using full = spawn("python3", ["-c", FULL_PY]);
  const stuck = (await full.waitFor(/^(\d+)\n/))[1];
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = String(probe.addr.port);
  probe.close();
  for (const flavour of ["", "bsd/"]) {
    const ok = example(`${flavour}connect_timeout`, ["--port", open]);
    assert.equal(await ok.exit(), 0, ok.stdout() + ok.stderr());
    assert.match(ok.stdout(), /connected/);
    const slow = example(`${flavour}connect_timeout`, ["--port", stuck, "--timeout", "400"]);
    assert.equal(await slow.exit(), 1, slow.stdout() + slow.stderr());
    assert.match(slow.stdout(), /timed out after 400 ms.*ETIMEDOUT/);
    const refused = example(`${flavour}connect_timeout`, ["--port", closed]);
    assert.equal(await refused.exit(), 2);
    assert.match(refused.stdout(), /connect failed: .*(ECONNREFUSED|errno 111)/);
  }
});
