import assert from "node:assert/strict";
import * as bsd from "../../src/bsd/mod.ts";
import {
  accept,
  AF_INET,
  AF_INET6,
  bind,
  BsdError,
  closesocket,
  connect,
  errno,
  FD_ISSET,
  FD_SET,
  fd_set,
  FD_ZERO,
  FIONBIO,
  getpeername,
  getsockname,
  getsockopt,
  htons,
  inet_addr,
  inet_ntoa,
  ioctlsocket,
  listen,
  MAKEWORD,
  MSG_OOB,
  MSG_PEEK,
  MSG_WAITALL,
  ntohs,
  openSockets,
  recv,
  recvfrom,
  resetWinsock,
  select,
  send,
  sendto,
  setsockopt,
  setWinsockRules,
  SHUT_WR,
  shutdown,
  SO_ERROR,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  sockaddr_in,
  sockaddr_in6,
  socket,
  SOL_SOCKET,
  WSACleanup,
  WSAGetLastError,
  WSAStartup,
} from "../../src/bsd/mod.ts";

const te = new TextEncoder();
const td = new TextDecoder();

function loopback(port = 0): sockaddr_in {
  const a = new sockaddr_in();
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = inet_addr("127.0.0.1");
  a.sin_port = htons(port);
  return a;
}

/** A listening bsd socket on 127.0.0.1 and its address. */
function tcpServer(backlog = 5): { s: number; addr: sockaddr_in } {
  const s = socket(AF_INET, SOCK_STREAM, 0);
  const addr = loopback();
  bind(s, addr);
  listen(s, backlog);
  getsockname(s, addr);
  return { s, addr };
}

async function pair(): Promise<{ l: number; c: number; a: number }> {
  const { s: l, addr } = tcpServer();
  const c = socket(AF_INET, SOCK_STREAM, 0);
  const [, a] = await Promise.all([connect(c, addr), accept(l)]);
  return { l, c, a };
}

async function closeAll(...fds: number[]) {
  for (const fd of fds) await closesocket(fd);
}

Deno.test("recv returns 0 after the peer's orderly close and MSG_PEEK leaves data queued", async () => {
  const { l, c, a } = await pair();
  await send(a, te.encode("Welcome\0"), 8, 0);
  const buf = new Uint8Array(64);
  assert.equal(await recv(c, buf, 3, MSG_PEEK), 3);
  assert.equal(td.decode(buf.subarray(0, 3)), "Wel");
  assert.equal(await recv(c, buf, 64, 0), 8);
  assert.equal(td.decode(buf.subarray(0, 8)), "Welcome\0");
  // MSG_WAITALL waits for the full length across two sends.
  const waiting = recv(c, buf, 4, MSG_WAITALL);
  await send(a, te.encode("ab"), 2, 0);
  await new Promise((r) => setTimeout(r, 20));
  await send(a, te.encode("cd"), 2, 0);
  assert.equal(await waiting, 4);
  assert.equal(td.decode(buf.subarray(0, 4)), "abcd");
  await closesocket(a);
  assert.equal(await recv(c, buf, 64, 0), 0);
  assert.equal(await recv(c, buf, 64, 0), 0);
  await closeAll(c, l);
});

Deno.test("accept fills in the peer address and getpeername agrees", async () => {
  const { s: l, addr } = tcpServer();
  const c = socket(AF_INET, SOCK_STREAM, 0);
  const from = new sockaddr_in();
  const len = { value: 0 };
  const [, a] = await Promise.all([connect(c, addr), accept(l, from, len)]);
  assert.equal(len.value, 16);
  assert.equal(inet_ntoa(from.sin_addr), "127.0.0.1");
  const mine = new sockaddr_in();
  getsockname(c, mine);
  assert.equal(ntohs(from.sin_port), ntohs(mine.sin_port));
  const peer = new sockaddr_in();
  getpeername(c, peer);
  assert.equal(ntohs(peer.sin_port), ntohs(addr.sin_port));
  await closeAll(a, c, l);
});

