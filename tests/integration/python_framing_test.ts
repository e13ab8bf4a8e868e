/**
 * Interop with a peer no one here wrote: Python asyncio over loopback TCP, with
 * struct-packed length prefixes (`>I`, `<H`) and `readuntil` lines, in both directions.
 */
import assert from "node:assert/strict";
import { FramedConn } from "../../src/codec/framed_conn.ts";
import { FrameDecoder, FrameEncoder } from "../../src/codec/codec.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

// Python server: one connection. Reads 3 `>I` frames and answers each reversed with a `<H`
// prefix; then reads lines with readuntil(b"\r\n") and answers each upper-cased + "\n".
const PY_SERVER = `
import asyncio, struct, sys
async def handle(r, w):
    for _ in range(3):
        (n,) = struct.unpack(">I", await r.readexactly(4))
        body = await r.readexactly(n)
        w.write(struct.pack("<H", n) + body[::-1])
    await w.drain()
    while True:
        try:
            line = await r.readuntil(b"\\r\\n")
        except asyncio.IncompleteReadError as e:
            assert e.partial == b"", e.partial
            break
        w.write(line[:-2].upper() + b"\\n")
    await w.drain()
    w.close()
    done.set_result(None)
async def main():
    global done
    done = asyncio.get_running_loop().create_future()
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("PORT", srv.sockets[0].getsockname()[1], flush=True)
    await asyncio.wait_for(done, 20)
    srv.close()
asyncio.run(main())
`;

// Python client: sends 3 '>I' frames and two lines, checks sockkit's answers.
const PY_CLIENT = `
import asyncio, struct, sys
async def main():
    r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", int(sys.argv[1])), 10)
    payloads = [b"", b"hello", bytes(range(256)) * 300]
    for p in payloads:
        w.write(struct.pack(">I", len(p)) + p)
    w.write(b"alpha\\nbeta\\r\\n")
    await w.drain()
    for p in payloads:
        (n,) = struct.unpack(">I", await asyncio.wait_for(r.readexactly(4), 10))
        assert await r.readexactly(n) == p[::-1], "bad echo"
    assert await r.readuntil(b"\\n") == b"ALPHA\\n"
    assert await r.readuntil(b"\\n") == b"BETA\\n"
    w.close()
    await w.wait_closed()
    print("OK", flush=True)
asyncio.run(main())
`;

async function readPort(out: ReadableStream<Uint8Array>): Promise<number> {
  const reader = out.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec(value);
  }
  reader.releaseLock();
  const m = /PORT (\d+)/.exec(text);
  if (!m) throw new Error(`python server did not print its port: ${text}`);
  return Number(m[1]);
}

async function withPython(
  script: string,
  args: string[],
  fn: (py: Deno.ChildProcess) => Promise<void>,
) {
  const py = new Deno.Command("python3", {
    args: ["-c", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => py.kill(), 20_000);
  try {
    await fn(py);
    const st = await py.status;
    const err = dec(await new Response(py.stderr).arrayBuffer().then((b) => new Uint8Array(b)));
    assert.equal(st.code, 0, `python failed: ${err}`);
  } finally {
    clearTimeout(timer);
    try {
      py.kill();
    } catch { /* already exited */ }
    await py.status;
  }
}

Deno.test("sockkit talks to a Python asyncio server with struct length prefixes and readuntil lines", async () => {
  await withPython(PY_SERVER, [], async (py) => {
    const port = await readPort(py.stdout);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    using fc = new FramedConn(conn, "len:u16le,max=64KiB");
    const payloads = [
      enc("ping"),
      new Uint8Array(0),
      new Uint8Array(60_000).map((_, i) => i % 251),
    ];
    using up = new FrameEncoder("len:u32be");
    await fc.writeAll(up.encodeAll(payloads)); // sockkit -> python: >I prefixes
    for (const p of payloads) { // python -> sockkit: <H prefixes
      assert.deepEqual(await fc.readFrame(), p.slice().reverse());
    }
    await fc.writeAll(enc("alpha\r\nbeta\r\n"));
    assert.equal(dec(await fc.readUntil(enc("\n"))), "ALPHA\n");
    assert.equal(dec(await fc.readUntil(enc("\n"))), "BETA\n");
    await conn.closeWrite();
    assert.equal(await fc.readFrame(), null);
    await py.stdout.cancel();
  });
});

Deno.test("a Python asyncio client talks to a sockkit server with struct length prefixes and lines", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await withPython(PY_CLIENT, [String(listener.addr.port)], async (py) => {
    using fc = new FramedConn(await listener.accept(), "len:u32be");
    const got: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) got.push((await fc.readFrame())!);
    assert.deepEqual(got.map((g) => g.length), [0, 5, 256 * 300]);
    assert.equal(dec(got[1]), "hello");
    await fc.writeFrames(got.map((g) => g.slice().reverse()));
    using lines = new FrameDecoder("line");
    lines.push(await fc.readUntil(enc("\n")));
    lines.push(await fc.readUntil(enc("\n")));
    for (let l = lines.decode(); l !== null; l = lines.decode()) {
      await fc.writeAll(enc(dec(l).toUpperCase() + "\n"));
    }
    assert.equal(await fc.readFrame(), null); // python closed cleanly
    const out = dec(new Uint8Array(await new Response(py.stdout).arrayBuffer()));
    assert.match(out, /^OK/);
  });
});
