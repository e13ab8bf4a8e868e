/**
 * The seeds' TCP "welcome" server (chapter 12), in idiomatic sockkit: listen on
 * 127.0.0.1:5000, and for each client print its address and port, send "Welcome" plus NUL,
 * print the one message the client sends, and close it. It keeps serving.
 *
 * The seed prints Chinese: "远程主机: ADDR 通过端口: PORT 连接到了服务器..." means
 * "remote host ADDR connected to the server through port PORT...". The line-for-line
 * Berkeley sockets port is examples/bsd/tcp_welcome_server.ts.
 *
 * Run: deno run --allow-net examples/tcp_welcome_server.ts [--host 127.0.0.1] [--port 5000] [--max-clients N]
 * (`--port 0` picks a free port; the "listening on" line shows it.)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { listen } from "../mod.ts";
import { cString, printBytes } from "./_print.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
    "max-clients": { type: "string", default: "0" },
  },
});
const maxClients = Number(values["max-clients"]);

await using server = listen({ hostname: values.host, port: Number(values.port), backlog: 5 });
// Only a port the system chose is announced: with a fixed port, print what the seed prints.
if (Number(values.port) === 0) {
  console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
}
console.log("Server start...");

let served = 0;
for await (const client of server) {
  const { hostname, port } = client.remoteAddr;
  console.log(`远程主机: ${hostname} 通过端口: ${port} 连接到了服务器...`);
  try {
    await client.writeAll(new TextEncoder().encode("Welcome\0"));
    console.log("    send welcome to client successful ");
    const buf = new Uint8Array(1024);
    const n = await client.read(buf, { timeout: 10_000 });
    if (n) {
      // The message is a C string: print up to its NUL, as printf("%s") does.
      printBytes("    receive data from client: ", cString(buf.subarray(0, n)), " \n"); // printf("%s"): the bytes up to the NUL
    }
  } catch (e) {
    console.log(`    client error: ${(e as Error).message}`);
  }
  await client.close();
  console.log("    close client Socket successful \n");
  if (maxClients && ++served >= maxClients) break;
}
