/**
 * `sockkit resolve NAME`: `gethostbyname` in the seeds' `hostent` shape, then `getaddrinfo`.
 *
 * @module
 */

import { type HostInfo, lookup, lookupHost, type ResolvedAddress } from "../resolve/mod.ts";
import {
  bool,
  type Command,
  type FlagSpec,
  helpText,
  parseFlags,
  parseHost,
  str,
  UsageError,
} from "./_args.ts";
import { Output } from "./_output.ts";

const FLAGS: Record<string, FlagSpec> = {
  "4": { type: "boolean", help: "getaddrinfo: IPv4 only" },
  "6": { type: "boolean", help: "getaddrinfo: IPv6 only" },
  service: { type: "string", short: "s", arg: "PORT", help: "service for getaddrinfo (80, http)" },
  resolver: {
    type: "string",
    arg: "KIND",
    help: "auto (default), system (libc through FFI) or fallback (/etc/hosts + DNS)",
  },
  json: { type: "boolean", short: "j", help: "print {hostent, addrinfo} as JSON" },
};

const help = helpText(
  "sockkit resolve [options] NAME",
  "Resolve NAME as the seeds do: gethostbyname (IPv4, printed as struct hostent), then\n" +
    "getaddrinfo (every family and socket type). An unknown name exits with 1 and names\n" +
    "HOST_NOT_FOUND / WSAHOST_NOT_FOUND 11001.",
  FLAGS,
);

/** `sockkit resolve`. */
export const resolveCommand: Command = {
  name: "resolve",
  summary: "resolve a name: gethostbyname (hostent) and getaddrinfo",
  help,
  async run(argv: string[]): Promise<number> {
    const p = parseFlags("resolve", argv, FLAGS);
    if (bool(p, "help")) {
      console.log(help.trimEnd());
      return 0;
    }
    if (p.positionals.length !== 1) {
      throw new UsageError(p.positionals.length ? "expected one NAME" : "missing NAME", "resolve");
    }
    const name = p.positionals[0];
    parseHost(name, "resolve"); // numeric-looking junk is a usage error, never a lookup
    const resolver = str(p, "resolver") ?? "auto";
    if (resolver !== "auto" && resolver !== "system" && resolver !== "fallback") {
      throw new UsageError(
        `invalid --resolver "${resolver}": expected auto, system or fallback`,
        "resolve",
      );
    }
    if (bool(p, "4") && bool(p, "6")) {
      throw new UsageError("-4 and -6 exclude each other", "resolve");
    }
    const family = bool(p, "4") ? 4 : bool(p, "6") ? 6 : 0;
    let host: HostInfo | null = null;
    let hostentError: unknown = null;
    try {
      host = await lookupHost(name, { resolver });
    } catch (e) {
      // A name with only IPv6 addresses has no hostent; getaddrinfo decides the outcome.
      hostentError = e;
    }
    let list: ResolvedAddress[];
    try {
      list = await lookup(name, str(p, "service"), { family, canonname: true, resolver });
    } catch (e) {
      throw hostentError ?? e;
    }
    const hostent = host && {
      h_name: host.name,
      h_aliases: host.aliases,
      h_addrtype: 2,
      h_length: 4,
      h_addr_list: host.addresses,
    };
    const out = new Output({ json: bool(p, "json") });
    if (out.json) {
      out.print(JSON.stringify({ name, hostent, addrinfo: list }) + "\n");
      return 0;
    }
    if (hostent) {
      out.print(
        `gethostbyname("${name}"):\n` +
          `  h_name      ${hostent.h_name}\n` +
          `  h_aliases   ${hostent.h_aliases.length ? hostent.h_aliases.join(" ") : "(none)"}\n` +
          `  h_addrtype  ${hostent.h_addrtype} (AF_INET)\n` +
          `  h_length    ${hostent.h_length}\n` +
          `  h_addr_list ${hostent.h_addr_list.join(" ")}\n`,
      );
    } else {
      out.print(`gethostbyname("${name}"): no IPv4 address\n`);
    }
    out.print(`getaddrinfo("${name}"${p.values.service ? `, "${p.values.service}"` : ""}):\n`);
    for (const a of list) {
      out.print(
        `  IPv${a.family}  ${String(a.socktype).padEnd(6)} proto ${String(a.protocol).padEnd(3)} ${
          a.family === 6 ? `[${a.address}]` : a.address
        }:${a.port}${a.canonname ? `  canonname ${a.canonname}` : ""}\n`,
      );
    }
    return 0;
  },
};
