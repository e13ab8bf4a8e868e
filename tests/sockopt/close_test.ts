import assert from "node:assert/strict";
import {
  abortConnection,
  closeGracefully,
  closeSocket,
  connect,
  endReason,
  listen,
  setSocketOptions,
  SocketStateError,
  type TcpConnection,
  tcpInfo,
} from "../../mod.ts";
import { StaleDescriptorError } from "../../src/sockopt/mod.ts";
import { tcpPair } from "../_tcp_pair.ts";

async function readAll(conn: Deno.Conn): Promise<{ bytes: number; error?: unknown }> {
  const buf = new Uint8Array(65536);
  let bytes = 0;
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) return { bytes };
      bytes += n;
    }
  } catch (error) {
    return { bytes, error };
  }
}

/** Write until a write stays pending (the server never reads, so the window closes). */
async function fillUntilBlocked(conn: Deno.Conn): Promise<void> {
  const chunk = new Uint8Array(65536);
  for (let i = 0; i < 64; i++) {
    let t: ReturnType<typeof setTimeout> | undefined;
    const n = await Promise.race([
      conn.write(chunk).catch(() => -2),
      new Promise<number>((r) => t = setTimeout(() => r(-1), 100)),
    ]).finally(() => clearTimeout(t));
    if (n < 0) return;
  }
}

Deno.test("abortConnection makes the peer's read fail with ConnectionReset, after the bytes sent before it (TCP-03)", async () => {
  using p = await tcpPair();
  await p.client.write(new Uint8Array(100));
  abortConnection(p.client);
  const r = await readAll(p.server);
  assert.equal(r.bytes, 100, "bytes queued before the RST are still read");
  assert.ok(r.error instanceof Deno.errors.ConnectionReset, String(r.error));
  assert.equal(endReason(p.server), "RST");
});

Deno.test("abortConnection after closeWrite resets the half-closed connection, and every later call is a typed error (TCP-04)", async () => {
  using p = await tcpPair();
  await p.client.closeWrite();
  assert.equal(await p.server.read(new Uint8Array(4)), null, "our FIN arrives first");
  abortConnection(p.client);
  // The peer, still able to send after our FIN, finds the connection reset.
  for (let i = 0; i < 100 && tcpInfo(p.server).state !== "CLOSED"; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(tcpInfo(p.server).state, "CLOSED");
  await assert.rejects(p.server.write(new Uint8Array(4)), Deno.errors.BrokenPipe);
  // Our side is closed: a second abort and a late closeWrite are typed errors, not crashes.
  assert.throws(
    () => abortConnection(p.client),
    (e: unknown) => e instanceof StaleDescriptorError && e.problem === "closed",
  );
  await assert.rejects(p.client.closeWrite(), Deno.errors.BadResource);
});

Deno.test("abortConnection works through a wrapper and refuses non-TCP sockets", async () => {
  using p = await tcpPair();
  abortConnection({ raw: p.client });
  assert.throws(() => p.client.close(), Deno.errors.BadResource, "the conn is closed");
  const udp = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  try {
    assert.throws(() => abortConnection(udp), TypeError);
    assert.throws(() => abortConnection(p.listener), TypeError);
  } finally {
    udp.close();
  }
  assert.throws(() => abortConnection(p.client), StaleDescriptorError, "a second abort is typed");
});

Deno.test("abortConnection on a sockkit connection leaves the wrapper closed with its own typed errors", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  const conn = await connect({ port: server.addr.port });
  await using peer = await accepted;
  abortConnection(conn);
  assert.ok(conn.closed);
  await assert.rejects(
    conn.write(new Uint8Array(1)),
    (e: unknown) =>
      e instanceof SocketStateError && e instanceof Deno.errors.BadResource && e.code === "EBADF",
  );
  await assert.rejects(conn.read(new Uint8Array(1)), SocketStateError);
  await conn.close(); // a later close is harmless
  await assert.rejects(peer.read(new Uint8Array(1)), Deno.errors.ConnectionReset);
  // The same for closeGracefully and closeSocket given the wrapper.
  for (const close of [(c: TcpConnection) => closeGracefully(c), closeSocket]) {
    const next = server.accept();
    const c = await connect({ port: server.addr.port });
    await using _p = await next;
    await close(c);
    assert.ok(c.closed, close.name);
    await assert.rejects(c.write(new Uint8Array(1)), SocketStateError);
  }
});

