/**
 * The Berkeley sockets API on Deno, for porting C programs line for line: `socket`, `bind`,
 * `listen`, `accept`, `connect`, `send`, `recv`, `sendto`, `recvfrom`, `shutdown`,
 * `closesocket`/`close`, `setsockopt`, `getsockopt`, `getsockname`, `getpeername`,
 * `ioctlsocket(FIONBIO)`, `select`, `gethostname`, `gethostbyname`, `WSAStartup`/`WSACleanup`,
 * `getaddrinfo`, `getnameinfo`, `WSAGetLastError`, `errno`, the constants, `sockaddr_in`, and
 * the address and byte-order functions (`inet_pton`, `inet_ntop`, `inet_aton`, `inet_addr`,
 * `inet_ntoa`, `struct in_addr`, `htons`, `htonl`, `ntohs`, `ntohl`, `htonll`, `ntohll`,
 * `AF_*`, `INADDR_*`), so one import is enough. Every C name of sockkit lives here, and only
 * here; the rest of the library uses TypeScript names (`parseAddress` in `./addr`, `lookup`
 * in `./resolve`, `closeSocket` in `./sockopt`).
 *
 * Import it as `@sockkit/sockkit/bsd`. The idiomatic sockkit API (`connect`, `listen`,
 * `serve`, ...) is the better choice for new code; this module is for ports and teaching.
 *
 * **Errors.** Every failing call throws an error that is `instanceof BsdError` and carries
 * `errno`, `code`, `wsaCode`, `wsaName` and `call`; runtime errors keep their class
 * (`Deno.errors.ConnectionRefused`). Before throwing, the call stores its code, so
 * `WSAGetLastError()` and `errno()` work in the `catch` where C tested for `SOCKET_ERROR`.
 *
 * **WSAStartup.** Not needed by default (POSIX rules); once a program calls it, Winsock's
 * rules hold: calls after the last `WSACleanup` fail with `WSANOTINITIALISED`.
 * `setWinsockRules("winsock")` requires it from the start. See winsock.ts.
 *
 * **Async.** Calls that wait for the network return promises: `accept`, `connect`, `send`,
 * `recv`, `sendto`, `recvfrom`, `shutdown`, `closesocket`, `select`, `gethostbyname`,
 * `WSACleanup`.
 *
 * Permissions: `--allow-net` (UDP also `--unstable-net`); `--allow-ffi` for most socket
 * options; see each function.
 *
 * @example The seeds' UDP exchange
 * ```ts
 * import assert from "node:assert/strict";
 * import * as bsd from "./mod.ts";
 * const { AF_INET, SOCK_DGRAM } = bsd;
 * const sSocket = bsd.socket(AF_INET, SOCK_DGRAM, 0);
 * const ser = new bsd.sockaddr_in();
 * ser.sin_family = AF_INET;
 * ser.sin_port = bsd.htons(0);
 * ser.sin_addr.s_addr = bsd.inet_addr("127.0.0.1");
 * bsd.bind(sSocket, ser);
 * bsd.getsockname(sSocket, ser);
 * const sClient = bsd.socket(AF_INET, SOCK_DGRAM, 0);
 * const hello = new TextEncoder().encode("Hello! I am a client.\0");
 * await bsd.sendto(sClient, hello, hello.length, 0, ser);
 * const cli = new bsd.sockaddr_in();
 * const recv_buf = new Uint8Array(1024);
 * const iRecv = await bsd.recvfrom(sSocket, recv_buf, recv_buf.length, 0, cli);
 * assert.equal(iRecv, hello.length);
 * assert.equal(bsd.inet_ntoa(cli.sin_addr), "127.0.0.1");
 * await bsd.closesocket(sClient);
 * await bsd.closesocket(sSocket);
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export * from "./errors.ts";
export * from "./sockaddr.ts";
export * from "./winsock.ts";
export * from "./structs.ts";
export * from "./socket.ts";
export * from "./send_receive.ts";
export * from "./socket_options.ts";
export * from "./select.ts";
export * from "./netdb.ts";
export * from "./inet.ts";
export * from "./byte_order.ts";
