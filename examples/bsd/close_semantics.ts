/**
 * The seeds' TCP close semantics, ported line for line to sockkit's Berkeley sockets API:
 * `closesocket` after no option (FIN), after `SO_LINGER` {1, 0} (RST), and after `SO_LINGER`
 * {1, N} (graceful within N seconds, without blocking the event loop), each on its own loopback
 * connection, with what the peer's `recv`/`send` see:
 *
 * 1. FIN: the peer's `recv` returns 0; once it closes too, the active closer is left in
 *    TIME_WAIT, shown with `ss -tan`.
 * 2. FIN, then the peer keeps sending: the first `send` succeeds, the closed side answers with
 *    an RST, the next `send` fails with EPIPE (the seeds' "Broken pipe").
 * 3. RST: the peer's `recv` fails with ECONNRESET (`WSAECONNRESET` 10054), a later `send` with
 *    EPIPE, and no TIME_WAIT is left.
 * 4. `SO_LINGER` {1, 2} with a peer that reads: everything arrives, then `recv` returns 0.
 * 5. `SO_LINGER` {1, 1} with a peer that does not read: after 1 s the close resets, and the
 *    peer reads what arrived, then ECONNRESET.
 *
 * With `--peer HOST:PORT --how fin|rst|linger`, it connects to an outside peer instead and
 * closes that one connection the given way (fin and linger send "bye\n" first). Compare with
 * examples/close_semantics.ts.
 *
 * Run: deno run --allow-net --allow-ffi --allow-run=ss examples/bsd/close_semantics.ts [--host 127.0.0.1] [--port 0]
 *      deno run --allow-net --allow-ffi --allow-run=ss examples/bsd/close_semantics.ts --peer 127.0.0.1:PORT --how fin|rst|linger
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
  FIONBIO,
  getsockname,
  htons,
  inet_addr,
  inet_ntoa,
  ioctlsocket,
  listen,
  ntohs,
  recv,
  send,
  setsockopt,
  SO_LINGER,
  SO_RCVBUF,
  SO_SNDBUF,
  SOCK_STREAM,
  sockaddr_in,
  socket,
  SOL_SOCKET,
  WSAGetLastError,
} from "../../src/bsd/mod.ts";
import type { linger } from "../../src/bsd/structs.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    peer: { type: "string" },
    how: { type: "string", default: "fin" },
  },
});

const Sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What C's error check prints: `SOCKET_ERROR, errno ECONNRESET (104), WSAGetLastError() 10054`. */
function perror(e: unknown): string {
  if (!(e instanceof BsdError)) throw e;
  const wsa = e.wsaName ? `${WSAGetLastError()} (${e.wsaName})` : "(no Winsock code)";
  return `SOCKET_ERROR, errno ${e.code} (${e.errno}), WSAGetLastError() ${wsa}`;
}

function address(host: string, port: number): sockaddr_in {
  const a = new sockaddr_in();
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = inet_addr(host);
  a.sin_port = htons(port);
  return a;
}

