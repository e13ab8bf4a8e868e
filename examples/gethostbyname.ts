/**
 * The seeds' example 1 (resolve www.qq.com and print every address), in idiomatic sockkit.
 * The line-for-line port is examples/bsd/gethostbyname.ts.
 *
 * Run: deno run --allow-ffi --allow-read examples/gethostbyname.ts [NAME]   (default localhost;
 * names outside /etc/hosts need DNS, which `--allow-net` allows for the fallback resolver.)
 * `--host` is accepted as another way to give NAME; `--port` is accepted and ignored.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { lookupHost } from "../mod.ts";

const { values, positionals } = parseArgs({
  options: { host: { type: "string" }, port: { type: "string" } },
  allowPositionals: true,
});
const name = positionals[0] ?? values.host ?? "localhost";
try {
  const host = await lookupHost(name);
  for (const addr of host.addresses) console.log(`${host.name}: ${addr}`);
} catch (e) {
  console.log(`gethostbyname failed: ${(e as Error).message}`);
  Deno.exitCode = 1;
}
