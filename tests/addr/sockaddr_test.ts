import assert from "node:assert/strict";
import fc from "fast-check";
import {
  packSockaddr,
  SOCKADDR_IN6_SIZE,
  SOCKADDR_IN_SIZE,
  SOCKADDR_UN_SIZE_DARWIN,
  SOCKADDR_UN_SIZE_LINUX,
  unpackSockaddr,
} from "../../src/addr/sockaddr.ts";
import { AddressFamilyError, AddressSyntaxError } from "../../src/addr/errors.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const tcp = (hostname: string, port: number): Deno.NetAddr => ({
  transport: "tcp",
  hostname,
  port,
});

Deno.test("sockaddr_in for 127.0.0.1:8080 has the getsockname bytes (SA-01)", () => {
  const sa = packSockaddr(tcp("127.0.0.1", 8080), { layout: "linux" });
  assert.equal(sa.length, SOCKADDR_IN_SIZE);
  assert.equal(hex(sa), "02001f907f0000010000000000000000");
  const bsd = packSockaddr(tcp("127.0.0.1", 8080), { layout: "darwin" });
  assert.equal(hex(bsd), "10021f907f0000010000000000000000");
});

Deno.test("sockaddr_in6 for [::1]:8080 has AF_INET6 10 on Linux and 30 on macOS (SA-02)", () => {
  const sa = packSockaddr(tcp("::1", 8080), { layout: "linux" });
  assert.equal(sa.length, SOCKADDR_IN6_SIZE);
  assert.equal(hex(sa), "0a001f9000000000" + "00".repeat(15) + "01" + "00000000");
  const bsd = packSockaddr(tcp("::1", 8080), { layout: "darwin" });
  assert.equal(hex(bsd), "1c1e1f9000000000" + "00".repeat(15) + "01" + "00000000");
});

Deno.test("flowinfo is stored in network order and scope_id in host order (SA-03)", () => {
  const sa = packSockaddr(tcp("fe80::1", 443), {
    layout: "linux",
    flowInfo: 0x12345,
    scopeId: 3,
  });
  assert.equal(hex(sa.subarray(4, 8)), "00012345");
  assert.equal(hex(sa.subarray(24, 28)), "03000000");
  // A numeric zone gives the scope id, and unpacking puts it back in the hostname.
  const z = packSockaddr(tcp("fe80::1%7", 443), { layout: "linux" });
  assert.equal(hex(z.subarray(24, 28)), "07000000");
  assert.deepEqual(unpackSockaddr(z, { layout: "linux" }), tcp("fe80::1%7", 443));
  assert.throws(() => packSockaddr(tcp("fe80::1%eth0", 1), { layout: "linux" }), /if_nametoindex/);
  assert.equal(
    hex(packSockaddr(tcp("fe80::1%eth0", 1), { layout: "linux", scopeId: 2 }).subarray(24)),
    "02000000",
  );
  assert.throws(
    () => packSockaddr(tcp("fe80::1%7", 1), { layout: "linux", scopeId: 2 }),
    /disagree/,
  );
});

Deno.test("bad ports, hosts and transports are typed errors (SA-04)", () => {
  for (const port of [-1, 65536, 1.5, NaN]) {
    assert.throws(() => packSockaddr(tcp("127.0.0.1", port), { layout: "linux" }), RangeError);
  }
  assert.throws(
    () => packSockaddr(tcp("127.0.0.1", "80" as unknown as number), { layout: "linux" }),
    TypeError,
  );
  assert.equal(packSockaddr(tcp("127.0.0.1", 0), { layout: "linux" }).length, 16);
  assert.equal(hex(packSockaddr(tcp("0.0.0.0", 65535), { layout: "linux" })).slice(4, 8), "ffff");
  assert.throws(() => packSockaddr(tcp("localhost", 80), { layout: "linux" }), AddressSyntaxError);
  assert.throws(() => packSockaddr(tcp("127.1", 80), { layout: "linux" }), AddressSyntaxError);
  assert.throws(
    () => packSockaddr({ transport: "sctp", hostname: "1.2.3.4", port: 1 } as never),
    TypeError,
  );
  assert.throws(
    () => packSockaddr(tcp("1.2.3.4", 1), { layout: "windows" as never }),
    /unknown sockaddr layout/,
  );
});

