/**
 * src/bsd/send_receive.ts and sockaddr.ts: the argument checks, the TCP forms of `recvfrom` and
 * `sendto`, `SO_SNDTIMEO`, `MSG_WAITALL`, and the sockaddr structures as bytes and objects.
 */
import assert from "node:assert/strict";
import * as bsd from "../../src/bsd/mod.ts";

const { AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM, SOL_SOCKET } = bsd;

/** A connected TCP pair on 127.0.0.1: [client, accepted, listener]. */
async function tcpPair(): Promise<[number, number, number]> {
  const l = bsd.socket(AF_INET, SOCK_STREAM, 0);
  const addr = new bsd.sockaddr_in();
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = bsd.inet_addr("127.0.0.1");
  bsd.bind(l, addr);
  bsd.listen(l, 5);
  bsd.getsockname(l, addr);
  const c = bsd.socket(AF_INET, SOCK_STREAM, 0);
  const connecting = bsd.connect(c, addr);
  const s = await bsd.accept(l);
  await connecting;
  return [c, s, l];
}

async function closeAll(...fds: number[]): Promise<void> {
  for (const fd of fds) await bsd.closesocket(fd);
}

Deno.test("send and recv refuse a length past the buffer and unknown flags, with EFAULT and EOPNOTSUPP", async () => {
  const [c, s, l] = await tcpPair();
  try {
    await assert.rejects(bsd.send(c, new Uint8Array(4), 5, 0), { code: "EFAULT" });
    await assert.rejects(bsd.recv(s, new Uint8Array(4), -1, 0), { code: "EFAULT" });
    await assert.rejects(
      bsd.send(c, "text" as unknown as Uint8Array, 4, 0),
      { code: "EFAULT", message: /not a Uint8Array/ },
    );
    await assert.rejects(bsd.recv(s, new Uint8Array(4), 4, 0x40), {
      code: "EOPNOTSUPP",
      message: /unsupported flags 0x40/,
    });
    assert.equal(bsd.WSAGetLastError(), 10045); // WSAEOPNOTSUPP, stored for the C-style check
  } finally {
    await closeAll(c, s, l);
  }
});

Deno.test("recvfrom and sendto on TCP act as recv and send, and recvfrom names the peer", async () => {
  const [c, s, l] = await tcpPair();
  try {
    const ignored = new bsd.sockaddr_in(); // sendto's address is ignored on a connected TCP socket
    assert.equal(await bsd.sendto(c, new TextEncoder().encode("Hello"), 5, 0, ignored), 5);
    const from = new bsd.sockaddr_in();
    const fromlen = { value: 0 };
    const buf = new Uint8Array(16);
    assert.equal(await bsd.recvfrom(s, buf, 16, bsd.MSG_WAITALL & 0, from, fromlen), 5);
    assert.equal(new TextDecoder().decode(buf.subarray(0, 5)), "Hello");
    assert.equal(bsd.inet_ntoa(from.sin_addr), "127.0.0.1");
    const mine = new bsd.sockaddr_in();
    bsd.getsockname(c, mine);
    assert.equal(from.sin_port, mine.sin_port);
    assert.equal(fromlen.value, bsd.SOCKADDR_IN_SIZE);
  } finally {
    await closeAll(c, s, l);
  }
});

Deno.test("MSG_WAITALL waits for every byte asked for, across several sends", async () => {
  const [c, s, l] = await tcpPair();
  try {
    const buf = new Uint8Array(6);
    const all = bsd.recv(s, buf, 6, bsd.MSG_WAITALL);
    await bsd.send(c, new Uint8Array([1, 2]), 2, 0);
    await new Promise((r) => setTimeout(r, 20));
    await bsd.send(c, new Uint8Array([3, 4, 5, 6]), 4, 0);
    assert.equal(await all, 6);
    assert.deepEqual(buf, new Uint8Array([1, 2, 3, 4, 5, 6]));
  } finally {
    await closeAll(c, s, l);
  }
});

Deno.test("SO_SNDTIMEO bounds a send the peer never drains with EAGAIN / WSAETIMEDOUT", async () => {
  const [c, s, l] = await tcpPair();
  try {
    bsd.setsockopt(c, SOL_SOCKET, bsd.SO_SNDTIMEO, { tv_sec: 0, tv_usec: 200_000 });
    const big = new Uint8Array(64 * 1024 * 1024); // far more than both socket buffers hold
    const started = performance.now();
    const error = await bsd.send(c, big, big.length, 0).then(() => null, (e) => e);
    assert.ok(error instanceof bsd.BsdError, `a BsdError, got ${error}`);
    assert.equal(error.code, "EAGAIN");
    assert.equal(error.wsaName, "WSAETIMEDOUT");
    assert.match(error.message, /^Cannot send: the write did not finish within SO_SNDTIMEO 200 ms/);
    assert.ok(performance.now() - started < 5000);
  } finally {
    await closeAll(c, s, l);
  }
});

Deno.test("SO_RCVTIMEO's error says what waited, and send on a shut-down socket is EPIPE / WSAESHUTDOWN", async () => {
  const [c, s, l] = await tcpPair();
  try {
    bsd.setsockopt(s, SOL_SOCKET, bsd.SO_RCVTIMEO, 50);
    await assert.rejects(bsd.recv(s, new Uint8Array(4), 4, 0), {
      code: "EAGAIN",
      message: /^Cannot recv: no data within SO_RCVTIMEO 50 ms/,
    });
    await bsd.shutdown(c, bsd.SHUT_WR);
    await assert.rejects(bsd.send(c, new Uint8Array(1), 1, 0), {
      code: "EPIPE",
      wsaName: "WSAESHUTDOWN",
    });
  } finally {
    await closeAll(c, s, l);
  }
});

