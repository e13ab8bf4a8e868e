/** Options and states checked from outside the process with `ss` and `/proc/net/tcp`. */
import assert from "node:assert/strict";
import { setSocketOptions } from "../../mod.ts";
import { StaleDescriptorError } from "../../src/sockopt/mod.ts";

async function ss(args: string[], port: number): Promise<string> {
  const out = await new Deno.Command("ss", { args: [...args, `sport = :${port}`] }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("ss -tnoi shows the keepalive timer set through setSocketOptions (OPT-01)", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using c = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  using _s = await l.accept();
  setSocketOptions(c, { keepAlive: { idle: 17, interval: 3, count: 4 } });
  const text = await ss(["-tnoiH"], c.localAddr.port);
  const m = text.match(/timer:\(keepalive,(\d+)(?:\.\d+)?sec,0\)/);
  assert.ok(m, `no keepalive timer in: ${text}`);
  assert.ok(Number(m[1]) <= 17 && Number(m[1]) >= 10, `timer ${m[1]}s`);
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, "0");
  // This connection's row: local port, remote port and ESTABLISHED (01). Under the parallel
  // suite, an older connection that used the same local port may still be in TIME_WAIT.
  const row = (await Deno.readTextFile("/proc/net/tcp")).split("\n").find((line) => {
    const f = line.trim().split(/\s+/);
    return f[1]?.endsWith(`:${hex(c.localAddr.port)}`) &&
      f[2]?.endsWith(`:${hex(l.addr.port)}`) && f[3] === "01";
  });
  assert.ok(row, "row in /proc/net/tcp");
  assert.equal(row.trim().split(/\s+/)[5].split(":")[0], "02", "tr = 02 (keepalive timer)");
});

Deno.test("ss -tnm shows the buffer sizes the report says were applied (OPT-05)", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using c = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  using _s = await l.accept();
  const r = setSocketOptions(c, { receiveBufferSize: 65536, sendBufferSize: 50000 });
  const text = await ss(["-tnmH"], c.localAddr.port);
  assert.match(text, new RegExp(`rb${r.receiveBufferSize!.applied}\\b`));
  assert.match(text, new RegExp(`tb${r.sendBufferSize!.applied}\\b`));
  assert.equal(r.receiveBufferSize!.applied, 131072);
});

Deno.test("ss -tan shows LISTEN, ESTAB and the CLOSE-WAIT left by a peer's FIN (TCP-01)", async () => {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const c = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  using s = await l.accept();
  const port = l.addr.port;
  assert.match(await ss(["-tanH"], port), /^LISTEN/m);
  assert.match(await ss(["-tanH"], port), /^ESTAB/m);
  c.close();
  assert.equal(await s.read(new Uint8Array(1)), null);
  assert.match(await ss(["-tanH"], port), /^CLOSE-WAIT/m);
});

Deno.test("two reusePort listeners show as two LISTEN rows and cannot be told apart by address (OPT-09)", async () => {
  using a = Deno.listen({ hostname: "127.0.0.1", port: 0, reusePort: true });
  using b = Deno.listen({ hostname: "127.0.0.1", port: a.addr.port, reusePort: true });
  const rows = (await ss(["-ltnH"], a.addr.port)).trim().split("\n").filter((x) => x);
  assert.equal(rows.length, 2);
  // Same type, same address, no peer: discovery refuses to guess rather than touch the wrong one.
  assert.throws(
    () => setSocketOptions(b, { noDelay: true }),
    (e: unknown) => e instanceof StaleDescriptorError && e.problem === "ambiguous",
  );
});
