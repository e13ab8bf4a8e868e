/**
 * The seeds' twelve "setsockopt() for robustness" recipes, ported line for line to sockkit's
 * Berkeley sockets API: each `setsockopt` call from the notes, then `getsockopt` to read back
 * what the kernel applied, printed as "requested X, applied Y". Compare with
 * examples/sockopt_tour.ts.
 *
 * The recipes go to one loopback connection (the zero-size buffers to a second one), `SO_BROADCAST`
 * to a UDP socket (no datagram is sent) and `SO_REUSEADDR` to the listener. With `--hold`, the
 * first connection stays open until stdin closes, so `ss -tmoi src 127.0.0.1:PORT` can check it.
 * `SO_SNDTIMEO`/`SO_RCVTIMEO` are enforced by sockkit's `send`/`recv` (Deno's sockets are
 * non-blocking), so `getsockopt` returns the recorded value.
 *
 * Run: deno run --allow-net --allow-ffi --unstable-net examples/bsd/sockopt_tour.ts [--host 127.0.0.1] [--port 0] [--hold]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  accept,
  AF_INET,
  bind,
  BsdError,
  closesocket,
  connect,
  getsockname,
  getsockopt,
  htons,
  inet_addr,
  inet_ntoa,
  IPPROTO_TCP,
  listen,
  ntohs,
  setsockopt,
  SO_BROADCAST,
  SO_CONDITIONAL_ACCEPT,
  SO_DEBUG,
  SO_DONTLINGER,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SOCK_DGRAM,
  SOCK_STREAM,
  sockaddr_in,
  socket,
  SOL_SOCKET,
  TCP_NODELAY,
  WSAGetLastError,
} from "../../src/bsd/mod.ts";
import type { linger, OptionValue } from "../../src/bsd/structs.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    hold: { type: "boolean", default: false },
  },
});
const TRUE = 1;
const FALSE = 0;

function show(v: OptionValue): string {
  if (typeof v === "object" && v !== null && "l_onoff" in v) {
    return `{ l_onoff: ${v.l_onoff}, l_linger: ${v.l_linger} }`;
  }
  return String(v);
}

/** setsockopt, then getsockopt, and print both (or the error as C would see it). */
function recipe(
  no: string,
  label: string,
  s: number,
  level: number,
  optname: number,
  optval: OptionValue,
  why = "",
) {
  const head = `${no.padStart(2)}. ${label.padEnd(24)}`;
  try {
    setsockopt(s, level, optname, optval);
    const applied = getsockopt(s, level, optname);
    console.log(
      `${head} requested ${show(optval)}, applied ${show(applied)}${why ? `  (${why})` : ""}`,
    );
  } catch (e) {
    if (!(e instanceof BsdError)) throw e;
    console.log(
      `${head} requested ${
        show(optval)
      }, failed: ${e.code} / ${e.wsaName} ${WSAGetLastError()}: ${e.message}`,
    );
  }
}

function address(host: string, port: number): sockaddr_in {
  const a = new sockaddr_in();
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = inet_addr(host);
  a.sin_port = htons(port);
  return a;
}

async function connectPair(ServerAddr: sockaddr_in): Promise<[number, number]> {
  const s = socket(AF_INET, SOCK_STREAM, 0);
  const connecting = connect(s, ServerAddr);
  const peer = await accept(ServerSocket);
  await connecting;
  return [s, peer];
}

// Recipe 1 is set before bind, as in C.
const ServerSocket = socket(AF_INET, SOCK_STREAM, 0);
setsockopt(ServerSocket, SOL_SOCKET, SO_REUSEADDR, TRUE);
const ServerAddr = address(values.host, Number(values.port));
bind(ServerSocket, ServerAddr);
listen(ServerSocket, 5);
getsockname(ServerSocket, ServerAddr);
const where = `${inet_ntoa(ServerAddr.sin_addr)}:${ntohs(ServerAddr.sin_port)}`;
console.log(`listening on ${where}`);
const [s, peer] = await connectPair(ServerAddr);
const me = new sockaddr_in();
getsockname(s, me);
const local = `${inet_ntoa(me.sin_addr)}:${ntohs(me.sin_port)}`;
console.log(`connection ${local} -> ${where}`);