Deno.test("a hand-built sockaddr_in is accepted as bytes too", async () => {
  const { s: l, addr } = tcpServer();
  const c = socket(AF_INET, SOCK_STREAM, 0);
  const bytes = addr.bytes();
  assert.equal(bytes.length, 16);
  const [, a] = await Promise.all([connect(c, bytes), accept(l)]);
  const out = new Uint8Array(16);
  getpeername(c, out);
  assert.deepEqual(out, bytes);
  await closeAll(a, c, l);
});

Deno.test("listen uses the backlog, as ss shows in Send-Q", async () => {
  const { s, addr } = tcpServer(7);
  const port = ntohs(addr.sin_port);
  const out = await new Deno.Command("ss", { args: ["-ltnH", `sport = :${port}`] }).output();
  const line = td.decode(out.stdout).trim();
  assert.match(line, /^LISTEN\s+0\s+7\s/);
  await closesocket(s);
});

Deno.test("bind reports EADDRINUSE at bind and EINVAL when already bound", async () => {
  const { s, addr } = tcpServer();
  const t = socket(AF_INET, SOCK_STREAM, 0);
  assert.throws(() => bind(t, addr), (e: BsdError) => {
    assert.ok(e instanceof BsdError && e instanceof Deno.errors.AddrInUse);
    assert.equal(e.wsaName, "WSAEADDRINUSE");
    return true;
  });
  assert.equal(WSAGetLastError(), 10048);
  assert.equal(errno(), 98);
  bind(t, loopback());
  assert.throws(() => bind(t, loopback()), { code: "EINVAL", wsaCode: 10022 });
  await closeAll(t, s);
});

Deno.test("a refused connect throws ConnectionRefused and sets WSAGetLastError", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  const c = socket(AF_INET, SOCK_STREAM, 0);
  await assert.rejects(connect(c, loopback(port)), (e: BsdError) => {
    assert.ok(e instanceof Deno.errors.ConnectionRefused);
    assert.ok(e instanceof BsdError);
    assert.equal(e.call, "connect");
    assert.equal(e.errno, 111);
    return true;
  });
  assert.equal(WSAGetLastError(), 10061);
  await closesocket(c);
});

Deno.test("non-blocking connect gives EINPROGRESS, then select reports it and SO_ERROR tells how", async () => {
  const { s: l, addr } = tcpServer();
  const c = socket(AF_INET, SOCK_STREAM, 0);
  ioctlsocket(c, FIONBIO, 1);
  await assert.rejects(connect(c, addr), (e: BsdError) => {
    assert.equal(e.code, "EINPROGRESS");
    assert.equal(e.wsaName, "WSAEWOULDBLOCK");
    return true;
  });
  const wr = new fd_set();
  FD_SET(c, wr);
  assert.equal(await select(0, null, wr, null, { tv_sec: 5, tv_usec: 0 }), 1);
  assert.ok(FD_ISSET(c, wr));
  assert.equal(getsockopt(c, SOL_SOCKET, SO_ERROR), 0);
  const buf = new Uint8Array(4);
  await assert.rejects(recv(c, buf, 4, 0), { code: "EAGAIN", wsaName: "WSAEWOULDBLOCK" });
  const a = await accept(l);
  await closeAll(a, c);

  // Now to a closed port: the failure shows in SO_ERROR.
  const port = ntohs(addr.sin_port);
  await closesocket(l);
  const d = socket(AF_INET, SOCK_STREAM, 0);
  ioctlsocket(d, FIONBIO, 1);
  await assert.rejects(connect(d, loopback(port)), { code: "EINPROGRESS" });
  FD_ZERO(wr);
  FD_SET(d, wr);
  assert.equal(await select(0, null, wr, null, { tv_sec: 5, tv_usec: 0 }), 1);
  assert.equal(getsockopt(d, SOL_SOCKET, SO_ERROR), 111);
  assert.equal(getsockopt(d, SOL_SOCKET, SO_ERROR), 0); // read and cleared
  await closesocket(d);
});

