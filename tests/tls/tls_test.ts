/**
 * TLS in the library, sockkit on both ends (the interop tests against openssl and ncat are in
 * interop_test.ts): verification, names, ALPN, framing, half-close and endReason, timeouts,
 * STARTTLS, and socket options on the TCP socket under the TLS connection (checked from
 * outside with `ss -tmio`). Certificates come from `openssl` (tests/tls/_pki.ts).
 */
import assert from "node:assert/strict";
import {
  connectTls,
  listenTls,
  startTls,
  TlsConnection,
  type TlsConnectOptions,
  TlsHandshakeError,
  TlsVerifyError,
} from "../../src/tls/mod.ts";
import { connect, listen, SocketStateError, SocketTimeoutError } from "../../src/net/mod.ts";
import { FramedConn } from "../../src/codec/mod.ts";
import {
  closeGracefully,
  endReason,
  getSocketOptions,
  setSocketOptions,
  tcpInfo,
} from "../../src/sockopt/mod.ts";
import { makePki, opensslPath, type Pki } from "./_pki.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const SKIP = opensslPath() === null ? "no openssl on PATH (Debian package openssl)" : "";
if (SKIP) console.log(`SKIP tests/tls/tls_test.ts: ${SKIP}`);
const pki: Pki | null = SKIP ? null : makePki();
globalThis.addEventListener("unload", () => pki?.dispose());

function test(name: string, fn: (pki: Pki) => Promise<void>) {
  Deno.test({ name, ignore: SKIP !== "", fn: () => fn(pki!) });
}

function server(p: Pki, extra: Partial<Parameters<typeof listenTls>[0]> = {}) {
  return listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: p.server.cert,
    key: p.server.key,
    ...extra,
  });
}

/** connectTls to `srv` as localhost, trusting the test CA, with `extra` options on top. */
function dial(p: Pki, srv: { addr: Deno.NetAddr }, extra: Partial<TlsConnectOptions> = {}) {
  return connectTls({
    port: srv.addr.port,
    serverName: "localhost",
    caCerts: [p.ca.cert],
    timeout: 5000,
    ...extra,
  });
}

/** Accept `n` connections, run each one's handshake (failing or not), close them. */
async function serveHandshakes(srv: ReturnType<typeof server>, n: number): Promise<void> {
  const done: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const c = await srv.accept();
    done.push(c.handshake().then(() => {}, () => {}).finally(() => c.close()));
  }
  await Promise.all(done);
}

async function readAll(c: { read(p: Uint8Array): Promise<number | null> }): Promise<string> {
  const buf = new Uint8Array(4096);
  let out = "";
  for (let n; (n = await c.read(buf)) !== null;) out += dec.decode(buf.subarray(0, n));
  return out;
}

test("FramedConn frames length-prefixed messages over a verified TLS connection", async (p) => {
  await using srv = server(p);
  const echo = (async () => {
    await using c = await srv.accept();
    const framed = new FramedConn(c, "len:u16be");
    for await (const frame of framed) await framed.writeFrame(frame);
    return { endReason: c.endReason, bytesRead: c.bytesRead };
  })();
  await using client = await dial(p, srv);
  assert.equal(client.handshakeComplete, true);
  assert.equal(client.serverName, "localhost");
  const framed = new FramedConn(client, "len:u16be");
  const msgs = ["one", "x".repeat(40_000), "three"];
  for (const m of msgs) await framed.writeFrame(enc.encode(m));
  for (const m of msgs) assert.equal(dec.decode((await framed.readFrame())!), m);
  await client.closeWrite();
  assert.equal(await framed.readFrame(), null);
  const wire = msgs.reduce((n, m) => n + 2 + m.length, 0);
  assert.equal(client.bytesWritten, wire);
  assert.equal(client.bytesRead, wire);
  const seen = await echo;
  assert.equal(seen.bytesRead, wire);
  assert.equal(seen.endReason, "CLOSE_NOTIFY");
  assert.equal(client.endReason, "CLOSE_NOTIFY");
});

