/**
 * Peer-vanish tests: the peer's link goes down silently (no FIN, no RST) inside two network
 * namespaces this test creates and deletes. Keepalive and TCP_USER_TIMEOUT set through
 * `setSocketOptions` must make the read fail with `TimedOut`. Needs root (CAP_NET_ADMIN);
 * otherwise the tests are skipped with a message.
 */
import assert from "node:assert/strict";
import {
  createVethPair,
  deleteVethPair,
  inNetns,
  netnsUnavailable,
  run,
  skipNote,
  type VethPair,
} from "../_netns.ts";

const unavailable = await netnsUnavailable();
const skip = unavailable !== null;
if (unavailable) console.warn(skipNote("netns_peer_vanish_test", unavailable));

const MOD = new URL("../../mod.ts", import.meta.url).href;

const CHILD = `
import { setSocketOptions } from ${JSON.stringify(MOD)};
const mode = Deno.args[0];
const conn = await Deno.connect({ hostname: "10.201.0.2", port: 7000 });
if (mode === "keepalive") setSocketOptions(conn, { keepAlive: { idle: 1, interval: 1, count: 2 } });
else setSocketOptions(conn, { userTimeout: 2000 });
console.log("READY");
const buf = new Uint8Array(16);
await Deno.stdin.read(buf); // parent says the link is down
const t0 = performance.now();
if (mode === "usertimeout") await conn.write(new Uint8Array(1000));
const timer = setTimeout(() => { console.log("NO-TIMEOUT"); Deno.exit(3); }, 20000);
try {
  const n = await conn.read(buf);
  console.log("READ", n);
} catch (e) {
  console.log("ERR", e.constructor.name, Math.round(performance.now() - t0));
}
clearTimeout(timer);
`;

const PEER = `
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.201.0.2", 7000)); s.listen(1); print("LISTENING", flush=True)
c, _ = s.accept(); time.sleep(60)
`;

async function readLine(r: ReadableStreamDefaultReader<string>, acc: { text: string }) {
  while (!acc.text.includes("\n")) {
    const { value, done } = await r.read();
    if (done) break;
    acc.text += value;
  }
  const i = acc.text.indexOf("\n");
  const line = i < 0 ? acc.text : acc.text.slice(0, i);
  acc.text = i < 0 ? "" : acc.text.slice(i + 1);
  return line.trim();
}

async function vanishScenario(mode: "keepalive" | "usertimeout"): Promise<[string, number]> {
  const tag = `${Deno.pid % 100000}${mode[0]}`;
  const pair: VethPair = {
    nsA: `skA${tag}`,
    nsB: `skB${tag}`,
    devA: `va${tag}`,
    devB: `vb${tag}`,
    addrA: "10.201.0.1/30",
    addrB: "10.201.0.2/30",
  };
  const dir = await Deno.makeTempDir();
  const children: Deno.ChildProcess[] = [];
  try {
    const why = await createVethPair(pair);
    if (why) throw new Error(`cannot create the namespaces: ${why}`);
    const peer = new Deno.Command("ip", {
      args: inNetns(pair.nsB, ["python3", "-c", PEER]),
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    children.push(peer);
    const pr = peer.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal(await readLine(pr, { text: "" }), "LISTENING");
    await Deno.writeTextFile(`${dir}/child.ts`, CHILD);
    const child = new Deno.Command("ip", {
      args: inNetns(pair.nsA, [
        Deno.execPath(),
        "run",
        "-A",
        "--unstable-net",
        "--no-check",
        `${dir}/child.ts`,
        mode,
      ]),
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    children.push(child);
    const cr = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const acc = { text: "" };
    assert.equal(await readLine(cr, acc), "READY");
    await run(["ip", "-n", pair.nsB, "link", "set", pair.devB, "down"]); // the peer vanishes
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("GO\n"));
    await w.close();
    const verdict = await readLine(cr, acc);
    await cr.cancel();
    await pr.cancel();
    await child.status;
    const [, name, ms] = verdict.split(" ");
    return [name ?? verdict, Number(ms)];
  } finally {
    for (const c of children) {
      try {
        c.kill("SIGKILL");
      } catch { /* already exited */ }
      await c.status;
    }
    await deleteVethPair(pair);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "keepalive 1/1/2 turns a silently vanished peer into TimedOut within seconds (OPT-02)",
  ignore: skip,
  sanitizeResources: false,
  fn: async () => {
    const [name, ms] = await vanishScenario("keepalive");
    assert.equal(name, "TimedOut");
    assert.ok(ms > 1000 && ms < 15000, `${ms} ms (expected about 3 s)`);
  },
});

Deno.test({
  name: "TCP_USER_TIMEOUT 2000 turns unacknowledged data to a vanished peer into TimedOut (OPT-04)",
  ignore: skip,
  sanitizeResources: false,
  fn: async () => {
    const [name, ms] = await vanishScenario("usertimeout");
    assert.equal(name, "TimedOut");
    assert.ok(ms > 1000 && ms < 15000, `${ms} ms (expected about 2.2 s)`);
  },
});
