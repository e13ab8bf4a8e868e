/**
 * The seeds' Linux echo server (port 8887, backlog 20), in idiomatic sockkit: echo each line,
 * end the session on "exit". Unlike the seed it reads whole lines (TCP may split or join
 * sends), stops when the client disconnects instead of spinning on `recv() == 0`, and prints
 * exactly the bytes received. The line-for-line port is examples/bsd/echo_server.ts.
 *
 * Run: deno run --allow-net examples/echo_server.ts [--host 0.0.0.0] [--port 8887] [--max-clients 1]
 * (serves clients one after another; `--max-clients 0` serves forever.)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BufferedReader, listen } from "../mod.ts";
import { printBytes } from "./_print.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "0.0.0.0" },
    port: { type: "string", default: "8887" },
    "max-clients": { type: "string", default: "1" },
  },
});
const max = Number(values["max-clients"]);
const NL = new Uint8Array([10]);

await using server = listen({ hostname: values.host, port: Number(values.port), backlog: 20 });
// Only a port the system chose is announced: with a fixed port, print what the seed prints.
if (Number(values.port) === 0) {
  console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
}
let served = 0;
for await (const conn of server) {
  const lines = new BufferedReader(conn, { limit: 1024 });
  try {
    for (;;) {
      let line: Uint8Array;
      try {
        line = await lines.readUntil(NL);
      } catch {
        break; // end of stream (with or without a last partial line) or an over-long line
      }
      if (new TextDecoder().decode(line) === "exit\n") break;
      printBytes("server received:", line); // the bytes as received, newline included
      await conn.writeAll(line);
    }
  } finally {
    lines[Symbol.dispose]?.();
    await conn.close();
  }
  if (max && ++served >= max) break;
}
