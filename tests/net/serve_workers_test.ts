import assert from "node:assert/strict";
import { serveWorkers } from "../../src/net/workers.ts";
import { connect } from "../../src/net/tcp.ts";
import { ProxyProtocolError } from "../../src/proxy/errors.ts";
import { spawn } from "../stress/_subprocess.ts";

const ECHO = new URL("../stress/_echo_handler.ts", import.meta.url);
const SLOW = new URL("../stress/_slow_echo_handler.ts", import.meta.url);

Deno.test("serveWorkers on port 0 spreads connections over two workers and sums their stats", async () => {
  await using server = await serveWorkers({
    module: ECHO,
    workers: 2,
    hostname: "127.0.0.1",
    port: 0,
  });
  assert.ok(server.addr.port > 0);
  assert.equal(server.workers, 2);
  const N = 40;
  await Promise.all(Array.from({ length: N }, async (_, i) => {
    await using c = await connect({ port: server.addr.port });
    const msg = new TextEncoder().encode(`message ${i}`);
    await c.writeAll(msg);
    assert.deepEqual(await c.readFull(new Uint8Array(msg.length)), msg);
  }));
  await server.shutdown();
  const { total, perWorker } = await server.stats();
  assert.equal(total.accepted, N);
  assert.equal(total.closed, N);
  assert.equal(total.active, 0);
  assert.equal(total.bytesRead, total.bytesWritten);
  assert.ok(total.bytesRead > 0);
  // SO_REUSEPORT hashes each connection's 4-tuple: 40 connections all landing on one worker
  // has a probability of 2^-39.
  assert.ok(perWorker.every((s) => s.accepted > 0), JSON.stringify(perWorker));
});

Deno.test("serveWorkers shutdown drains a running handler, then refuses new connections", async () => {
  const ac = new AbortController();
  const server = await serveWorkers({
    module: SLOW,
    workers: 2,
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
  });
  const c = await connect({ port: server.addr.port });
  await c.writeAll(new Uint8Array([42]));
  // Wait until a worker runs the handler, then abort while it sleeps.
  for (let i = 0; i < 100 && (await server.stats()).total.active === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  ac.abort();
  assert.deepEqual(await c.readFull(new Uint8Array(1)), new Uint8Array([42]));
  await c.close();
  await server.finished;
  await assert.rejects(connect({ port: server.addr.port }), Deno.errors.ConnectionRefused);
});

Deno.test("serveWorkers rejects a module without a default export and leaves no worker behind", async () => {
  const module = "data:application/javascript,export const x = 1;";
  await assert.rejects(
    serveWorkers({ module, workers: 2, hostname: "127.0.0.1", port: 0 }),
    (e: Error) => e instanceof TypeError && /default export/.test(e.message),
  );
});

Deno.test("serveWorkers reports AddrInUse from the first worker", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await assert.rejects(
    serveWorkers({ module: ECHO, workers: 2, hostname: "127.0.0.1", port: taken.addr.port }),
    Deno.errors.AddrInUse,
  );
});

Deno.test("serveWorkers passes proxyProtocol to every worker and rebuilds its typed errors", async () => {
  const errors: (Error & { worker: number })[] = [];
  await using server = await serveWorkers({
    module: ECHO,
    workers: 2,
    hostname: "127.0.0.1",
    port: 0,
    proxyProtocol: "v1",
    onError: (e) => errors.push(e),
  });
  {
    await using c = await connect({ port: server.addr.port });
    await c.writeAll(new TextEncoder().encode("NOT A PROXY HEADER\r\n"));
    assert.equal(await c.read(new Uint8Array(8)).catch(() => null), null);
  }
  for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof ProxyProtocolError);
  assert.ok(errors[0].worker === 0 || errors[0].worker === 1);
  assert.equal((await server.stats()).total.errors, 1);
});

Deno.test("serveWorkers rejects a bad worker count", async () => {
  await assert.rejects(serveWorkers({ module: ECHO, workers: 0 }), RangeError);
});

for (const workers of [0, 2]) {
  const what = workers ? "serveWorkers" : "serve";
  Deno.test(`${what} with handleSignals drains and exits cleanly on SIGTERM`, async () => {
    await using child = spawn(Deno.execPath(), [
      "run",
      "-A",
      new URL("../stress/_server_main.ts", import.meta.url).pathname,
      "--module",
      SLOW.pathname,
      "--workers",
      String(workers),
    ]);
    const port = Number(await child.line("LISTENING"));
    const c = await connect({ port });
    await c.writeAll(new Uint8Array([9]));
    // Wait (bounded) until the server side's receive queue is empty, as `ss` sees it: the
    // handler has read the byte and is in its 300 ms sleep.
    const serverSide = `( sport = :${port} and dport = :${c.localAddr.port} )`;
    let recvQ = -1;
    for (let i = 0; i < 200 && recvQ !== 0; i++) {
      const ss = await new Deno.Command("ss", {
        args: ["-tnH", "state", "established", serverSide],
      })
        .output();
      const cols = new TextDecoder().decode(ss.stdout).trim().split(/\s+/);
      recvQ = cols.length > 1 ? Number(cols[0]) : -1;
      if (recvQ !== 0) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(recvQ, 0, "the handler read the byte");
    child.process.kill("SIGTERM");
    assert.deepEqual(await c.readFull(new Uint8Array(1)), new Uint8Array([9]));
    await c.close();
    const status = await child.exit();
    assert.equal(status.code, 0, child.stderr());
    const stats = JSON.parse(await child.line("STATS"));
    assert.equal(stats.accepted, 1);
    assert.equal(stats.closed, 1);
    assert.equal(stats.errors, 0);
  });
}

Deno.test("serveWorkers hands handlerOptions to the handler in every worker", async () => {
  const module = "data:application/javascript," + encodeURIComponent(
    "export default async (c, o) => { await c.writeAll(new TextEncoder().encode(o.greeting)); await c.close(); };",
  );
  await using server = await serveWorkers({
    module,
    handlerOptions: { greeting: "hello from a worker" },
    workers: 2,
    hostname: "127.0.0.1",
    port: 0,
  });
  for (let i = 0; i < 4; i++) {
    await using c = await connect({ port: server.addr.port });
    const got = await c.readFull(new Uint8Array(19));
    assert.equal(new TextDecoder().decode(got!), "hello from a worker");
  }
});
