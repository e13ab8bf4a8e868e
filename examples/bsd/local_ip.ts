/**
 * The seeds' example 2 (`gethostname` + `gethostbyname`, then `inet_ntoa(sa.sin_addr)`),
 * ported line for line to sockkit's Berkeley sockets API. Compare with examples/local_ip.ts.
 *
 * Run: deno run --allow-sys --allow-ffi --allow-read examples/bsd/local_ip.ts
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  AF_INET,
  gethostbyname,
  gethostname,
  type hostent,
  htons,
  inet_ntoa,
  sockaddr_in,
  WSACleanup,
  WSADATA,
  WSAStartup,
} from "../../src/bsd/mod.ts";

parseArgs({ options: { host: { type: "string" }, port: { type: "string" } } });
const wsaData = new WSADATA();
WSAStartup(0x0202, wsaData); // 初始化SOCKET
const name = gethostname(); // 获取主机名
let pHostent: hostent | null = null;
try {
  pHostent = await gethostbyname(name); // 域名解析
} catch {
  pHostent = null;
}
const sa = new sockaddr_in();
sa.sin_family = AF_INET; // 使用互联网协议 (IP)
sa.sin_port = htons(6000); // 设置端口
if (pHostent !== null && pHostent.h_addr_list[0] !== undefined) {
  sa.sin_addr.bytes.set(pHostent.h_addr_list[0].subarray(0, pHostent.h_length)); // 设置IP地址
  console.log(`local name:${name}, local ip: ${inet_ntoa(sa.sin_addr)}`);
} else {
  console.log("get null");
}
await WSACleanup();
