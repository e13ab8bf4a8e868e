/**
 * PROXY protocol behind nginx's stream module (`proxy_protocol on`, which sends v1): the test
 * starts nginx in the foreground on loopback with a config and prefix in a temp dir, in front of
 * a Deno server that calls `acceptProxyConn`. The server must see the client's real address and
 * port and the payload byte for byte. Skipped when nginx or its stream module is absent.
 */
import assert from "node:assert/strict";
import { acceptProxyConn } from "../../src/proxy/mod.ts";
import { type Daemon, findBinary, readAll, startDaemon, writeAll } from "./_daemon.ts";

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const NGINX = findBinary("nginx");
const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";
const SKIP = !NGINX
  ? "no nginx binary on PATH or in /usr/sbin"
  : !exists(STREAM_MODULE)
  ? `no stream module at ${STREAM_MODULE}`
  : "";
if (SKIP) console.warn(`nginx_proxy_test: skipped, ${SKIP}`);

/** Starts nginx in the foreground in front of backendPort, with its prefix in tmp. */
function startNginx(tmp: string, listen: "127.0.0.1" | "::1", backendPort: number) {
  return startDaemon({
    name: "nginx",
    binary: NGINX!,
    hostname: listen,
    configure: async (addr) => {
      const cfg = [
        `load_module ${STREAM_MODULE};`,
        "worker_processes 1;",
        "events { worker_connections 64; }",
        "stream {",
        "  server {",
        `    listen ${addr};`,
        `    proxy_pass 127.0.0.1:${backendPort};`,
        "    proxy_protocol on;",
        "    proxy_half_close on;",
        "    proxy_connect_timeout 3s;",
        "    proxy_timeout 10s;",
        "  }",
        "}",
        "",
      ].join("\n");
      await Deno.writeTextFile(`${tmp}/nginx.conf`, cfg);
      return [
        "-p",
        `${tmp}/`,
        "-e",
        "stderr",
        "-c",
        `${tmp}/nginx.conf`,
        "-g",
        `daemon off; master_process off; pid ${tmp}/nginx.pid; error_log stderr;`,
      ];
    },
  });
}

async function throughNginx(listen: "127.0.0.1" | "::1") {
  const tmp = await Deno.makeTempDir({ prefix: "sockkit_nginx_" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let daemon: Daemon | undefined;
  try {
    daemon = await startNginx(tmp, listen, listener.addr.port);
    const seen = (async () => {
      const conn = await acceptProxyConn(await listener.accept(), { mode: "v1", timeout: 5000 });
      const data = await readAll(conn);
      await conn.write(new TextEncoder().encode(`got ${data.length}`));
      await conn.close();
      return { conn, data };
    })();
    const client = await Deno.connect({ hostname: listen, port: daemon.port });
    const payload = new Uint8Array(150_000).map((_, i) => (i * 13 + 7) & 0xff);
    payload.set(new TextEncoder().encode("PROXY UNKNOWN\r\n"), 0);
    const [reply] = await Promise.all([
      readAll(client),
      writeAll(client, payload).then(() => client.closeWrite()),
    ]);
    client.close();
    const s = await seen;
    assert.equal(new TextDecoder().decode(reply), `got ${payload.length}`);
    assert.equal(s.conn.proxied.version, 1);
    assert.deepEqual({ ...s.conn.remoteAddr }, { ...client.localAddr });
    assert.deepEqual(s.conn.localAddr, { transport: "tcp", hostname: listen, port: daemon.port });
    assert.deepEqual(s.data, payload);
    return s.conn.proxied;
  } finally {
    listener.close();
    await daemon?.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test({
  name:
    "a Deno server behind nginx stream proxy_protocol sees the client's real IPv4 address and intact payload",
  ignore: SKIP !== "",
  fn: async () => {
    const h = await throughNginx("127.0.0.1");
    assert.equal(h.family, "inet");
  },
});

Deno.test({
  name: "a Deno server behind nginx stream proxy_protocol sees an IPv6 client as TCP6",
  ignore: SKIP !== "",
  fn: async () => {
    const h = await throughNginx("::1");
    assert.equal(h.family, "inet6");
  },
});

Deno.test({
  name:
    "a v2-only server rejects nginx's v1 header and closes, and nginx stays up for the next client",
  ignore: SKIP !== "",
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "sockkit_nginx_" });
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    let daemon: Daemon | undefined;
    try {
      daemon = await startNginx(tmp, "127.0.0.1", listener.addr.port);
      const rejected = (async () => {
        try {
          await acceptProxyConn(await listener.accept(), { mode: "v2", timeout: 3000 });
          return null;
        } catch (e) {
          return e;
        }
      })();
      const client = await Deno.connect({ hostname: "127.0.0.1", port: daemon.port });
      await client.write(new TextEncoder().encode("hello"));
      const err = await rejected;
      assert.ok(err instanceof Error && err.name === "ProxyProtocolError");
      assert.equal((err as Error & { reason: string }).reason, "bad-signature");
      // The backend closed, so nginx closes the client.
      assert.equal((await readAll(client)).length, 0);
      client.close();
      // A v1 server behind the same nginx still works.
      const ok = (async () => {
        const c = await acceptProxyConn(await listener.accept(), { mode: "v1", timeout: 3000 });
        await c.close();
        return c;
      })();
      const second = await Deno.connect({ hostname: "127.0.0.1", port: daemon.port });
      const c = await ok;
      assert.deepEqual({ ...c.remoteAddr }, { ...second.localAddr });
      second.close();
    } finally {
      listener.close();
      await daemon?.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
