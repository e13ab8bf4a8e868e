/**
 * `sockkit connect --tls` and `sockkit listen --tls`, driven as a user drives them, against
 * `openssl s_server`/`s_client` and `ncat --ssl` (Debian packages `openssl` and `ncat`,
 * installed by .ci/run), with certificates that `tests/tls/_pki.ts` makes with openssl. All
 * on loopback; the only name used is `localhost` (from /etc/hosts).
 */
import assert from "node:assert/strict";
import { Background, events, MAIN, PERMS, run, sockkit } from "./_run.ts";
import { findBinary, startDaemon } from "../integration/_daemon.ts";
import { makePki, type Pki } from "../tls/_pki.ts";

const OPENSSL = findBinary("openssl");
const NCAT = findBinary("ncat");
const NO_OPENSSL = OPENSSL ? "" : "no openssl on PATH (Debian package openssl)";
const NO_NCAT = NO_OPENSSL || (NCAT ? "" : "no ncat on PATH (Debian package ncat)");
if (NO_OPENSSL) console.log(`SKIP tests/cli/tls_test.ts: ${NO_OPENSSL}`);
else if (NO_NCAT) console.log(`SKIP tests/cli/tls_test.ts (ncat): ${NO_NCAT}`);
const pki: Pki | null = NO_OPENSSL ? null : makePki();
globalThis.addEventListener("unload", () => pki?.dispose());

function test(name: string, skip: string, fn: (pki: Pki) => Promise<void>) {
  Deno.test({ name, ignore: skip !== "", fn: () => fn(pki!) });
}

/** `openssl s_server` echoing each line reversed (`-rev`; it never reads its stdin). */
function sServer(p: Pki, extra: string[] = [], cert = p.server) {
  return startDaemon({
    name: "openssl s_server",
    binary: OPENSSL!,
    hostname: "127.0.0.1",
    configure: (listen) =>
      Promise.resolve([
        "s_server",
        "-accept",
        listen,
        "-cert",
        cert.certFile,
        "-key",
        cert.keyFile,
        "-rev",
        ...extra,
      ]),
  });
}

/** `openssl s_client` to `port` on loopback, verifying the chain against `caFile`. */
function sClient(port: number, caFile: string, extra: string[] = []): string[] {
  return [
    OPENSSL!,
    "s_client",
    "-connect",
    `127.0.0.1:${port}`,
    "-CAfile",
    caFile,
    "-verify_return_error",
    ...extra,
  ];
}

/** `listen --tls` with the test server certificate, in the background. */
function tlsListener(p: Pki, args: string[], aliases = false): Background {
  const cert = aliases
    ? ["--ssl", "--ssl-cert", p.server.certFile, "--ssl-key", p.server.keyFile]
    : ["--tls", "--tls-cert", p.server.certFile, "--tls-key", p.server.keyFile];
  return new Background(["listen", "--json", ...cert, ...args]);
}

test(
  "connect --tls --tls-ca against openssl s_server: verified, ALPN agreed, lines both ways, exit 0",
  NO_OPENSSL,
  async (p) => {
    const d = await sServer(p, ["-alpn", "echo/1"]);
    try {
      const r = await sockkit([
        "connect",
        "--json",
        "--tls",
        "--tls-ca",
        p.ca.certFile,
        "--tls-alpn",
        "h2,echo/1",
        `localhost:${d.port}`,
      ], { stdin: "hello\nworld\n" });
      assert.equal(r.code, 0, r.stderr);
      const ev = events(r.stdout);
      const connect = ev.find((e) => e.event === "connect")!;
      assert.deepEqual(connect.tls, { alpn: "echo/1", serverName: "localhost" });
      const text = ev.filter((e) => e.event === "data").map((e) => e.text).join("");
      assert.equal(text, "olleh\ndlrow\n");
      assert.equal(ev.at(-1)!.event, "close");
    } finally {
      await d.stop();
    }
  },
);

