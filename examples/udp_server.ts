/**
 * The seeds' UDP server (chapter 12), in idiomatic sockkit: receive datagrams on port 5050,
 * print each with the client's IP and port, and answer "Hello! I am a server.". The
 * line-for-line port is examples/bsd/udp_server.ts.
 *
 * Run: deno run --allow-net --unstable-net examples/udp_server.ts [--host 127.0.0.1] [--port 5050] [--count N]
 * (`--count N` stops after N datagrams; `--port 0` picks a free port, shown on the first line.)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { bind } from "../mod.ts";
import { cString, printBytes } from "./_print.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5050" },
    count: { type: "string", default: "0" },
  },
});
const count = Number(values.count);

using sock = bind({ hostname: values.host, port: Number(values.port) });
// Only a port the system chose is announced: with a fixed port, print what the seed prints.
if (Number(values.port) === 0) console.log(`listening on ${sock.addr.hostname}:${sock.addr.port}`);
console.log("  Server start ... \n");
const reply = new TextEncoder().encode("Hello! I am a server.\0");
let seen = 0;
for await (const { data, remoteAddr } of sock) {
  if (data.length === 0) continue; // the seed skips empty datagrams
  console.log("\n-----");
  printBytes("  recvfrom( ): ", cString(data), "\n"); // printf("%s"): the bytes up to the NUL
  console.log(`  Accepted client IP:[${remoteAddr.hostname}],port:[${remoteAddr.port}]`);
  try {
    await sock.sendTo(reply, remoteAddr);
    console.log("  sendto( ) succeeded!");
  } catch (e) {
    console.log(`  sendto( ) Failed.: ${(e as Error).message}`);
  }
  if (count && ++seen >= count) break;
}
