/**
 * The seeds' Linux echo client, ported line for line to sockkit's Berkeley sockets API, with
 * the seed's bugs fixed (`memset(&server_addr, 0, sizeof(0))` zeroed 4 bytes only; replies were
 * printed as C strings without a terminator). Lines are sent and printed as bytes, whatever
 * they hold, as the C program does. Compare with examples/echo_client.ts.
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
import { printBytes } from "../_print.ts";

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
// Lines stay bytes both ways: the seed sends what fgets read and printf("%s")s the reply raw.
let pending: Uint8Array = new Uint8Array(0);
let carry: Uint8Array = new Uint8Array(0);
// fgets(sendbuff, sizeof(sendbuff), stdin) for each line of stdin
outer: for await (const chunk of Deno.stdin.readable) {
  carry = concat(carry, chunk);
  let nl;
  while ((nl = carry.indexOf(0x0a)) >= 0) {
    const sendbuff = carry.slice(0, nl + 1);
    carry = carry.slice(nl + 1);
    await send(sock_client_fd, sendbuff, sendbuff.length, 0); // 發送
    if (isExit(sendbuff)) break outer; // strcmp(sendbuff, "exit\n") == 0
    // Read until the whole echoed line is back (the seed printed one recv's worth).
    while (!pending.includes(0x0a)) {
      const n = await recv(sock_client_fd, recvbuff, recvbuff.length, 0);
      if (n <= 0) break outer;
      pending = concat(pending, recvbuff.subarray(0, n));
    }
    const i = pending.indexOf(0x0a);
    printBytes("client received:", pending.subarray(0, i + 1));
    pending = pending.slice(i + 1);
  }
}
await close(sock_client_fd);

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
