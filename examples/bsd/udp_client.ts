/**
 * The seeds' UDP client (UDPclient.cpp), ported line for line to sockkit's Berkeley sockets
 * API. Compare with examples/udp_client.ts. Adds one thing the seed lacks: a receive timeout
 * (`SO_RCVTIMEO`), so a lost datagram does not hang the client.
 *
 * Run: deno run --allow-net --unstable-net examples/bsd/udp_client.ts [--host 127.0.0.1] [--port 5050] [--timeout 3000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  AF_INET,
  closesocket,
  htons,
  inet_addr,
  INVALID_SOCKET,
  MAKEWORD,
  recvfrom,
  sendto,
  setsockopt,
  SO_RCVTIMEO,
  SOCK_DGRAM,
  sockaddr_in,
  socket,
  SOL_SOCKET,
  WSACleanup,
  WSADATA,
  WSAGetLastError,
  WSAStartup,
} from "../../src/bsd/mod.ts";
import { cString, printBytes } from "../_print.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5050" },
    timeout: { type: "string", default: "3000" },
  },
});
const Ser_PORT = Number(values.port); // 服务器端口号为5050
const DATA_BUFFER = 1024;

const send_buf = new TextEncoder().encode("Hello! I am a client.\0");
const recv_buf = new Uint8Array(DATA_BUFFER);
const ser = new sockaddr_in();
const wsaData = new WSADATA();
try {
  WSAStartup(MAKEWORD(2, 2), wsaData);
} catch {
  console.log("Failed to load Winsock.");
  Deno.exit(1);
}
// 建立客户端数据报套接口
const sClient = socket(AF_INET, SOCK_DGRAM, 0);
if (sClient === INVALID_SOCKET) {
  console.log(`socket( )Failed:${WSAGetLastError()}`);
  Deno.exit(1);
}
setsockopt(sClient, SOL_SOCKET, SO_RCVTIMEO, Number(values.timeout));
// 建立服务器端地址
ser.sin_family = AF_INET;
ser.sin_port = htons(Ser_PORT);
ser.sin_addr.s_addr = inet_addr(values.host);
// 向服务器发送数据
try {
  const iSend = await sendto(sClient, send_buf, send_buf.length, 0, ser);
  if (iSend === 0) Deno.exit(1);
  console.log("sendto( ) succeeded.");
} catch {
  console.log(`sendto( )Failed:${WSAGetLastError()}`);
  Deno.exit(1);
}
// 从服务器接收数据
recv_buf.fill(0);
try {
  const iRecv = await recvfrom(sClient, recv_buf, recv_buf.length, 0, ser);
  if (iRecv > 0) {
    printBytes("recvfrom( ):", cString(recv_buf.subarray(0, iRecv)), "\n"); // printf("%s"): the bytes up to the NUL
    console.log("-----");
  }
} catch {
  console.log(`recvfrom( )Failed.:${WSAGetLastError()}`);
  Deno.exitCode = 1;
}
await closesocket(sClient);
await WSACleanup();
