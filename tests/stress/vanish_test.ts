/**
 * A peer that vanishes: the server runs in a network namespace this test creates (skvS), the
 * client in another (skvC), joined by a veth pair with no route to the host. After one echo,
 * the client's link goes down, so no FIN or RST will ever come. The server's idle timeout
 * closes that connection, and the server keeps serving (checked over its own loopback).
 * Skips with a message when not root or when `ip netns add` is refused.
 */
import assert from "node:assert/strict";
import { spawn } from "./_subprocess.ts";
import {
  createVethPair,
  deleteVethPair,
  inNetns,
  run,
  skipNote,
  type VethPair,
} from "../_netns.ts";

const tag = `${Deno.pid % 10000}`;
const sub = 10 + (Deno.pid % 200);
const SERVER_IP = `10.214.${sub}.1`;
const pair: VethPair = {
  nsA: `skvS${tag}`, // the server's namespace
  nsB: `skvC${tag}`, // the client's
  devA: `vs${tag}`,
  devB: `vc${tag}`,
  addrA: `${SERVER_IP}/24`,
  addrB: `10.214.${sub}.2/24`,
};

// Connect, send "hi", print ECHO once it comes back, then sit silently (at most 15 s).
const PY_CLIENT = `
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(b"hi")
assert s.recv(2) == b"hi"
print("ECHO", flush=True)
time.sleep(15)
`;

Deno.test("a peer that vanishes (veth down) is closed by the idle timeout and the server keeps serving", async (t) => {
  const why = await createVethPair(pair);
  if (why) {
    console.log(skipNote("peer-vanish stress test", why));
    return;
  }
  try {
    await using server = spawn(
      "ip",
      inNetns(pair.nsA, [
        Deno.execPath(),
        "run",
        "-A",
        "--no-check",
        new URL("./_server_main.ts", import.meta.url).pathname,
        "--hostname",
        "0.0.0.0",
        "--module",
        new URL("./_echo_handler.ts", import.meta.url).pathname,
        "--idle-timeout",
        "500",
        "--report-ms",
        "100",
      ]),
    );
    const port = await server.line("LISTENING");
    await using client = spawn(
      "ip",
      inNetns(pair.nsB, ["python3", "-c", PY_CLIENT, SERVER_IP, port]),
    );
    await client.line("ECHO");
    await run(["ip", "-n", pair.nsB, "link", "set", pair.devB, "down"]);
    await server.line("STATS "); // the first report (a busy machine may print it late)
    const last = () =>
      JSON.parse(server.lines.filter((l) => l.startsWith("STATS ")).at(-1)!.slice(6));
    let s = last();
    for (let i = 0; i < 100 && s.closed < 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      s = last();
    }
    await t.step("the idle timeout closed the vanished peer's connection", () => {
      assert.equal(s.closed, 1);
      assert.equal(s.active, 0);
      assert.equal(s.errors, 1); // the idle timeout, reported to onError
    });
    await t.step("the server still serves (over its namespace's loopback)", async () => {
      const out = await run([
        "ip",
        ...inNetns(pair.nsA, [
          "python3",
          "-c",
          "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5); s.sendall(b'ok'); print(s.recv(2).decode())",
          port,
        ]),
      ]);
      assert.equal(new TextDecoder().decode(out.stdout).trim(), "ok");
    });
    server.process.kill("SIGTERM");
    assert.equal((await server.exit()).code, 0, server.stderr());
  } finally {
    await deleteVethPair(pair);
  }
});