test("a certificate from an unknown CA fails with TlsVerifyError on the client and an alert on the server", async (p) => {
  await using srv = server(p, { cert: p.rogue.cert, key: p.rogue.key });
  const accepted = (async () => {
    await using c = await srv.accept();
    return await c.handshake().then(() => null, (e) => e);
  })();
  const err = await dial(p, srv).then(() => null, (e) => e);
  assert.ok(err instanceof TlsVerifyError, String(err));
  assert.ok(err instanceof Deno.errors.InvalidData);
  assert.equal(err.reason, "UnknownIssuer");
  assert.equal(err.serverName, "localhost");
  assert.equal(err.address, `127.0.0.1:${srv.addr.port}`);
  assert.match(
    err.message,
    /^Cannot connect over TLS: certificate verify failed: unable to get local issuer certificate/,
  );
  const serverErr = await accepted;
  assert.ok(serverErr instanceof TlsHandshakeError, String(serverErr));
  assert.equal(serverErr.alert, "UnknownCA");
  assert.match(
    serverErr.message,
    /^Cannot accept TLS connection: handshake failed: the peer refused our certificate/,
  );
});

test("a name mismatch fails; insecure accepts it but still refuses an untrusted chain", async (p) => {
  await using srv = server(p);
  const served = serveHandshakes(srv, 3);
  const mismatch = await dial(p, srv, { serverName: "default.test" }).then(() => null, (e) => e);
  assert.ok(mismatch instanceof TlsVerifyError);
  assert.equal(mismatch.reason, "NotValidForName");
  assert.match(mismatch.message, /not valid for default\.test/);

  await using lax = await dial(p, srv, { serverName: "default.test", insecure: true });
  assert.equal(lax.handshakeComplete, true);

  // No CA given: the chain is untrusted, and insecure cannot skip that.
  const untrusted = await dial(p, srv, { caCerts: [], insecure: true }).then(() => null, (e) => e);
  assert.ok(untrusted instanceof TlsVerifyError);
  assert.equal(untrusted.reason, "UnknownIssuer");
  assert.match(untrusted.message, /--unsafely-ignore-certificate-errors/);
  await served;
});

test("an IP address as the server name is checked against the certificate's IP entries", async (p) => {
  await using srv = server(p);
  const accepted = srv.accept().then(async (c) => {
    await c.handshake().catch(() => {});
    await c.close();
  });
  await using c = await dial(p, srv, { serverName: undefined, hostname: "127.0.0.1" });
  assert.equal(c.serverName, "127.0.0.1");
  await accepted;
});

test("ALPN picks the protocol both sides offer, and no common protocol is an alert", async (p) => {
  await using srv = server(p, { alpnProtocols: ["h2", "echo/1"] });
  const seen: (string | null)[] = [];
  const loop = (async () => {
    for await (const c of srv) {
      await c.handshake().then((i) => seen.push(i.alpnProtocol), () => seen.push("failed"));
      await c.close();
      if (seen.length === 2) break;
    }
  })();
  await using c = await dial(p, srv, { alpnProtocols: ["nope/9", "echo/1"] });
  assert.equal(c.alpnProtocol, "echo/1");
  const err = await dial(p, srv, { alpnProtocols: ["nope/9"] }).then(() => null, (e) => e);
  assert.ok(err instanceof TlsHandshakeError, String(err));
  assert.equal(err.alert, "NoApplicationProtocol");
  assert.match(err.message, /no ALPN protocol in common/);
  await loop;
  assert.deepEqual(seen, ["echo/1", "failed"]);
});

test("half-close over TLS: close_notify then FIN, the peer still replies, both see CLOSE_NOTIFY", async (p) => {
  await using srv = server(p);
  const peer = (async () => {
    await using c = await srv.accept();
    const request = await readAll(c);
    const reason = c.endReason;
    await c.writeAll(enc.encode(`got ${request}`));
    return { request, reason, eof: c.eof };
  })();
  await using client = await dial(p, srv);
  await client.writeAll(enc.encode("request"));
  await client.closeWrite();
  await assert.rejects(client.write(enc.encode("late")), Deno.errors.BrokenPipe);
  assert.equal(await readAll(client), "got request");
  assert.deepEqual(await peer, { request: "request", reason: "CLOSE_NOTIFY", eof: true });
  assert.equal(client.endReason, "CLOSE_NOTIFY");
  assert.equal(client.eof, true);
});

