/**
 * The seeds' Linux echo server, ported line for line to sockkit's Berkeley sockets API, with
 * the seed's bugs fixed: `recv` returning 0 (client gone) ends the session instead of looping
 * forever, and the received bytes are used by their length, not as a C string. It prints the
 * bytes it received as they are, as the C program's `printf("%s")` does. With `--port 0` it
 * first prints `listening on HOST:PORT` (the port the system chose); with a fixed port its
 * output is the C program's, byte for byte (tests/interop/seeds_test.ts). Compare with
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
import { printBytes } from "../_print.ts";

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
// Only a port the system chose is announced: with a fixed port, print what the seed prints.
if (MYPORT === 0) {
  console.log(
    `listening on ${inet_ntoa(server_sockaddr.sin_addr)}:${ntohs(server_sockaddr.sin_port)}`,
  );
}

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
  // TCP is a byte stream: collect bytes until each newline. They stay bytes (the seed's
  // printf("%s") prints them raw); decoding them as text would turn "caf\xe9" into U+FFFD.
  let pending: Uint8Array = new Uint8Array(0);
  session: for (;;) {
    const len = await recv(conn, buff, buff.length, 0);
    if (len <= 0) break; // the seed loops forever here when the client leaves
    pending = concat(pending, buff.subarray(0, len));
    let nl;
    while ((nl = pending.indexOf(0x0a)) >= 0) {
      const line = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      if (isExit(line)) break session; // strcmp(buff, "exit\n") == 0
      printBytes("server received:", line);
      await send(conn, line, line.length, 0);
    }
  }
  await close(conn);
}
await close(server_sockfd);

/** `a` followed by `b`. */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Whether a line is exactly "exit\n". */
function isExit(line: Uint8Array): boolean {
  return line.length === 5 && new TextDecoder().decode(line) === "exit\n";
}
