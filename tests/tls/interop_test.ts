/**
 * TLS against outside implementations on loopback: `openssl s_server` and `s_client`
 * (OpenSSL 3) and `ncat --ssl` (Nmap's), with certificates made by `openssl` in a temp dir.
 * Each tool is found on PATH (Debian packages `openssl` and `ncat`, installed by .ci/run); a
 * test prints `SKIP: reason` and is skipped only when its tool is missing.
 */
import assert from "node:assert/strict";
import { connectTls, listenTls, TlsHandshakeError, TlsVerifyError } from "../../src/tls/mod.ts";
import { delay, findBinary, freePort, startDaemon, waitListening } from "../integration/_daemon.ts";
import { makePki, type Pki } from "./_pki.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const OPENSSL = findBinary("openssl");
const NCAT = findBinary("ncat");
const NO_OPENSSL = OPENSSL ? "" : "no openssl on PATH (Debian package openssl)";
const NO_NCAT = NO_OPENSSL || (NCAT ? "" : "no ncat on PATH (Debian package ncat)");
if (NO_OPENSSL) console.log(`SKIP tests/tls/interop_test.ts (openssl): ${NO_OPENSSL}`);
if (NO_NCAT && !NO_OPENSSL) console.log(`SKIP tests/tls/interop_test.ts (ncat): ${NO_NCAT}`);
const pki: Pki | null = NO_OPENSSL ? null : makePki();
globalThis.addEventListener("unload", () => pki?.dispose());

function test(name: string, skip: string, fn: (pki: Pki) => Promise<void>) {
  Deno.test({ name, ignore: skip !== "", fn: () => fn(pki!) });
}

/** `openssl s_server` in the foreground, echoing lines reversed (`-rev`). */
function sServer(extra: string[]) {
  return startDaemon({
    name: "openssl s_server",
    binary: OPENSSL!,
    hostname: "127.0.0.1",
    configure: (listen) => Promise.resolve(["s_server", "-accept", listen, "-rev", ...extra]),
  });
}

async function readLine(c: { read(p: Uint8Array): Promise<number | null> }): Promise<string> {
  const buf = new Uint8Array(256);
  let out = "";
  while (!out.endsWith("\n")) {
    const n = await c.read(buf);
    if (n === null) break;
    out += dec.decode(buf.subarray(0, n));
  }
  return out;
}

/** `openssl s_client` arguments: connect as localhost, trust the test CA, fail on a verify error. */
function sClient(p: Pki, port: number): string[] {
  return [
    "s_client",
    "-connect",
    `127.0.0.1:${port}`,
    "-CAfile",
    p.ca.certFile,
    "-servername",
    "localhost",
    "-verify_return_error",
  ];
}

/** Read a child's stdout until `want` appears (bounded), returning everything read. */
async function readUntil(r: ReadableStreamDefaultReader<Uint8Array>, want: string, ms = 5000) {
  let text = "";
  const deadline = Date.now() + ms;
  while (!text.includes(want) && Date.now() < deadline) {
    const chunk = await Promise.race([r.read(), delay(deadline - Date.now()).then(() => null)]);
    if (chunk === null || chunk.done) break;
    text += dec.decode(chunk.value);
  }
  return text;
}

test(
  "connectTls against openssl s_server: SNI picks the certificate, ALPN is agreed, data echoes",
  NO_OPENSSL,
  async (p) => {
    // The default certificate is for default.test; SNI "sni.test" switches to the second one.
    const d = await sServer([
      "-cert",
      p.other.certFile,
      "-key",
      p.other.keyFile,
      "-servername",
      "sni.test",
      "-cert2",
      p.sni.certFile,
      "-key2",
      p.sni.keyFile,
      "-alpn",
      "h2,echo/1",
    ]);
    try {
      // s_server serves one connection at a time: each client is closed before the next.
      {
        // Verification passes only if the server sent the sni.test certificate: SNI reached it.
        await using viaSni = await connectTls({
          port: d.port,
          serverName: "sni.test",
          caCerts: [p.ca.cert],
          timeout: 5000,
        });
        await viaSni.writeAll(enc.encode("hello tls\n"));
        assert.equal(await readLine(viaSni), "slt olleh\n");
      }
      {
        await using plain = await connectTls({
          port: d.port,
          serverName: "default.test",
          caCerts: [p.ca.cert],
          alpnProtocols: ["echo/1"],
          timeout: 5000,
        });
        // (s_server answers ALPN from its default context only.)
        assert.equal(plain.alpnProtocol, "echo/1");
      }

      // An IP address sends no SNI: the default certificate comes, and it is not for 127.0.0.1.
      const noSni = await connectTls({ port: d.port, caCerts: [p.ca.cert], timeout: 5000 })
        .then(() => null, (e) => e);
      assert.ok(noSni instanceof TlsVerifyError, String(noSni));
      assert.equal(noSni.reason, "NotValidForName");
    } finally {
      await d.stop();
    }
  },
);

test(
  "connectTls refuses openssl s_server's certificate from an unknown CA",
  NO_OPENSSL,
  async (p) => {
    const d = await sServer(["-cert", p.rogue.certFile, "-key", p.rogue.keyFile]);
    try {
      const err = await connectTls({
        port: d.port,
        serverName: "localhost",
        caCerts: [p.ca.cert],
        timeout: 5000,
      }).then(() => null, (e) => e);
      assert.ok(err instanceof TlsVerifyError, String(err));
      assert.equal(err.reason, "UnknownIssuer");
      assert.match(err.message, /^Cannot connect over TLS: certificate verify failed: /);
    } finally {
      await d.stop();
    }
  },
);

