/**
 * The seeds' connect timeout, ported line for line to sockkit's Berkeley sockets API:
 * non-blocking mode (`ioctlsocket(FIONBIO)`), `connect` fails with `EINPROGRESS`, `select`
 * waits for writability with a timeout, `getsockopt(SO_ERROR)` tells the outcome. Compare with
 * examples/connect_timeout.ts.
 *
 * Run: deno run --allow-net examples/bsd/connect_timeout.ts --port PORT [--host 127.0.0.1] [--timeout 1000]
 * Exit code: 0 connected, 1 timed out, 2 other failure.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  AF_INET,
  BsdError,
  closesocket,
  connect,
  FD_SET,
  fd_set,
  FD_ZERO,
  FIONBIO,
  getsockopt,
  htons,
  inet_addr,
  ioctlsocket,
  select,
  SO_ERROR,
  SOCK_STREAM,
  sockaddr_in,
  socket,
  SOL_SOCKET,
  strerror,
} from "../../src/bsd/mod.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
    timeout: { type: "string", default: "1000" },
  },
});
const timeout = Number(values.timeout);
console.log(`connecting to ${values.host}:${values.port} with a ${timeout} ms timeout`);
const s = socket(AF_INET, SOCK_STREAM, 0);
const addr = new sockaddr_in();
addr.sin_family = AF_INET;
addr.sin_port = htons(Number(values.port));
addr.sin_addr.s_addr = inet_addr(values.host);
// 1. 将标志位设为非阻塞模式
ioctlsocket(s, FIONBIO, 1);
// 2. connect returns EINPROGRESS: the handshake has started
try {
  await connect(s, addr);
} catch (e) {
  if (!(e instanceof BsdError && (e as BsdError).code === "EINPROGRESS")) {
    console.log(`connect failed: ${(e as BsdError).code}`);
    Deno.exit(2);
  }
}
// 3. select for writability, with the timeout
const wset = new fd_set();
FD_ZERO(wset);
FD_SET(s, wset);
const tv = { tv_sec: Math.floor(timeout / 1000), tv_usec: (timeout % 1000) * 1000 };
const n = await select(s + 1, null, wset, null, tv);
if (n === 0) {
  console.log(`connect timed out after ${timeout} ms (ETIMEDOUT / WSAETIMEDOUT 10060)`);
  await closesocket(s);
  Deno.exit(1);
}
// 4. SO_ERROR says whether the connection was made
const err = getsockopt(s, SOL_SOCKET, SO_ERROR) as number;
await closesocket(s);
if (err !== 0) {
  console.log(`connect failed: errno ${err}: ${strerror(err)}`);
  Deno.exit(2);
}
console.log("connected");
