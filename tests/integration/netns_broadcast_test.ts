/**
 * UDP broadcast between two network namespaces this test creates (tA, tB joined by a veth
 * pair with no route to the host). The receiver in tB binds 0.0.0.0; the sender in tA sends to
 * the subnet's broadcast address 10.213.X.255 through sockkit's `bind`/`sendTo`. Deno turns
 * SO_BROADCAST on by itself; `broadcast: false` makes the same send fail with EACCES.
 * Skips with a message when not root or when `ip netns add` is refused.
 */
import assert from "node:assert/strict";
import { createVethPair, deleteVethPair, inNetns, skipNote, type VethPair } from "../_netns.ts";

const tag = `${Deno.pid % 10000}`;
const sub = 10 + (Deno.pid % 200);
const pair: VethPair = {
  nsA: `skbA${tag}`,
  nsB: `skbB${tag}`,
  devA: `va${tag}`,
  devB: `vb${tag}`,
  addrA: `10.213.${sub}.1/24`,
  addrB: `10.213.${sub}.2/24`,
  broadcast: true,
};
const root = new URL("../../", import.meta.url).pathname;

const RECEIVER = `
import { bind } from "${root}src/net/udp.ts";
using s = bind({ hostname: "0.0.0.0", port: 47001 });
console.log("ready");
const d = await s.recvFrom({ timeout: 5000 });
console.log(JSON.stringify({ text: new TextDecoder().decode(d.data), from: d.remoteAddr.hostname }));
`;
const SENDER = `
import { bind } from "${root}src/net/udp.ts";
const to = { hostname: "10.213.${sub}.255", port: 47001 };
{
  using off = bind({ hostname: "10.213.${sub}.1", broadcast: false });
  const e = await off.sendTo(new Uint8Array([1]), to).then(() => null, (e) => e);
  console.log(JSON.stringify({ offCode: e?.code ?? null }));
}
using s = bind({ hostname: "10.213.${sub}.1" });
for (let i = 0; i < 5; i++) {
  await s.sendTo(new TextEncoder().encode("Hello! broadcast"), to);
  await new Promise((r) => setTimeout(r, 100));
}
`;

Deno.test("UDP broadcast reaches a receiver in another namespace, and broadcast:false gives EACCES", async (t) => {
  const why = await createVethPair(pair);
  if (why) {
    console.log(skipNote("netns broadcast test", why));
    t.step({ name: `skipped: ${why}`, ignore: true, fn: () => {} });
    return;
  }
  try {
    const deno = Deno.execPath();
    const rx = new Deno.Command("ip", {
      args: inNetns(pair.nsB, [deno, "eval", "--ext=ts", "--unstable-net", RECEIVER]),
      stdout: "piped",
      stderr: "piped",
      env: { DENO_NO_UPDATE_CHECK: "1" },
    }).spawn();
    // Wait until the receiver is bound (its first line), bounded in time.
    const reader = rx.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    const deadline = Date.now() + 15000;
    while (!buf.includes("ready\n") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
    }
    assert.ok(buf.includes("ready"), "receiver did not start");
    const tx = await new Deno.Command("ip", {
      args: inNetns(pair.nsA, [deno, "eval", "--ext=ts", "--unstable-net", SENDER]),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(tx.success, new TextDecoder().decode(tx.stderr));
    assert.equal(JSON.parse(new TextDecoder().decode(tx.stdout).trim()).offCode, "EACCES");
    while (!buf.includes("}\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
    }
    reader.releaseLock();
    const status = await rx.status;
    await rx.stderr.cancel();
    assert.ok(status.success, "receiver failed");
    const got = JSON.parse(buf.split("\n").find((l) => l.startsWith("{"))!);
    assert.deepEqual(got, { text: "Hello! broadcast", from: `10.213.${sub}.1` });
  } finally {
    await deleteVethPair(pair);
  }
});