Deno.test("select times out with nothing ready and reports data without consuming it", async () => {
  const { l, c, a } = await pair();
  const rd = new fd_set();
  FD_SET(c, rd);
  assert.equal(await select(0, rd, null, null, { tv_sec: 0, tv_usec: 20_000 }), 0);
  assert.ok(!FD_ISSET(c, rd));
  await send(a, te.encode("ping"), 4, 0);
  FD_SET(c, rd);
  assert.equal(await select(0, rd, null, null, null), 1);
  const buf = new Uint8Array(8);
  assert.equal(await recv(c, buf, 8, 0), 4);
  assert.equal(td.decode(buf.subarray(0, 4)), "ping");
  await assert.rejects(select(0, rd, null, null, { tv_sec: 0, tv_usec: 2_000_000 }), {
    code: "EINVAL",
  });
  await closeAll(a, c, l);
});

Deno.test("SO_RCVTIMEO makes recv fail after the timeout and loses no data", async () => {
  const { l, c, a } = await pair();
  setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, 50);
  const buf = new Uint8Array(8);
  const t0 = performance.now();
  await assert.rejects(recv(c, buf, 8, 0), { code: "EAGAIN", wsaName: "WSAETIMEDOUT" });
  const waited = performance.now() - t0;
  assert.ok(waited >= 45, `recv gave up after ${waited} ms, before the 50 ms timeout`);
  await send(a, te.encode("late"), 4, 0);
  assert.equal(await recv(c, buf, 8, 0), 4);
  assert.equal(td.decode(buf.subarray(0, 4)), "late");
  await closeAll(a, c, l);
});

Deno.test("SO_LINGER 0 makes closesocket send an RST the peer sees as ECONNRESET", async () => {
  const { l, c, a } = await pair();
  setsockopt(a, SOL_SOCKET, SO_LINGER, { l_onoff: 1, l_linger: 0 });
  assert.deepEqual(getsockopt(a, SOL_SOCKET, SO_LINGER), { l_onoff: 1, l_linger: 0 });
  await closesocket(a);
  await assert.rejects(recv(c, new Uint8Array(4), 4, 0), (e: BsdError) => {
    assert.ok(e instanceof Deno.errors.ConnectionReset);
    assert.equal(e.wsaCode, 10054);
    return true;
  });
  assert.equal(await recv(c, new Uint8Array(4), 4, 0), 0);
  // Writing to the reset connection: Linux says EPIPE; Winsock, which has no EPIPE, says
  // WSAECONNRESET, and WSAGetLastError() reports it for a faithful port.
  await assert.rejects(send(c, te.encode("x"), 1, 0), { code: "EPIPE", wsaCode: 10054 });
  assert.equal(errno(), 32);
  assert.equal(WSAGetLastError(), 10054);
  await closeAll(c, l);
});

Deno.test("shutdown(SHUT_WR) sends FIN: the peer reads 0 and can still reply", async () => {
  const { l, c, a } = await pair();
  await shutdown(c, SHUT_WR);
  const buf = new Uint8Array(8);
  assert.equal(await recv(a, buf, 8, 0), 0);
  await send(a, te.encode("bye"), 3, 0);
  assert.equal(await recv(c, buf, 8, 0), 3);
  await assert.rejects(send(c, buf, 1, 0), { code: "EPIPE", wsaName: "WSAESHUTDOWN" });
  await closeAll(a, c, l);
});

Deno.test("options set before listen are applied to the listener and read back from the kernel", async () => {
  const s = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, 32 * 1024);
  assert.equal(getsockopt(s, SOL_SOCKET, SO_RCVBUF), 32 * 1024); // recorded
  bind(s, loopback());
  listen(s, 5);
  assert.equal(getsockopt(s, SOL_SOCKET, SO_RCVBUF), 64 * 1024); // Linux doubles it
  await closesocket(s);
});

