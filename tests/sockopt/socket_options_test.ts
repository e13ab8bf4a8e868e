import assert from "node:assert/strict";
import {
  getSocketOption,
  setSocketOption,
  socketConstants,
  StaleDescriptorError,
  UnsupportedPlatformError,
  unwrapSocket,
} from "../../src/sockopt/mod.ts";
import { getSocketOptions, setSocketOptions, SocketOptionError } from "../../mod.ts";
import { tcpPair } from "../_tcp_pair.ts";

const C = socketConstants();

Deno.test("setSocketOptions reports the doubled receive buffer Linux applies (OPT-05)", async () => {
  using p = await tcpPair();
  const r = setSocketOptions(p.client, { receiveBufferSize: 262144, sendBufferSize: 65536 });
  assert.deepEqual(r.receiveBufferSize, { requested: 262144, applied: 524288 });
  assert.deepEqual(r.sendBufferSize, { requested: 65536, applied: 131072 });
  assert.equal(getSocketOptions(p.client, ["receiveBufferSize"]).receiveBufferSize, 524288);
});

Deno.test("zero and one byte buffers are clamped to the kernel minimum and reported (OPT-05)", async () => {
  using p = await tcpPair();
  const r = setSocketOptions(p.client, { receiveBufferSize: 0, sendBufferSize: 1 });
  assert.equal(r.receiveBufferSize?.applied, 2304);
  assert.equal(r.sendBufferSize?.applied, 4608);
});

Deno.test("keepalive timing differs from the system default and reads back (OPT-01, OPT-03)", async () => {
  using p = await tcpPair();
  const before = getSocketOptions(p.client, ["keepAlive"]).keepAlive;
  assert.equal(before, false);
  const systemIdle = Number(Deno.readTextFileSync("/proc/sys/net/ipv4/tcp_keepalive_time"));
  assert.notEqual(systemIdle, 33, "the test's idle must differ from the system default");
  const r = setSocketOptions(p.client, { keepAlive: { idle: 33, interval: 5, count: 4 } });
  assert.deepEqual(r.keepAlive?.applied, { idle: 33, interval: 5, count: 4 });
  assert.deepEqual(r.keepAlive?.requested, { idle: 33, interval: 5, count: 4 });
  // The kernel's own answer, through getsockopt, not the report.
  assert.deepEqual(getSocketOptions(p.client, ["keepAlive"]).keepAlive, {
    idle: 33,
    interval: 5,
    count: 4,
  });
  setSocketOptions(p.client, { keepAlive: false });
  assert.equal(getSocketOptions(p.client, ["keepAlive"]).keepAlive, false);
});

// SO_DEBUG needs CAP_NET_ADMIN: without root it is left out, and the test says so.
const root = Deno.uid() === 0;

Deno.test("every named TCP option round-trips through getsockopt", async () => {
  using p = await tcpPair();
  const want = {
    reuseAddress: true,
    linger: 5 as number | false,
    userTimeout: 2500,
    noDelay: true,
    ttl: 17,
    tos: 0x10,
    cork: true,
    kernelReceiveTimeout: 1000,
    kernelSendTimeout: 1500,
    ...(root ? { debug: true } : {}),
  };
  if (!root) console.warn("SKIP debug: SO_DEBUG needs CAP_NET_ADMIN (run as root)");
  const names = Object.keys(want) as (keyof typeof want)[];
  const r = setSocketOptions(p.server, { ...want, quickAck: true });
  const read = getSocketOptions(p.server, [...names, "quickAck"]);
  for (const n of names) {
    assert.equal(r[n]?.applied, want[n], `report of ${n}`);
    assert.equal(read[n], want[n], `getsockopt of ${n}`);
  }
  // TCP_QUICKACK is not sticky: the kernel may clear it again at any time.
  assert.equal(typeof r.quickAck?.applied, "boolean");
  const offWant = { linger: false as const, cork: false, ...(root ? { debug: false } : {}) };
  const off = setSocketOptions(p.server, offWant);
  const offRead = getSocketOptions(p.server, Object.keys(offWant) as (keyof typeof offWant)[]);
  for (const [n, v] of Object.entries(offWant)) {
    assert.equal(off[n as keyof typeof offWant]?.applied, v, `report of ${n} off`);
    assert.equal(offRead[n as keyof typeof offWant], v, `getsockopt of ${n} off`);
  }
});

