/**
 * The seeds' UDP client (chapter 12), in idiomatic sockkit: send "Hello! I am a client." to
 * port 5050 and print the reply. The line-for-line port is examples/bsd/udp_client.ts.
 *
 * Run: deno run --allow-net --unstable-net examples/udp_client.ts [--host 127.0.0.1] [--port 5050] [--timeout 3000]
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
    timeout: { type: "string", default: "3000" },
  },
});

// A client need not bind an address: the system picks the port.
using sock = bind({ hostname: values.host.includes(":") ? "::" : "0.0.0.0", port: 0 });
const server = { hostname: values.host, port: Number(values.port) };
await sock.sendTo(new TextEncoder().encode("Hello! I am a client.\0"), server);
console.log("sendto( ) succeeded.");
try {
  const { data } = await sock.recvFrom({ timeout: Number(values.timeout) });
  printBytes("recvfrom( ):", cString(data), "\n"); // printf("%s"): the bytes up to the NUL
  console.log("-----");
} catch (e) {
  console.log(`recvfrom( )Failed.: ${(e as Error).message}`);
  Deno.exitCode = 1;
}