Deno.test("unpacking short structures or unknown families is a typed error (SA-05)", () => {
  const v4 = packSockaddr(tcp("1.2.3.4", 80), { layout: "linux" });
  const v6 = packSockaddr(tcp("::1", 80), { layout: "linux" });
  assert.throws(() => unpackSockaddr(v4.subarray(0, 15), { layout: "linux" }), RangeError);
  assert.throws(() => unpackSockaddr(v6.subarray(0, 27), { layout: "linux" }), RangeError);
  assert.throws(() => unpackSockaddr(new Uint8Array(1), { layout: "linux" }), RangeError);
  const bad = new Uint8Array(16);
  bad[0] = 42;
  assert.throws(
    () => unpackSockaddr(bad, { layout: "linux" }),
    (e: unknown) => e instanceof AddressFamilyError && e.family === 42,
  );
  // Family 30 is AF_INET6 only in the Darwin layout.
  const darwinFamily = new Uint8Array(28);
  darwinFamily[0] = 30;
  assert.throws(() => unpackSockaddr(darwinFamily, { layout: "linux" }), AddressFamilyError);
  assert.throws(() => unpackSockaddr([2, 0] as never, { layout: "linux" }), TypeError);
});

Deno.test("packing never leaks stale bytes into padding (SA-06)", () => {
  // Fill the core's scratch area with a previous, longer structure first.
  packSockaddr({ transport: "unix", path: "x".repeat(100) }, { layout: "linux" });
  packSockaddr(tcp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535), { layout: "linux" });
  const v4 = packSockaddr(tcp("1.2.3.4", 1), { layout: "linux" });
  assert.equal(hex(v4.subarray(8)), "0000000000000000");
  const un = packSockaddr({ transport: "unix", path: "/a" }, { layout: "linux" });
  assert.equal(un.length, SOCKADDR_UN_SIZE_LINUX);
  assert.ok(un.subarray(4).every((b) => b === 0));
});

Deno.test("sockaddr_un packs paths in both layouts and abstract names on Linux", () => {
  const path = "/tmp/sockkit.sock";
  const linux = packSockaddr({ transport: "unix", path }, { layout: "linux" });
  assert.equal(linux.length, 110);
  assert.equal(hex(linux.subarray(0, 2)), "0100");
  assert.equal(new TextDecoder().decode(linux.subarray(2, 2 + path.length)), path);
  const darwin = packSockaddr({ transport: "unix", path }, { layout: "darwin" });
  assert.equal(darwin.length, SOCKADDR_UN_SIZE_DARWIN);
  assert.deepEqual([darwin[0], darwin[1]], [106, 1]);
  for (const layout of ["linux", "darwin"] as const) {
    assert.deepEqual(
      unpackSockaddr(packSockaddr({ transport: "unix", path }, { layout }), { layout }),
      { transport: "unix", path },
    );
  }
  const abstract = packSockaddr({ transport: "unix", path: "\0sockkit" }, { layout: "linux" });
  assert.equal(abstract.length, 2 + 8);
  assert.deepEqual(unpackSockaddr(abstract, { layout: "linux" }), {
    transport: "unix",
    path: "\0sockkit",
  });
  assert.throws(
    () => packSockaddr({ transport: "unix", path: "\0x" }, { layout: "darwin" }),
    /only on Linux/,
  );
  assert.throws(
    () => packSockaddr({ transport: "unix", path: "a\0b" }, { layout: "linux" }),
    /NUL/,
  );
  assert.equal(
    packSockaddr({ transport: "unix", path: "p".repeat(108) }, { layout: "linux" }).length,
    110,
  );
  assert.throws(
    () => packSockaddr({ transport: "unix", path: "p".repeat(109) }, { layout: "linux" }),
    /sun_path holds 108/,
  );
  assert.throws(
    () => packSockaddr({ transport: "unix", path: "p".repeat(105) }, { layout: "darwin" }),
    /sun_path holds 104/,
  );
  // An unnamed socket (getsockname of an unbound Unix socket) is just the family.
  assert.deepEqual(unpackSockaddr(new Uint8Array([1, 0]), { layout: "linux" }), {
    transport: "unix",
    path: "",
  });
});

