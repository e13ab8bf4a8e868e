/**
 * `deno task install` as a user runs it, into a temporary `DENO_INSTALL_ROOT`: the installed
 * shim must do everything `deno task sockkit` does, UDP (`--unstable-net`) and socket options
 * (`--allow-ffi`) included. Without `--unstable-net`, the UDP error names the flag.
 */
import assert from "node:assert/strict";
import { MAIN, PERMS, python } from "./_run.ts";
import { findBinary } from "../integration/_daemon.ts";
import { makePki, type Pki } from "../tls/_pki.ts";

const root = new URL("../../", import.meta.url).pathname;
const dec = new TextDecoder();
const shimPath = `${Deno.execPath().replace(/\/[^/]+$/, "")}:/usr/bin:/bin`;
/** Certificates for the TLS step (a CA nothing trusts issues `rogue`); none without openssl. */
const pki: Pki | null = findBinary("openssl") ? makePki() : null;
if (!pki) console.log("SKIP tests/cli/install_test.ts (TLS step): no openssl on PATH");
globalThis.addEventListener("unload", () => pki?.dispose());

/** A Python TLS server with the untrusted `rogue` certificate: one line back in upper case. */
async function tlsServer(p: Pki): Promise<number> {
  const child = new Deno.Command("python3", {
    args: [
      "-u",
      "-c",
      `import socket, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(${JSON.stringify(p.rogue.certFile)}, ${JSON.stringify(p.rogue.keyFile)})
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1); l.settimeout(15)
print(l.getsockname()[1])
c = ctx.wrap_socket(l.accept()[0], server_side=True)
data = b""
while not data.endswith(b"\\n"): data += c.recv(100)
c.sendall(data.upper())
while c.recv(100): pass  # up to the client's close_notify: closing with unread bytes is an RST
c.close()
`,
    ],
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  child.status.then(() => {});
  return Number(value!.trim());
}

Deno.test("the shim from deno task install runs UDP and applies a socket option", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "sockkit_install_" });
  try {
    const install = await new Deno.Command(Deno.execPath(), {
      args: ["task", "install"],
      cwd: root,
      env: { NO_COLOR: "1", DENO_INSTALL_ROOT: tmp, DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(install.code, 0, dec.decode(install.stderr));
    const shim = `${tmp}/bin/sockkit`;
    assert.match(await Deno.readTextFile(shim), /--unstable-net/);
    const server = new Deno.Command(shim, {
      args: [
        "listen",
        "-u",
        "--echo",
        "--json",
        "--verbose",
        "--max-conns",
        "1",
        "--opt",
        "rcvbuf=256K",
        "127.0.0.1:0",
      ],
      env: {
        NO_COLOR: "1",
        DENO_NO_UPDATE_CHECK: "1",
        PATH: shimPath,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const serverStderr = new Response(server.stderr).text();
    const timer = setTimeout(() => server.kill("SIGKILL"), 20000);
    const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes('"event":"listen"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const listen = text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => JSON.parse(l))
      .find((e) => e.event === "listen");
    if (!listen) assert.fail(`no listen event: ${text} ${await serverStderr}`);
    const reply = await python(`
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b"ping", ("127.0.0.1", ${listen.port}))
print(s.recvfrom(100)[0])
`);
    assert.equal(reply, "b'ping'", text);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const status = await server.status;
    clearTimeout(timer);
    const stderr = await serverStderr;
    assert.equal(status.code, 0, stderr);
    const options = text.split("\n").filter(Boolean).map((l) => JSON.parse(l))
      .find((e) => e.event === "options");
    // Linux doubles SO_RCVBUF: the kernel's value comes back through getsockopt (FFI).
    assert.equal(options?.report.receiveBufferSize.requested, 262144);
    assert.equal(options?.report.receiveBufferSize.applied, 524288);
    if (pki) {
      // --tls-insecure reruns the command under Deno's flag: through the shim too.
      const tls = await new Deno.Command(shim, {
        args: ["connect", "--tls", "--tls-insecure", `127.0.0.1:${await tlsServer(pki)}`],
        env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", PATH: shimPath },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = tls.stdin.getWriter();
      await w.write(new TextEncoder().encode("abc\n"));
      await w.close();
      const done = await tls.output();
      assert.equal(done.code, 0, dec.decode(done.stderr));
      assert.equal(dec.decode(done.stdout), "ABC\n");
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("without --unstable-net, UDP fails with a line that names the flag", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", ...PERMS, MAIN, "listen", "-u", "127.0.0.1:0"],
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 1);
  assert.match(dec.decode(out.stderr), /^sockkit: Cannot open a UDP socket: .*--unstable-net/);
});