test("linger 0 on a TLS connection resets it: the peer's read fails and endReason is RST", async (p) => {
  await using srv = server(p);
  const accepted = srv.accept();
  await using client = await dial(p, srv);
  const s = await accepted;
  await s.writeAll(enc.encode("hi"));
  assert.deepEqual(await client.readFull(new Uint8Array(2)), enc.encode("hi"));
  setSocketOptions(s, { linger: 0 });
  await s.close();
  await assert.rejects(client.read(new Uint8Array(8)), Deno.errors.ConnectionReset);
  assert.equal(client.endReason, "RST");
  assert.equal(client.eof, true);
  assert.equal(endReason(client), "RST"); // the TCP state agrees
});

test("socket options and tcpInfo act on the TCP socket under TLS, as ss -tmio shows", async (p) => {
  await using srv = server(p);
  const accepted = srv.accept();
  await using client = await dial(p, srv, { noDelay: true, sendBufferSize: 65536 });
  await using s = await accepted;
  const report = setSocketOptions(client, { keepAlive: { idle: 77, interval: 5, count: 3 } });
  assert.equal(report.keepAlive?.applied !== undefined, true);
  const got = getSocketOptions(client, ["noDelay", "sendBufferSize", "keepAlive"]);
  assert.equal(got.noDelay, true);
  // Options on the accepted side too: its descriptor is found the same way.
  setSocketOptions(s, { receiveBufferSize: 32768 });
  const rcv = getSocketOptions(s, ["receiveBufferSize"]).receiveBufferSize as number;

  await client.writeAll(enc.encode("hello"));
  assert.deepEqual(await s.readFull(new Uint8Array(5)), enc.encode("hello"));
  const info = tcpInfo(client);
  assert.equal(info.state, "ESTABLISHED");
  // The wire carried the handshake and record overhead: more than the 5 bytes of payload.
  assert.ok(info.bytesSent! > client.bytesWritten + 100, `${info.bytesSent}`);

  const ss = new Deno.Command("ss", {
    args: ["-tmioHn", "state", "established", `( sport = :${client.localAddr.port} )`],
  }).outputSync();
  const line = dec.decode(ss.stdout);
  assert.match(line, new RegExp(`127\\.0\\.0\\.1:${client.localAddr.port}\\s`));
  assert.match(line, /timer:\(keepalive,1min1[0-7]sec/); // idle 77 s, just started
  assert.match(line, new RegExp(`tb${got.sendBufferSize}\\b`));
  const ssServer = dec.decode(
    new Deno.Command("ss", {
      args: ["-tmHn", "state", "established", `( sport = :${srv.addr.port} )`],
    }).outputSync().stdout,
  );
  assert.match(ssServer, new RegExp(`rb${rcv}\\b`));
});

test("connectTls's timeout covers the handshake with a server that never answers", async () => {
  await using silent = listen({ hostname: "127.0.0.1", port: 0 });
  const held = silent.accept();
  const start = performance.now();
  const err = await connectTls({ port: silent.addr.port, serverName: "localhost", timeout: 300 })
    .then(() => null, (e) => e);
  const took = performance.now() - start;
  assert.ok(err instanceof SocketTimeoutError, String(err));
  assert.equal(err.operation, "connect");
  assert.equal(
    err.message,
    `Cannot connect over TLS to 127.0.0.1:${silent.addr.port}: timed out after 300 ms`,
  );
  assert.ok(took >= 250 && took < 2000, `${took} ms`);
  await (await held).close();
  // An AbortSignal stops the handshake the same way, with the signal's reason.
  const held2 = silent.accept();
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error("stop now")), 100);
  await assert.rejects(
    connectTls({ port: silent.addr.port, serverName: "localhost", signal: ac.signal }),
    /^Error: stop now$/,
  );
  await (await held2).close();
});

test("a server connection's handshakeTimeout and idleTimeout apply before and after the handshake", async (p) => {
  await using srv = server(p, { handshakeTimeout: 200, idleTimeout: 250 });
  // A TCP client that never starts the handshake.
  await using mute = await connect({ port: srv.addr.port });
  await using c1 = await srv.accept();
  await assert.rejects(c1.read(new Uint8Array(1)), {
    name: "SocketTimeoutError",
    operation: "handshake",
  });
  // A TLS client that handshakes and then goes quiet.
  const accepted = srv.accept();
  await using client = await dial(p, srv);
  await using c2 = await accepted;
  await c2.handshake();
  await assert.rejects(c2.read(new Uint8Array(1)), {
    name: "SocketTimeoutError",
    operation: "idle",
  });
  assert.equal(c2.closed, true);
  assert.equal(await client.read(new Uint8Array(1)), null);
  assert.equal(client.endReason, "CLOSE_NOTIFY");
  assert.equal(mute.closed, false);
});

