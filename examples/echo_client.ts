/**
 * The seeds' Linux echo client, in idiomatic sockkit: send each stdin line to port 8887, print
 * the echo, quit on "exit" (or at the end of stdin). The seed's bugs are left out: the server
 * address is fully zeroed, and replies are read up to their newline instead of printed as
 * unterminated C strings. The line-for-line port is examples/bsd/echo_client.ts.
 *
 * Run: deno run --allow-net examples/echo_client.ts [--host 127.0.0.1] [--port 8887]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BufferedReader, connect } from "../mod.ts";
import { printBytes } from "./_print.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8887" },
  },
});
const NL = new Uint8Array([10]);
await using conn = await connect({
  hostname: values.host,
  port: Number(values.port),
  timeout: 5000,
});
using replies = new BufferedReader(conn, { limit: 1024 });
using stdin = new BufferedReader(Deno.stdin, { limit: 1024 });
for (;;) {
  let line: Uint8Array;
  try {
    line = await stdin.readUntil(NL);
  } catch {
    break; // end of input
  }
  await conn.writeAll(line);
  if (new TextDecoder().decode(line) === "exit\n") break;
  const echo = await replies.readUntil(NL);
  printBytes("client received:", echo); // the bytes as received, newline included
}
