/**
 * TCP cases of the reliability catalogue (`shared/reference/anchors-reliability.md` §2.6,
 * §2.3 and §2.9) that no other test covered, each named by its ID. Loopback only; the `ss -K`
 * case needs root and a kernel with `CONFIG_INET_DIAG_DESTROY`, and says SKIP otherwise.
 */
import assert from "node:assert/strict";
import { connect, listen } from "../../mod.ts";

/** A deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("TCP-06: after the peer closed, a second write fails with BrokenPipe and the process survives", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ port: server.addr.port });
  const s = await accepted;
  await s.close(); // FIN to us; our first write makes the peer answer with an RST
  assert.equal(await c.read(new Uint8Array(1)), null);
  const first = await c.write(new Uint8Array([1]));
  assert.equal(first, 1, "the first write is accepted by our kernel");
  let error: unknown = null;
  for (let i = 0; i < 50 && error === null; i++) {
    await new Promise((r) => setTimeout(r, 10)); // let the peer's RST arrive
    error = await c.write(new Uint8Array([2])).then(() => null, (e) => e);
  }
  assert.ok(error instanceof Deno.errors.BrokenPipe, `expected BrokenPipe, got ${error}`);
});

Deno.test("TCP-07: close() while a read is pending settles the read, and the peer sees EOF", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  const c = await connect({ port: server.addr.port });
  await using s = await accepted;
  const pending = c.read(new Uint8Array(16)).then((n) => ({ n }), (e) => ({ e }));
  await new Promise((r) => setTimeout(r, 20));
  await c.close();
  const settled = await pending;
  assert.ok(
    ("n" in settled && settled.n === null) ||
      ("e" in settled && settled.e instanceof Error),
    `the pending read settles with null or an error, got ${JSON.stringify(settled)}`,
  );
  const peerRead = await s.read(new Uint8Array(16), { timeout: 2000 });
  assert.equal(peerRead, null, "the peer reads end of stream within 2 s");
});

Deno.test("TCP-08: closing the listener ends a pending accept with a typed error and ends iteration", async () => {
  const server = listen({ hostname: "127.0.0.1", port: 0 });
  const pending = server.accept().then(() => null, (e) => e);
  await new Promise((r) => setTimeout(r, 20));
  await server.close();
  const error = await pending;
  assert.ok(error instanceof Deno.errors.BadResource, `BadResource, got ${error}`);
  const second = listen({ hostname: "127.0.0.1", port: 0 });
  const seen: unknown[] = [];
  const loop = (async () => {
    for await (const conn of second) seen.push(conn);
  })();
  await new Promise((r) => setTimeout(r, 20));
  await second.close();
  await loop; // the iterator ends cleanly: no rejection escapes
  assert.equal(seen.length, 0);
});

Deno.test("TCP-13: 16 MiB of random bytes in random write sizes arrive with the same SHA-256", async () => {
  const random = prng(0x5eed);
  const payload = new Uint8Array(16 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 65536) {
    crypto.getRandomValues(payload.subarray(i, Math.min(i + 65536, payload.length)));
  }
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const received = (async () => {
    await using s = await server.accept();
    const out = new Uint8Array(payload.length);
    let off = 0;
    for (;;) {
      const n = await s.read(out.subarray(off, Math.min(off + 65536, out.length)));
      if (n === null) break;
      off += n;
      if (off === out.length) {
        assert.equal(await s.read(new Uint8Array(1)), null);
        break;
      }
    }
    return out.subarray(0, off) as Uint8Array<ArrayBuffer>;
  })();
  await using c = await connect({ port: server.addr.port });
  let writes = 0;
  for (let off = 0; off < payload.length; writes++) {
    const size = 1 + Math.floor(random() * 65536);
    off += await c.writeAll(payload.subarray(off, Math.min(off + size, payload.length)));
  }
  await c.closeWrite();
  const got = await received;
  assert.equal(got.length, payload.length);
  assert.equal(await sha256(got), await sha256(payload));
  assert.ok(writes > 100, `random write sizes (${writes} writes)`);
});

Deno.test("TCP-17: a server that sends N bytes then FIN delivers all N bytes, then end of stream", async () => {
  const N = 1_000_003;
  const payload = new Uint8Array(N).map((_, i) => i * 7);
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const sent = (async () => {
    const s = await server.accept();
    await s.writeAll(payload);
    await s.close();
  })();
  await using c = await connect({ port: server.addr.port });
  const got = await c.readFull(new Uint8Array(N));
  assert.ok(got !== null);
  assert.deepEqual(got, payload);
  assert.equal(await c.read(new Uint8Array(1)), null, "no byte after the N, then EOF");
  await sent;
});

Deno.test("SA-09: an IPv4 client of a dual-stack listener on :: appears as ::ffff:127.0.0.1", async () => {
  await using server = listen({ hostname: "::", port: 0 });
  const accepted = server.accept();
  await using c = await connect({ hostname: "127.0.0.1", port: server.addr.port });
  await using s = await accepted;
  assert.equal(s.remoteAddr.hostname, "::ffff:127.0.0.1");
  assert.equal(s.remoteAddr.port, c.localAddr.port);
});

Deno.test("RES-04: a listener restarts on its port while the server-side TIME_WAIT entries remain", async () => {
  const first = listen({ hostname: "127.0.0.1", port: 0 });
  const port = first.addr.port;
  for (let i = 0; i < 3; i++) {
    const accepted = first.accept();
    const c = await connect({ port });
    const s = await accepted;
    await s.close(); // the server closes first: its side goes to TIME_WAIT
    assert.equal(await c.read(new Uint8Array(1)), null);
    await c.close();
  }
  await first.close();
  const ss = await new Deno.Command("ss", {
    args: ["-Htan", "state", "time-wait", `sport = :${port}`],
  }).output();
  const rows = new TextDecoder().decode(ss.stdout).trim().split("\n").filter(Boolean);
  assert.ok(rows.length >= 1, `ss lists the server-side TIME_WAIT entries on port ${port}`);
  await using again = listen({ hostname: "127.0.0.1", port }); // SO_REUSEADDR: no AddrInUse
  assert.equal(again.addr.port, port);
});

/** Whether `ss -K` can kill sockets here (root and CONFIG_INET_DIAG_DESTROY). */
async function ssKillWorks(): Promise<string | null> {
  try {
    if (Deno.uid() !== 0) return "ss -K needs root";
  } catch {
    return "cannot tell whether this is root (--allow-sys)";
  }
  const out = await new Deno.Command("ss", { args: ["-h"], stderr: "piped", stdout: "piped" })
    .output().catch(() => null);
  if (!out) return "ss is not installed (.ci/run installs iproute2)";
  const help = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return /--kill|-K/.test(help) ? null : "this ss has no -K";
}

