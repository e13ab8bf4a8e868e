// sockkit TCP server for shared/bench/run-baselines.sh (same protocol as shared/bench/deno/tcp_server.ts).
//   deno run -A --unstable-net tcp_server.ts echo    -- read/writeAll echo on the wrapped connection
//                                                       (the plain Deno server's loop, over sockkit)
//   deno run -A --unstable-net tcp_server.ts frames  -- FramedConn("len:u32be"), sum payload[0]
// SOCKKIT_ECHO=conn (default) | framed picks the echo: `framed` is a FramedConn("raw")
// pass-through (each chunk read straight into Wasm memory and written back from there).
// SOCKKIT_FRAMES_API=batch (default) | each | iter picks the frames API:
//   batch: readBatch() (offsets, no object per frame); each: tryReadFrame() views, one at a
//   time; iter: `for await (const f of framedConn)` (a copy per frame).
// Prints "PORT n"; serves ONE connection; exits by itself after 60 s. The connection is
// sockkit's wrapped TcpConnection (`listen` -> `accept`), as a user would have it.
import { FramedConn, listen } from "../../mod.ts";

const mode = Deno.args[0] ?? "echo";
const api = Deno.env.get("SOCKKIT_FRAMES_API") ?? "batch";
const echo = Deno.env.get("SOCKKIT_ECHO") ?? "conn";
setTimeout(() => Deno.exit(3), 60_000);

const listener = listen({ hostname: "127.0.0.1", port: 0 });
console.log(`PORT ${listener.addr.port}`);
const conn = await listener.accept();
listener.close();
conn.setNoDelay(true);

if (mode === "echo" && echo === "conn") {
  const buf = new Uint8Array(64 * 1024); // the plain Deno server's read size
  for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
  await conn.close();
} else if (mode === "echo") {
  // pass-through with borrowed views: each chunk is read straight into Wasm memory and
  // written back from there (no copy); the view stays valid until the next fill()
  const fc = new FramedConn(conn, "raw,max=256KiB", { readSize: 256 * 1024 });
  for (;;) {
    for (let f = fc.tryReadFrame(); f !== null; f = fc.tryReadFrame()) await fc.writeAll(f);
    if (!(await fc.fill())) break;
  }
  fc.close();
} else {
  const fc = new FramedConn(conn, "len:u32be,max=128KiB", { readSize: 256 * 1024 });
  // chk is summed as an int32 (`| 0`) and sent as a u32: the same sum mod 2^32 as `>>> 0`,
  // but `>>> 0` keeps values above 2^31, which are no int32, so every add went through
  // float64 and V8's slow truncation (about 4 ns per frame)
  let count = 0, chk = 0;
  if (api === "batch") {
    for (let b = await fc.readBatch(); b !== null; b = await fc.readBatch()) {
      const bytes = b.bytes;
      for (let i = 0; i < b.count; i++) {
        if (b.length(i) > 0) chk = (chk + bytes[b.offset(i)]) | 0;
      }
      count += b.count;
    }
  } else if (api === "each") {
    for (;;) {
      for (let f = fc.tryReadFrame(); f !== null; f = fc.tryReadFrame()) {
        count++;
        if (f.length) chk = (chk + f[0]) | 0;
      }
      if (!(await fc.fill())) break;
    }
    fc.decoder.finish();
  } else {
    for await (const f of fc) {
      count++;
      if (f.length) chk = (chk + f[0]) | 0;
    }
  }
  const reply = new Uint8Array(8);
  const dv = new DataView(reply.buffer);
  dv.setUint32(0, count);
  dv.setUint32(4, chk >>> 0);
  await fc.writeAll(reply);
  fc.close();
}
Deno.exit(0);
