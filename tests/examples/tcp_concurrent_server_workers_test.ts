import assert from "node:assert/strict";
import { example, python, server } from "./_run.ts";

// Twenty Python clients connect at once and each waits for its Welcome before any of them
// answers: a server that handles one client at a time would deadlock (each client times out).
const MANY_PY = `
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(n)]
got = []
for s in socks:
    data = b""
    while not data.endswith(b"\\0"):
        chunk = s.recv(64)
        if not chunk: break
        data += chunk
    got.append(data)
for s in socks:
    s.sendall(b"Hello\\0")
for s in socks:
    s.recv(64)  # wait until the server closes: the client has been served
    s.close()
print(len([g for g in got if g == b"Welcome\\0"]))
`;

Deno.test("tcp_concurrent_server_workers serves twenty simultaneous Python clients on two workers", async () => {
  const { child, port } = await server("tcp_concurrent_server_workers", [
    "--workers",
    "2",
    "--max-clients",
    "20",
  ]);
  await using _ = child;
  assert.equal((await python(MANY_PY, [String(port), "20"])).trim(), "20");
  assert.equal(await child.exit(), 0, child.stderr());
  const out = child.stdout();
  assert.match(out, /^listening on 127\.0\.0\.1:\d+\nServer start\.\.\. \(2 workers\)\n/);
  assert.equal(out.match(/receive data from client \d+: Hello \n/g)?.length, 20, out);
  assert.equal(out.match(/远程主机: 127\.0\.0\.1 通过端口: \d+ 连接到了服务器\.\.\./g)?.length, 20);
  const served = [...out.matchAll(/client (\d+) served by worker (\d)\n/g)];
  assert.equal(served.length, 20);
  assert.equal(new Set(served.map((m) => m[1])).size, 20, "each client once");
  // The kernel spreads connections by hash: all 20 on one worker has odds 2^-19.
  const counts = [0, 1].map((w) => served.filter((m) => m[2] === String(w)).length);
  assert.ok(counts[0] > 0 && counts[1] > 0, `both workers served clients: ${counts}`);
  assert.match(
    out,
    new RegExp(
      `served 20 clients \\(worker 0: ${counts[0]}, worker 1: ${counts[1]}\\); shut down\\n$`,
    ),
  );
});

Deno.test("tcp_concurrent_server_workers greets the sockkit clients and exits cleanly on SIGTERM", async () => {
  const { child, port } = await server("tcp_concurrent_server_workers", ["--workers", "2"]);
  await using _ = child;
  for (const flavour of ["", "bsd/"]) {
    const c = example(`${flavour}tcp_welcome_client`, ["--port", String(port)]);
    assert.equal(await c.exit(), 0, c.stderr());
    assert.match(c.stdout(), /receive data from server: Welcome \n/);
  }
  await child.waitFor(/(served by worker \d\n[^]*){2}/);
  child.process.kill("SIGTERM"); // the PID this test started
  assert.equal(await child.exit(), 0, child.stderr());
  assert.match(child.stdout(), /served 2 clients \(worker 0: \d, worker 1: \d\); shut down\n$/);
  assert.equal(child.stdout().match(/receive data from client \d+: Hello \n/g)?.length, 2);
});
