/**
 * The seeds' `readn`/`writen` (read or write exactly n bytes, looping over short reads and
 * writes), in idiomatic sockkit: `writeAll` and `readExact`. Sends `--bytes N` to an echo peer
 * and reads exactly N back; without `--port` it starts its own echo peer on loopback. The
 * line-for-line port is examples/bsd/readn_writen.ts.
 *
 * Run: deno run --allow-net examples/readn_writen.ts [--host 127.0.0.1] [--port PORT] [--bytes 1000000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { connect, listen, readExact, writeAll } from "../mod.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    bytes: { type: "string", default: "1000000" },
  },
});
const n = Number(values.bytes);
let port = Number(values.port ?? 0);
let own: Promise<void> | undefined;
const server = values.port ? undefined : listen({ hostname: "127.0.0.1", port: 0 });
if (server) {
  port = server.addr.port;
  own = (async () => {
    await using c = await server.accept();
    const buf = new Uint8Array(65536);
    for (let k; (k = await c.read(buf)) !== null;) await c.writeAll(buf.subarray(0, k));
  })();
}
await using conn = await connect({ hostname: values.host, port, timeout: 5000 });
const data = new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
const [, back] = await Promise.all([
  writeAll(conn, data).then(() => console.log(`writen: ${n} bytes`)),
  readExact(conn, n),
]);
console.log(
  `readn: ${back.length} bytes, ${back.every((b, i) => b === data[i]) ? "match" : "MISMATCH"}`,
);
await conn.close();
await own;
server?.close();