Deno.test("send on an unconnected UDP socket is EDESTADDRREQ; sendto with the wrong family is EAFNOSUPPORT", async () => {
  const u = bsd.socket(AF_INET, SOCK_DGRAM, 0);
  try {
    await assert.rejects(bsd.send(u, new Uint8Array(1), 1, 0), { code: "EDESTADDRREQ" });
    const v6 = new bsd.sockaddr_in6();
    v6.sin6_family = AF_INET6;
    await assert.rejects(bsd.sendto(u, new Uint8Array(1), 1, 0, v6), { code: "EAFNOSUPPORT" });
  } finally {
    await bsd.closesocket(u);
  }
});

Deno.test("sockaddr_in and sockaddr_in6 give the C structs' bytes and their text", () => {
  const a = new bsd.sockaddr_in();
  a.sin_family = AF_INET;
  a.sin_port = bsd.htons(8080);
  a.sin_addr.s_addr = bsd.inet_addr("127.0.0.1");
  assert.deepEqual([...a.bytes()], [2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(a.toString(), "127.0.0.1:8080");
  const b = new bsd.sockaddr_in6();
  b.sin6_family = AF_INET6;
  b.sin6_port = bsd.htons(8080);
  b.sin6_flowinfo = 0x12345;
  b.sin6_addr.s6_addr[15] = 1;
  b.sin6_scope_id = 3;
  const bytes = b.bytes();
  assert.equal(bytes.length, bsd.SOCKADDR_IN6_SIZE);
  assert.deepEqual([...bytes.subarray(0, 8)], [10, 0, 0x1f, 0x90, 0, 1, 0x23, 0x45]);
  assert.equal(bytes[23], 1);
  assert.deepEqual([...bytes.subarray(24)], [3, 0, 0, 0]); // scope_id in host order
  assert.equal(b.toString(), "[::1]:8080");
  // Both structures decode back from their bytes.
  assert.deepEqual(bsd.decodeSockaddr("test", a.bytes()), {
    family: AF_INET,
    hostname: "127.0.0.1",
    port: 8080,
  });
  assert.deepEqual(bsd.decodeSockaddr("test", bytes), {
    family: AF_INET6,
    hostname: "::1",
    port: 8080,
  });
});

Deno.test("decodeSockaddr takes C-shaped objects and refuses short, foreign and malformed addresses", () => {
  const port = bsd.htons(53);
  for (
    const sin_addr of [
      bsd.inet_addr("10.0.0.1"),
      { s_addr: bsd.inet_addr("10.0.0.1") },
      new Uint8Array([10, 0, 0, 1]),
    ]
  ) {
    assert.deepEqual(bsd.decodeSockaddr("t", { sin_family: AF_INET, sin_port: port, sin_addr }), {
      family: AF_INET,
      hostname: "10.0.0.1",
      port: 53,
    });
  }
  const s6 = new Uint8Array(16);
  s6[15] = 2;
  assert.equal(
    bsd.decodeSockaddr("t", { sin6_family: AF_INET6, sin6_port: port, sin6_addr: s6 }).hostname,
    "::2",
  );
  assert.equal(
    bsd.decodeSockaddr("t", { sin6_family: AF_INET6, sin6_port: port, sin6_addr: { s6_addr: s6 } })
      .port,
    53,
  );
  assert.throws(() => bsd.decodeSockaddr("t", new Uint8Array(1)), { code: "EFAULT" });
  assert.throws(() => bsd.decodeSockaddr("t", new Uint8Array([2, 0, 0, 0])), {
    code: "EFAULT",
    message: /sockaddr_in needs 16 bytes, got 4/,
  });
  assert.throws(() => bsd.decodeSockaddr("t", new Uint8Array([10, 0, 0, 0])), {
    message: /sockaddr_in6 needs 28 bytes, got 4/,
  });
  assert.throws(() => bsd.decodeSockaddr("t", new Uint8Array([42, 0, 0, 0])), {
    code: "EAFNOSUPPORT",
  });
  assert.throws(
    () => bsd.decodeSockaddr("t", { sin_family: AF_INET6, sin_port: 0, sin_addr: 0 }),
    { code: "EAFNOSUPPORT" },
  );
  assert.throws(
    () => bsd.decodeSockaddr("t", { sin_family: AF_INET, sin_port: 0, sin_addr: "x" as never }),
    { code: "EFAULT" },
  );
  assert.throws(
    () => bsd.decodeSockaddr("t", { sin6_family: AF_INET, sin6_port: 0, sin6_addr: s6 }),
    { code: "EAFNOSUPPORT" },
  );
  assert.throws(
    () =>
      bsd.decodeSockaddr("t", {
        sin6_family: AF_INET6,
        sin6_port: 0,
        sin6_addr: new Uint8Array(4),
      }),
    { code: "EFAULT" },
  );
  assert.throws(() => bsd.decodeSockaddr("t", null as never), {
    code: "EFAULT",
    message: /expected a sockaddr_in, sockaddr_in6 or its bytes/,
  });
});
