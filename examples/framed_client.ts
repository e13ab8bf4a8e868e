/**
 * The client for `framed_server.ts`: sends each argument as one `len:u32be` frame and
 * prints the response frame.
 *
 * ```sh
 * deno run --allow-net examples/framed_client.ts --port 5000 hello world
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { FramedConn } from "../mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "5000" },
    host: { type: "string", default: "127.0.0.1" },
  },
  allowPositionals: true,
});
const enc = new TextEncoder();
const dec = new TextDecoder();

using fc = new FramedConn(
  await Deno.connect({ hostname: values.host, port: Number(values.port) }),
  "len:u32be,max=64KiB",
);
for (const word of positionals.length ? positionals : ["hello"]) {
  await fc.writeFrame(enc.encode(word));
  const res = await fc.readFrame();
  if (res === null) throw new Error("Cannot read response: server closed the connection");
  console.log(dec.decode(res));
}