/** The TIME-WAIT row of `ss -tan` for this connection, polled for up to 1 s. */
async function timeWait(localPort: number, remotePort: number): Promise<string | null> {
  for (let i = 0; i < 20; i++) {
    const { stdout } = await new Deno.Command("ss", {
      args: ["-Htan", `( sport = :${localPort} and dport = :${remotePort} )`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const row = new TextDecoder().decode(stdout).split("\n").find((l) => l.startsWith("TIME-WAIT"));
    if (row) return row.trim().replace(/\s+/g, " ");
    await Sleep(50);
  }
  return null;
}

/** The peer's recv loop: bytes, then 0 (orderly close) or SOCKET_ERROR. */
async function recvAll(s: number): Promise<string> {
  const buf = new Uint8Array(65536);
  let total = 0;
  try {
    for (let n; (n = await recv(s, buf, buf.length, 0)) > 0;) total += n;
    return `${total} bytes, then recv returned 0 (orderly close)`;
  } catch (e) {
    return `${total} bytes, then ${perror(e)}`;
  }
}

function portOf(s: number): number {
  const a = new sockaddr_in();
  getsockname(s, a);
  return ntohs(a.sin_port);
}

if (values.peer) {
  // One connection to an outside peer, closed the way --how says.
  const i = values.peer.lastIndexOf(":");
  const PeerAddr = address(values.peer.slice(0, i), Number(values.peer.slice(i + 1)));
  const s = socket(AF_INET, SOCK_STREAM, 0);
  await connect(s, PeerAddr);
  const localPort = portOf(s);
  console.log(`connected ${values.host}:${localPort} -> ${values.peer}`);
  if (values.how === "fin" || values.how === "linger") {
    const bye = new TextEncoder().encode("bye\n");
    await send(s, bye, bye.length, 0);
  }
  if (values.how === "rst") {
    setsockopt(s, SOL_SOCKET, SO_LINGER, { l_onoff: 1, l_linger: 0 } as linger);
  } else if (values.how === "linger") {
    setsockopt(s, SOL_SOCKET, SO_LINGER, { l_onoff: 1, l_linger: 2 } as linger);
  } else if (values.how !== "fin") {
    console.error(`unknown --how ${values.how}: use fin, rst or linger`);
    Deno.exit(2);
  }
  await closesocket(s);
  console.log(`closesocket (${values.how}): 0`);
  if (values.how !== "rst") {
    const row = await timeWait(localPort, ntohs(PeerAddr.sin_port));
    console.log(row ? `active closer left: ${row}` : "no TIME-WAIT seen within 1 s");
  }
  Deno.exit(0);
}

const ServerSocket = socket(AF_INET, SOCK_STREAM, 0);
const ServerAddr = address(values.host, Number(values.port));
bind(ServerSocket, ServerAddr);
listen(ServerSocket, 5);
getsockname(ServerSocket, ServerAddr);
const serverPort = ntohs(ServerAddr.sin_port);
console.log(`listening on ${inet_ntoa(ServerAddr.sin_addr)}:${serverPort}`);

async function connectPair(listening: number, to: sockaddr_in): Promise<[number, number]> {
  const ClientSocket = socket(AF_INET, SOCK_STREAM, 0);
  const connecting = connect(ClientSocket, to);
  const SocketClient = await accept(listening);
  await connecting;
  return [ClientSocket, SocketClient];
}

// 1. FIN
{
  console.log("1. FIN: closesocket");
  const [ClientSocket, SocketClient] = await connectPair(ServerSocket, ServerAddr);
  const localPort = portOf(ClientSocket);
  await closesocket(ClientSocket);
  console.log(`   peer recv: ${await recvAll(SocketClient)}`);
  await closesocket(SocketClient);
  const row = await timeWait(localPort, serverPort);
  console.log(`   the active closer is left in TIME_WAIT: ${row ?? "(not seen)"}`);
}

// 2. FIN, then the peer sends
{
  console.log("2. FIN, then the peer keeps sending");
  const [ClientSocket, SocketClient] = await connectPair(ServerSocket, ServerAddr);
  await closesocket(ClientSocket);
  console.log(`   peer recv: ${await recvAll(SocketClient)}`);
  const late = new TextEncoder().encode("late");
  for (let i = 1; i <= 5; i++) {
    try {
      const n = await send(SocketClient, late, late.length, 0);
      console.log(`   peer send ${i}: ${n} (the closed side answers with an RST)`);
      await Sleep(50);
    } catch (e) {
      console.log(`   peer send ${i}: ${perror(e)}`);
      break;
    }
  }
  await closesocket(SocketClient);
}

// 3. RST
{
  console.log("3. RST: SO_LINGER { l_onoff: 1, l_linger: 0 }, then closesocket");
  const [ClientSocket, SocketClient] = await connectPair(ServerSocket, ServerAddr);
  const localPort = portOf(ClientSocket);
  const m_sLinger: linger = { l_onoff: 1, l_linger: 0 };
  setsockopt(ClientSocket, SOL_SOCKET, SO_LINGER, m_sLinger);
  await closesocket(ClientSocket);
  console.log(`   peer recv: ${await recvAll(SocketClient)}`);
  const late = new TextEncoder().encode("late");
  try {
    console.log(`   peer send: ${await send(SocketClient, late, late.length, 0)}`);
  } catch (e) {
    console.log(`   peer send: ${perror(e)}`);
  }
  await closesocket(SocketClient);
  const row = await timeWait(localPort, serverPort);
  console.log(`   TIME_WAIT: ${row ?? `none for port ${localPort}`}`);
}

// 4. and 5. SO_LINGER with a time: a listener with the smallest receive buffer.
{
  const Small = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(Small, SOL_SOCKET, SO_RCVBUF, 0); // inherited by accepted sockets
  const SmallAddr = address(values.host, 0);
  bind(Small, SmallAddr);
  listen(Small, 5);
  getsockname(Small, SmallAddr);
  for (const [no, reading, secs] of [[4, true, 2], [5, false, 1]] as const) {
    console.log(
      `${no}. SO_LINGER { l_onoff: 1, l_linger: ${secs} }, peer ${
        reading ? "reading" : "not reading"
      }: closesocket`,
    );
    const ClientSocket = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(ClientSocket, SOL_SOCKET, SO_SNDBUF, 1 << 20);
    const connecting = connect(ClientSocket, SmallAddr);
    const SocketClient = await accept(Small);
    await connecting;
    const data = new Uint8Array(reading ? 200_000 : 1 << 20);
    const reader = reading ? recvAll(SocketClient) : null;
    // Blocking send when the peer reads; one non-blocking send (it takes what fits) when not.
    if (!reading) ioctlsocket(ClientSocket, FIONBIO, 1);
    const sent = await send(ClientSocket, data, data.length, 0);
    setsockopt(ClientSocket, SOL_SOCKET, SO_LINGER, { l_onoff: 1, l_linger: secs } as linger);
    const t0 = performance.now();
    await closesocket(ClientSocket);
    console.log(
      `   sent ${sent} bytes; closesocket returned 0 after ${
        Math.round(performance.now() - t0)
      } ms`,
    );
    console.log(`   peer recv: ${await (reader ?? recvAll(SocketClient))}`);
    await closesocket(SocketClient);
  }
  await closesocket(Small);
}
await closesocket(ServerSocket);
