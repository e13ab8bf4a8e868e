/**
 * The seeds' example 1, `gethostbyname` and every address of `h_addr_list`, ported line for
 * line to sockkit's Berkeley sockets API. Compare with examples/gethostbyname.ts.
 *
 * Run: deno run --allow-ffi --allow-read examples/bsd/gethostbyname.ts [NAME]   (default localhost)
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  gethostbyname,
  type hostent,
  InAddr,
  inet_ntoa,
  WINSOCK_VERSION,
  WSACleanup,
  WSADATA,
  WSAGetLastError,
  WSAStartup,
} from "../../src/bsd/mod.ts";

const { values, positionals } = parseArgs({
  options: { host: { type: "string" }, port: { type: "string" } },
  allowPositionals: true,
});
const wsaData = new WSADATA();
WSAStartup(WINSOCK_VERSION, wsaData);
let hostinfo: hostent | null = null;
try {
  hostinfo = await gethostbyname(positionals[0] ?? values.host ?? "localhost");
} catch {
  console.log(`gethostbyname failed: ${WSAGetLastError()}`);
  Deno.exitCode = 1;
}
if (hostinfo !== null) {
  for (let i = 0; i < hostinfo.h_addr_list.length; i++) {
    const addr = new InAddr(); // memset(&addr, 0, sizeof(addr))
    addr.bytes.set(hostinfo.h_addr_list[i].subarray(0, hostinfo.h_length)); // memcpy
    console.log(`${hostinfo.h_name}: ${inet_ntoa(addr)}`);
  }
}
await WSACleanup();