Deno.test("Deno's own close sends a FIN even with SO_LINGER 0, which is why abortConnection exists", async () => {
  using p = await tcpPair();
  setSocketOptions(p.client, { linger: 0 });
  p.client.close();
  const r = await readAll(p.server);
  assert.equal(r.error, undefined, "the peer reads a clean end of stream: the FIN left first");
  assert.equal(r.bytes, 0);
});

Deno.test("closeGracefully delivers every byte, then reports drained", async () => {
  using p = await tcpPair();
  const payload = new Uint8Array(1 << 20).fill(7);
  const reading = readAll(p.server);
  let off = 0;
  while (off < payload.length) off += await p.client.write(payload.subarray(off));
  const report = await closeGracefully(p.client, { timeout: 5000 });
  assert.equal(report.method, "graceful");
  assert.ok(report.outcome === "drained" || report.outcome === "peer-closed", report.outcome);
  assert.equal(report.unsentBytes, 0);
  const r = await reading;
  assert.equal(r.bytes, payload.length);
  assert.equal(r.error, undefined);
});

Deno.test("closeGracefully gives up after its timeout without blocking the event loop", async () => {
  using p = await tcpPair();
  setSocketOptions(p.server, { receiveBufferSize: 2304 });
  setSocketOptions(p.client, { sendBufferSize: 4608 });
  await fillUntilBlocked(p.client);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const report = await closeGracefully(p.client, { timeout: 300 });
  clearInterval(timer);
  assert.equal(report.outcome, "timeout-reset");
  assert.ok(report.unsentBytes > 0);
  assert.ok(report.elapsedMs >= 300);
  assert.ok(ticks >= 5, `timers kept running while waiting (${ticks} ticks)`);
  const r = await readAll(p.server);
  assert.ok(r.error instanceof Deno.errors.ConnectionReset, "the peer learns data was lost");
});

Deno.test("closeGracefully with onTimeout close ends with a FIN instead", async () => {
  using p = await tcpPair();
  setSocketOptions(p.server, { receiveBufferSize: 2304 });
  setSocketOptions(p.client, { sendBufferSize: 4608 });
  await fillUntilBlocked(p.client);
  const report = await closeGracefully(p.client, { timeout: 100, onTimeout: "close" });
  assert.equal(report.outcome, "timeout-closed");
  await assert.rejects(closeGracefully(p.client), StaleDescriptorError);
  await assert.rejects(closeGracefully(p.server, { timeout: -1 }), TypeError);
  await readAll(p.server);
});

Deno.test("closeSocket honours the recorded linger: 0 resets, N drains, unset closes", async () => {
  {
    using p = await tcpPair();
    setSocketOptions(p.client, { linger: 0 });
    const report = await closeSocket(p.client);
    assert.deepEqual([report.method, report.outcome], ["abort", "reset"]);
    assert.ok((await readAll(p.server)).error instanceof Deno.errors.ConnectionReset);
  }
  {
    using p = await tcpPair();
    setSocketOptions(p.client, { linger: 2 });
    await p.client.write(new Uint8Array(1000));
    const reading = readAll(p.server);
    const report = await closeSocket({ raw: p.client });
    assert.equal(report.method, "graceful");
    assert.equal((await reading).bytes, 1000);
  }
  {
    using p = await tcpPair();
    setSocketOptions(p.client, { linger: false });
    const report = await closeSocket(p.client);
    assert.deepEqual([report.method, report.outcome], ["close", "closed"]);
    assert.equal((await readAll(p.server)).error, undefined);
    assert.equal((await closeSocket(p.listener)).method, "close");
  }
});

Deno.test("endReason tells OPEN, FIN, RST and CLOSED apart", async () => {
  {
    using p = await tcpPair();
    assert.equal(endReason(p.client), "OPEN");
    p.server.close();
    assert.equal((await readAll(p.client)).bytes, 0);
    assert.equal(endReason(p.client), "FIN");
    assert.equal(tcpInfo(p.client).state, "CLOSE_WAIT");
  }
  {
    using p = await tcpPair();
    abortConnection(p.server);
    await readAll(p.client);
    assert.equal(endReason(p.client), "RST");
    assert.equal(tcpInfo(p.client).state, "CLOSED");
  }
  {
    using p = await tcpPair();
    await p.client.closeWrite();
    await readAll(p.server);
    p.server.close();
    await readAll(p.client);
    assert.equal(endReason(p.client), "CLOSED", "after our own FIN, FIN and RST look alike");
  }
});