test(
  "connect --tls: an untrusted chain, a wrong name and an unreadable CA file each fail with one clear line",
  NO_OPENSSL,
  async (p) => {
    const d = await sServer(p);
    try {
      // Neither the system store nor Deno's roots know the test CA.
      const unknown = await sockkit(["connect", "--tls", "--json", `localhost:${d.port}`], {
        stdin: "x\n",
      });
      assert.equal(unknown.code, 1);
      const lines = unknown.stderr.trim().split("\n");
      assert.equal(lines.length, 1, unknown.stderr);
      assert.match(
        lines[0],
        /^sockkit: Cannot connect over TLS: certificate verify failed: unable to get local issuer certificate.*give the CA with --tls-ca/,
      );
      const [error] = events(unknown.stdout); // checked against docs/events.md
      assert.equal(error.event, "error");
      assert.equal(error.type, "TlsVerifyError");
      assert.equal(error.reason, "UnknownIssuer");
      assert.equal(error.serverName, "localhost");
      assert.equal(error.address, `127.0.0.1:${d.port}`);

      // Trusted, but the certificate is not for sni.test; ncat's spellings of the flags.
      const wrong = await sockkit([
        "connect",
        "--ssl",
        "--ssl-trustfile",
        p.ca.certFile,
        "--ssl-servername",
        "sni.test",
        `127.0.0.1:${d.port}`,
      ], { stdin: "x\n" });
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.stderr,
        /certificate verify failed: the certificate is not valid for sni\.test/,
      );

      const missing = await sockkit(
        ["connect", "--tls", "--tls-ca", `${p.dir}/nonexistent.pem`, `127.0.0.1:${d.port}`],
      );
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /^sockkit: Cannot use --tls-ca: cannot read .*: no such file/);
    } finally {
      await d.stop();
    }
  },
);

test(
  "connect --tls-insecure accepts a certificate for another name only when asked by name",
  NO_OPENSSL,
  async (p) => {
    for (const insecure of [false, true]) {
      const d = await sServer(p);
      try {
        const r = await sockkit([
          "connect",
          "--tls",
          "--tls-ca",
          p.ca.certFile,
          "--tls-servername",
          "sni.test",
          ...(insecure ? ["--tls-insecure"] : []),
          `127.0.0.1:${d.port}`,
        ], { stdin: "abc\n" });
        assert.equal(r.code, insecure ? 0 : 1, r.stderr);
        assert.equal(r.stdout, insecure ? "cba\n" : "");
      } finally {
        await d.stop();
      }
    }
  },
);

test(
  "connect --tls-insecure accepts an untrusted chain too, for the target only: the command reruns itself under Deno's --unsafely-ignore-certificate-errors",
  NO_OPENSSL,
  async (p) => {
    // p.rogue is issued by a CA that nothing trusts.
    const d = await sServer(p, [], p.rogue);
    try {
      const refused = await sockkit(["connect", "--tls", `127.0.0.1:${d.port}`], {
        stdin: "abc\n",
      });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /certificate verify failed: .*give the CA with --tls-ca/);
      const r = await sockkit(["connect", "--tls", "--tls-insecure", `127.0.0.1:${d.port}`], {
        stdin: "abc\n",
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "cba\n");
      assert.match(r.stderr, /^DANGER: TLS certificate validation is disabled for: 127\.0\.0\.1\n/);
      // The exit status is the child's: a refused connection is still exit 1.
      const closed = await sockkit(["connect", "--tls", "--tls-insecure", "127.0.0.1:9"], {
        stdin: "",
      });
      assert.equal(closed.code, 1);
      assert.match(closed.stderr, /^sockkit: connect 127\.0\.0\.1:9: Connection refused/m);
    } finally {
      await d.stop();
    }
  },
);

/** The pids whose parent is `pid`, from /proc (the test runs with -A). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) {
        out.push(Number(e.name));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Whether `pid` still runs (a zombie counts as ended). */
function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

