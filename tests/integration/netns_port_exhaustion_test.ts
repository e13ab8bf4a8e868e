/**
 * RES-03: ephemeral port exhaustion. In a network namespace this test creates (only its
 * loopback, which has no route anywhere else), `net.ipv4.ip_local_port_range` is cut to a few
 * ports; a child connects to a listener there until connect fails. The failure must be a typed
 * `Deno.errors.AddrNotAvailable` that `explainError` names `EADDRNOTAVAIL` / `WSAEADDRNOTAVAIL`
 * 10049, the connections already open keep working, and a connection succeeds again once one
 * closes. Skips with a message when not root.
 */
import assert from "node:assert/strict";
import { inNetns, netnsUnavailable, run, skipNote } from "../_netns.ts";

const ns = `skP${Deno.pid % 10000}`;
const root = new URL("../../", import.meta.url).pathname;

const CHILD = `
import { abortConnection, connect, explainError } from "${root}mod.ts";
const listener = Deno.listen({ hostname: "127.0.0.1", port: 5000 });
const conns = [];
let failure;
for (let i = 0; i < 64; i++) {
  try {
    conns.push(await connect({ hostname: "127.0.0.1", port: 5000, timeout: 2000 }));
  } catch (e) {
    failure = e;
    break;
  }
}
const accepted = [];
for (let i = 0; i < conns.length; i++) accepted.push(await listener.accept());
// The open ones still carry bytes.
await conns[0].writeAll(new Uint8Array([7]));
const echo = new Uint8Array(1);
await accepted[0].read(echo);
// One closes (RST, so no TIME_WAIT holds its port): the next connect gets a port again.
abortConnection(conns[1]);
let again = "refused";
try {
  const c = await connect({ hostname: "127.0.0.1", port: 5000, timeout: 2000 });
  again = "connected";
  await c.close();
} catch (e) {
  again = String(e);
}
const info = failure ? explainError(failure) : null;
console.log(JSON.stringify({
  opened: conns.length,
  name: failure?.name ?? null,
  isAddrNotAvailable: failure instanceof Deno.errors.AddrNotAvailable,
  errno: info?.name ?? null,
  wsa: info ? [info.wsaName, info.wsaCode] : null,
  operation: failure?.operation ?? null,
  address: failure?.address ?? null,
  echoed: echo[0],
  again,
}));
Deno.exit(0);
`;

Deno.test("running out of ephemeral ports gives a typed AddrNotAvailable (WSAEADDRNOTAVAIL), and a freed port is used again (RES-03)", async (t) => {
  const why = await netnsUnavailable();
  if (why) {
    console.log(skipNote("port exhaustion test", why));
    await t.step({ name: `skipped: ${why}`, ignore: true, fn: () => {} });
    return;
  }
  await run(["ip", "netns", "add", ns]);
  try {
    await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
    // Eight ports, 40000-40007; the namespace's own setting, the host's is untouched.
    await run([
      "ip",
      ...inNetns(ns, ["sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=40000 40007"]),
    ]);
    const out = await new Deno.Command("ip", {
      args: inNetns(ns, [Deno.execPath(), "eval", "--ext=ts", CHILD]),
      stdout: "piped",
      stderr: "piped",
      env: { DENO_NO_UPDATE_CHECK: "1" },
      signal: AbortSignal.timeout(60_000),
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, stderr);
    const r = JSON.parse(new TextDecoder().decode(out.stdout).trim());
    console.log(`port exhaustion: ${r.opened} connections on 8 ports, then ${r.name} (${r.errno})`);
    assert.ok(r.opened >= 1 && r.opened <= 8, `opened ${r.opened} with 8 ports`);
    assert.equal(r.isAddrNotAvailable, true, JSON.stringify(r));
    assert.equal(r.errno, "EADDRNOTAVAIL");
    assert.deepEqual(r.wsa, ["WSAEADDRNOTAVAIL", 10049]);
    assert.deepEqual([r.operation, r.address], ["connect", "127.0.0.1:5000"], "annotated");
    assert.equal(r.echoed, 7, "the connections already open still carry bytes");
    assert.equal(r.again, "connected", "a port freed by a close is used again");
  } finally {
    await run(["ip", "netns", "del", ns], true);
  }
});
