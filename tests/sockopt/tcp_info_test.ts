import assert from "node:assert/strict";
import { pendingSendBytes } from "../../src/sockopt/mod.ts";
import { setSocketOptions, SocketOptionError, tcpInfo } from "../../mod.ts";

Deno.test("tcpInfo names LISTEN, ESTABLISHED, FIN_WAIT_2 and CLOSE_WAIT as the seeds do", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  assert.equal(tcpInfo(listener).state, "LISTEN");
  using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using server = await listener.accept();
  assert.equal(tcpInfo(client).state, "ESTABLISHED");
  await client.closeWrite();
  assert.equal(await server.read(new Uint8Array(1)), null);
  assert.equal(tcpInfo(server).state, "CLOSE_WAIT");
  // Our FIN is acknowledged a moment later: FIN_WAIT_1 -> FIN_WAIT_2.
  for (let i = 0; i < 100 && tcpInfo(client).state === "FIN_WAIT_1"; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(tcpInfo(client).state, "FIN_WAIT_2");
});

Deno.test("tcpInfo counts bytes acked and received, and measures an RTT", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using server = await listener.accept();
  await client.write(new Uint8Array(1000));
  let got = 0;
  const buf = new Uint8Array(2000);
  while (got < 1000) got += (await server.read(buf)) ?? 0;
  // bytes_acked also counts the client's SYN.
  for (let i = 0; i < 100 && tcpInfo(client).bytesAcked !== 1001; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const c = tcpInfo(client);
  const s = tcpInfo(server);
  assert.equal(c.bytesAcked, 1001);
  assert.equal(s.bytesAcked, 0, "the server sent nothing, and its SYN is not counted");
  assert.equal(c.bytesSent, 1000);
  assert.equal(s.bytesReceived, 1000);
  assert.ok(c.rtt > 0 && c.rtt < 1_000_000, `rtt ${c.rtt} µs`);
  assert.ok(c.rttVar >= 0);
  assert.ok(c.sendCwnd >= 1);
  assert.equal(c.totalRetrans, 0);
  assert.equal(c.unacked, 0);
  assert.equal(pendingSendBytes(client), 0);
  assert.equal(typeof c.retransmits, "number");
});

Deno.test("tcpInfo on a UDP socket is a SocketOptionError, not a crash", () => {
  const udp = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  try {
    assert.throws(() => tcpInfo(udp), SocketOptionError);
  } finally {
    udp.close();
  }
});

Deno.test("pendingSendBytes sees data the peer has not acknowledged and our FIN", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  assert.throws(() => pendingSendBytes(listener), SocketOptionError, "EINVAL on a listener");
  // A tiny receive buffer from the handshake on (inherited from the listener): a small window.
  setSocketOptions(listener, { receiveBufferSize: 2304 });
  using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using server = await listener.accept();
  // One write: the kernel takes what fits in the send buffer and returns; nothing stays
  // pending in Deno (a pending write would hold back closeWrite). The server does not read.
  const n = await client.write(new Uint8Array(1 << 20));
  let queued = 0;
  for (let i = 0; i < 100 && queued === 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
    queued = pendingSendBytes(client);
  }
  assert.ok(queued > 0 && queued <= n, `${queued} of ${n} bytes not acknowledged`);
  // shutdown(SHUT_WR) queues a FIN behind them; it takes one sequence number.
  await client.closeWrite();
  assert.equal(pendingSendBytes(client), queued + 1);
  // Once the server reads everything, data and FIN are acknowledged.
  const buf = new Uint8Array(65536);
  let got = 0;
  for (let r; (r = await server.read(buf)) !== null;) got += r;
  assert.equal(got, n);
  for (let i = 0; i < 200 && pendingSendBytes(client) !== 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(pendingSendBytes(client), 0);
});
