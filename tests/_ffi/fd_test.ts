import assert from "node:assert/strict";
import { _discovery, denoAddrKey, resolveSocket, sockaddrKey } from "../../src/_ffi/fd.ts";
import { DARWIN, LINUX } from "../../src/_ffi/constants.ts";
import { getSocketOptions, setSocketOptions } from "../../src/sockopt/socket_options.ts";
import { StaleDescriptorError } from "../../src/sockopt/errors.ts";
import { ssFds, ssName } from "./_ss.ts";
import { jsonChild } from "../_child.ts";

/** fd numbers of this process's TCP sockets as `ss -tlnpe` / `ss -tnpe` print them, by "local peer". */

Deno.test("sockaddrKey decodes Linux and macOS sockaddr layouts to the same key", () => {
  const linux = new Uint8Array(16);
  linux.set([2, 0, 0x1f, 0x90, 127, 0, 0, 1]);
  assert.deepEqual(sockaddrKey(LINUX, linux, 16), ["IPv4", "127.0.0.1:8080"]);
  const mac = new Uint8Array(16);
  mac.set([16, 2, 0x1f, 0x90, 127, 0, 0, 1]);
  assert.deepEqual(sockaddrKey(DARWIN, mac, 16), ["IPv4", "127.0.0.1:8080"]);
  const v6 = new Uint8Array(28);
  v6.set([10, 0, 0, 80]);
  v6[23] = 1;
  assert.deepEqual(sockaddrKey(LINUX, v6, 28), ["IPv6", "[0:0:0:0:0:0:0:1]:80"]);
  const mapped = new Uint8Array(28);
  mapped.set([10, 0, 0, 80]);
  mapped.set([0xff, 0xff, 10, 1, 2, 3], 18);
  assert.deepEqual(sockaddrKey(LINUX, mapped, 28), ["IPv6", "10.1.2.3:80"]);
  const unix = new Uint8Array(110);
  unix.set([1, 0, ...new TextEncoder().encode("/tmp/x.sock")]);
  assert.deepEqual(sockaddrKey(LINUX, unix, 2 + 11 + 1), ["unix", "unix:/tmp/x.sock"]);
});

Deno.test("Deno address text and kernel sockaddr bytes give identical keys", () => {
  assert.equal(denoAddrKey({ transport: "tcp", hostname: "127.0.0.1", port: 5 }), "127.0.0.1:5");
  assert.equal(
    denoAddrKey({ transport: "tcp", hostname: "::ffff:127.0.0.1", port: 5 }),
    "127.0.0.1:5",
  );
  assert.equal(denoAddrKey({ transport: "tcp", hostname: "::1", port: 5 }), "[0:0:0:0:0:0:0:1]:5");
  assert.equal(
    denoAddrKey({ transport: "tcp", hostname: "fe80::1%2", port: 5 }),
    "[fe80:0:0:0:0:0:0:1]:5",
  );
  assert.equal(denoAddrKey({ transport: "unix", path: "/a" }), "unix:/a");
});

Deno.test("denoAddrKey reads hostnames with the core's inet_pton and keeps non-addresses as text", () => {
  const key = (hostname: string) => denoAddrKey({ transport: "tcp", hostname, port: 5 });
  assert.equal(key("::"), "[0:0:0:0:0:0:0:0]:5");
  assert.equal(key("1:2:3:4:5:6:7:8"), "[1:2:3:4:5:6:7:8]:5");
  assert.equal(key("::ffff:1.2.3.4"), "1.2.3.4:5");
  // Not addresses for inet_pton (the old TypeScript parser took "::0x1.2.3.4" as ::1.2.3.4).
  for (
    const bad of ["1::2::3", "1:2:3:4:5:6:7:8:9", "g::1", "::1.2.3", "::0x1.2.3.4", "010.0.0.1"]
  ) {
    assert.equal(key(bad), `${bad}:5`, bad);
  }
});

