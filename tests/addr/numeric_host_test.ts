/**
 * parseNumericHost: the one reader of host text (resolver, sockaddr packing, bsd, CLI), and
 * the CLI's handling of numeric-looking text that is not an address: a usage error (exit 2)
 * with no DNS query, checked against a loopback DNS responder that records every query.
 */
import assert from "node:assert/strict";
import { parseNumericHost } from "../../src/addr/ip.ts";
import { AddressSyntaxError } from "../../src/addr/errors.ts";
import { lookup, reverseLookup } from "../../src/resolve/resolve.ts";
import { getaddrinfo, getnameinfo } from "../../src/bsd/netdb.ts";
import { localDns } from "../_local_dns.ts";
import { sockkit } from "../cli/_run.ts";

Deno.test("parseNumericHost reads legacy, zero-padded, hex, zone and mapped forms as getaddrinfo does", () => {
  const text = (t: string) => parseNumericHost(t)?.text;
  assert.equal(text("127.1"), "127.0.0.1");
  assert.equal(text("010.0.0.1"), "8.0.0.1");
  assert.equal(text("0x7f.1"), "127.0.0.1");
  assert.equal(text("4294967295"), "255.255.255.255");
  assert.equal(text("::FFFF:7f00:1"), "::ffff:127.0.0.1");
  assert.equal(text("FE80::0001%eth0"), "fe80::1%eth0");
  assert.equal(parseNumericHost("fe80::1%007")?.scopeId, 7);
  assert.equal(parseNumericHost("fe80::1%eth0")?.scopeId, null);
  assert.equal(parseNumericHost("::1")?.family, "IPv6");
});

Deno.test("parseNumericHost returns null for names and throws for numeric-looking junk", () => {
  for (const name of ["localhost", "example.com", "1e100.net", "0x7f.example", "a.b.c.d", ""]) {
    assert.equal(parseNumericHost(name), null, name);
  }
  const cases: [string, number][] = [
    ["256.1.1.1", 3],
    ["1.2.3.4.5", 7],
    ["1.2.3.4.", 7],
    ["::0x1.2.3.4", 3],
    ["1.2.3.4%1", 7],
    ["::1%lo", 4], // an interface name needs a link-local address (glibc: EAI_NONAME)
    ["fe80::1%4294967296", 8],
    ["fe80::1%", 8],
  ];
  for (const [bad, position] of cases) {
    assert.throws(
      () => parseNumericHost(bad),
      (e) => e instanceof AddressSyntaxError && e.input === bad && e.position === position,
      bad,
    );
  }
  assert.throws(() => parseNumericHost(42 as unknown as string), TypeError);
});

Deno.test("the old disagreements are gone: 010.0.0.1 is 8.0.0.1 in lookup, getnameinfo and getaddrinfo", async () => {
  for (const resolver of ["system", "fallback"] as const) {
    const [a] = await lookup("010.0.0.1", 80, { socktype: "stream", resolver });
    assert.equal(a.address, "8.0.0.1", resolver);
    const n = await getnameinfo({ hostname: "010.0.0.1", port: 80 }, {
      numericHost: true,
      numericService: true,
      resolver,
    });
    assert.deepEqual(n, { host: "8.0.0.1", service: "80" }, resolver);
    const [g] = await getaddrinfo("0x7f.1", 80, { socktype: "stream", resolver });
    assert.equal(g.address, "127.0.0.1", resolver);
    await assert.rejects(lookup("256.1.1.1", undefined, { resolver }), AddressSyntaxError);
    await assert.rejects(
      reverseLookup({ hostname: "1.2.3.4.5", port: 1 }, { resolver }),
      SyntaxError,
    );
  }
});

Deno.test("the CLI rejects numeric-looking junk as a usage error (exit 2) without a DNS query", async () => {
  await using dns = await localDns("checking that invalid numeric hosts send no query");
  const wrap = dns?.wrap;
  const runs = await Promise.all([
    sockkit(["resolve", "256.1.1.1"], { wrap }),
    sockkit(["resolve", "1.2.3.4.5"], { wrap }),
    sockkit(["connect", "256.1.1.1:9000"], { wrap }),
    sockkit(["listen", "256.1.1.1:9000"], { wrap }),
    sockkit(["connect", "-u", "[::0x1.2.3.4]:9"], { wrap }),
  ]);
  for (const r of runs) {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /invalid address "[^"]+": invalid IPv[46] address/);
  }
  if (dns) {
    assert.equal(dns.queries.length, 0, `no DNS query may leave for numeric text: ${dns.queries}`);
    // The control: a name does reach the responder (which answers NXDOMAIN).
    const name = await sockkit(["resolve", "no-such-host.invalid"], { wrap });
    assert.equal(name.code, 1, name.stderr);
    assert.ok(dns.queries.some((q) => q.startsWith("no-such-host.invalid")), `${dns.queries}`);
  }
});