test(
  "connect --tls-insecure: when the command is killed with SIGKILL, the run it started exits too",
  NO_OPENSSL,
  async (p) => {
    const d = await sServer(p, [], p.rogue);
    const parent = new Deno.Command(Deno.execPath(), {
      args: ["run", ...PERMS, MAIN, "connect", "--tls", "--tls-insecure", `127.0.0.1:${d.port}`],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdin = parent.stdin.getWriter();
    const out = parent.stdout.getReader();
    const stderr = new Response(parent.stderr).text();
    try {
      // A reply proves the child run is connected; it holds stdin open.
      await stdin.write(new TextEncoder().encode("abc\n"));
      const { value } = await out.read();
      assert.equal(new TextDecoder().decode(value), "cba\n");
      const [child] = childrenOf(parent.pid);
      assert.ok(child !== undefined, "the command started no child run");
      assert.match(
        Deno.readTextFileSync(`/proc/${child}/cmdline`).replaceAll("\0", " "),
        /--unsafely-ignore-certificate-errors=127\.0\.0\.1 /,
      );
      parent.kill("SIGKILL");
      await parent.status;
      const deadline = Date.now() + 5000;
      while (running(child) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(running(child), false, "the child run outlived its parent by 5 s");
      assert.match(await stderr, /exiting: the process that ran it for --tls-insecure .* is gone/);
    } finally {
      await stdin.close().catch(() => {});
      out.releaseLock();
      await parent.stdout.cancel().catch(() => {});
      await d.stop();
    }
  },
);

test(
  "listen --tls --echo --workers 2: clients that verify the chain get their bytes back from either worker",
  NO_OPENSSL,
  async (p) => {
    await using server = new Background([
      "listen",
      "--json",
      "--echo",
      "--tls",
      "--tls-cert",
      p.server.certFile,
      "--tls-key",
      p.server.keyFile,
      "--workers",
      "2",
      "--max-conns",
      "6",
      "127.0.0.1:0",
    ]);
    const port = await server.port();
    const out = await new Deno.Command("python3", {
      args: [
        "-c",
        `import socket, ssl
ctx = ssl.create_default_context(cafile=${JSON.stringify(p.ca.certFile)})
got = []
for i in range(6):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", ${port}), timeout=5), server_hostname="localhost")
    msg = b"line %d\\n" % i
    s.sendall(msg)
    data = b""
    while len(data) < len(msg): data += s.recv(100)
    got.append(data.decode().strip())
    s.close()
print(",".join(got))
`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(
      new TextDecoder().decode(out.stdout).trim(),
      [0, 1, 2, 3, 4, 5].map((i) => `line ${i}`).join(","),
    );
    assert.equal((await server.finish()).code, 0);
    const listen = server.events.find((e) => e.event === "listen")!;
    assert.deepEqual([listen.workers, listen.tls], [2, true]);
    const stats = server.events.find((e) => e.event === "stats")!;
    assert.deepEqual([stats.accepted, stats.closed], [6, 6]);
    const accepts = server.events.filter((e) => e.event === "accept");
    assert.ok(accepts.length === 6 && accepts.every((e) => e.tls?.alpn === null));
  },
);

test(
  "listen --tls against openssl s_client: s_client verifies the chain, bytes go both ways",
  NO_OPENSSL,
  async (p) => {
    await using server = tlsListener(p, ["--tls-alpn", "echo/1", "127.0.0.1:0"]);
    const port = await server.port();
    server.stdin.write(new TextEncoder().encode("from sockkit\n"));
    const r = await run(
      sClient(port, p.ca.certFile, ["-servername", "localhost", "-alpn", "echo/1"]),
      { stdin: "from s_client\n", holdStdin: 1500 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Verify return code: 0 \(ok\)/);
    assert.match(r.stdout, /ALPN protocol: echo\/1/);
    assert.match(r.stdout, /from sockkit/);
    const data = await server.waitFor((e) => e.event === "data");
    assert.equal(data.text, "from s_client\n");
    await server.stdin.close(); // the peer is gone; the session ends with its stdin
    const accept = server.events.find((e) => e.event === "accept")!;
    assert.deepEqual(accept.tls, { alpn: "echo/1" });
    assert.equal(server.events.find((e) => e.event === "listen")!.tls, true);
    const close = await server.waitFor((e) => e.event === "close");
    assert.ok(["CLOSE_NOTIFY", "FIN"].includes(close.reason), close.reason);
  },
);

test(
  "listen --ssl --ssl-cert --ssl-key -k with ncat --ssl clients: each one verified and served",
  NO_NCAT,
  async (p) => {
    await using server = tlsListener(p, ["-k", "-m", "2", "127.0.0.1:0"], true);
    const port = await server.port();
    for (const word of ["one", "two"]) {
      const r = await run([
        NCAT!,
        "--ssl",
        "--ssl-verify",
        "--ssl-trustfile",
        p.ca.certFile,
        "--send-only",
        "localhost",
        String(port),
      ], { stdin: `${word}\n` });
      assert.equal(r.code, 0, r.stderr);
      await server.waitFor((e) => e.event === "data" && e.text === `${word}\n`);
    }
    assert.equal((await server.finish()).code, 0);
    assert.deepEqual(server.events.filter((e) => e.event === "accept").map((e) => e.conn), [1, 2]);
  },
);

test(
  "connect --tls --frame len:u16be to ncat --ssl -l: each stdin line arrives as one frame",
  NO_NCAT,
  async (p) => {
    const d = await startDaemon({
      name: "ncat --ssl",
      binary: NCAT!,
      hostname: "127.0.0.1",
      configure: (listen) => {
        const port = listen.slice(listen.lastIndexOf(":") + 1);
        return Promise.resolve([
          "-l",
          "--ssl",
          "--ssl-cert",
          p.server.certFile,
          "--ssl-key",
          p.server.keyFile,
          "-o",
          `${p.dir}/ncat-received.bin`,
          "--recv-only",
          "127.0.0.1",
          port,
        ]);
      },
    });
    try {
      const r = await sockkit([
        "connect",
        "--tls",
        "--tls-ca",
        p.ca.certFile,
        "--frame",
        "len:u16be",
        `localhost:${d.port}`,
      ], { stdin: "ab\ncde\n" });
      assert.equal(r.code, 0, r.stderr);
      await d.child.status;
      const got = Deno.readFileSync(`${p.dir}/ncat-received.bin`);
      assert.deepEqual([...got], [0, 2, 97, 98, 0, 3, 99, 100, 101]);
    } finally {
      await d.stop();
    }
  },
);

test(
  "listen --tls --sh-exec, connect --tls: half-close over TLS, the child answers after the client's close_notify",
  NO_OPENSSL,
  async (p) => {
    await using server = tlsListener(p, ["-c", "wc -l", "127.0.0.1:0"]);
    const port = await server.port();
    const r = await sockkit([
      "connect",
      "--json",
      "--tls",
      "--tls-ca",
      p.ca.certFile,
      `localhost:${port}`,
    ], { stdin: "a\nb\nc\n" });
    assert.equal(r.code, 0, r.stderr);
    const ev = events(r.stdout);
    const kinds = ev.map((e) => e.event);
    // stdin's end went first (close_notify, then FIN); the child's count came after it.
    assert.ok(kinds.indexOf("half-close") < kinds.indexOf("data"), kinds.join(","));
    assert.equal(ev.find((e) => e.event === "data")!.text.trim(), "3");
    assert.equal(ev.at(-1)!.reason, "CLOSE_NOTIFY");
    assert.equal((await server.finish()).code, 0);
    assert.equal(server.events.find((e) => e.event === "exit")!.code, 0);
  },
);

test(
  "listen --tls: a client that refuses the certificate is one error event, and the exit is 1",
  NO_OPENSSL,
  async (p) => {
    await using server = tlsListener(p, ["127.0.0.1:0"]);
    const port = await server.port();
    // The rogue certificate is not the CA that signed the server's certificate.
    const r = await run(sClient(port, p.rogue.certFile));
    assert.notEqual(r.code, 0);
    assert.equal((await server.finish()).code, 1);
    const error = server.events.find((e) => e.event === "error")!;
    assert.equal(error.type, "TlsHandshakeError");
    assert.match(
      error.message,
      /^Cannot accept TLS connection: handshake failed: the peer refused our certificate/,
    );
    assert.equal(server.events.some((e) => e.event === "accept"), false);
  },
);

test("TLS flags that do not fit are usage errors (exit 2)", NO_OPENSSL, async (p) => {
  const cases: [string[], RegExp][] = [
    [
      ["listen", "--tls", "--tls-cert", p.server.certFile, "9"],
      /Cannot use --tls-key: listen needs it/,
    ],
    [["connect", "-u", "--tls", "127.0.0.1:9"], /--tls applies to TCP/],
    [["connect", "--tls-cert", p.server.certFile, "127.0.0.1:9"], /unknown flag --tls-cert/],
    [
      ["listen", "--tls", "--tls-cert", p.server.keyFile, "--tls-key", p.server.keyFile, "9"],
      /Cannot use --tls-cert: .* holds no PEM certificate/,
    ],
    [
      ["connect", "--tls", "--tls-insecure", "--ssl-verify", "127.0.0.1:9"],
      /Cannot use --tls-insecure: it contradicts --ssl-verify/,
    ],
  ];
  for (const [args, want] of cases) {
    const r = await sockkit(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, want);
  }
});