Deno.test("fd discovery matches ss for listener, connected, accepted, IPv6 and dual-stack sockets (FFI-05)", async () => {
  using l4 = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using c4 = await Deno.connect({ hostname: "127.0.0.1", port: l4.addr.port });
  using s4 = await l4.accept();
  using l6 = Deno.listen({ hostname: "::1", port: 0 });
  using c6 = await Deno.connect({ hostname: "::1", port: l6.addr.port });
  using s6 = await l6.accept();
  using dual = Deno.listen({ hostname: "::", port: 0 });
  using cd = await Deno.connect({ hostname: "127.0.0.1", port: dual.addr.port });
  using sd = await dual.accept();
  const oracle = await ssFds();
  const cases: [string, Deno.Conn | Deno.Listener, string][] = [
    ["listener", l4, `${ssName(l4.addr as Deno.NetAddr)} 0.0.0.0:*`],
    ["connected", c4, `${ssName(c4.localAddr)} ${ssName(c4.remoteAddr)}`],
    ["accepted", s4, `${ssName(s4.localAddr)} ${ssName(s4.remoteAddr)}`],
    ["IPv6 listener", l6, `${ssName(l6.addr as Deno.NetAddr)} [::]:*`],
    ["IPv6 connected", c6, `${ssName(c6.localAddr)} ${ssName(c6.remoteAddr)}`],
    ["IPv6 accepted", s6, `${ssName(s6.localAddr)} ${ssName(s6.remoteAddr)}`],
    [
      "IPv4 client of a dual-stack listener",
      cd,
      `${ssName(cd.localAddr)} ${ssName(cd.remoteAddr)}`,
    ],
    [
      "IPv4 conn accepted on ::",
      sd,
      `[::ffff:${sd.localAddr.hostname.replace("::ffff:", "")}]:${sd.localAddr.port} [::ffff:${
        sd.remoteAddr.hostname.replace("::ffff:", "")
      }]:${sd.remoteAddr.port}`,
    ],
  ];
  for (const [what, sock, ssKey] of cases) {
    const expected = oracle.get(ssKey) ??
      [...oracle.entries()].find(([k]) => k.replace(/\[::ffff:([\d.]+)\]/g, "$1") === ssKey)?.[1];
    assert.ok(expected !== undefined, `${what}: ss has no row ${ssKey}`);
    assert.equal(resolveSocket(sock).fd, expected, what);
  }
  assert.equal(
    resolveSocket(s4).fd,
    (s4 as unknown as Record<symbol, number>)[
      Object.getOwnPropertySymbols(s4).find((s) => s.description === "Deno.internal.fd")!
    ],
    "agrees with Deno's internal fd on an accepted conn",
  );
  assert.equal(resolveSocket(sd).family, "IPv6");
  assert.equal(resolveSocket(l4).listening, true);
});

Deno.test("fifty connections sharing one local port each get their own descriptor (FFI-05)", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const clients: Deno.Conn[] = [];
  const servers: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      clients.push(await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port }));
      servers.push(await l.accept());
    }
    const fds = new Set<number>();
    for (const s of servers) {
      // Hide Deno's hint so the scan alone must tell them apart.
      const copy = { remoteAddr: s.remoteAddr, localAddr: s.localAddr } as unknown as Deno.Conn;
      const fd = resolveSocket(copy).fd;
      const sym = Object.getOwnPropertySymbols(s).find((x) =>
        x.description === "Deno.internal.fd"
      )!;
      assert.equal(fd, (s as unknown as Record<symbol, number>)[sym]);
      fds.add(fd);
    }
    assert.equal(fds.size, 50);
  } finally {
    for (const c of [...clients, ...servers]) c.close();
  }
});

Deno.test("UDP and Unix sockets are found too (FFI-05)", async () => {
  const udp = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const dir = await Deno.makeTempDir();
  const path = `${dir}/s.sock`;
  const ul = Deno.listen({ transport: "unix", path });
  const uc = await Deno.connect({ transport: "unix", path });
  const us = await ul.accept();
  try {
    assert.equal(resolveSocket(udp).type, "dgram");
    assert.equal(resolveSocket(ul).family, "unix");
    assert.equal(resolveSocket(ul).listening, true);
    assert.equal(resolveSocket(uc).family, "unix");
    assert.notEqual(resolveSocket(uc).fd, resolveSocket(ul).fd);
    assert.equal(setSocketOptions(uc, { sendBufferSize: 65536 }).sendBufferSize?.applied, 131072);
  } finally {
    for (const s of [us, uc, ul, udp]) s.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a socket closed before its first lookup is not found rather than mistaken", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const a = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  using _as = await l.accept();
  a.close();
  assert.throws(
    () => resolveSocket(a),
    (e: unknown) => e instanceof StaleDescriptorError && e.problem === "not-found",
  );
});

Deno.test("concurrent option calls racing a close either succeed or throw a typed error (FFI-11)", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const a = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  using _as = await l.accept();
  const results = await Promise.allSettled([
    (async () => {
      for (let i = 0; i < 50; i++) {
        setSocketOptions(a, { keepAlive: { idle: 10 + i } });
        await Promise.resolve();
      }
    })(),
    (async () => {
      for (let i = 0; i < 50; i++) {
        getSocketOptions(a, ["noDelay"]);
        await Promise.resolve();
      }
    })(),
    (async () => {
      await Promise.resolve();
      await Promise.resolve();
      a.close();
    })(),
  ]);
  for (const r of results) {
    if (r.status === "rejected") {
      assert.ok(r.reason instanceof StaleDescriptorError, String(r.reason));
    }
  }
  assert.ok(results.some((r) => r.status === "rejected"), "the close was observed");
});

