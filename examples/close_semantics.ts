/**
 * The seeds' TCP close semantics, in idiomatic sockkit: a graceful close (FIN), an abortive
 * close (RST, the seeds' `SO_LINGER` {1, 0}), and a close with a linger time, each on its own
 * loopback connection, with what the peer sees:
 *
 * 1. FIN: the peer reads end of stream (`endReason` "FIN"); once it closes too, the active
 *    closer is left in TIME_WAIT, shown with `ss -tan`.
 * 2. FIN, then the peer keeps writing: its first write is accepted, the closed side answers
 *    with an RST, and its next write fails with EPIPE (the seeds' "Broken pipe").
 * 3. RST (`setSocketOptions({ linger: 0 })` + `closeSocket`, i.e. `abortConnection`): the peer's
 *    read fails with ECONNRESET, a later write with EPIPE, and no TIME_WAIT is left.
 * 4. Linger 2 s with a peer that reads: `closeSocket` half-closes, waits until the data is
 *    acknowledged, then closes ("drained"); the peer gets every byte, then end of stream.
 * 5. Linger 1 s with a peer that does not read: the time runs out, `closeSocket` resets
 *    ("timeout-reset"), and the peer reads what arrived, then ECONNRESET.
 *
 * With `--peer HOST:PORT --how fin|rst|linger`, it connects to an outside peer instead and
 * closes that one connection the given way (fin and linger send "bye\n" first), so a peer
 * written in another language can confirm what it saw. The line-for-line port
 * (`setsockopt(SO_LINGER)` + `closesocket`) is examples/bsd/close_semantics.ts.
 *
 * Run: deno run --allow-net --allow-ffi --allow-run=ss examples/close_semantics.ts [--host 127.0.0.1] [--port 0]
 *      deno run --allow-net --allow-ffi --allow-run=ss examples/close_semantics.ts --peer 127.0.0.1:PORT --how fin|rst|linger
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { AnnotatedError } from "../src/net/mod.ts";
import {
  closeSocket,
  connect,
  explainError,
  listen,
  setSocketOptions,
  type TcpConnection,
} from "../mod.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    peer: { type: "string" },
    how: { type: "string", default: "fin" },
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An error in the seeds' words: `ECONNRESET (Connection reset by peer)`. */
function describe(e: unknown): string {
  const x = explainError(e);
  const name = (e as AnnotatedError).code ?? x?.name ?? (e as Error).name;
  if (!x) return `${name}: ${(e as Error).message}`;
  return `${name}${x.wsaName ? ` / ${x.wsaName}` : ""} (${x.meaning})`;
}