Deno.test("Deno.NetAddr round-trips through both layouts for any address and port", () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
  const v6 = fc.ipV6();
  fc.assert(
    fc.property(
      fc.oneof(v4, v6),
      fc.integer({ min: 0, max: 65535 }),
      fc.constantFrom("tcp" as const, "udp" as const),
      fc.constantFrom("linux" as const, "darwin" as const),
      (host, port, transport, layout) => {
        // Canonical text first: unpacking always yields inet_ntop's form.
        const canonical = (unpackSockaddr(
          packSockaddr({ transport, hostname: host, port }, { layout }),
          { layout },
        ) as Deno.NetAddr).hostname;
        const addr: Deno.NetAddr = { transport, hostname: canonical, port };
        const packed = packSockaddr(addr, { layout });
        assert.deepEqual(unpackSockaddr(packed, { layout, transport }), addr);
        assert.deepEqual(
          packSockaddr(unpackSockaddr(packed, { layout, transport }) as Deno.NetAddr, { layout }),
          packed,
        );
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("the default layout is the running OS's", () => {
  assert.equal(Deno.build.os, "linux", "this suite runs on Linux");
  assert.deepEqual(
    packSockaddr(tcp("127.0.0.1", 5000)),
    packSockaddr(tcp("127.0.0.1", 5000), { layout: "linux" }),
  );
});

// SA-07 / SA-08: the kernel is the oracle. The test makes its own sockets through FFI (and closes
// only those), binds the packed bytes, and compares with what getsockname returns.
Deno.test({
  name: "the kernel's getsockname returns the bytes packSockaddr produced (SA-07)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const libc = Deno.dlopen("libc.so.6", {
      socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
      bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
      getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
      close: { parameters: ["i32"], result: "i32" },
    });
    const dir = await Deno.makeTempDir();
    try {
      const cases: [number, Deno.NetAddr | Deno.UnixAddr][] = [
        [2, tcp("127.0.0.1", 0)],
        [10, tcp("::1", 0)],
        [10, tcp("::1%1", 0)], // bind accepts scope 1 (lo); getsockname drops it (not link-local)
        [1, { transport: "unix", path: `${dir}/s.sock` }],
        [1, { transport: "unix", path: `\0sockkit-test-${Deno.pid}` }],
      ];
      for (const [family, addr] of cases) {
        const packed = packSockaddr(addr, { layout: "linux" });
        const fd = libc.symbols.socket(family, 1, /* SOCK_STREAM */ 0);
        assert.ok(fd >= 0, "socket()");
        try {
          assert.equal(
            libc.symbols.bind(fd, packed as Uint8Array<ArrayBuffer>, packed.length),
            0,
            `bind ${JSON.stringify(addr)}`,
          );
          const out = new Uint8Array(128);
          const len = new Uint32Array([out.length]);
          assert.equal(libc.symbols.getsockname(fd, out, new Uint8Array(len.buffer)), 0);
          const got = out.subarray(0, len[0]);
          const back = unpackSockaddr(got, { layout: "linux" });
          if (addr.transport === "unix") {
            // The kernel returns only the used part of sun_path (plus a NUL for file names).
            assert.deepEqual(back, addr);
            assert.deepEqual(got, packed.subarray(0, got.length));
          } else {
            assert.equal(got.length, packed.length);
            const assigned = (back as Deno.NetAddr).port;
            assert.ok(assigned > 0, "the kernel assigned a port");
            // Everything but the port is byte-identical.
            const { hostname } = addr as Deno.NetAddr;
            const expected = packSockaddr({
              transport: "tcp",
              hostname: hostname.split("%")[0],
              port: assigned,
            }, {
              layout: "linux",
            });
            assert.equal(hex(got), hex(expected));
          }
        } finally {
          libc.symbols.close(fd);
        }
      }
    } finally {
      libc.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a Deno listener's and peer's addresses round-trip and the unpacked address connects (SA-08)", async () => {
  // Deno hides the fd, so the kernel's bytes come from packing Deno's own report and checking
  // that a connection to that exact sockaddr (made by Deno from the unpacked address) works.
  for (const hostname of ["127.0.0.1", "::1"]) {
    using listener = Deno.listen({ hostname, port: 0 });
    const packed = packSockaddr(listener.addr);
    const back = unpackSockaddr(packed) as Deno.NetAddr;
    assert.deepEqual(back, { ...listener.addr });
    const accepted = listener.accept();
    using conn = await Deno.connect({ hostname: back.hostname, port: back.port });
    using server = await accepted;
    assert.deepEqual(
      unpackSockaddr(packSockaddr(server.remoteAddr as Deno.NetAddr)),
      { ...server.remoteAddr },
    );
    assert.equal((conn.remoteAddr as Deno.NetAddr).port, back.port);
  }
});