Deno.test("a cached descriptor is re-validated without probing or sweeping again", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using c = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  using _s = await l.accept();
  const fd = resolveSocket(c).fd;
  const { probes, sweeps } = _discovery;
  const t = performance.now();
  for (let i = 0; i < 1000; i++) assert.equal(resolveSocket(c).fd, fd);
  assert.deepEqual({ probes: _discovery.probes, sweeps: _discovery.sweeps }, { probes, sweeps });
  // Loose bound on purpose (shared, busy machine): 1000 lookups in under a second.
  assert.ok(performance.now() - t < 1000);
});

Deno.test("without --allow-ffi, mod.ts imports and non-FFI parts work, and option calls name the flag (FFI-09)", async () => {
  const code = `
    import * as sk from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const r = await sk.closeSocket(l);
    if (r.outcome !== "closed") throw new Error("plain close failed");
    const l2 = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      sk.setSocketOptions(l2, { noDelay: true });
      console.log("NO ERROR");
    } catch (e) {
      console.log(e.name, e instanceof Deno.errors.NotCapable, e instanceof sk.FfiPermissionError, e.message);
    } finally { l2.close(); }
    const l3 = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try { sk.tcpInfo(l3); } catch (e) { console.log("tcpInfo", e.name); } finally { l3.close(); }
  `;
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/noffi.ts`, code);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-net",
      "--no-check",
      "--no-prompt",
      "--allow-net",
      `--allow-read=${new URL("../..", import.meta.url).pathname},${dir}`,
      `${dir}/noffi.ts`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  assert.match(
    text,
    /^FfiPermissionError true true Cannot load libc: FFI is not permitted; run with --allow-ffi/m,
  );
  assert.match(text, /tcpInfo FfiPermissionError/);
});

/** Runs `_discovery_probe.ts` in a process of its own (see its header) and returns its report. */
function discoveryProbe() {
  return jsonChild<{
    fresh: { sweeps: number; fd: number; ss: number | undefined }[];
    reused: { fdA: number; fdB: number; sweeps: number; oldObject: string; newUntouched: boolean };
    closed: { first: string; afterMark: string };
  }>(new URL("./_discovery_probe.ts", import.meta.url), [
    "--allow-net",
    "--allow-ffi",
    "--allow-read",
    "--allow-run=ss",
  ]);
}
let probe: ReturnType<typeof discoveryProbe> | undefined;
const probeReport = () => probe ??= discoveryProbe();

Deno.test("a connection opened after a sweep is found on a likely number without another sweep", async () => {
  const { fresh } = await probeReport();
  assert.equal(fresh.length, 3);
  fresh.forEach((r, round) => {
    assert.equal(r.sweeps, 0, `round ${round}: no sweep for a fresh connection`);
    assert.equal(r.fd, r.ss, `round ${round}: ss agrees on the descriptor`);
  });
});

Deno.test("a number reused by a fresh connection is reported stale for the old one, found for the new one, and the new socket is left untouched (FFI-04)", async () => {
  const { reused } = await probeReport();
  assert.equal(reused.fdB, reused.fdA, "B landed on A's old number");
  assert.equal(reused.sweeps, 0, "found without a sweep");
  assert.equal(reused.oldObject, `reused:${reused.fdA}`);
  assert.ok(reused.newUntouched, "B's keepalive is as it was");
});

Deno.test("a closed descriptor reports closed, and markClosed stops calls before libc (FFI-01)", async () => {
  const { closed } = await probeReport();
  assert.match(closed.first, /^closed:\d+$/);
  assert.equal(closed.afterMark, "closed:-1");
});

Deno.test("a socket closed before its first lookup is not mistaken for a later one", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using b = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  using _bs = await l.accept();
  resolveSocket(b);
  const c = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  const cs = await l.accept();
  c.close();
  cs.close();
  assert.throws(
    () => resolveSocket(c),
    (e: unknown) => e instanceof StaleDescriptorError && e.problem === "not-found",
  );
});

Deno.test("two reusePort listeners on one address are ambiguous, even when one appears after a sweep", () => {
  const l1 = Deno.listen({ hostname: "127.0.0.1", port: 0, reusePort: true });
  const port = (l1.addr as Deno.NetAddr).port;
  {
    using other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    resolveSocket(other); // a sweep: leaves an index that has only l1 on this port
  }
  const l2 = Deno.listen({ hostname: "127.0.0.1", port, reusePort: true });
  try {
    for (const l of [l2, l1]) {
      assert.throws(
        () => setSocketOptions(l, { receiveBufferSize: 8192 }),
        (e: unknown) => e instanceof StaleDescriptorError && e.problem === "ambiguous",
      );
    }
  } finally {
    l1.close();
    l2.close();
  }
});
