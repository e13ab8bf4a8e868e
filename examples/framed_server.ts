/**
 * A request/response server over `len:u32be` frames (4-byte big-endian length prefix):
 * every request frame gets one response frame, `"echo: " + request`. Serves until killed,
 * or for `--count` connections.
 *
 * ```sh
 * deno run --allow-net examples/framed_server.ts --port 5000 &
 * deno run --allow-net examples/framed_client.ts --port 5000 hello world
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { FramedConn, FrameTooLongError, IncompleteFrameError } from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { port: { type: "string", default: "5000" }, count: { type: "string", default: "0" } },
});
const enc = new TextEncoder();
const dec = new TextDecoder();

async function serve(conn: Deno.Conn): Promise<void> {
  const peer = conn.remoteAddr as Deno.NetAddr;
  using fc = new FramedConn(conn, "len:u32be,max=64KiB");
  try {
    for await (const req of fc) {
      await fc.writeFrame(enc.encode(`echo: ${dec.decode(req)}`));
    }
  } catch (e) {
    // a peer's bad frame ends its connection, not the server
    if (e instanceof FrameTooLongError || e instanceof IncompleteFrameError) {
      console.error(`${peer.hostname}:${peer.port}: ${e.message}`);
    } else throw e;
  }
}

using listener = Deno.listen({ hostname: "127.0.0.1", port: Number(values.port) });
console.log(`listening on 127.0.0.1:${listener.addr.port}`);
const max = Number(values.count);
let served = 0;
for await (const conn of listener) {
  served++;
  if (max > 0 && served >= max) {
    await serve(conn);
    break;
  }
  serve(conn).catch((e) => console.error(e));
}
