/**
 * Issue 13's defects, each driven as a user drives the command: a subprocess with piped stdin,
 * Python peers that check the bytes, and the exit status a script would test.
 */
import assert from "node:assert/strict";
import { Background, events, MAIN, PERMS, python, sockkit } from "./_run.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Start a Python peer in the background; its stdout (trimmed) is the result. */
function pythonPeer(code: string): { ready: Promise<number>; done: Promise<string> } {
  const child = new Deno.Command("python3", {
    args: ["-u", "-c", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let readyResolve!: (port: number) => void;
  const ready = new Promise<number>((r) => readyResolve = r);
  const done = (async () => {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) break;
      buf += value;
      const m = /^PORT (\d+)\n/.exec(buf);
      if (m) {
        readyResolve(Number(m[1]));
        buf = buf.slice(m[0].length);
      }
    }
    const status = await child.status;
    clearTimeout(timer);
    const err = await new Response(child.stderr).text();
    assert.equal(status.code, 0, err);
    return buf.trim();
  })();
  return { ready, done };
}

Deno.test("defect 2: an upload cut short by a server that resets exits 1, never 0", async () => {
  // The server reads 10 bytes, then closes with the rest unread: the kernel sends an RST.
  const peer = pythonPeer(`
import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print("PORT", l.getsockname()[1])
c, _ = l.accept()
print(len(c.recv(10)))
c.close()
`);
  const port = await peer.ready;
  const r = await sockkit(["connect", `127.0.0.1:${port}`], {
    stdin: new Uint8Array(8 << 20).fill(0x41),
  });
  assert.equal(await peer.done, "10");
  assert.equal(r.code, 1, `a truncated upload must not exit 0: ${r.stderr}`);
  assert.match(r.stderr, /reset|Broken pipe|EPIPE|ECONNRESET/i);
});

Deno.test("defect 2: listen exits 1 when its connection ends in an RST", async () => {
  await using server = new Background(["listen", "--json", "127.0.0.1:0"]);
  await server.stdin.write(enc.encode("hi\n"));
  const port = await server.port();
  await python(`
import socket, struct
s = socket.create_connection(("127.0.0.1", ${port}))
s.sendall(b"partial")
assert s.recv(3) == b"hi\\n"  # the server has accepted
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
`);
  const { code, stderr } = await server.finish();
  assert.equal(
    server.events.find((e) => e.event === "close")?.reason,
    "RST",
    stderr + JSON.stringify(server.events),
  );
  assert.equal(code, 1);
});

Deno.test("defect 2 and 6: a line too long for len:u8 is reported with the field's real maximum, exits 1, and the lines after it still go", async () => {
  const peer = pythonPeer(`
import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print("PORT", l.getsockname()[1])
c, _ = l.accept()
data = b""
while True:
    chunk = c.recv(65536)
    if not chunk: break
    data += chunk
frames = []
while data:
    n = data[0]; frames.append(data[1:1 + n].decode()); data = data[1 + n:]
print(frames)
`);
  const port = await peer.ready;
  const r = await sockkit(["connect", "--json", "--frame", "len:u8", `127.0.0.1:${port}`], {
    stdin: `a\n${"x".repeat(300)}\nb\nc\n`,
  });
  assert.equal(await peer.done, "['a', 'b', 'c']");
  assert.equal(r.code, 1);
  const err = events(r.stdout).find((e) => e.event === "error")!;
  // Our own stdin asked to send too much: the caller's error, not the peer's FrameTooLongError.
  assert.equal(err.type, "PayloadTooLongError");
  assert.equal(err.payloadLength, 300);
  assert.equal(err.maxPayloadLength, 255);
});

Deno.test("defect 6: --frame raw sends stdin as it is, newlines included", async () => {
  const peer = pythonPeer(`
import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print("PORT", l.getsockname()[1])
c, _ = l.accept()
c.sendall(b"reply\\nline\\n")
data = b""
while True:
    chunk = c.recv(65536)
    if not chunk: break
    data += chunk
print(repr(data))
`);
  const port = await peer.ready;
  const r = await sockkit(["connect", "--frame", "raw", `127.0.0.1:${port}`], {
    stdin: "one\ntwo\r\nthree",
  });
  assert.equal(await peer.done, "b'one\\ntwo\\r\\nthree'");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "reply\nline\n");
});