Deno.test("UDP recvfrom fills in the sender and connect sets the default peer and filter", async () => {
  const srv = socket(AF_INET, SOCK_DGRAM, 0);
  const addr = loopback();
  bind(srv, addr);
  getsockname(srv, addr);
  const a = socket(AF_INET, SOCK_DGRAM, 0);
  const b = socket(AF_INET, SOCK_DGRAM, 0);
  await connect(a, addr);
  await sendto(b, te.encode("B:from b"), undefined, 0, addr);
  await send(a, te.encode("A:from a"), undefined, 0);
  // The senders' ports, as the kernel bound them (b implicitly, by its first sendto).
  const portOf = (s: number) => {
    const sa = new sockaddr_in();
    getsockname(s, sa);
    return ntohs(sa.sin_port);
  };
  const senders: Record<string, number> = { A: portOf(a), B: portOf(b) };
  assert.notEqual(senders.A, senders.B);
  const from = new sockaddr_in();
  const buf = new Uint8Array(3);
  // Truncated to the buffer, as in C; the rest of the datagram is dropped.
  assert.equal(await recvfrom(srv, buf, 3, 0, from), 3);
  const first = td.decode(buf);
  assert.match(first, /^[AB]:f$/);
  assert.equal(ntohs(from.sin_port), senders[first[0]], `sender of ${first}`);
  assert.equal(from.sin_addr.s_addr, inet_addr("127.0.0.1"));
  const big = new Uint8Array(64);
  const n = await recvfrom(srv, big, 64, 0, from);
  const second = td.decode(big.subarray(0, n));
  assert.equal(second, first[0] === "A" ? "B:from b" : "A:from a");
  assert.equal(ntohs(from.sin_port), senders[second[0]], `sender of ${second}`);
  // srv connects to a: a datagram from b is filtered out.
  const aAddr = new sockaddr_in();
  getsockname(a, aAddr);
  aAddr.sin_addr.s_addr = inet_addr("127.0.0.1");
  await connect(srv, aAddr);
  await sendto(b, te.encode("nope"), undefined, 0, addr);
  await send(a, te.encode("yes"), undefined, 0);
  assert.equal(await recv(srv, big, 64, 0), 3);
  assert.equal(td.decode(big.subarray(0, 3)), "yes");
  await assert.rejects(send(b, big, 1, 0), { code: "EDESTADDRREQ" });
  await closeAll(a, b, srv);
});

Deno.test("recvfrom on an unbound UDP socket fails with EINVAL", async () => {
  const s = socket(AF_INET, SOCK_DGRAM, 0);
  await assert.rejects(recvfrom(s, new Uint8Array(8), 8, 0), { code: "EINVAL" });
  await closesocket(s);
});

Deno.test("MSG_OOB fails with EOPNOTSUPP and SOCK_RAW is refused", async () => {
  const { l, c, a } = await pair();
  await assert.rejects(recv(c, new Uint8Array(1), 1, MSG_OOB), {
    code: "EOPNOTSUPP",
    wsaName: "WSAEOPNOTSUPP",
  });
  await assert.rejects(send(c, new Uint8Array(1), 1, MSG_OOB), { code: "EOPNOTSUPP" });
  await closeAll(a, c, l);
  // Privileged (root, with --allow-sys): Deno still has no raw sockets.
  const privileged = (() => {
    try {
      return Deno.uid() === 0;
    } catch {
      return false;
    }
  })();
  assert.throws(
    () => socket(AF_INET, SOCK_RAW, 1),
    { code: privileged ? "ESOCKTNOSUPPORT" : "EPERM" },
  );
});

