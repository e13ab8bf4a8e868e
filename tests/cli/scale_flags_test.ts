/**
 * `sockkit listen --proxy-protocol` and `--workers`, driven as subprocesses with Python peers:
 * the accept event reports the real client from the PROXY header, a bad header is a typed
 * error event while the server keeps serving, and a worker pool echoes over several workers.
 */
import assert from "node:assert/strict";
import { Background, python, sockkit } from "./_run.ts";

Deno.test("listen --proxy-protocol reports the real client and survives a bad header", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "--echo",
    "--keep-open",
    "--max-conns",
    "3",
    "--proxy-protocol",
    "auto",
    "127.0.0.1:0",
  ]);
  const port = await server.port();
  const replies = await python(`
import socket, struct
def exchange(header, payload):
    s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
    s.sendall(header + payload)
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
    s.close()
    return data
# v1, as HAProxy's send-proxy writes it
print(exchange(b"PROXY TCP4 198.51.100.9 127.0.0.1 40000 443\\r\\n", b"v1 hello"))
# v2: signature, PROXY command, TCP over IPv6, 36 address bytes
sig = b"\\r\\n\\r\\n\\x00\\r\\nQUIT\\n"
addr = socket.inet_pton(socket.AF_INET6, "2001:db8::7") + socket.inet_pton(socket.AF_INET6, "::1") + struct.pack("!HH", 50000, 8443)
print(exchange(sig + bytes([0x21, 0x21]) + struct.pack("!H", len(addr)) + addr, b"v2 hello"))
print(exchange(b"GET / HTTP/1.0\\r\\n\\r\\n", b""))
`);
  assert.deepEqual(replies.split("\n"), ["b'v1 hello'", "b'v2 hello'", "b''"]);
  const { code } = await server.finish();
  assert.equal(code, 1, "the bad header's connection failed: served on, then exit 1");
  const accepts = server.events.filter((e) => e.event === "accept");
  assert.deepEqual(accepts.map((e) => [e.remote.address, e.remote.port, e.proxied.version]), [
    ["198.51.100.9", 40000, 1],
    ["2001:db8::7", 50000, 2],
  ]);
  assert.ok(accepts.every((e) => e.proxy.address === "127.0.0.1"), "the socket peer is the proxy");
  const err = server.events.find((e) => e.event === "error");
  assert.equal(err?.type, "ProxyProtocolError");
  assert.equal(err?.reason, "bad-signature");
});

Deno.test("listen --workers 2 echoes frames on both workers and reports the summed stats", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "--echo",
    "--frame",
    "len:u16be",
    "--workers",
    "2",
    "--max-conns",
    "24",
    "127.0.0.1:0",
  ]);
  const port = await server.port();
  const out = await python(`
import socket, struct, threading
results = [None] * 24
def client(i):
  try:
    s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
    msgs = [("client %d frame %d" % (i, k)).encode() for k in range(3)]
    s.sendall(b"".join(struct.pack("!H", len(m)) + m for m in msgs))
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
    s.close()
    results[i] = data == b"".join(struct.pack("!H", len(m)) + m for m in msgs)
  except Exception as e:
    results[i] = repr(e)
threads = [threading.Thread(target=client, args=(i,)) for i in range(24)]
for t in threads: t.start()
for t in threads: t.join()
print([r for r in results if r is not True])
`);
  assert.equal(out, "[]", "every client got its three frames back intact");
  const { code } = await server.finish();
  assert.equal(code, 0);
  const stats = server.events.find((e) => e.event === "stats")!;
  assert.equal(stats.accepted, 24);
  assert.equal(stats.closed, 24);
  assert.equal(stats.perWorker.length, 2);
  // SO_REUSEPORT spreads connections by a hash of the 4-tuple: 24 on one worker has p = 2^-23.
  assert.ok(stats.perWorker.every((n: number) => n > 0), JSON.stringify(stats.perWorker));
  const workersSeen = new Set(
    server.events.filter((e) => e.event === "accept").map((e) => e.worker),
  );
  assert.deepEqual([...workersSeen].sort(), [0, 1]);
});

Deno.test("--workers and --proxy-protocol refuse combinations that cannot work, with exit 2", async () => {
  for (
    const args of [
      ["listen", "--workers", "2", "127.0.0.1:0"], // no --echo: stdin cannot be shared
      ["listen", "--workers", "0", "--echo", "127.0.0.1:0"],
      ["listen", "--udp", "--workers", "2", "--echo", "127.0.0.1:0"],
      ["listen", "--proxy-protocol", "v3", "127.0.0.1:0"],
      ["connect", "--proxy-protocol", "v1", "127.0.0.1:1"],
    ]
  ) {
    const r = await sockkit(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