test(
  "openssl s_client verifies listenTls's certificate, agrees on ALPN and exchanges data",
  NO_OPENSSL,
  async (p) => {
    await using server = listenTls({
      hostname: "127.0.0.1",
      port: 0,
      cert: p.server.cert,
      key: p.server.key,
      alpnProtocols: ["echo/1"],
    });
    const served = (async () => {
      await using c = await server.accept();
      const line = await readLine(c);
      await c.writeAll(enc.encode(`pong to ${line}`));
      const rest = await readLine(c);
      return { line, rest, alpn: c.alpnProtocol, endReason: c.endReason };
    })();
    const child = new Deno.Command(OPENSSL!, {
      args: [...sClient(p, server.addr.port), "-alpn", "echo/1"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(enc.encode("ping\n"));
    const r = child.stdout.getReader();
    const seen = await readUntil(r, "pong to ping");
    await w.close(); // s_client ends the session at stdin EOF
    let rest = "";
    for (let c; !(c = await r.read()).done;) rest += dec.decode(c.value);
    const status = await child.status;
    const out = seen + rest;
    assert.match(out, /pong to ping/);
    assert.match(out, /Verify return code: 0 \(ok\)/);
    assert.match(out, /ALPN protocol: echo\/1/);
    assert.equal(status.code, 0);
    const s = await served;
    assert.deepEqual(s, { line: "ping\n", rest: "", alpn: "echo/1", endReason: "CLOSE_NOTIFY" });
  },
);

test(
  "openssl s_client refuses a certificate it cannot verify, and listenTls's connection says so",
  NO_OPENSSL,
  async (p) => {
    await using server = listenTls({
      hostname: "127.0.0.1",
      port: 0,
      cert: p.rogue.cert,
      key: p.rogue.key,
    });
    const served = (async () => {
      await using c = await server.accept();
      return await c.read(new Uint8Array(16)).then(() => null, (e) => e);
    })();
    const out = await new Deno.Command(OPENSSL!, {
      args: sClient(p, server.addr.port),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.notEqual(out.code, 0);
    assert.match(dec.decode(out.stdout) + dec.decode(out.stderr), /verify error:num=(20|21)/);
    const err = await served;
    assert.ok(err instanceof TlsHandshakeError, String(err));
    assert.equal(err.alert, "UnknownCA");
    assert.match(err.message, /^Cannot accept TLS connection: handshake failed: the peer refused/);
  },
);

test(
  "ncat --ssl as a client: a ragged end is end of stream (FIN), or an error with requireCloseNotify",
  NO_NCAT,
  async (p) => {
    for (const requireCloseNotify of [false, true]) {
      await using server = listenTls({
        hostname: "127.0.0.1",
        port: 0,
        cert: p.server.cert,
        key: p.server.key,
        alpnProtocols: ["echo/1"],
        requireCloseNotify,
      });
      const served = (async () => {
        await using c = await server.accept();
        const line = await readLine(c).catch((e) => e);
        const more = line instanceof Error ? line : await c.read(new Uint8Array(8)).catch((e) => e);
        // ncat only shut down its sending side: a reply still reaches it.
        await c.writeAll(enc.encode("bye\n"));
        return { line, more, endReason: c.endReason, alpn: c.alpnProtocol };
      })();
      const out = await new Deno.Command(NCAT!, {
        args: [
          "--ssl",
          "--ssl-verify",
          "--ssl-trustfile",
          p.ca.certFile,
          "--ssl-servername",
          "localhost",
          "--ssl-alpn",
          "echo/1",
          "127.0.0.1",
          String(server.addr.port),
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = out.stdin.getWriter();
      await w.write(enc.encode("hello\n"));
      await w.close();
      const done = await out.output();
      const s = await served;
      assert.equal(done.code, 0, dec.decode(done.stderr));
      assert.equal(dec.decode(done.stdout), "bye\n");
      assert.equal(s.alpn, "echo/1");
      assert.equal(s.endReason, "FIN");
      if (!requireCloseNotify) {
        assert.equal(s.line, "hello\n");
        assert.equal(s.more, null);
      } else {
        // "hello\n" arrived in the same read as the ragged end, or before it.
        const err = s.line instanceof Error ? s.line : s.more;
        assert.ok(err instanceof Deno.errors.UnexpectedEof, String(err));
      }
    }
  },
);

test("connectTls to ncat --ssl -l: bytes both ways and half-close", NO_NCAT, async (p) => {
  const port = freePort("127.0.0.1");
  const child = new Deno.Command(NCAT!, {
    args: [
      "--ssl",
      "--ssl-cert",
      p.server.certFile,
      "--ssl-key",
      p.server.keyFile,
      "-l",
      "127.0.0.1",
      String(port),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  try {
    assert.ok(await waitListening(port, child), "ncat did not listen");
    await using c = await connectTls({
      port,
      serverName: "localhost",
      caCerts: [p.ca.cert],
      timeout: 5000,
    });
    await w.write(enc.encode("from ncat\n"));
    assert.equal(await readLine(c), "from ncat\n");
    await c.writeAll(enc.encode("from sockkit\n"));
    await c.closeWrite();
    await w.close();
    const rest = await c.read(new Uint8Array(16));
    assert.equal(rest, null);
    assert.ok(c.endReason === "FIN" || c.endReason === "CLOSE_NOTIFY", String(c.endReason));
  } finally {
    await w.close().catch(() => {});
    const done = await child.output();
    assert.equal(dec.decode(done.stdout), "from sockkit\n", dec.decode(done.stderr));
  }
});