/** The TIME-WAIT row of `ss -tan` for this connection, polled for up to 1 s. */
async function timeWait(local: Deno.NetAddr, remote: Deno.NetAddr): Promise<string | null> {
  for (let i = 0; i < 20; i++) {
    const { stdout } = await new Deno.Command("ss", {
      args: ["-Htan", `( sport = :${local.port} and dport = :${remote.port} )`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const row = new TextDecoder().decode(stdout).split("\n").find((l) => l.startsWith("TIME-WAIT"));
    if (row) return row.trim().replace(/\s+/g, " ");
    await sleep(50);
  }
  return null;
}

/** What a read on the peer side gives: bytes, then EOF (with the reason) or an error. */
async function drain(peer: TcpConnection): Promise<string> {
  const buf = new Uint8Array(65536);
  let total = 0;
  try {
    for (let n; (n = await peer.read(buf, { timeout: 5000 })) !== null;) total += n;
    return `${total} bytes, then end of stream (endReason ${peer.endReason})`;
  } catch (e) {
    return `${total} bytes, then ${describe(e)}`;
  }
}

function pair(port: number): Promise<TcpConnection> {
  return connect({ hostname: values.host, port });
}

if (values.peer) {
  // One connection to an outside peer, closed the way --how says.
  const i = values.peer.lastIndexOf(":");
  const conn = await connect({
    hostname: values.peer.slice(0, i),
    port: Number(values.peer.slice(i + 1)),
  });
  const local = conn.localAddr;
  console.log(`connected ${local.hostname}:${local.port} -> ${values.peer}`);
  if (values.how === "fin" || values.how === "linger") {
    await conn.writeAll(new TextEncoder().encode("bye\n"));
  }
  if (values.how === "rst") setSocketOptions(conn, { linger: 0 });
  else if (values.how === "linger") setSocketOptions(conn, { linger: 2 });
  else if (values.how !== "fin") {
    console.error(`unknown --how ${values.how}: use fin, rst or linger`);
    Deno.exit(2);
  }
  const r = await closeSocket(conn);
  console.log(`closed (${values.how}): ${r.method}, ${r.outcome}`);
  if (values.how !== "rst") {
    const row = await timeWait(local, conn.remoteAddr);
    console.log(row ? `active closer left: ${row}` : "no TIME-WAIT seen within 1 s");
  }
  Deno.exit(0);
}

using listener = listen({ hostname: values.host, port: Number(values.port) });
const { port } = listener.addr;
console.log(`listening on ${listener.addr.hostname}:${port}`);

// 1. FIN
{
  console.log("1. FIN: close()");
  const conn = await pair(port);
  await using peer = await listener.accept();
  const local = conn.localAddr;
  await closeSocket(conn);
  console.log(`   peer reads: ${await drain(peer)}`);
  await peer.close();
  const row = await timeWait(local, listener.addr);
  console.log(`   the active closer is left in TIME_WAIT: ${row ?? "(not seen)"}`);
}

// 2. FIN, then the peer writes
{
  console.log("2. FIN, then the peer keeps writing");
  const conn = await pair(port);
  await using peer = await listener.accept();
  await closeSocket(conn);
  console.log(`   peer reads: ${await drain(peer)}`);
  const late = new TextEncoder().encode("late");
  for (let i = 1; i <= 5; i++) {
    try {
      const n = await peer.write(late);
      console.log(`   peer write ${i}: ${n} bytes accepted (the closed side answers with an RST)`);
      await sleep(50);
    } catch (e) {
      console.log(`   peer write ${i}: ${describe(e)}`);
      break;
    }
  }
}

// 3. RST
{
  console.log("3. RST: linger 0, then closeSocket (abortConnection)");
  const conn = await pair(port);
  await using peer = await listener.accept();
  const local = conn.localAddr;
  setSocketOptions(conn, { linger: 0 });
  const r = await closeSocket(conn);
  console.log(`   closeSocket: ${r.method}, ${r.outcome}`);
  console.log(`   peer reads: ${await drain(peer)}`);
  try {
    await peer.write(new TextEncoder().encode("late"));
    console.log("   peer write: accepted");
  } catch (e) {
    console.log(`   peer write: ${describe(e)}`);
  }
  const row = await timeWait(local, listener.addr);
  console.log(`   TIME_WAIT: ${row ?? `none for port ${local.port}`}`);
}

// 4. and 5. Linger with a time limit.
{
  using small = listen({ hostname: values.host, port: 0, receiveBufferSize: 0 });
  for (const [no, reading, secs] of [[4, true, 2], [5, false, 1]] as const) {
    console.log(
      `${no}. linger ${secs} s, peer ${reading ? "reading" : "not reading"}: closeSocket`,
    );
    const conn = await connect({
      hostname: values.host,
      port: small.addr.port,
      sendBufferSize: 1 << 20,
    });
    await using peer = await small.accept();
    const data = new Uint8Array(reading ? 200_000 : 1 << 20);
    const written = reading ? await conn.writeAll(data) : await conn.write(data);
    setSocketOptions(conn, { linger: secs });
    const reader = reading ? drain(peer) : null;
    const r = await closeSocket(conn);
    console.log(
      `   wrote ${written} bytes; closeSocket: ${r.method}, ${r.outcome}, ${r.unsentBytes} bytes unacknowledged, after ${
        Math.round(r.elapsedMs)
      } ms`,
    );
    console.log(`   peer reads: ${await (reader ?? drain(peer))}`);
  }
}
