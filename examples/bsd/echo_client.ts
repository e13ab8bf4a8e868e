/**
 * The seeds' Linux echo client, ported line for line to sockkit's Berkeley sockets API, with
 * the seed's bugs fixed (`memset(&server_addr, 0, sizeof(0))` zeroed 4 bytes only; replies were
 * printed as C strings without a terminator). Compare with examples/echo_client.ts.
 *
 * Run: deno run --allow-net examples/bsd/echo_client.ts [--host 127.0.0.1] [--port 8887]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  AF_INET,
  close,
  connect,
  htons,
  inet_addr,
  perror,
  recv,
  send,
  SOCK_STREAM,
  sockaddr_in,
  socket,
} from "../../src/bsd/mod.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8887" },
  },
});
const MYPORT = Number(values.port);
const BUFF_SIZE = 1024;

const sock_client_fd = socket(AF_INET, SOCK_STREAM, 0);
const server_addr = new sockaddr_in(); // fully zeroed, unlike the seed's sizeof(0)
server_addr.sin_family = AF_INET;
server_addr.sin_port = htons(MYPORT);
server_addr.sin_addr.s_addr = inet_addr(values.host); // 服務器ip
try {
  await connect(sock_client_fd, server_addr);
} catch {
  perror("connect");
  Deno.exit(1);
}

const recvbuff = new Uint8Array(BUFF_SIZE);
let pending = "";
// fgets(sendbuff, sizeof(sendbuff), stdin) for each line of stdin
const input = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let carry = "";
outer: for await (const chunk of input) {
  carry += chunk;
  let nl;
  while ((nl = carry.indexOf("\n")) >= 0) {
    const sendbuff = carry.slice(0, nl + 1);
    carry = carry.slice(nl + 1);
    const bytes = new TextEncoder().encode(sendbuff);
    await send(sock_client_fd, bytes, bytes.length, 0); // 發送
    if (sendbuff === "exit\n") break outer;
    // Read until the whole echoed line is back (the seed printed one recv's worth).
    while (!pending.includes("\n")) {
      const n = await recv(sock_client_fd, recvbuff, recvbuff.length, 0);
      if (n <= 0) break outer;
      pending += new TextDecoder().decode(recvbuff.subarray(0, n), { stream: true });
    }
    const i = pending.indexOf("\n");
    console.log(`client received:${pending.slice(0, i)}`);
    pending = pending.slice(i + 1);
  }
}
await close(sock_client_fd);
