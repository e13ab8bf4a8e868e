/**
 * Peer-vanish tests: the peer's link goes down silently (no FIN, no RST) inside two network
 * namespaces this test creates and deletes. Keepalive and TCP_USER_TIMEOUT set through
 * `setSocketOptions` must make the read fail with `TimedOut`. Needs root (CAP_NET_ADMIN);
 * otherwise the tests are skipped with a message.
 */
import assert from "node:assert/strict";

const isRoot = Deno.uid() === 0;
const hasIp = await new Deno.Command("ip", { args: ["-V"], stdout: "null", stderr: "null" })
  .output().then((o) => o.success, () => false);
const skip = !isRoot || !hasIp;
if (skip) {
  console.warn(
    `netns_peer_vanish_test: skipped: ${
      !isRoot ? "needs root to create network namespaces" : "the `ip` tool is missing"
    }`,
  );
}

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

async function run(cmd: string[]): Promise<void> {
  const o = await new Deno.Command(cmd[0], { args: cmd.slice(1), stderr: "piped" }).output();
  if (!o.success) throw new Error(`${cmd.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
}

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
  const nsA = `skA${tag}`, nsB = `skB${tag}`;
  const dir = await Deno.makeTempDir();
  const children: Deno.ChildProcess[] = [];
  try {
    await run(["ip", "netns", "add", nsA]);
    await run(["ip", "netns", "add", nsB]);
    await run([
      "ip",
      "link",
      "add",
      `va${tag}`,
      "netns",
      nsA,
      "type",
      "veth",
      "peer",
      "name",
      `vb${tag}`,
      "netns",
      nsB,
    ]);
    await run(["ip", "-n", nsA, "addr", "add", "10.201.0.1/30", "dev", `va${tag}`]);
    await run(["ip", "-n", nsB, "addr", "add", "10.201.0.2/30", "dev", `vb${tag}`]);
    for (const [ns, dev] of [[nsA, `va${tag}`], [nsB, `vb${tag}`]]) {
      await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
      await run(["ip", "-n", ns, "link", "set", dev, "up"]);
    }
    const peer = new Deno.Command("ip", {
      args: ["netns", "exec", nsB, "python3", "-c", PEER],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    children.push(peer);
    const pr = peer.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal(await readLine(pr, { text: "" }), "LISTENING");
    await Deno.writeTextFile(`${dir}/child.ts`, CHILD);
    const child = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        nsA,
        Deno.execPath(),
        "run",
        "-A",
        "--unstable-net",
        "--no-check",
        `${dir}/child.ts`,
        mode,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    children.push(child);
    const cr = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const acc = { text: "" };
    assert.equal(await readLine(cr, acc), "READY");
    await run(["ip", "-n", nsB, "link", "set", `vb${tag}`, "down"]); // the peer vanishes
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
    await new Deno.Command("ip", { args: ["netns", "del", nsA], stderr: "null" }).output();
    await new Deno.Command("ip", { args: ["netns", "del", nsB], stderr: "null" }).output();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "keepalive 1/1/2 turns a silently vanished peer into TimedOut within seconds",
  ignore: skip,
  sanitizeResources: false,
  fn: async () => {
    const [name, ms] = await vanishScenario("keepalive");
    assert.equal(name, "TimedOut");
    assert.ok(ms > 1000 && ms < 15000, `${ms} ms (expected about 3 s)`);
  },
});

Deno.test({
  name: "TCP_USER_TIMEOUT 2000 turns unacknowledged data to a vanished peer into TimedOut",
  ignore: skip,
  sanitizeResources: false,
  fn: async () => {
    const [name, ms] = await vanishScenario("usertimeout");
    assert.equal(name, "TimedOut");
    assert.ok(ms > 1000 && ms < 15000, `${ms} ms (expected about 2.2 s)`);
  },
});
