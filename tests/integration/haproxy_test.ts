/**
 * PROXY protocol behind a real HAProxy (the Debian package): the test starts `haproxy -db`
 * on loopback with `send-proxy` (v1) or `send-proxy-v2` towards a Deno server that calls
 * `acceptProxyConn`. The server must see the client's real address and port (the client
 * socket's own local address) and the payload byte for byte. Skipped when haproxy is absent.
 */
import assert from "node:assert/strict";
import { acceptProxyConn, type ProxiedConn } from "../../src/proxy_protocol.ts";

function findBinary(name: string): string | null {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"];
  for (const d of dirs) {
    try {
      if (d && Deno.statSync(`${d}/${name}`).isFile) return `${d}/${name}`;
    } catch {
      // not here
    }
  }
  return null;
}

const HAPROXY = findBinary("haproxy");
if (!HAPROXY) console.warn("haproxy_test: skipped, no haproxy binary on PATH or in /usr/sbin");

/** A port that was free a moment ago (bind 0, read, close). */
function freePort(hostname: string): number {
  const l = Deno.listen({ hostname, port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until something listens on hostname:port, checked with `ss`. */
async function waitListening(port: number, child: Deno.ChildProcess, ms = 5000) {
  const deadline = Date.now() + ms;
  let exited = false;
  child.status.then(() => (exited = true));
  while (Date.now() < deadline) {
    const out = await new Deno.Command("ss", { args: ["-Hltn", `sport = :${port}`] }).output();
    if (new TextDecoder().decode(out.stdout).includes(`:${port}`)) return true;
    if (exited) return false;
    await delay(50);
  }
  return false;
}

interface Seen {
  conn: ProxiedConn;
  data: Uint8Array;
}

/** A backend that accepts one PROXY connection, reads it all, echoes it, and reports it. */
function backend(listener: Deno.TcpListener, mode: "v1" | "v2"): Promise<Seen> {
  return (async () => {
    const raw = await listener.accept();
    const conn = await acceptProxyConn(raw, { mode, timeout: 5000 });
    const parts: Uint8Array[] = [];
    const buf = new Uint8Array(16384);
    let total = 0;
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      parts.push(buf.slice(0, n));
      total += n;
    }
    const data = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    let w = 0;
    while (w < data.length) w += await conn.write(data.subarray(w));
    conn.close();
    return { conn, data };
  })();
}

async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(16384);
  let total = 0;
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    parts.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function payload(): Uint8Array {
  // Binary data that also contains things a careless parser might take for a header.
  const head = new TextEncoder().encode("PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\n\r\n\r\n\0\r\nQUIT\n");
  const body = new Uint8Array(200_000).map((_, i) => (i * 31 + (i >> 8)) & 0xff);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

interface Case {
  name: string;
  family: "127.0.0.1" | "::1";
  serverLine: string;
  mode: "v1" | "v2";
  frontendExtra?: string;
}

async function runThroughHaproxy(c: Case) {
  const tmp = await Deno.makeTempDir({ prefix: "sockkit_haproxy_" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let child: Deno.ChildProcess | undefined;
  try {
    const backendPort = listener.addr.port;
    let frontPort = 0;
    // Pick a free port; retry if haproxy cannot bind it (another process took it meanwhile).
    for (let attempt = 0; attempt < 3 && !child; attempt++) {
      frontPort = freePort(c.family);
      const bind = c.family === "::1" ? `[::1]:${frontPort}` : `127.0.0.1:${frontPort}`;
      const cfg = [
        "global",
        "  maxconn 64",
        "defaults",
        "  mode tcp",
        "  timeout connect 3s",
        "  timeout client 10s",
        "  timeout server 10s",
        "frontend fe",
        `  bind ${bind}`,
        c.frontendExtra ?? "",
        "  default_backend be",
        "backend be",
        `  server s1 127.0.0.1:${backendPort} ${c.serverLine}`,
        "",
      ].join("\n");
      await Deno.writeTextFile(`${tmp}/haproxy.cfg`, cfg);
      const started = new Deno.Command(HAPROXY!, {
        args: ["-f", `${tmp}/haproxy.cfg`, "-db"],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      if (await waitListening(frontPort, started)) {
        child = started;
      } else {
        try {
          started.kill("SIGKILL");
        } catch {
          // already exited
        }
        const out = await started.output();
        const err = new TextDecoder().decode(out.stderr);
        if (attempt === 2) throw new Error(`haproxy did not start: ${err}`);
      }
    }
    const seen = backend(listener, c.mode);
    const client = await Deno.connect({ hostname: c.family, port: frontPort });
    const data = payload();
    const [echo] = await Promise.all([
      readAll(client),
      (async () => {
        let w = 0;
        while (w < data.length) w += await client.write(data.subarray(w));
        await client.closeWrite();
      })(),
    ]);
    client.close();
    const s = await seen;
    assert.equal(s.conn.proxied.version, c.mode === "v1" ? 1 : 2);
    assert.equal(s.conn.proxied.command, "proxy");
    // The server sees the real client: the client socket's own address and port.
    assert.deepEqual({ ...s.conn.remoteAddr }, { ...client.localAddr });
    assert.deepEqual(s.conn.localAddr, {
      transport: "tcp",
      hostname: c.family,
      port: frontPort,
    });
    // The socket itself comes from haproxy on 127.0.0.1, not from the client's port.
    assert.notEqual((s.conn.socketRemoteAddr as Deno.NetAddr).port, client.localAddr.port);
    assert.equal(s.data.length, data.length);
    assert.deepEqual(s.data, data);
    assert.deepEqual(echo, data);
    return s.conn.proxied;
  } finally {
    listener.close();
    if (child) {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      const done = await Promise.race([child.status, delay(3000).then(() => null)]);
      if (done === null) child.kill("SIGKILL");
      await child.stderr.cancel();
      await child.status;
    }
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test({
  name:
    "a Deno server behind HAProxy send-proxy (v1) sees the client's real address and intact payload",
  ignore: !HAPROXY,
  fn: async () => {
    const h = await runThroughHaproxy({
      name: "v1",
      family: "127.0.0.1",
      serverLine: "send-proxy",
      mode: "v1",
    });
    assert.equal(h.family, "inet");
  },
});

Deno.test({
  name: "a Deno server behind HAProxy send-proxy-v2 with CRC32C and UNIQUE_ID TLVs sees the client",
  ignore: !HAPROXY,
  fn: async () => {
    const h = await runThroughHaproxy({
      name: "v2",
      family: "127.0.0.1",
      serverLine: "send-proxy-v2 proxy-v2-options crc32c,unique-id",
      mode: "v2",
      frontendExtra: "  unique-id-format sockkit-%ci",
    });
    assert.equal(h.family, "inet");
    assert.equal(h.protocol, "stream");
    // HAProxy computed a CRC32C over the header and the decoder verified it.
    assert.equal(typeof h.crc32c, "number");
    assert.equal(new TextDecoder().decode(h.uniqueId), "sockkit-127.0.0.1");
  },
});

Deno.test({
  name: "a Deno server behind HAProxy send-proxy-v2 sees an IPv6 client over ::1",
  ignore: !HAPROXY,
  fn: async () => {
    const h = await runThroughHaproxy({
      name: "v2-ipv6",
      family: "::1",
      serverLine: "send-proxy-v2",
      mode: "v2",
    });
    assert.equal(h.family, "inet6");
  },
});

Deno.test({
  name:
    "HAProxy health checks with check-send-proxy arrive as v2 LOCAL and keep the socket's addresses",
  ignore: !HAPROXY,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "sockkit_haproxy_" });
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    let child: Deno.ChildProcess | undefined;
    try {
      const frontPort = freePort("127.0.0.1");
      await Deno.writeTextFile(
        `${tmp}/haproxy.cfg`,
        [
          "defaults",
          "  mode tcp",
          "  timeout connect 3s",
          "  timeout client 10s",
          "  timeout server 10s",
          "  timeout check 3s",
          "frontend fe",
          `  bind 127.0.0.1:${frontPort}`,
          "  default_backend be",
          "backend be",
          // The check waits for our reply, so the header is sure to be sent before it closes.
          "  option tcp-check",
          "  tcp-check expect string OK",
          `  server s1 127.0.0.1:${listener.addr.port} send-proxy-v2 check check-send-proxy inter 200ms`,
          "",
        ].join("\n"),
      );
      child = new Deno.Command(HAPROXY!, {
        args: ["-f", `${tmp}/haproxy.cfg`, "-db"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      // Connections to the backend are health checks (no client connected). An accept can
      // fail when a check gave up and closed first; a server just accepts the next one.
      let conn: ProxiedConn | undefined;
      // Bound the wait: closing the listener makes a pending accept fail.
      const guard = setTimeout(() => listener.close(), 5000);
      try {
        while (!conn) {
          try {
            conn = await acceptProxyConn(await listener.accept(), { mode: "v2", timeout: 3000 });
          } catch (e) {
            if (!(e instanceof Deno.errors.NotConnected)) throw e;
          }
        }
      } finally {
        clearTimeout(guard);
      }
      try {
        await conn.write(new TextEncoder().encode("OK\n"));
        assert.equal(conn.proxied.command, "local");
        assert.equal(conn.proxied.source, undefined);
        assert.deepEqual(conn.remoteAddr, conn.socketRemoteAddr);
        assert.deepEqual(conn.localAddr, conn.socketLocalAddr);
      } finally {
        conn.close();
      }
    } finally {
      try {
        listener.close();
      } catch {
        // closed by the guard
      }
      if (child) {
        child.kill("SIGTERM");
        const done = await Promise.race([child.status, delay(3000).then(() => null)]);
        if (done === null) child.kill("SIGKILL");
        await child.status;
      }
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
