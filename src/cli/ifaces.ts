/**
 * `sockkit ifaces`: the machine's interface addresses (the seeds' "find the local IP").
 *
 * @module
 */

import { getLocalAddresses } from "../resolve/mod.ts";
import { bool, type Command, type FlagSpec, helpText, parseFlags, UsageError } from "./_args.ts";
import { Output } from "./_output.ts";

const FLAGS: Record<string, FlagSpec> = {
  "4": { type: "boolean", help: "IPv4 only" },
  "6": { type: "boolean", help: "IPv6 only" },
  "no-loopback": { type: "boolean", help: "leave out loopback addresses" },
  json: { type: "boolean", short: "j", help: "print one JSON object per address" },
};

const help = helpText(
  "sockkit ifaces [options]",
  "List the interface addresses (name, family, address/prefix, loopback), the reliable way\n" +
    "to find the local IP (gethostbyname(gethostname()) often gives 127.0.1.1). Needs --allow-sys.",
  FLAGS,
);

/** `sockkit ifaces`. */
export const ifacesCommand: Command = {
  name: "ifaces",
  summary: "list interface addresses",
  help,
  run(argv: string[]): Promise<number> {
    const p = parseFlags("ifaces", argv, FLAGS);
    if (bool(p, "help")) {
      console.log(help.trimEnd());
      return Promise.resolve(0);
    }
    if (p.positionals.length) {
      throw new UsageError(`unexpected argument "${p.positionals[0]}"`, "ifaces");
    }
    if (bool(p, "4") && bool(p, "6")) {
      throw new UsageError("-4 and -6 exclude each other", "ifaces");
    }
    const family = bool(p, "4") ? 4 : bool(p, "6") ? 6 : undefined;
    const list = getLocalAddresses({ family, includeInternal: !bool(p, "no-loopback") });
    const out = new Output({ json: bool(p, "json") });
    if (out.json) {
      for (const a of list) out.print(JSON.stringify(a) + "\n");
      return Promise.resolve(0);
    }
    const w = Math.max(9, ...list.map((a) => a.interface.length)) + 2;
    out.print(`${"INTERFACE".padEnd(w)}FAMILY  ADDRESS\n`);
    for (const a of list) {
      out.print(
        `${a.interface.padEnd(w)}IPv${a.family}    ${a.address}/${a.prefix}${
          a.internal ? "  (loopback)" : ""
        }\n`,
      );
    }
    return Promise.resolve(0);
  },
};
