import assert from "node:assert/strict";
import { example } from "./_run.ts";

Deno.test("gethostbyname prints every address of a name from /etc/hosts, in both styles", async () => {
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
    const bad = example(`${flavour}gethostbyname`, ["no-such-host.invalid"]);
    assert.equal(await bad.exit(), 1);
    assert.match(bad.stdout(), /gethostbyname failed/);
  }
  const bsd = example("bsd/gethostbyname", ["no-such-host.invalid"]);
  await bsd.exit();
  assert.match(bsd.stdout(), /failed: 11001/); // WSAHOST_NOT_FOUND
});

Deno.test("local_ip prints the host name and an address, in both styles", async () => {
  const host = Deno.hostname();
  const idiomatic = example("local_ip");
  assert.equal(await idiomatic.exit(), 0, idiomatic.stderr());
  assert.match(
    idiomatic.stdout(),
    new RegExp(`local name:${host}, local ip: 127\\.0\\.0\\.1 \\(lo`),
  );
  const bsd = example("bsd/local_ip");
  assert.equal(await bsd.exit(), 0, bsd.stderr());
  assert.match(
    bsd.stdout(),
    new RegExp(`^local name:${host}, local ip: \\d+\\.\\d+\\.\\d+\\.\\d+\\n$`),
  );
});
