import assert from "node:assert/strict";
import {
  getLocalAddresses,
  localHostname,
  lookup,
  lookupHost,
  parseHosts,
  ResolveError,
  reverseLookup,
} from "../../src/resolve/resolve.ts";
import {
  DARWIN_RESOLVER,
  decodeSockaddr,
  encodeSockaddr,
  LINUX_RESOLVER,
} from "../../src/_ffi/resolver.ts";
import { explainError } from "../../src/errno/error_table.ts";
import { parseNumericHost } from "../../src/addr/ip.ts";

// Only names from /etc/hosts and numeric addresses are used, so no DNS query leaves the host.
const hosts = parseHosts(await Deno.readTextFile("/etc/hosts"));

Deno.test("lookupHost resolves an /etc/hosts entry through the system resolver", async () => {
  const v4 = hosts.filter((e) => !e.address.includes(":"));
  assert.ok(v4.length > 0, "/etc/hosts has no IPv4 entry");
  for (const entry of v4.slice(0, 4)) {
    const want = v4.filter((e) => e.name === entry.name || e.aliases.includes(entry.name))
      .map((e) => e.address);
    const h = await lookupHost(entry.name, { resolver: "system" });
    assert.ok(h.addresses.every((a) => !a.includes(":")), "IPv4 only, as gethostbyname");
    assert.ok(
      want.every((a) => h.addresses.includes(a)),
      `${entry.name}: ${h.addresses} lacks ${want}`,
    );
  }
});

Deno.test("lookupHost gives the same answer through the /etc/hosts fallback", async () => {
  const sys = await lookupHost("localhost", { resolver: "system" });
  const fb = await lookupHost("localhost", { resolver: "fallback" });
  assert.equal(fb.name, sys.name);
  assert.deepEqual([...fb.addresses].sort(), [...sys.addresses].sort());
});

Deno.test("lookupHost of a dotted address returns it unchanged", async () => {
  const h = await lookupHost("127.0.0.1");
  assert.deepEqual(h.addresses, ["127.0.0.1"]);
});

Deno.test("a name that cannot resolve fails with HOST_NOT_FOUND / WSAHOST_NOT_FOUND", async () => {
  // numericHost makes the resolver fail locally, without any DNS query.
  for (const resolver of ["system", "fallback"] as const) {
    const err = await lookup("not-a-number.example", undefined, {
      numericHost: true,
      resolver,
    })
      .then(() => null, (e) => e);
    assert.ok(err instanceof ResolveError, `${resolver}: ${err}`);
    assert.ok(err instanceof Deno.errors.NotFound);
    assert.equal(err.gaiCode, "EAI_NONAME");
    assert.equal(explainError(err)?.wsaName, "WSAHOST_NOT_FOUND");
    assert.equal(explainError(err)?.wsaCode, 11001);
  }
});

Deno.test("lookup returns the port and socket type asked for", async () => {
  const r = await lookup("::1", 8080, { socktype: "dgram", resolver: "system" });
  assert.deepEqual(r.map((x) => [x.family, x.address, x.port, x.socktype, x.protocol]), [
    [6, "::1", 8080, "dgram", 17],
  ]);
  const both = await lookup("127.0.0.1", "7", { resolver: "fallback" });
  assert.deepEqual(both.map((x) => x.socktype).sort(), ["dgram", "stream"]);
});

Deno.test("reverseLookup maps 127.0.0.1 to its /etc/hosts name and keeps numeric output numeric", async () => {
  const name = hosts.find((e) => e.address === "127.0.0.1")?.name;
  if (name) {
    const r = await reverseLookup({ hostname: "127.0.0.1", port: 80 }, {
      numericService: true,
      resolver: "system",
    });
    assert.deepEqual(r, { host: name, service: "80" });
  } else {
    // Without an /etc/hosts name the lookup would become a PTR query to the nameserver.
    console.warn("SKIP reverseLookup of 127.0.0.1 by name: /etc/hosts has no 127.0.0.1 entry");
  }
  const n = await reverseLookup({ hostname: "::1", port: 22 }, {
    numericHost: true,
    numericService: true,
  });
  assert.deepEqual(n, { host: "::1", service: "22" });
});

Deno.test("localHostname matches the kernel's hostname", () => {
  assert.equal(localHostname(), Deno.readTextFileSync("/proc/sys/kernel/hostname").trim());
});

Deno.test("getLocalAddresses lists loopback only when asked", () => {
  const all = getLocalAddresses({ includeInternal: true });
  assert.ok(all.some((a) => a.address === "127.0.0.1" && a.internal && a.prefix === 8));
  assert.ok(getLocalAddresses().every((a) => !a.internal));
  assert.ok(getLocalAddresses({ family: 6, includeInternal: true }).every((a) => a.family === 6));
});

Deno.test("sockaddr encode/decode round-trips on Linux and macOS layouts", () => {
  for (const C of [LINUX_RESOLVER, DARWIN_RESOLVER]) {
    for (const a of ["127.0.0.1", "::1", "fe80::1", "2001:db8::1:0:0:1", "::ffff:10.0.0.1", "::"]) {
      const n = parseNumericHost(a)!;
      const d = decodeSockaddr(encodeSockaddr(n.bytes, 443, 0, C), C)!;
      assert.equal(d.address, a);
      assert.equal(d.port, 443);
      assert.equal(d.scopeId, undefined);
    }
    const scoped = decodeSockaddr(encodeSockaddr(parseNumericHost("fe80::1")!.bytes, 1, 7, C), C);
    assert.equal(scoped?.scopeId, 7);
  }
  const mac = encodeSockaddr(new Uint8Array([1, 2, 3, 4]), 1, 0, DARWIN_RESOLVER);
  assert.deepEqual([mac[0], mac[1]], [16, 2], "macOS sin_len and sin_family");
  assert.throws(() => encodeSockaddr(new Uint8Array(5), 1), RangeError);
  assert.throws(() => encodeSockaddr(new Uint8Array(4), 65536), RangeError);
});

Deno.test("parseHosts skips comments and blank lines and keeps aliases", () => {
  assert.deepEqual(parseHosts("\n# x\n10.0.0.1\tA b  c # tail\nbad\n"), [
    { address: "10.0.0.1", name: "A", aliases: ["b", "c"] },
  ]);
});
