/**
 * The seeds' UDP server (UDPserver.cpp), ported line for line to sockkit's Berkeley sockets
 * API. Compare with examples/udp_server.ts.
 *
 * Run: deno run --allow-net --unstable-net examples/bsd/udp_server.ts [--host 127.0.0.1] [--port 5050] [--count N]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  AF_INET,
  bind,
  closesocket,
  getsockname,
  htons,
  inet_addr,
  inet_ntoa,
  INVALID_SOCKET,
  MAKEWORD,
  ntohs,
  recvfrom,
  sendto,
  SOCK_DGRAM,
  sockaddr_in,
  socket,
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
    count: { type: "string", default: "0" },
  },
});
const DEFAULT_PORT = Number(values.port); // 服务器端口号为5050
const BUFFER_LENGTH = 1024; // 接收数据缓冲区长度
const count = Number(values.count);

const send_buf = new TextEncoder().encode("Hello! I am a server.\0");
const recv_buf = new Uint8Array(BUFFER_LENGTH);
const ser = new sockaddr_in();
const cli = new sockaddr_in();
const wsaData = new WSADATA();
try {
  WSAStartup(MAKEWORD(2, 2), wsaData); // 初始化Socket
} catch {
  console.log("Failed to load Winsock.\n ");
  Deno.exit(1);
}

// 产生服务器端套接口
const sSocket = socket(AF_INET, SOCK_DGRAM, 0);
if (sSocket === INVALID_SOCKET) {
  console.log(`socket( ) Failed: ${WSAGetLastError()}`);
  Deno.exit(1);
}
// 建立服务器端地址
ser.sin_family = AF_INET;
ser.sin_port = htons(DEFAULT_PORT);
ser.sin_addr.s_addr = inet_addr(values.host);
// 绑定地址
try {
  bind(sSocket, ser);
} catch {
  console.log(`bind() Failed: ${WSAGetLastError()} `);
  Deno.exit(1);
}
getsockname(sSocket, ser);
// Only a port the system chose is announced: with a fixed port, print what the seed prints.
if (Number(values.port) === 0) {
  console.log(`listening on ${inet_ntoa(ser.sin_addr)}:${ntohs(ser.sin_port)}`);
}
// 服务器开始运行
console.log("  Server start ... \n");

let seen = 0;
// 进入一个循环，等待接收客户端数据
while (!count || seen < count) {
  recv_buf.fill(0); // 初始化接收缓冲区
  let iRecv: number;
  try {
    iRecv = await recvfrom(sSocket, recv_buf, BUFFER_LENGTH, 0, cli); // 从客户端接收数据
  } catch {
    console.log(`recvfrom( ) Failed:${WSAGetLastError()} `);
    continue;
  }
  if (iRecv === 0) continue;
  seen++;
  // 输出接收到的数据, 客户IP地址和端口号
  console.log("\n-----");
  printBytes("  recvfrom( ): ", cString(recv_buf.subarray(0, iRecv)), "\n"); // printf("%s"): the bytes up to the NUL
  console.log(`  Accepted client IP:[${inet_ntoa(cli.sin_addr)}],port:[${ntohs(cli.sin_port)}]`);
  // 给客户发送信息
  try {
    await sendto(sSocket, send_buf, send_buf.length, 0, cli);
    console.log("  sendto( ) succeeded!");
  } catch {
    console.log(`  sendto( ) Failed.: ${WSAGetLastError()}`);
  }
}
await closesocket(sSocket);
await WSACleanup();