recipe("1", "SO_REUSEADDR", ServerSocket, SOL_SOCKET, SO_REUSEADDR, TRUE, "set before bind");
recipe(
  "2",
  "SO_DONTLINGER = FALSE",
  s,
  SOL_SOCKET,
  SO_DONTLINGER,
  FALSE,
  "linger on, 0 s: closesocket sends RST, no TIME_WAIT",
);
console.log(`    SO_LINGER now ${show(getsockopt(s, SOL_SOCKET, SO_LINGER))}`);
const nNetTimeout = 1000; // 1 s
recipe("3", "SO_SNDTIMEO 1 s", s, SOL_SOCKET, SO_SNDTIMEO, nNetTimeout, "enforced by send");
recipe("3", "SO_RCVTIMEO 1 s", s, SOL_SOCKET, SO_RCVTIMEO, nNetTimeout, "enforced by recv");
const nRecvBuf = 32 * 1024;
recipe("4", "SO_RCVBUF 32 KiB", s, SOL_SOCKET, SO_RCVBUF, nRecvBuf, "Linux doubles it");
const nSendBuf = 32 * 1024;
recipe("4", "SO_SNDBUF 32 KiB", s, SOL_SOCKET, SO_SNDBUF, nSendBuf, "Linux doubles it");
{
  // A second connection, so the first keeps its 32 KiB buffers.
  const [s2, peer2] = await connectPair(ServerAddr);
  const nZero = 0;
  recipe("5", "SO_SNDBUF 0", s2, SOL_SOCKET, SO_SNDBUF, nZero, "Linux's minimum");
  recipe("6", "SO_RCVBUF 0", s2, SOL_SOCKET, SO_RCVBUF, nZero, "Linux's minimum");
  await closesocket(s2);
  await closesocket(peer2);
}
{
  const u = socket(AF_INET, SOCK_DGRAM, 0);
  bind(u, address(values.host, 0));
  recipe("7", "SO_BROADCAST (UDP)", u, SOL_SOCKET, SO_BROADCAST, TRUE, "nothing is sent");
  await closesocket(u);
}
recipe("8", "SO_CONDITIONAL_ACCEPT", ServerSocket, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, TRUE);
const m_sLinger: linger = { l_onoff: 1, l_linger: 5 };
recipe(
  "9",
  "SO_LINGER 5 s",
  s,
  SOL_SOCKET,
  SO_LINGER,
  m_sLinger,
  "closesocket drains for up to 5 s",
);
recipe("10", "SO_DEBUG", s, SOL_SOCKET, SO_DEBUG, TRUE, "needs CAP_NET_ADMIN");
console.log("11. (not an option: the notes' CNetIOBuffer class, see examples/io_buffer.ts)");
recipe("12", "TCP_NODELAY", s, IPPROTO_TCP, TCP_NODELAY, TRUE, "Nagle off");

// The note under the recipes: port reuse lets another socket bind a port in use.
for (const reuse of [false, true]) {
  const A = socket(AF_INET, SOCK_STREAM, 0);
  if (reuse) setsockopt(A, SOL_SOCKET, SO_REUSEPORT, TRUE);
  const a = address(values.host, 0);
  bind(A, a);
  listen(A, 5);
  getsockname(A, a);
  const B = socket(AF_INET, SOCK_STREAM, 0);
  if (reuse) setsockopt(B, SOL_SOCKET, SO_REUSEPORT, TRUE);
  let result: string;
  try {
    bind(B, a);
    listen(B, 5);
    result = reuse
      ? "succeeded: the kernel now splits new connections between the two"
      : "succeeded";
  } catch (e) {
    if (!(e instanceof BsdError)) throw e;
    result = `fails: ${e.code} / ${e.wsaName}`;
  }
  console.log(
    `note. port reuse hijack: a second listener on ${inet_ntoa(a.sin_addr)}:${ntohs(a.sin_port)} (${
      reuse ? "both with SO_REUSEPORT" : "bound without SO_REUSEPORT"
    }) ${result}`,
  );
  await closesocket(B);
  await closesocket(A);
}
console.log("      Linux allows the sharing only between sockets of the same user");
recipe(
  "extra",
  "SO_KEEPALIVE",
  s,
  SOL_SOCKET,
  SO_KEEPALIVE,
  TRUE,
  "the notes' cure for a dead peer",
);

if (values.hold) {
  console.log(`holding ${local} -> ${where} until stdin closes`);
  for await (const _ of Deno.stdin.readable) { /* wait for end of input */ }
}
await closesocket(s); // SO_LINGER {1, 5}: graceful, drains first, without blocking
console.log("closesocket: done (SO_LINGER 5 s)");
await closesocket(peer);
await closesocket(ServerSocket);
