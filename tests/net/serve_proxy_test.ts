import assert from "node:assert/strict";
import { serve } from "../../src/net/serve.ts";
import { connect, type TcpConnection } from "../../src/net/tcp.ts";
import { ProxiedTcpConnection } from "../../src/net/proxied_tcp.ts";
import { encodeProxyHeader, PROXY_TLV } from "../../src/proxy/mod.ts";
import { ProxyProtocolError } from "../../src/proxy/errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Echo handler that also reports who it thinks the client is, as the first line. */
async function whoEcho(conn: TcpConnection) {
  const r = conn.remoteAddr;
  await conn.writeAll(enc.encode(`${r.hostname} ${r.port}\n`));
  const buf = new Uint8Array(1024);
  for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
}

async function readAll(c: TcpConnection): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  for (let n; (n = await c.read(buf)) !== null;) chunks.push(buf.slice(0, n));
  return dec.decode(new Uint8Array(chunks.flatMap((x) => [...x])));
}

function tcp(hostname: string, port: number): Deno.NetAddr {
  return { transport: "tcp", hostname, port };
}

Deno.test("serve with proxyProtocol v1 shows the real client and keeps bytes sent with the header", async () => {
  const errors: unknown[] = [];
  await using server = serve(whoEcho, {
    hostname: "127.0.0.1",
    port: 0,
    proxyProtocol: "v1",
    onError: (e) => errors.push(e),
  });
  await using c = await connect({ port: server.addr.port });
  // Header and application bytes in one write: the v1 reader may read past the header.
  await c.writeAll(enc.encode("PROXY TCP4 203.0.113.5 127.0.0.1 40123 80\r\nhello"));
  await c.closeWrite();
  assert.equal(await readAll(c), "203.0.113.5 40123\nhello");
  assert.deepEqual(errors, []);
});

Deno.test("serve with proxyProtocol auto takes v2 (IPv6, TLVs) and v1 on the same listener", async () => {
  const seen: ProxiedTcpConnection[] = [];
  await using server = serve((conn) => {
    assert.ok(conn instanceof ProxiedTcpConnection);
    seen.push(conn);
    return whoEcho(conn);
  }, { hostname: "127.0.0.1", port: 0, proxyProtocol: "auto" });
  {
    await using c = await connect({ port: server.addr.port });
    await c.writeAll(encodeProxyHeader({
      source: tcp("2001:db8::9", 5555),
      destination: tcp("2001:db8::1", 443),
      tlvs: [{ type: PROXY_TLV.AUTHORITY, value: enc.encode("example.com") }],
    }, { crc32c: true }));
    await c.writeAll(enc.encode("x"));
    await c.closeWrite();
    assert.equal(await readAll(c), "2001:db8::9 5555\nx");
  }
  {
    await using c = await connect({ port: server.addr.port });
    await c.writeAll(encodeProxyHeader({
      source: tcp("192.0.2.77", 1111),
      destination: tcp("192.0.2.1", 80),
    }, { version: 1 }));
    await c.closeWrite();
    assert.equal(await readAll(c), "192.0.2.77 1111\n");
  }
  assert.equal(seen[0].proxied.authority, "example.com");
  assert.equal(seen[0].localAddr.port, 443);
  assert.equal(seen[0].socketRemoteAddr.hostname, "127.0.0.1");
  assert.equal(seen[1].proxied.version, 1);
});

Deno.test("serve reports a bad PROXY header as a ProxyProtocolError and keeps serving", async () => {
  const errors: unknown[] = [];
  let handled = 0;
  await using server = serve(async (conn) => {
    handled++;
    await whoEcho(conn);
  }, { hostname: "127.0.0.1", port: 0, proxyProtocol: "v2", onError: (e) => errors.push(e) });
  {
    await using bad = await connect({ port: server.addr.port });
    await bad.writeAll(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    // The server closes the connection without a byte.
    assert.equal(await readAll(bad).catch(() => ""), "");
  }
  {
    // v1 is refused on a v2-only listener.
    await using bad = await connect({ port: server.addr.port });
    await bad.writeAll(enc.encode("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n"));
    assert.equal(await readAll(bad).catch(() => ""), "");
  }
  await using good = await connect({ port: server.addr.port });
  await good.writeAll(
    encodeProxyHeader({ source: tcp("198.51.100.1", 9), destination: tcp("127.0.0.1", 1) }),
  );
  await good.closeWrite();
  assert.equal(await readAll(good), "198.51.100.1 9\n");
  assert.equal(handled, 1);
  assert.equal(errors.length, 2);
  for (const e of errors) {
    assert.ok(e instanceof ProxyProtocolError, String(e));
    assert.equal(e.reason, "bad-signature");
  }
  const s = server.stats();
  assert.equal(s.errors, 2);
  assert.equal(s.accepted, 3);
});

Deno.test("serve closes a connection whose PROXY header does not arrive in time", async () => {
  const errors: unknown[] = [];
  await using server = serve(whoEcho, {
    hostname: "127.0.0.1",
    port: 0,
    proxyProtocol: "auto",
    proxyHeaderTimeout: 150,
    onError: (e) => errors.push(e),
  });
  await using c = await connect({ port: server.addr.port });
  await c.writeAll(enc.encode("PROXY TCP4 1.2")); // and then nothing
  assert.equal(await readAll(c).catch(() => ""), "");
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof Deno.errors.TimedOut, String(errors[0]));
});

Deno.test("serve uses the socket's addresses for a LOCAL (health check) PROXY header", async () => {
  await using server = serve(whoEcho, { hostname: "127.0.0.1", port: 0, proxyProtocol: "v2" });
  await using c = await connect({ port: server.addr.port });
  await c.writeAll(encodeProxyHeader({ command: "local" }));
  await c.closeWrite();
  assert.equal(await readAll(c), `127.0.0.1 ${c.localAddr.port}\n`);
});

Deno.test("serve rejects peers outside trustedProxies before reading a header", async () => {
  const errors: unknown[] = [];
  await using server = serve(whoEcho, {
    hostname: "127.0.0.1",
    port: 0,
    proxyProtocol: "v1",
    trustedProxies: ["127.0.0.2"],
    onError: (e) => errors.push(e),
  });
  await using c = await connect({ port: server.addr.port });
  await c.writeAll(enc.encode("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n"));
  assert.equal(await readAll(c).catch(() => ""), "");
  assert.ok(errors[0] instanceof ProxyProtocolError);
  assert.equal(errors[0].reason, "untrusted-peer");
});

Deno.test("serve rejects an unknown proxyProtocol mode up front", () => {
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => serve(() => {}, { port: 0, proxyProtocol: "v3" as any }),
    RangeError,
  );
});

Deno.test("serve shutdown cuts connections still waiting for a PROXY header without an error", async () => {
  const errors: unknown[] = [];
  const server = serve(whoEcho, {
    hostname: "127.0.0.1",
    port: 0,
    proxyProtocol: "auto",
    onError: (e) => errors.push(e),
  });
  await using c = await connect({ port: server.addr.port });
  await c.writeAll(enc.encode("PROX"));
  while (server.connections === 0) await new Promise((r) => setTimeout(r, 5));
  await server.shutdown();
  assert.equal(await readAll(c).catch(() => ""), "");
  assert.deepEqual(errors, []);
});
