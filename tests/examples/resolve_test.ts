import assert from "node:assert/strict";
import { localDns } from "../_local_dns.ts";
import { parseHosts } from "../../src/resolve/resolve.ts";
import { example } from "./_run.ts";

Deno.test("gethostbyname prints every address of a name from /etc/hosts, in both styles", async () => {
  // Unknown names are asked of a loopback responder, never of the machine's nameserver.
  await using dns = await localDns("gethostbyname of an unknown name");
  const expected = await new Deno.Command("getent", { args: ["ahostsv4", "localhost"] }).output();
  const addrs = [
    ...new Set(
      new TextDecoder().decode(expected.stdout).trim().split("\n").map((l) => l.split(/\s+/)[0]),
    ),
  ];
  for (const flavour of ["", "bsd/"]) {
    const c = example(`${flavour}gethostbyname`, ["localhost"]);
    assert.equal(await c.exit(), 0, c.stderr());
    assert.deepEqual(c.stdout().trim().split("\n"), addrs.map((a) => `localhost: ${a}`));
    if (!dns) continue;
    const bad = example(`${flavour}gethostbyname`, ["no-such-host.invalid"], { wrap: dns.wrap });
    assert.equal(await bad.exit(), 1, bad.stderr());
    assert.match(bad.stdout(), /gethostbyname failed/);
    if (flavour) assert.match(bad.stdout(), /failed: 11001/); // WSAHOST_NOT_FOUND
  }
  if (dns) assert.ok(dns.queries.includes("no-such-host.invalid"), `asked: ${dns.queries}`);
});

Deno.test("local_ip prints the host name and an address, in both styles", async () => {
  const host = Deno.hostname();
  const idiomatic = example("local_ip");
  assert.equal(await idiomatic.exit(), 0, idiomatic.stderr());
  assert.match(
    idiomatic.stdout(),
    new RegExp(`local name:${host}, local ip: 127\\.0\\.0\\.1 \\(lo`),
  );
  // gethostbyname(gethostname()): from /etc/hosts, or it would be a DNS query.
  const hosts = parseHosts(await Deno.readTextFile("/etc/hosts"));
  if (!hosts.some((e) => e.name === host || e.aliases.includes(host))) {
    console.warn(`SKIP bsd/local_ip: ${host} is not in /etc/hosts (it would need DNS)`);
    return;
  }
  const bsd = example("bsd/local_ip");
  assert.equal(await bsd.exit(), 0, bsd.stderr());
  assert.match(
    bsd.stdout(),
    new RegExp(`^local name:${host}, local ip: \\d+\\.\\d+\\.\\d+\\.\\d+\\n$`),
  );
});
