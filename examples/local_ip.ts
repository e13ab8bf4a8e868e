/**
 * The seeds' example 2 (find the local IP), in idiomatic sockkit: the host name, then every
 * interface address. The seed's `gethostbyname(gethostname())` often answers 127.0.1.1 (from
 * /etc/hosts); the interface list is the reliable answer. The line-for-line port is
 * examples/bsd/local_ip.ts.
 *
 * Run: deno run --allow-sys examples/local_ip.ts   (`--host`/`--port` are accepted and ignored)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { getLocalAddresses, localHostname } from "../src/resolve/mod.ts";

parseArgs({ options: { host: { type: "string" }, port: { type: "string" } } });
const name = localHostname();
const addrs = getLocalAddresses({ includeInternal: true });
for (const a of addrs) {
  console.log(
    `local name:${name}, local ip: ${a.address} (${a.interface}, IPv${a.family}/${a.prefix})`,
  );
}
if (addrs.length === 0) console.log("get null");
