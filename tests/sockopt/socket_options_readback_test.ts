/**
 * setSocketOptions' default read-back policy: on Linux, the options the kernel stores exactly
 * as given are reported from the successful `setsockopt` instead of a `getsockopt`. These
 * tests check that claim against the kernel: for every such option, over the edges of its
 * range, the reported value equals what `getsockopt` reads afterwards and what
 * `readBack: "all"` reports.
 */
import assert from "node:assert/strict";
import {
  getSocketOptions,
  setSocketOptions,
  SocketOptionError,
  type SocketOptions,
} from "../../mod.ts";
import type { SocketOptionName } from "../../src/sockopt/mod.ts";
import { tcpPair } from "../_tcp_pair.ts";

type Socket = Parameters<typeof setSocketOptions>[0];

/** Set each value with the default policy, then compare with getsockopt and with "all". */
function agree(socket: Socket, name: SocketOptionName, values: unknown[]): number {
  let checked = 0;
  for (const value of values) {
    const options = { [name]: value } as SocketOptions;
    let reported;
    try {
      reported = setSocketOptions(socket, options)[name]!.applied;
    } catch (e) {
      // SO_DEBUG needs CAP_NET_ADMIN: without it the kernel refuses, which is not this test.
      if (e instanceof SocketOptionError && e.code === "EACCES" && name === "debug") {
        console.warn(`SKIP debug = ${value}: SO_DEBUG needs CAP_NET_ADMIN (run as root)`);
        continue;
      }
      throw e;
    }
    const read = getSocketOptions(socket, [name])[name];
    assert.deepEqual(reported, read, `${name} = ${JSON.stringify(value)}: reported vs getsockopt`);
    const all = setSocketOptions(socket, options, { readBack: "all" })[name]!.applied;
    assert.deepEqual(reported, all, `${name} = ${JSON.stringify(value)}: reported vs readBack all`);
    checked++;
  }
  return checked;
}

const BOOL = [true, false, true];
const TCP_VALUES: [SocketOptionName, unknown[]][] = [
  ["reuseAddress", BOOL],
  ["reusePort", BOOL],
  ["linger", [0, 1, 5, 65535, false, 7]],
  ["keepAlive", [
    true,
    false,
    { idle: 1 },
    { interval: 3 },
    { count: 1 },
    { idle: 32767, interval: 32767, count: 127 }, // Linux's MAX_TCP_KEEPIDLE/INTVL/CNT
    { idle: 60, interval: 10, count: 5 },
    true,
  ]],
  ["userTimeout", [0, 1, 2500, 2 ** 31 - 1, 0]],
  ["noDelay", BOOL],
  ["ttl", [1, 64, 255, -1, 17]],
  ["cork", BOOL],
  ["debug", BOOL],
  // read back in both modes (the kernel may change them); included so the comparison covers them
  ["tos", [0x10, 0x13, 0]],
  ["receiveBufferSize", [0, 65536, 262144]],
  ["kernelReceiveTimeout", [1, 1000, 0]],
];

Deno.test("TCP over IPv4: every option reported without a read-back equals what getsockopt reads", async () => {
  using p = await tcpPair();
  let n = 0;
  for (const [name, values] of TCP_VALUES) {
    n += agree(p.client, name, values);
    n += agree(p.server, name, values);
  }
  assert.ok(n >= 80, `only ${n} values checked`);
});

Deno.test("TCP over IPv6 and a TCP listener: the same agreement", async () => {
  using p = await tcpPair("::1");
  for (const [name, values] of TCP_VALUES) {
    agree(p.server, name, values);
    agree(p.listener, name, values);
  }
});

Deno.test("UDP over IPv4 and IPv6: broadcast, ttl and multicast options agree", () => {
  for (const hostname of ["127.0.0.1", "::1"]) {
    const udp = Deno.listenDatagram({ hostname, port: 0, transport: "udp" });
    try {
      agree(udp, "broadcast", BOOL);
      agree(udp, "ttl", [1, 255, -1, 9]);
      agree(udp, "multicastTtl", [0, 1, 255, -1, 4]);
      agree(udp, "multicastLoop", [false, true]);
      agree(udp, "reuseAddress", BOOL);
    } finally {
      udp.close();
    }
  }
});

Deno.test("the kernel's refusals still surface with the default policy", async () => {
  using p = await tcpPair();
  for (
    const options of [
      { keepAlive: { idle: 0 } },
      { keepAlive: { count: 128 } },
      { ttl: 256 },
    ] as SocketOptions[]
  ) {
    assert.throws(() => setSocketOptions(p.client, options), (e: unknown) => {
      assert.ok(e instanceof SocketOptionError);
      assert.equal(e.code, "EINVAL");
      return true;
    });
  }
});

Deno.test('readBack must be "needed" or "all"', async () => {
  using p = await tcpPair();
  assert.throws(
    () => setSocketOptions(p.client, { noDelay: true }, { readBack: "some" as "all" }),
    TypeError,
  );
  assert.throws(() => setSocketOptions(p.client, {}, { readBack: "none" as "all" }), TypeError);
  assert.equal(
    setSocketOptions(p.client, { noDelay: true }, { readBack: "needed" }).noDelay?.applied,
    true,
  );
});