test("a read timeout over TLS leaves the read pending, and the next read gets its bytes", async (p) => {
  await using srv = server(p);
  const accepted = srv.accept();
  await using client = await dial(p, srv, { readTimeout: 100 });
  await using s = await accepted;
  await assert.rejects(client.read(new Uint8Array(8)), SocketTimeoutError);
  await s.writeAll(enc.encode("late"));
  const buf = new Uint8Array(8);
  const n = await client.read(buf, { timeout: 2000 });
  assert.equal(dec.decode(buf.subarray(0, n!)), "late");
  assert.equal(client.bytesRead, 4);
});

test("startTls upgrades a TcpConnection after a plaintext STARTTLS exchange and keeps its settings", async (p) => {
  await using tlsServer = server(p);
  const echo = (async () => {
    await using c = await tlsServer.accept();
    const buf = new Uint8Array(64);
    const n = await c.read(buf);
    await c.writeAll(buf.subarray(0, n!));
    // The relay ends its upstream with a plain FIN, no close_notify: a ragged end of stream.
    assert.equal(await c.read(buf), null);
    return c.endReason;
  })();
  // A plaintext front: greeting, STARTTLS, then it relays raw bytes to the TLS server.
  await using front = listen({ hostname: "127.0.0.1", port: 0 });
  const relay = (async () => {
    const down = (await front.accept()).detach("relayed").raw;
    await down.write(enc.encode("220 ready\r\n"));
    const cmd = new Uint8Array(10);
    let got = 0;
    while (got < cmd.length) got += (await down.read(cmd.subarray(got)))!;
    assert.equal(dec.decode(cmd), "STARTTLS\r\n");
    await down.write(enc.encode("220 go ahead\r\n"));
    const up = await Deno.connect({ port: tlsServer.addr.port });
    let bytesRead = 0;
    const toUp = (async () => {
      const b = new Uint8Array(16384);
      for (let n; (n = await down.read(b).catch(() => null)) !== null;) {
        bytesRead += n;
        await up.write(b.subarray(0, n)).catch(() => {});
      }
    })();
    const toDown = (async () => {
      const b = new Uint8Array(16384);
      for (let n; (n = await up.read(b).catch(() => null)) !== null;) {
        await down.write(b.subarray(0, n)).catch(() => {});
      }
    })();
    await toUp;
    const reason = endReason(down, { bytesRead: bytesRead + cmd.length });
    up.close();
    await toDown;
    down.close();
    return reason;
  })();

  const tcp = await connect({ port: front.addr.port, readTimeout: 150 });
  const line = new Uint8Array(11);
  assert.equal(dec.decode((await tcp.readFull(line))!), "220 ready\r\n");
  await tcp.writeAll(enc.encode("STARTTLS\r\n"));
  assert.equal(dec.decode((await tcp.readFull(new Uint8Array(14)))!), "220 go ahead\r\n");
  setSocketOptions(tcp, { linger: 0 });

  const tls = await startTls(tcp, { serverName: "localhost", caCerts: [p.ca.cert], timeout: 5000 });
  assert.ok(tls instanceof TlsConnection);
  await assert.rejects(tcp.read(new Uint8Array(1)), (e: Error) => {
    assert.ok(e instanceof SocketStateError);
    assert.equal(e.message, "Cannot read: the connection was upgraded to TLS");
    return true;
  });
  // The read timeout came along: nothing arrives, so a read times out.
  await assert.rejects(tls.read(new Uint8Array(8)), SocketTimeoutError);
  await tls.writeAll(enc.encode("over tls"));
  const buf = new Uint8Array(8);
  const n = await tls.read(buf, { timeout: 3000 });
  assert.equal(dec.decode(buf.subarray(0, n!)), "over tls");
  assert.equal(tls.bytesRead, 8);
  // linger 0 set on the TCP connection still holds: closing resets.
  await tls.close();
  assert.equal(await relay, "RST");
  assert.equal(await echo, "FIN");
});