Deno.test("defect 2: a datagram too large for UDP (EMSGSIZE) exits 1 with the errno", async () => {
  const r = await sockkit(["connect", "-u", "127.0.0.1:9"], {
    stdin: "z".repeat(70000) + "\n",
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /EMSGSIZE/);
});

Deno.test("defect 3: printf 'y\\n' | connect -u exits after the grace, with a sink, an echo server or a closed port", async () => {
  const sink = pythonPeer(`
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print("PORT", s.getsockname()[1])
s.settimeout(10)
print(s.recvfrom(100)[0])
`);
  const echo = pythonPeer(`
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print("PORT", s.getsockname()[1])
s.settimeout(10)
d, a = s.recvfrom(100); s.sendto(d.upper(), a)
print(d)
`);
  const closed = await python(`
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
`);
  const run = async (port: number) => {
    const t0 = performance.now();
    const r = await sockkit(["connect", "-u", `127.0.0.1:${port}`], { stdin: "y\n" });
    return { ...r, ms: performance.now() - t0 };
  };
  const [toSink, toEcho, toClosed] = await Promise.all([
    run(await sink.ready),
    run(await echo.ready),
    run(Number(closed)),
  ]);
  assert.equal(await sink.done, "b'y\\n'");
  assert.equal(await echo.done, "b'y\\n'");
  for (const r of [toSink, toEcho, toClosed]) {
    assert.equal(r.code, 0, r.stderr);
    // Deno's start-up plus the 1 s grace; the old command never exited (killed at 20 s).
    assert.ok(r.ms < 8000, `took ${r.ms} ms`);
  }
  assert.equal(toEcho.stdout, "Y\n");
  assert.equal(toSink.stdout, "");
});

Deno.test("defect 4: listen -k < banner keeps what stdin gave before any client, for the first client, as ncat -k does", async () => {
  // Text mode (the banner is on the client's stdout, not JSON): the port comes from -v.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, MAIN, "listen", "-k", "--max-conns", "2", "-v", "127.0.0.1:0"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
  const w = child.stdin.getWriter();
  await w.write(enc.encode("banner\n"));
  await w.close(); // stdin has ended before any client connects
  const err = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on tcp .*:(\d+)/.test(text)) text += (await err.read()).value ?? "";
  const port = Number(/listening on tcp .*:(\d+)/.exec(text)![1]);
  await new Promise((r) => setTimeout(r, 300));
  const got = await python(`
import socket
def client():
    s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
    data = b""
    s.settimeout(0.5)
    try:
        while not data.endswith(b"\\n"):
            chunk = s.recv(100)
            if not chunk: break
            data += chunk
    except socket.timeout:
        data += b"(open, nothing)"
    s.close()
    return data
print(repr(client()), repr(client()))
`);
  const status = await child.status;
  clearTimeout(timer);
  await child.stdout.cancel();
  await err.cancel();
  // ncat -k < banner gives the same: the first client the banner, the second an open
  // connection with nothing (tests/cli/compat_test.ts runs both).
  assert.equal(got, "b'banner\\n' b'(open, nothing)'");
  assert.equal(status.code, 0);
});

Deno.test("defect 5: a stale Unix socket left by a dead server does not block a restart, with the command's own permissions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sockkit_stale_" });
  const path = `${dir}/s.sock`;
  try {
    // A server that died: Python binds and exits without unlinking the path.
    await python(`
import socket
s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)}); s.listen(1)
`);
    assert.ok((await Deno.lstat(path)).isSocket);
    await using server = new Background(["listen", "--json", "--echo", "--unix", path]);
    await server.waitFor((e) => e.event === "listen");
    const reply = await python(`
import socket
s = socket.socket(socket.AF_UNIX); s.connect(${JSON.stringify(path)})
s.sendall(b"again"); s.shutdown(socket.SHUT_WR)
print(s.recv(100))
`);
    assert.equal(reply, "b'again'");
    assert.equal((await server.finish()).code, 0);
    // A live socket is left alone: the second listen fails with AddrInUse.
    const live = new Background(["listen", "--json", "--unix", path]);
    await live.waitFor((e) => e.event === "listen");
    const second = await sockkit(["listen", "--unix", path]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /EADDRINUSE/);
    live.child.kill("SIGKILL");
    await live.finish();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("defect 7: a binary UDP datagram is a hex event, as TCP data is; inspect --json spells addresses as the events do", async () => {
  await using server = new Background([
    "listen",
    "-u",
    "--json",
    "--max-conns",
    "1",
    "127.0.0.1:0",
  ]);
  await server.stdin.close();
  const port = await server.port();
  await python(`
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes([0xff, 0x00, 0xfe]), ("127.0.0.1", ${port}))
`);
  await server.finish();
  const d = server.events.find((e) => e.event === "datagram")!;
  assert.deepEqual([d.length, d.hex, d.text], [3, "ff00fe", undefined]);
  assert.equal(d.from.address, "127.0.0.1");

  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const r = await sockkit(["inspect", "--json", `127.0.0.1:${l.addr.port}`]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(report.remote).sort(), ["address", "port"]);
  assert.deepEqual(report.remote, { address: "127.0.0.1", port: l.addr.port });
});

Deno.test("defect 7: stats.errors counts a connection that ended with an error on --workers", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "--echo",
    "--workers",
    "1",
    "--max-conns",
    "1",
    "--frame",
    "len:u8,max=4",
    "127.0.0.1:0",
  ]);
  const port = await server.port();
  await python(`
import socket
s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
s.sendall(bytes([200]) + b"x" * 10)
while s.recv(100): pass
`);
  const { code } = await server.finish();
  assert.equal(code, 1, "as without --workers, a failed connection makes the exit 1");
  assert.equal(server.events.filter((e) => e.event === "error").length, 1);
  assert.equal(server.events.find((e) => e.event === "stats")?.errors, 1);
});