const ssSkip = await ssKillWorks();
if (ssSkip) console.log(`SKIP: TCP-15: ${ssSkip}`);

Deno.test({
  name: "TCP-15: ss -K on our socket mid-stream fails our next read and resets the peer",
  ignore: ssSkip !== null,
  async fn() {
    await using server = listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = server.accept();
    await using c = await connect({ port: server.addr.port });
    await using s = await accepted;
    await s.writeAll(new Uint8Array(1000));
    assert.ok(await c.readFull(new Uint8Array(1000)));
    const pending = c.read(new Uint8Array(16)).then(() => null, (e) => e);
    const local = c.localAddr.port;
    const kill = await new Deno.Command("ss", {
      args: ["-K", "-tn", "src", `127.0.0.1:${local}`, "dst", `127.0.0.1:${server.addr.port}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(kill.success, new TextDecoder().decode(kill.stderr));
    const local_error = await pending;
    assert.ok(
      local_error instanceof Deno.errors.ConnectionAborted,
      `our pending read fails with ConnectionAborted (ECONNABORTED), got ${local_error}`,
    );
    const peer = await s.read(new Uint8Array(16), { timeout: 2000 }).then((n) => n, (e) => e);
    assert.ok(peer instanceof Deno.errors.ConnectionReset, `the peer sees a reset, got ${peer}`);
  },
});

Deno.test("RES-09: 2,000 idle connections (sockkit client and serve() side in one process) cost at most 32 KiB of RSS and 16 KiB of JS heap per pair", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-ffi",
      new URL("./_idle_child.ts", import.meta.url).pathname,
      "2000",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(r.active, 2000, "every connection is open and idle in its handler");
  const rssPerPair = (r.rssAfter - r.rssBefore) / r.n;
  const heapPerPair = (r.heapAfter - r.heapBefore) / r.n;
  // Measured on the 2-core box: about 14 KiB of RSS and 6 KiB of heap per pair. Buffers are
  // allocated lazily, so an idle connection holds no read buffer of its own.
  assert.ok(rssPerPair <= 32 * 1024, `RSS per idle pair: ${Math.round(rssPerPair)} B`);
  assert.ok(heapPerPair <= 16 * 1024, `heap per idle pair: ${Math.round(heapPerPair)} B`);
});