Deno.test("IPv6 sockets map ttl, tos and multicast options to the IPV6 level", async () => {
  using p = await tcpPair("::1");
  const r = setSocketOptions(p.client, { ttl: 9, tos: 0x20 });
  assert.equal(r.ttl?.applied, 9);
  assert.equal(r.tos?.applied, 0x20);
  assert.equal(getSocketOption(p.client, C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS), 9);
  assert.equal(getSocketOption(p.client, C.IPPROTO_IPV6, C.IPV6_TCLASS), 0x20);
  const udp = Deno.listenDatagram({ hostname: "::1", port: 0, transport: "udp" });
  try {
    const m = setSocketOptions(udp, { multicastTtl: 6, multicastLoop: false });
    assert.equal(m.multicastTtl?.applied, 6);
    assert.equal(m.multicastLoop?.applied, false);
    assert.equal(getSocketOption(udp, C.IPPROTO_IPV6, C.IPV6_MULTICAST_HOPS), 6);
    assert.equal(getSocketOption(udp, C.IPPROTO_IPV6, C.IPV6_MULTICAST_LOOP), 0);
  } finally {
    udp.close();
  }
});

Deno.test("UDP sockets accept broadcast and multicast options", () => {
  const udp = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  try {
    const r = setSocketOptions(udp, {
      broadcast: false,
      multicastTtl: 4,
      multicastLoop: false,
      receiveBufferSize: 4096,
    });
    assert.equal(r.broadcast?.applied, false);
    assert.equal(r.multicastTtl?.applied, 4);
    assert.equal(r.multicastLoop?.applied, false);
    assert.equal(r.receiveBufferSize?.applied, 8192);
    assert.equal(setSocketOptions(udp, { broadcast: true }).broadcast?.applied, true);
    const all = getSocketOptions(udp);
    assert.equal(all.broadcast, true);
    assert.ok(!("noDelay" in all), "TCP options are not read by default on UDP");
  } finally {
    udp.close();
  }
});

Deno.test("a TCP option on a UDP socket fails with SocketOptionError ENOPROTOOPT (OPT-06)", () => {
  const udp = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  try {
    assert.throws(
      () => setSocketOptions(udp, { noDelay: true }),
      (err: unknown) => {
        assert.ok(err instanceof SocketOptionError);
        assert.equal(err.option, "noDelay");
        assert.equal(err.code, "ENOPROTOOPT");
        assert.equal(err.errno, 92);
        assert.equal(err.message, "Cannot set noDelay to 1: ENOPROTOOPT (errno 92)");
        return true;
      },
    );
  } finally {
    udp.close();
  }
});

Deno.test("out-of-range keepalive values surface the kernel's EINVAL (OPT-06)", async () => {
  using p = await tcpPair();
  for (const idle of [0, 32768]) {
    assert.throws(
      () => setSocketOptions(p.client, { keepAlive: { idle } }),
      (e: unknown) =>
        e instanceof SocketOptionError && e.code === "EINVAL" && e.option === "keepAlive.idle",
    );
  }
  const ok = setSocketOptions(p.client, { keepAlive: { idle: 32767 } }).keepAlive?.applied;
  assert.ok(ok !== undefined && ok !== false && ok.idle === 32767);
});

