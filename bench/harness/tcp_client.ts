// sockkit TCP client for shared/bench/run-baselines.sh. Prints "RESULT <value> <unit>".
//   tcp_client.ts bulk PORT SECONDS | pingpong PORT SECONDS MAXCOUNT | frames PORT COUNT
// It uses sockkit's wrapped connection (`connect` -> TcpConnection), as a user would, so the
// bulk and pingpong rows measure the wrapper's overhead against plain Deno.
import { connect, readExact } from "../../mod.ts";
import { FrameEncoder } from "../../src/codec/mod.ts";

const [mode, portS, a3, a4] = Deno.args;
const port = Number(portS);
const CHUNK = 64 * 1024;
setTimeout(() => {
  console.error("client timeout");
  Deno.exit(4);
}, 20_000);

const conn = await connect({ hostname: "127.0.0.1", port });
conn.setNoDelay(true);

if (mode === "bulk") {
  const secs = Number(a3 ?? 3);
  const chunk = new Uint8Array(CHUNK).fill(120);
  const t0 = performance.now();
  const deadline = t0 + secs * 1000;
  let sent = 0, got = 0;
  const writer = (async () => {
    while (performance.now() < deadline && sent < 64 * 2 ** 30) {
      await conn.writeAll(chunk);
      sent += CHUNK;
    }
    await conn.closeWrite();
  })();
  const rbuf = new Uint8Array(CHUNK);
  for (;;) {
    const n = await conn.read(rbuf);
    if (n === null) break;
    got += n;
  }
  const dt = (performance.now() - t0) / 1000;
  await writer;
  if (got !== sent) throw new Error(`short echo ${got}/${sent}`);
  console.log(`RESULT ${(got * 8 / dt / 1e9).toFixed(3)} Gbit/s`);
} else if (mode === "pingpong") {
  const secs = Number(a3 ?? 3), max = Number(a4 ?? 1e6);
  const msg = new Uint8Array(64).fill(112);
  const reply = new Uint8Array(64);
  const t0 = performance.now(), end = t0 + secs * 1000;
  let i = 0;
  for (; i < max; i++) {
    if ((i & 255) === 0 && performance.now() > end) break;
    await conn.writeAll(msg);
    if ((await conn.readFull(reply)) === null) throw new Error("server closed early");
  }
  const dt = (performance.now() - t0) / 1000;
  console.log(`RESULT ${(i / dt).toFixed(0)} rt/s`);
} else if (mode === "frames") {
  const count = Number(a3 ?? 1e6);
  using enc = new FrameEncoder("len:u32be");
  // 256 distinct encoded frames (payload = 32 x (i & 255)), copied into one buffer
  const proto = Array.from({ length: 256 }, (_, v) => enc.encode(new Uint8Array(32).fill(v)));
  const data = new Uint8Array(count * 36);
  let want = 0;
  for (let i = 0; i < count; i++) {
    data.set(proto[i & 255], i * 36);
    want = (want + (i & 255)) >>> 0;
  }
  const t0 = performance.now();
  await conn.writeAll(data); // one call: writeAll loops over the partial writes
  await conn.closeWrite();
  const reply = await readExact(conn, 8);
  const dt = (performance.now() - t0) / 1000;
  const rv = new DataView(reply.buffer);
  if (rv.getUint32(0) !== count || rv.getUint32(4) !== want) {
    throw new Error(`bad reply ${rv.getUint32(0)} ${rv.getUint32(4)}`);
  }
  console.log(`RESULT ${(count / dt).toFixed(0)} msg/s`);
}
await conn.close();
Deno.exit(0);
