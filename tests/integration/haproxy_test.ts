/**
 * PROXY protocol behind a real HAProxy (the Debian package): the test starts `haproxy -db`
 * on loopback with `send-proxy` (v1) or `send-proxy-v2` towards a Deno server that calls
 * `acceptProxyConn`. The server must see the client's real address and port (the client
 * socket's own local address) and the payload byte for byte. Skipped when haproxy is absent.
 */
import assert from "node:assert/strict";
import { acceptProxyConn, type ProxiedTcpConnection } from "../../src/proxy/mod.ts";
import { type Daemon, findBinary, readAll, startDaemon, writeAll } from "./_daemon.ts";

const HAPROXY = findBinary("haproxy");
if (!HAPROXY) console.warn("haproxy_test: skipped, no haproxy binary on PATH or in /usr/sbin");

interface Seen {
  conn: ProxiedTcpConnection;
  data: Uint8Array;
}

/** A backend that accepts one PROXY connection, reads it all, echoes it, and reports it. */
async function backend(listener: Deno.TcpListener, mode: "v1" | "v2"): Promise<Seen> {
  const conn = await acceptProxyConn(await listener.accept(), { mode, timeout: 5000 });
  const data = await readAll(conn);
  await writeAll(conn, data);
  await conn.close();
  return { conn, data };
}

/** Start HAProxy in the foreground with this config (its `bind` line filled in). */
function startHaproxy(
  tmp: string,
  hostname: "127.0.0.1" | "::1",
  config: (bind: string) => string[],
) {
  return startDaemon({
    name: "haproxy",
    binary: HAPROXY!,
    hostname,
    configure: async (listen) => {
      await Deno.writeTextFile(`${tmp}/haproxy.cfg`, config(`  bind ${listen}`).join("\n"));
      return ["-f", `${tmp}/haproxy.cfg`, "-db"];
    },
  });
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
  let daemon: Daemon | undefined;
  try {
    daemon = await startHaproxy(tmp, c.family, (bind) => [
      "global",
      "  maxconn 64",
      "defaults",
      "  mode tcp",
      "  timeout connect 3s",
      "  timeout client 10s",
      "  timeout server 10s",
      "frontend fe",
      bind,
      c.frontendExtra ?? "",
      "  default_backend be",
      "backend be",
      `  server s1 127.0.0.1:${listener.addr.port} ${c.serverLine}`,
      "",
    ]);
    const frontPort = daemon.port;
    const seen = backend(listener, c.mode);
    const client = await Deno.connect({ hostname: c.family, port: frontPort });
    const data = payload();
    const [echo] = await Promise.all([
      readAll(client),
      writeAll(client, data).then(() => client.closeWrite()),
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
    await daemon?.stop();
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
    let daemon: Daemon | undefined;
    try {
      daemon = await startHaproxy(tmp, "127.0.0.1", (bind) => [
        "defaults",
        "  mode tcp",
        "  timeout connect 3s",
        "  timeout client 10s",
        "  timeout server 10s",
        "  timeout check 3s",
        "frontend fe",
        bind,
        "  default_backend be",
        "backend be",
        // The check waits for our reply, so the header is sure to be sent before it closes.
        "  option tcp-check",
        "  tcp-check expect string OK",
        `  server s1 127.0.0.1:${listener.addr.port} send-proxy-v2 check check-send-proxy inter 200ms`,
        "",
      ]);
      // Connections to the backend are health checks (no client connected). An accept can
      // fail when a check gave up and closed first; a server just accepts the next one.
      let conn: ProxiedTcpConnection | undefined;
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
        await conn.close();
      }
    } finally {
      try {
        listener.close();
      } catch {
        // closed by the guard
      }
      await daemon?.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