Deno.test("malformed option values fail fast before any option is changed", async () => {
  using p = await tcpPair();
  const before = getSocketOptions(p.client, ["noDelay"]).noDelay;
  assert.throws(
    () => setSocketOptions(p.client, { noDelay: !before, receiveBufferSize: 1.5 }),
    TypeError,
  );
  assert.equal(getSocketOptions(p.client, ["noDelay"]).noDelay, before);
  assert.throws(() => setSocketOptions(p.client, { linger: -1 }), RangeError);
  assert.throws(() => setSocketOptions(p.client, { linger: true as unknown as number }), TypeError);
  assert.throws(
    () => setSocketOptions(p.client, { bogus: 1 } as unknown as Record<string, never>),
    /unknown option "bogus"/,
  );
  assert.throws(
    () => setSocketOptions(p.client, { keepAlive: { idel: 3 } as unknown as { idle: number } }),
    /unknown field "idel"/,
  );
  assert.throws(
    () => setSocketOptions(p.client, { noDelay: "yes" as unknown as boolean }),
    TypeError,
  );
});

Deno.test("SO_CONDITIONAL_ACCEPT is refused as Windows-only", async () => {
  using p = await tcpPair();
  assert.throws(
    () => setSocketOptions(p.listener, { conditionalAccept: true }),
    (e: unknown) =>
      e instanceof UnsupportedPlatformError && e instanceof Deno.errors.NotSupported &&
      /SO_CONDITIONAL_ACCEPT: not supported on linux \(it is Windows-only\)/.test(e.message),
  );
});

Deno.test("options set on a listener are inherited by accepted connections (OPT-10)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    setSocketOptions(listener, {
      noDelay: true,
      keepAlive: { idle: 21, interval: 3, count: 5 },
      receiveBufferSize: 100000,
      sendBufferSize: 90000,
      userTimeout: 4000,
      linger: 3,
    });
    using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    using server = await listener.accept();
    const v = getSocketOptions(server, [
      "noDelay",
      "keepAlive",
      "receiveBufferSize",
      "sendBufferSize",
      "userTimeout",
      "linger",
    ]);
    assert.deepEqual(v, {
      noDelay: true,
      keepAlive: { idle: 21, interval: 3, count: 5 },
      receiveBufferSize: 200000,
      sendBufferSize: 180000,
      userTimeout: 4000,
      linger: 3,
    });
    assert.equal(getSocketOptions(client, ["linger"]).linger, false, "the client is untouched");
  } finally {
    listener.close();
  }
});

Deno.test("Deno's setNoDelay and the FFI view agree both ways (OPT-11)", async () => {
  using p = await tcpPair();
  p.client.setNoDelay(true);
  assert.equal(getSocketOptions(p.client, ["noDelay"]).noDelay, true);
  p.client.setNoDelay(false);
  assert.equal(getSocketOptions(p.client, ["noDelay"]).noDelay, false);
  p.client.setKeepAlive(true);
  assert.notEqual(getSocketOptions(p.client, ["keepAlive"]).keepAlive, false);
});

Deno.test("raw getSocketOption returns the bytes the kernel wrote, truncated when short (OPT-07, FFI-08)", async () => {
  using p = await tcpPair();
  setSocketOptions(p.client, { receiveBufferSize: 65536 });
  const two = getSocketOption(p.client, C.SOL_SOCKET, C.SO_RCVBUF, 2);
  assert.equal(two.length, 2, "the kernel truncates an int option to the buffer given");
  const four = getSocketOption(p.client, C.SOL_SOCKET, C.SO_RCVBUF, 4);
  assert.equal(new DataView(four.buffer).getInt32(0, true), 131072);
  const linger = getSocketOption(p.client, C.SOL_SOCKET, C.SO_LINGER, 8);
  assert.deepEqual([...linger], [0, 0, 0, 0, 0, 0, 0, 0]);
});

Deno.test("raw setSocketOption takes ints, booleans and struct bytes", async () => {
  using p = await tcpPair();
  setSocketOption(p.client, C.IPPROTO_TCP, C.TCP_KEEPINTVL, 7);
  assert.equal(getSocketOption(p.client, C.IPPROTO_TCP, C.TCP_KEEPINTVL), 7);
  setSocketOption(p.client, C.IPPROTO_TCP, C.TCP_NODELAY, true);
  assert.equal(getSocketOption(p.client, C.IPPROTO_TCP, C.TCP_NODELAY), 1);
  const linger = new Uint8Array(8);
  new DataView(linger.buffer).setInt32(0, 1, true);
  new DataView(linger.buffer).setInt32(4, 2, true);
  setSocketOption(p.client, C.SOL_SOCKET, C.SO_LINGER, linger);
  assert.equal(getSocketOptions(p.client, ["linger"]).linger, 2);
});

