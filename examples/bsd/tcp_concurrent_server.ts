/**
 * The seeds' "multithreaded server" exercise, ported to sockkit's Berkeley sockets API: the
 * accept loop hands each client to its own task (an async function not awaited, where C
 * would call `CreateThread`), so clients are served at once. Compare with
 * examples/tcp_concurrent_server.ts.
 *
 * Run: deno run --allow-net examples/bsd/tcp_concurrent_server.ts [--host 127.0.0.1] [--port 5000] [--max-clients N]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  accept,
  AF_INET,
  bind,
  closesocket,
  getsockname,
  htons,
  inet_addr,
  inet_ntoa,
  listen,
  ntohs,
  recv,
  send,
  SOCK_STREAM,
  sockaddr_in,
  socket,
} from "../../src/bsd/mod.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
    "max-clients": { type: "string", default: "0" },
  },
});
const max = Number(values["max-clients"]);

/** The thread procedure: serve one client. */
async function ClientThread(SocketClient: number, port: number): Promise<void> {
  const sendData = new TextEncoder().encode("Welcome\0");
  const buf = new Uint8Array(1024);
  try {
    await send(SocketClient, sendData, sendData.length, 0);
    const n = await recv(SocketClient, buf, buf.length, 0);
    if (n > 0) {
      console.log(
        `    receive data from client ${port}: ${
          new TextDecoder().decode(buf.subarray(0, n)).split("\0")[0]
        } `,
      );
    }
  } finally {
    await closesocket(SocketClient);
  }
}

const ServerSocket = socket(AF_INET, SOCK_STREAM, 0);
const ServerAddr = new sockaddr_in();
ServerAddr.sin_family = AF_INET;
ServerAddr.sin_addr.s_addr = inet_addr(values.host);
ServerAddr.sin_port = htons(Number(values.port));
bind(ServerSocket, ServerAddr);
listen(ServerSocket, 5);
getsockname(ServerSocket, ServerAddr);
console.log(`listening on ${inet_ntoa(ServerAddr.sin_addr)}:${ntohs(ServerAddr.sin_port)}`);
console.log("Server start...");
const threads: Promise<void>[] = [];
for (let i = 0; !max || i < max; i++) {
  const from = new sockaddr_in();
  const SocketClient = await accept(ServerSocket, from);
  console.log(
    `远程主机: ${inet_ntoa(from.sin_addr)} 通过端口: ${ntohs(from.sin_port)} 连接到了服务器...`,
  );
  threads.push(
    ClientThread(SocketClient, ntohs(from.sin_port)).catch((e) =>
      console.log(`    client error: ${e.message}`)
    ),
  );
}
await Promise.all(threads);
await closesocket(ServerSocket);
