/**
 * A peer no one here wrote (Python's `socket`) judges our close: ECONNRESET after an abortive
 * close, a clean EOF after a graceful one.
 */
import assert from "node:assert/strict";
import {
  abortConnection,
  closeGracefully,
  closeSocket,
  endReason,
  setSocketOptions,
} from "../../mod.ts";

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

Deno.test("python sees ECONNRESET after closeSocket with linger 0 (OPT-08)", async () => {
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

// TCP-16: a peer process killed in the middle of a stream. The kernel closes its socket: with
// nothing unread that is a FIN, with bytes it never read an RST. endReason tells which.
const VICTIM = `
import socket, sys, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
print(srv.getsockname()[1], flush=True)
c, _ = srv.accept()
c.sendall(b"x" * 1000)
if sys.argv[1] == "unread":
    time.sleep(0.2)  # our bytes arrive and stay unread
print("READY", flush=True)
time.sleep(30)  # killed before this ends
`;

for (const mode of ["read-all", "unread"] as const) {
  Deno.test(`a peer killed with SIGKILL mid-stream ends with ${mode === "unread" ? "RST" : "FIN"} (${mode}), as endReason reports (TCP-16)`, async () => {
    const child = new Deno.Command("python3", {
      args: ["-c", VICTIM, mode],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const line = async (re: RegExp) => {
      for (let i = 0; i < 100 && !re.test(text); i++) {
        const { value, done } = await lines.read();
        if (done) break;
        text += value;
      }
      return text.match(re);
    };
    try {
      const port = Number((await line(/^(\d+)\n/))![1]);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      if (mode === "unread") await conn.write(new Uint8Array(100));
      assert.ok(await line(/READY/));
      child.kill("SIGKILL"); // by its own PID
      await child.status;
      const buf = new Uint8Array(4096);
      let got = 0, error: unknown;
      try {
        for (let n; (n = await conn.read(buf)) !== null;) got += n;
      } catch (e) {
        error = e;
      }
      assert.equal(got, 1000, "the bytes sent before the kill are all read");
      if (mode === "unread") {
        assert.ok(error instanceof Deno.errors.ConnectionReset, String(error));
        assert.equal(endReason(conn), "RST");
      } else {
        assert.equal(error, undefined);
        assert.equal(endReason(conn, { bytesRead: got }), "FIN");
      }
      conn.close();
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await lines.cancel();
    }
  });
}
