/**
 * The seeds' TCP client (chapter 12), in idiomatic sockkit: connect to 127.0.0.1:5000, print
 * the welcome, send "Hello" plus NUL. The line-for-line port is
 * examples/bsd/tcp_welcome_client.ts.
 *
 * Run: deno run --allow-net examples/tcp_welcome_client.ts [--host 127.0.0.1] [--port 5000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { connect } from "../mod.ts";
import { cString, printBytes } from "./_print.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
  },
});

let client;
try {
  client = await connect({ hostname: values.host, port: Number(values.port), timeout: 5000 });
} catch (e) {
  console.log(`connect error! ${(e as Error).message}`);
  Deno.exit(1);
}
console.log(`connect to server: ${client.remoteAddr.hostname} successfull `);
const buf = new Uint8Array(1024);
const n = await client.read(buf, { timeout: 10_000 });
if (n) {
  printBytes("    receive data from server: ", cString(buf.subarray(0, n)), " \n"); // printf("%s"): the bytes up to the NUL
}
await client.writeAll(new TextEncoder().encode("Hello\0"));
console.log("    send hello to server successful ");
await client.close();
