/**
 * RES-09's measurement, in a process of its own so nothing else moves its RSS: serve() and
 * N sockkit clients in one process, every connection idle (the handler waits in read, the
 * client sends nothing). Prints one JSON line: RSS before and after, and what was checked.
 *
 * Run: deno run --allow-net --allow-ffi tests/reliability/_idle_child.ts N
 */
import { connect, serve, type TcpConnection } from "../../mod.ts";

const n = Number(Deno.args[0] ?? 2000);
const idle = new Set<TcpConnection>();
let reading = 0;
const server = serve(async (conn) => {
  reading++;
  await conn.read(new Uint8Array(1)); // idle until the client closes
}, { hostname: "127.0.0.1", port: 0, lingerTimeout: 0 });
// Warm up: the first connection loads the code paths (Wasm, FFI) that every one uses.
const warm = await connect({ port: server.addr.port });
await warm.close();
await new Promise((r) => setTimeout(r, 200));
const before = Deno.memoryUsage();
for (let i = 0; i < n; i++) idle.add(await connect({ port: server.addr.port }));
const deadline = Date.now() + 20000;
while (reading < n + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
await new Promise((r) => setTimeout(r, 200));
const after = Deno.memoryUsage();
const active = server.stats().active;
for (const c of idle) await c.close();
await server.shutdown();
console.log(JSON.stringify({
  n,
  active,
  rssBefore: before.rss,
  rssAfter: after.rss,
  heapBefore: before.heapUsed,
  heapAfter: after.heapUsed,
}));