Deno.test("SOCK_RAW without privilege fails with EPERM / WSAEACCES", async () => {
  const code = `
    import { socket, AF_INET, SOCK_RAW, WSAGetLastError, errno } from "./src/bsd/mod.ts";
    try { socket(AF_INET, SOCK_RAW, 1); } catch (e) { console.log(e.code, errno(), WSAGetLastError()); }
  `;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      file,
      code.replace("./src/bsd/mod.ts", new URL("../../src/bsd/mod.ts", import.meta.url).href),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "--allow-read", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(td.decode(out.stdout).trim(), "EPERM 1 10013", td.decode(out.stderr));
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("WSAStartup accepts only MAKEWORD(2,2), counts references and then enforces itself", async () => {
  resetWinsock();
  try {
    assert.throws(() => WSAStartup(MAKEWORD(1, 1)), { wsaName: "WSAVERNOTSUPPORTED" });
    const s0 = socket(AF_INET, SOCK_DGRAM, 0); // POSIX rules: no start-up needed yet
    await closesocket(s0);
    assert.equal(WSAStartup(MAKEWORD(2, 2)), 0);
    assert.equal(WSAStartup(MAKEWORD(2, 2)), 0);
    const s = socket(AF_INET, SOCK_STREAM, 0);
    assert.equal(await WSACleanup(), 0);
    assert.ok(openSockets().includes(s)); // one reference left
    assert.equal(await WSACleanup(), 0);
    assert.ok(!openSockets().includes(s)); // the last cleanup closed it
    assert.throws(() => socket(AF_INET, SOCK_STREAM, 0), (e: BsdError) => {
      assert.equal(e.wsaCode, 10093);
      assert.equal(e.errno, 0);
      return true;
    });
    assert.equal(WSAGetLastError(), 10093);
    await assert.rejects(WSACleanup(), { wsaName: "WSANOTINITIALISED" });

    resetWinsock();
    setWinsockRules("winsock");
    assert.throws(() => socket(AF_INET, SOCK_STREAM, 0), { wsaName: "WSANOTINITIALISED" });
    WSAStartup(MAKEWORD(2, 2));
    await closesocket(socket(AF_INET, SOCK_STREAM, 0));
    await WSACleanup();
  } finally {
    resetWinsock();
  }
});

Deno.test("IPv6 sockets work with sockaddr_in6 and a family mismatch is refused", async () => {
  const l = socket(AF_INET6, SOCK_STREAM, 0);
  const a6 = new sockaddr_in6();
  a6.sin6_family = AF_INET6;
  a6.sin6_addr.s6_addr[15] = 1; // ::1
  bind(l, a6);
  listen(l, 5);
  getsockname(l, a6);
  assert.ok(ntohs(a6.sin6_port) > 0);
  const c = socket(AF_INET6, SOCK_STREAM, 0);
  await assert.rejects(connect(c, loopback(1)), { code: "EAFNOSUPPORT" });
  const from = new sockaddr_in6();
  const [, a] = await Promise.all([connect(c, a6), accept(l, from)]);
  assert.equal(from.toString().startsWith("[::1]:"), true);
  await closeAll(a, c, l);
});

Deno.test("calls on a closed descriptor fail with EBADF and a bsd namespace import works", async () => {
  const s = bsd.socket(bsd.AF_INET, bsd.SOCK_STREAM, 0);
  await bsd.closesocket(s);
  assert.throws(() => bsd.listen(s, 1), { code: "EBADF", wsaCode: 10009 });
  assert.equal(bsd.errno(), 9);
});

Deno.test("bind succeeds on a port held by another SO_REUSEPORT listener, as in C", async () => {
  const a = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(a, SOL_SOCKET, bsd.SO_REUSEPORT, 1);
  bind(a, loopback());
  listen(a, 5);
  const addr = new sockaddr_in();
  getsockname(a, addr);
  const b = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(b, SOL_SOCKET, bsd.SO_REUSEPORT, 1);
  assert.equal(bind(b, addr), 0);
  listen(b, 5);
  // Without the option the same bind is refused.
  const c = socket(AF_INET, SOCK_STREAM, 0);
  assert.throws(() => bind(c, addr), { code: "EADDRINUSE" });
  await closeAll(a, b, c);
});
