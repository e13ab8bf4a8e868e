/**
 * The seeds' exercise "make the welcome server multithreaded", in idiomatic sockkit: `serve`
 * runs a handler per connection concurrently, so a slow client does not hold up the others.
 * The line-for-line port is examples/bsd/tcp_concurrent_server.ts.
 *
 * Run: deno run --allow-net examples/tcp_concurrent_server.ts [--host 127.0.0.1] [--port 5000] [--max-clients N]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { serve } from "../mod.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
    "max-clients": { type: "string", default: "0" },
  },
});
const max = Number(values["max-clients"]);
let done = 0;
const server = serve(async (client) => {
  const { hostname, port } = client.remoteAddr;
  console.log(`远程主机: ${hostname} 通过端口: ${port} 连接到了服务器...`);
  await client.writeAll(new TextEncoder().encode("Welcome\0"));
  const buf = new Uint8Array(1024);
  const n = await client.read(buf, { timeout: 10_000 });
  if (n) {
    console.log(
      `    receive data from client ${port}: ${
        new TextDecoder().decode(buf.subarray(0, n)).split("\0")[0]
      } `,
    );
  }
  if (max && ++done >= max) setTimeout(() => server.shutdown(), 0);
}, { hostname: values.host, port: Number(values.port), backlog: 5 });
console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
console.log("Server start...");
await server.finished;
