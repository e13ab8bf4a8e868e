/**
 * The seeds' TCP client, ported line for line to sockkit's Berkeley sockets API. Compare with
 * the C in the seeds (chapter 12) and with examples/tcp_welcome_client.ts.
 *
 * Run: deno run --allow-net examples/bsd/tcp_welcome_client.ts [--host 127.0.0.1] [--port 5000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  AF_INET,
  closesocket,
  connect,
  htons,
  inet_addr,
  inet_ntoa,
  INVALID_SOCKET,
  IPPROTO_IP,
  recv,
  send,
  SOCK_STREAM,
  sockaddr_in,
  socket,
  WINSOCK_VERSION,
  WSACleanup,
  WSADATA,
  WSAGetLastError,
  WSAStartup,
} from "../../src/bsd/mod.ts";
import { cString, printBytes } from "../_print.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
  },
});

// step 1: 初始化winsock
const wsa = new WSADATA();
WSAStartup(WINSOCK_VERSION, wsa);

// step 2: 创建winsock
const ClientSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_IP);
if (ClientSocket === INVALID_SOCKET) {
  console.log("Creating Socket error!");
  Deno.exit(1);
}

// step 3: 创建准备连接到的服务器的地址结构
const ServerAddr = new sockaddr_in();
ServerAddr.sin_family = AF_INET;
ServerAddr.sin_addr.s_addr = inet_addr(values.host);
ServerAddr.sin_port = htons(Number(values.port));

// step 4: 连接到服务器
try {
  await connect(ClientSocket, ServerAddr);
  console.log(`connect to server: ${inet_ntoa(ServerAddr.sin_addr)} successfull `);
} catch {
  console.log(`connect error! ${WSAGetLastError()}`);
  await closesocket(ClientSocket);
  await WSACleanup();
  Deno.exit(1);
}

// step 5: 接受服务器发来的信息
const buf = new Uint8Array(1024);
const n = await recv(ClientSocket, buf, buf.length, 0);
if (n > 0) {
  printBytes("    receive data from server: ", cString(buf.subarray(0, n)), " \n"); // printf("%s"): the bytes up to the NUL
}

// step 6: 也可以向服务器发送数据 ("Hello" and its NUL: strlen(data) + 1)
const data = new TextEncoder().encode("Hello\0");
try {
  await send(ClientSocket, data, data.length, 0);
  console.log("    send hello to server successful ");
} catch {
  console.log("    send hello to server error");
}

// step 7: 关闭
await closesocket(ClientSocket);
await WSACleanup();
