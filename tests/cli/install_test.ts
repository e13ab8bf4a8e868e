/**
 * `deno task install` as a user runs it, into a temporary `DENO_INSTALL_ROOT`: the installed
 * shim must do everything `deno task sockkit` does, UDP (`--unstable-net`) and socket options
 * (`--allow-ffi`) included. Without `--unstable-net`, the UDP error names the flag.
 */
import assert from "node:assert/strict";
import { MAIN, PERMS, python } from "./_run.ts";

const root = new URL("../../", import.meta.url).pathname;
const dec = new TextDecoder();

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
        PATH: `${Deno.execPath().replace(/\/[^/]+$/, "")}:/usr/bin:/bin`,
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
