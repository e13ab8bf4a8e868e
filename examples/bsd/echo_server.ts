/**
 * The seeds' Linux echo server, ported line for line to sockkit's Berkeley sockets API, with
 * the seed's bugs fixed: `recv` returning 0 (client gone) ends the session instead of looping
 * forever, and the received bytes are used by their length, not as a C string. Compare with
 * examples/echo_server.ts.
 *
 * Run: deno run --allow-net examples/bsd/echo_server.ts [--host 0.0.0.0] [--port 8887] [--max-clients 1]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  accept,
  AF_INET,
  bind,
  close,
  getsockname,
  htons,
  inet_addr,
  inet_ntoa,
  listen,
  ntohs,
  perror,
  recv,
  send,
  SOCK_STREAM,
  sockaddr_in,
  socket,
} from "../../src/bsd/mod.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "0.0.0.0" },
    port: { type: "string", default: "8887" },
    "max-clients": { type: "string", default: "1" },
  },
});
const QUEUE = 20;
const MYPORT = Number(values.port);
const BUFF_SIZE = 1024;
const max = Number(values["max-clients"]);

const server_sockfd = socket(AF_INET, SOCK_STREAM, 0); // 定義socket fd
const server_sockaddr = new sockaddr_in();
server_sockaddr.sin_family = AF_INET;
server_sockaddr.sin_port = htons(MYPORT); // host to network short
server_sockaddr.sin_addr.s_addr = inet_addr(values.host); // htonl(INADDR_ANY) by default
try {
  bind(server_sockfd, server_sockaddr);
} catch {
  perror("bind");
  Deno.exit(1);
}
try {
  listen(server_sockfd, QUEUE);
} catch {
  perror("listen");
  Deno.exit(2);
}
getsockname(server_sockfd, server_sockaddr);
console.log(
  `listening on ${inet_ntoa(server_sockaddr.sin_addr)}:${ntohs(server_sockaddr.sin_port)}`,
);

const buff = new Uint8Array(BUFF_SIZE);
for (let served = 0; !max || served < max; served++) {
  const client_addr = new sockaddr_in();
  let conn: number;
  try {
    conn = await accept(server_sockfd, client_addr); // 監聽並返回客戶端fd
  } catch {
    perror("accept");
    Deno.exit(3);
  }
  // TCP is a byte stream: collect bytes until each newline.
  let pending = "";
  session: for (;;) {
    const len = await recv(conn, buff, buff.length, 0);
    if (len <= 0) break; // the seed loops forever here when the client leaves
    pending += new TextDecoder().decode(buff.subarray(0, len), { stream: true });
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      if (line === "exit\n") break session;
      console.log(`server received:${line.slice(0, -1)}`);
      const out = new TextEncoder().encode(line);
      await send(conn, out, out.length, 0);
    }
  }
  await close(conn);
}
await close(server_sockfd);