test("startTls refuses a connection with a read still pending", async (p) => {
  await using l = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = l.accept();
  await using tcp = await connect({ port: l.addr.port, readTimeout: 50 });
  await using _peer = await accepted;
  await assert.rejects(tcp.read(new Uint8Array(1)), SocketTimeoutError);
  await assert.rejects(
    startTls(tcp, { caCerts: [p.ca.cert] }),
    /^SocketStateError: Cannot detach the connection: a read or write is still pending/,
  );
});

test("listenTls and connectTls refuse bad key material and bad options before any traffic", async (p) => {
  assert.throws(
    () => listenTls({ port: 0, cert: p.server.cert, key: p.rogue.key }),
    (e: Error) =>
      e instanceof TypeError &&
      /^Cannot listen over TLS: the certificate or key is not usable/.test(e.message),
  );
  assert.throws(
    () => listenTls({ port: 0, cert: p.server.key, key: p.server.key }),
    /cert is not a PEM certificate chain/,
  );
  await assert.rejects(
    connectTls({ port: 1, caCerts: ["garbage"] }),
    /Cannot use caCerts\[0\]: expected a PEM certificate/,
  );
  await assert.rejects(connectTls({ port: 1, alpnProtocols: [""] }), TypeError);
  await assert.rejects(connectTls({ port: 1, serverName: "" }), /Cannot use serverName/);
});

test("the system CA bundle (SSL_CERT_FILE) is trusted by default, and systemCa: false turns it off", async (p) => {
  await using srv = server(p);
  const served = serveHandshakes(srv, 3);
  const child = new URL("./_child_connect.ts", import.meta.url);
  const run = (flags: string[], args: string[] = []) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...flags, child.pathname, String(srv.addr.port), ...args],
      env: { SSL_CERT_FILE: p.ca.certFile, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "null",
    }).output().then((o) => JSON.parse(dec.decode(o.stdout).trim().split("\n").at(-1)!));
  assert.deepEqual(await run([]), { ok: true, alpn: null });
  const off = await run([], ["no-system-ca"]);
  assert.equal(off.ok, false);
  assert.equal(off.reason, "UnknownIssuer");
  // Deno's process-wide flag is the only way past an untrusted chain.
  assert.deepEqual(
    await run(["--unsafely-ignore-certificate-errors=localhost"], ["no-system-ca"]),
    { ok: true, alpn: null },
  );
  await served;
});

test("closeGracefully drains a TLS connection: the peer gets every byte, then CLOSE_NOTIFY", async (p) => {
  await using srv = server(p);
  const accepted = srv.accept();
  await using c = await dial(p, srv);
  const s = await accepted;
  const big = new Uint8Array(1 << 20).map((_, i) => i % 251);
  const reading = (async () => {
    const buf = new Uint8Array(65536);
    let total = 0;
    let sum = 0;
    for (let n; (n = await c.read(buf)) !== null;) {
      for (let i = 0; i < n; i++) sum = (sum + buf[i]) % 65521;
      total += n;
    }
    return { total, sum };
  })();
  await s.writeAll(big);
  const report = await closeGracefully(s, { timeout: 5000 });
  assert.equal(report.outcome, "drained");
  assert.equal(s.closed, true);
  const got = await reading;
  assert.equal(got.total, big.length);
  assert.equal(got.sum, big.reduce((a, b) => (a + b) % 65521, 0));
  assert.equal(c.endReason, "CLOSE_NOTIFY");
});

test("TLS over IPv6 loopback: the certificate's ::1 entry verifies, and options reach the socket", async (p) => {
  await using srv = server(p, { hostname: "::1" });
  const accepted = srv.accept();
  await using c = await dial(p, srv, { hostname: "::1", serverName: "[::1]" });
  await using s = await accepted;
  assert.equal(c.serverName, "::1");
  assert.equal(c.remoteAddr.hostname, "::1");
  setSocketOptions(c, { noDelay: true });
  setSocketOptions(s, { noDelay: true });
  assert.equal(getSocketOptions(s, ["noDelay"]).noDelay, true);
  assert.equal(tcpInfo(c).state, "ESTABLISHED");
  await c.writeAll(enc.encode("v6"));
  assert.deepEqual(await s.readFull(new Uint8Array(2)), enc.encode("v6"));
});
