/**
 * A peer no one here wrote (Python's `socket`) judges our close: ECONNRESET after an abortive
 * close, a clean EOF after a graceful one.
 */
import assert from "node:assert/strict";
import { abortConnection, closeGracefully, closeSocket, setSocketOptions } from "../../mod.ts";

const PEER = `
import socket, sys
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
print(srv.getsockname()[1], flush=True)
srv.settimeout(10)
c, _ = srv.accept(); c.settimeout(10)
total = 0
try:
    while True:
        b = c.recv(65536)
        if not b:
            print("EOF", total, flush=True); break
        total += len(b)
except ConnectionResetError:
    print("ECONNRESET", total, flush=True)
except Exception as e:
    print("OTHER", type(e).__name__, flush=True)
`;

async function withPythonPeer(
  act: (conn: Deno.TcpConn) => Promise<unknown>,
): Promise<string> {
  const child = new Deno.Command("python3", {
    args: ["-c", PEER],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const port = Number(text.trim());
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await act(conn);
  let rest = text.slice(text.indexOf("\n") + 1);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += value;
  }
  await child.status;
  return rest.trim();
}

Deno.test("python sees ECONNRESET after abortConnection", async () => {
  const verdict = await withPythonPeer(async (conn) => {
    await conn.write(new Uint8Array(10));
    await new Promise((r) => setTimeout(r, 50));
    abortConnection(conn);
  });
  // The 10 bytes sent before the reset are delivered first, then the reset.
  assert.equal(verdict, "ECONNRESET 10");
});

Deno.test("python sees ECONNRESET after closeSocket with linger 0", async () => {
  const verdict = await withPythonPeer(async (conn) => {
    setSocketOptions(conn, { linger: 0 });
    await new Promise((r) => setTimeout(r, 20));
    await closeSocket(conn);
  });
  assert.match(verdict, /^ECONNRESET/);
});

Deno.test("python sees a clean EOF with every byte after closeGracefully", async () => {
  const verdict = await withPythonPeer(async (conn) => {
    const data = new Uint8Array(300_000);
    let off = 0;
    while (off < data.length) off += await conn.write(data.subarray(off));
    const r = await closeGracefully(conn, { timeout: 5000 });
    assert.notEqual(r.outcome, "timeout-reset");
  });
  assert.equal(verdict, "EOF 300000");
});

Deno.test("python sees a clean EOF after closeSocket with linger 5 (the seeds' recipe)", async () => {
  const verdict = await withPythonPeer(async (conn) => {
    setSocketOptions(conn, { linger: 5 });
    await conn.write(new TextEncoder().encode("hello"));
    const r = await closeSocket(conn);
    assert.equal(r.method, "graceful");
  });
  assert.equal(verdict, "EOF 5");
});
