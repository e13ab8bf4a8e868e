/**
 * The seeds' TCP "welcome" server, ported line for line to sockkit's Berkeley sockets API.
 * Compare with the C in /work/shared/seeds (chapter 12) and with the idiomatic
 * examples/tcp_welcome_server.ts.
 *
 * Run: deno run --allow-net examples/bsd/tcp_welcome_server.ts [--host 127.0.0.1] [--port 5000] [--max-clients N]
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
  INVALID_SOCKET,
  IPPROTO_IP,
  listen,
  ntohs,
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
    "max-clients": { type: "string", default: "0" },
  },
});
const maxClients = Number(values["max-clients"]);

// step 1: 初始化winsock (start Winsock)
const wsa = new WSADATA();
WSAStartup(WINSOCK_VERSION, wsa);

// step 2: 创建winsock (create the socket)
const ServerSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_IP);
if (ServerSocket === INVALID_SOCKET) {
  console.log("Creating Socket error!");
  Deno.exit(1);
}

// step 3: 创建地址结构 (build the address)
const ServerAddr = new sockaddr_in();
ServerAddr.sin_family = AF_INET;
ServerAddr.sin_addr.s_addr = inet_addr(values.host); // INADDR_ANY;
ServerAddr.sin_port = htons(Number(values.port));

// step 4: 对于TCP服务器，需要绑定套接口 (bind)
try {
  bind(ServerSocket, ServerAddr);
} catch {
  console.log(`Binding error! ${WSAGetLastError()}`);
  await closesocket(ServerSocket);
  await WSACleanup();
  Deno.exit(1);
}

// step 5: 绑定后就可以在本端口侦听 (listen)
try {
  listen(ServerSocket, 5);
} catch {
  console.log(`Listening error! ${WSAGetLastError()}`);
  await closesocket(ServerSocket);
  await WSACleanup();
  Deno.exit(1);
}
getsockname(ServerSocket, ServerAddr);
// Only a port the system chose is announced: with a fixed port, print what the seed prints.
if (Number(values.port) === 0) {
  console.log(`listening on ${inet_ntoa(ServerAddr.sin_addr)}:${ntohs(ServerAddr.sin_port)}`);
}
console.log("Server start...");

// step 6: 随时准备接受远程连接请求 (accept clients, one after another)
let served = 0;
while (!maxClients || served++ < maxClients) {
  const from = new sockaddr_in();
  const SocketClient = await accept(ServerSocket, from); // 接受连接请求
  if (SocketClient !== INVALID_SOCKET) {
    console.log(
      `远程主机: ${inet_ntoa(from.sin_addr)} 通过端口: ${ntohs(from.sin_port)} 连接到了服务器...`,
    );
    // 向远程主机发欢迎信息 (send the welcome, NUL included: strlen + 1)
    const buf = new Uint8Array(1024);
    const sendData = new TextEncoder().encode("Welcome\0");
    try {
      await send(SocketClient, sendData, sendData.length, 0);
      console.log("    send welcome to client successful ");
      // 接受远程主机发来的消息 (receive one message)
      const n = await recv(SocketClient, buf, buf.length, 0);
      if (n > 0) {
        printBytes("    receive data from client: ", cString(buf.subarray(0, n)), " \n"); // printf("%s"): the bytes up to the NUL
      }
    } catch (e) {
      console.log(`    client error ${WSAGetLastError()}: ${(e as Error).message}`);
    }
    if ((await closesocket(SocketClient)) === 0) {
      console.log("    close client Socket successful \n");
    }
  }
}
await closesocket(ServerSocket);
await WSACleanup();