Deno.test("a 4-byte linger struct is rejected by the kernel with EINVAL (OPT-08, FFI-08)", async () => {
  using p = await tcpPair();
  assert.throws(
    () => setSocketOption(p.client, C.SOL_SOCKET, C.SO_LINGER, new Uint8Array(4)),
    (e: unknown) => e instanceof SocketOptionError && e.code === "EINVAL" && e.option === "1/13",
  );
});

Deno.test("unknown levels and option numbers give ENOPROTOOPT or EOPNOTSUPP (OPT-06)", async () => {
  using p = await tcpPair();
  assert.throws(
    () => getSocketOption(p.client, C.IPPROTO_TCP, 9999),
    (e: unknown) => e instanceof SocketOptionError && e.code === "ENOPROTOOPT",
  );
  assert.throws(
    () => setSocketOption(p.client, 12345, 1, 1),
    (e: unknown) =>
      e instanceof SocketOptionError && (e.code === "ENOPROTOOPT" || e.code === "EOPNOTSUPP"),
  );
  assert.throws(() => getSocketOption(p.client, 1.5, 1), TypeError);
  assert.throws(() => getSocketOption(p.client, C.SOL_SOCKET, C.SO_TYPE, 0), RangeError);
});

Deno.test("a timeval with tv_usec of one second is refused with EDOM (OPT-06)", async () => {
  using p = await tcpPair();
  const tv = new Uint8Array(16);
  new DataView(tv.buffer).setBigInt64(8, 1_000_000n, true);
  assert.throws(
    () => setSocketOption(p.client, C.SOL_SOCKET, C.SO_RCVTIMEO, tv),
    (e: unknown) => e instanceof SocketOptionError && e.code === "EDOM",
  );
});

Deno.test("sockkit wrappers exposing raw are accepted everywhere", async () => {
  using p = await tcpPair();
  const wrapper = { raw: p.client };
  assert.equal(unwrapSocket(wrapper), p.client);
  assert.equal(setSocketOptions(wrapper, { noDelay: true }).noDelay?.applied, true);
  assert.equal(getSocketOptions(p.client, ["noDelay"]).noDelay, true);
  assert.throws(() => unwrapSocket({} as never), TypeError);
});

Deno.test("options on a closed connection throw BadResource and touch nothing (FFI-01)", async () => {
  using p = await tcpPair();
  setSocketOptions(p.client, { noDelay: true });
  p.client.close();
  assert.throws(
    () => setSocketOptions(p.client, { keepAlive: { idle: 5 } }),
    (e: unknown) => e instanceof StaleDescriptorError && e instanceof Deno.errors.BadResource,
  );
});

// The same with forced GC needs --v8-flags=--expose-gc: tests/_ffi/safety_test.ts (FFI-07).
Deno.test("errno stays correct across 10,000 failing calls interleaved with awaits", async () => {
  using p = await tcpPair();
  let wrong = 0;
  for (let i = 0; i < 10_000; i++) {
    try {
      setSocketOption(p.client, C.SOL_SOCKET, C.SO_LINGER, new Uint8Array(4));
      wrong++;
    } catch (e) {
      if (!(e instanceof SocketOptionError) || e.code !== "EINVAL") wrong++;
    }
    if (i % 500 === 0) {
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  assert.equal(wrong, 0);
});

Deno.test("an empty options object changes nothing and needs no descriptor", async () => {
  const p = await tcpPair();
  p.client.close(); // no descriptor to find: any lookup would throw StaleDescriptorError
  assert.deepEqual(setSocketOptions(p.client, {}), {});
  p[Symbol.dispose]();
});