Deno.test("defect 8: bench udp --time 1s stops at about 1 s", async () => {
  const t0 = performance.now();
  const r = await sockkit(["bench", "udp", "--json", "--time", "1s", "--count", "100000000"]);
  const ms = performance.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.complete, false);
  assert.ok(result.seconds >= 0.9 && result.seconds < 1.5, `seconds ${result.seconds}`);
  assert.ok(ms < 6000, `the run took ${ms} ms`);
});

Deno.test("defect 8: listen -u -w 1 gives up after 1 s without a datagram", async () => {
  const t0 = performance.now();
  const r = await sockkit(["listen", "-u", "-w", "1", "127.0.0.1:0"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no datagram within 1000 ms/);
  assert.ok(performance.now() - t0 < 8000);
});

Deno.test("defect 8: | head -c 10 ends the command quietly with 0", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const c = await l.accept();
    try {
      for (let i = 0; i < 2000; i++) await c.write(new Uint8Array(65536).fill(0x61));
    } catch {
      // the command went away
    } finally {
      c.close();
    }
  })();
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      `"${Deno.execPath()}" run ${PERMS.join(" ")} "${MAIN}" connect 127.0.0.1:${l.addr.port} ` +
      `</dev/null | head -c 10`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
  const out = await child.output();
  clearTimeout(timer);
  await served;
  assert.equal(dec.decode(out.stdout).slice(0, 10), "aaaaaaaaaa");
  assert.equal(dec.decode(out.stderr), "", "no Broken pipe line");
});

Deno.test("defect 8: the exit status of connect under | head -c is 0", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const c = await l.accept();
    try {
      for (let i = 0; i < 2000; i++) await c.write(new Uint8Array(65536).fill(0x62));
    } catch {
      // the command went away
    } finally {
      c.close();
    }
  })();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, MAIN, "connect", `127.0.0.1:${l.addr.port}`],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const first = await reader.read();
  assert.ok(first.value && first.value.length > 0);
  await reader.cancel(); // the reader goes away, as head does after its bytes
  const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
  const status = await child.status;
  clearTimeout(timer);
  const stderr = await new Response(child.stderr).text();
  await served;
  assert.equal(status.code, 0, stderr);
  assert.equal(stderr, "");
});

Deno.test("defect 8: errno explains every known code, EAI_ names included, and reports each unknown one", async () => {
  const r = await sockkit(["errno", "EFOO", "ECONNRESET", "EAI_NONAME", "99999", "eai_again"]);
  assert.equal(r.code, 2);
  const lines = r.stdout.trim().split("\n").filter((l) => !l.startsWith("  "));
  assert.deepEqual(lines.map((l) => l.split(" ")[0]), ["ECONNRESET", "EAI_NONAME", "EAI_AGAIN"]);
  assert.match(r.stdout, /EAI_NONAME \(Linux -2, macOS 8\) \/ WSAHOST_NOT_FOUND 11001/);
  assert.equal(r.stderr.match(/unknown error code/g)?.length, 2);
  assert.match(r.stderr, /"EFOO"/);
  assert.match(r.stderr, /"99999"/);
});

Deno.test("defect 8: connect --help lists no listen-only flag, and one is a usage error", async () => {
  const help = await sockkit(["connect", "--help"]);
  assert.equal(help.code, 0);
  for (const flag of ["--keep-open", "--max-conns", "--proxy-protocol", "--workers"]) {
    assert.ok(!help.stdout.includes(flag), flag);
  }
  const listenHelp = await sockkit(["listen", "--help"]);
  assert.match(listenHelp.stdout, /--keep-open/);
  const r = await sockkit(["connect", "--keep-open", "127.0.0.1:9"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown flag --keep-open/);
});

Deno.test("defect 8: --opt that does not fit the socket type is a usage error before any socket", async () => {
  for (
    const [args, re] of [
      [
        ["connect", "-u", "--opt", "nodelay", "127.0.0.1:9"],
        /--opt nodelay does not apply to a UDP socket/,
      ],
      [
        ["listen", "--opt", "broadcast", "127.0.0.1:0"],
        /--opt broadcast does not apply to a TCP socket/,
      ],
      [
        ["connect", "--unix", "/nonexistent.sock", "--opt", "rcvbuf=1M"],
        /does not apply to a Unix socket/,
      ],
    ] as const
  ) {
    const r = await sockkit([...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
  }
});
