/**
 * `sockkit addr TEXT`: parse, format and explain an address: the strict parse, `inet_pton`
 * bytes, `inet_addr`/`inet_aton` (and the legacy forms they accept), the port in network
 * order, and the `sockaddr` bytes.
 *
 * @module
 */

import { AddressSyntaxError, type IPAddress, parseAddress, parseHostPort } from "../addr/mod.ts";
import { htons, INADDR_NONE, inet_addr, inet_aton } from "../bsd/mod.ts";
import { packSockaddr } from "../addr/mod.ts";
import { bool, type Command, type FlagSpec, helpText, parseFlags, UsageError } from "./_args.ts";
import { Output } from "./_output.ts";

const FLAGS: Record<string, FlagSpec> = {
  layout: { type: "string", arg: "OS", help: "sockaddr layout: linux (default here) or darwin" },
  json: { type: "boolean", short: "j", help: "print the explanation as JSON" },
};

const help = helpText(
  "sockkit addr [options] TEXT",
  "Explain an address: 127.0.0.1, ::1, [fe80::1%2]:443, 10.0.0.1:80. Shows the strict parse\n" +
    "(inet_pton rules), the bytes, inet_addr's s_addr, the port in network order and the\n" +
    "sockaddr_in/sockaddr_in6 bytes. Legacy forms that only inet_aton/inet_addr accept\n" +
    "(127.1, 0x7f.1, 017.0.0.1) are shown with the address they mean.",
  FLAGS,
);

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");
const u32 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

interface Explained {
  input: string;
  family: "IPv4" | "IPv6";
  text: string;
  zone: string | null;
  bytes: string;
  port?: number;
  portNetworkBytes?: string;
  htons?: string;
  inet_addr?: string;
  legacy?: boolean;
  sockaddr?: string;
  sockaddrLength?: number;
}

function explain(input: string, layout: "linux" | "darwin"): Explained {
  let ip: IPAddress & { port?: number };
  let legacy = false;
  const hasPort = input.startsWith("[") || (input.split(":").length === 2);
  try {
    ip = hasPort ? parseHostPort(input) : parseAddress(input);
  } catch (e) {
    // Not inet_pton text: maybe a legacy inet_aton form (127.1, 0x7f.1, 017.0.0.1).
    const bytes = hasPort ? null : inet_aton(input);
    if (!bytes) {
      if (e instanceof AddressSyntaxError) throw new UsageError(e.message, "addr");
      throw e;
    }
    legacy = true;
    const text = [...bytes].join(".");
    ip = { family: "IPv4", bytes, zone: null, text };
  }
  const r: Explained = {
    input,
    family: ip.family,
    text: ip.text,
    zone: ip.zone,
    bytes: hex(ip.bytes),
  };
  if (ip.family === "IPv4") {
    const s = inet_addr(legacy ? input : ip.text);
    r.inet_addr = s === INADDR_NONE && ip.text !== "255.255.255.255" ? "INADDR_NONE" : u32(s);
    r.legacy = legacy;
  }
  const port = ip.port ?? 0;
  if (ip.port !== undefined) {
    r.port = ip.port;
    r.portNetworkBytes = hex(new Uint8Array([port >> 8, port & 0xff]));
    r.htons = `0x${htons(port).toString(16).padStart(4, "0")}`;
  }
  const zoneIsNumber = ip.zone !== null && /^\d+$/.test(ip.zone);
  if (ip.zone === null || zoneIsNumber) {
    const sa = packSockaddr(
      { transport: "tcp", hostname: ip.family === "IPv6" ? ip.text : ip.text, port },
      { layout },
    );
    r.sockaddr = hex(sa);
    r.sockaddrLength = sa.length;
  }
  return r;
}

/** `sockkit addr`. */
export const addrCommand: Command = {
  name: "addr",
  summary: "parse and explain an address (inet_pton bytes, inet_addr, sockaddr hex)",
  help,
  run(argv: string[]): Promise<number> {
    const p = parseFlags("addr", argv, FLAGS);
    if (bool(p, "help")) {
      console.log(help.trimEnd());
      return Promise.resolve(0);
    }
    if (p.positionals.length === 0) throw new UsageError("missing TEXT", "addr");
    const layout = (p.values.layout ?? "linux") as string;
    if (layout !== "linux" && layout !== "darwin") {
      throw new UsageError(`invalid --layout "${layout}": expected linux or darwin`, "addr");
    }
    const out = new Output({ json: bool(p, "json") });
    for (const input of p.positionals) {
      const r = explain(input, layout);
      if (out.json) {
        out.print(JSON.stringify(r) + "\n");
        continue;
      }
      const sa = r.family === "IPv4" ? "sockaddr_in" : "sockaddr_in6";
      const lines = [
        `input        ${r.input}`,
        `family       ${r.family} (AF_INET${r.family === "IPv6" ? "6" : ""})`,
        `canonical    ${r.text}${
          r.legacy ? "  (legacy inet_aton form; inet_pton rejects it)" : ""
        }`,
        `pton bytes   ${r.bytes}`,
      ];
      if (r.inet_addr) {
        lines.push(`inet_addr    ${r.inet_addr}  (s_addr: the bytes above read in host order)`);
      }
      if (r.port !== undefined) {
        lines.push(
          `port         ${r.port}  network order ${r.portNetworkBytes}, htons = ${r.htons}`,
        );
      }
      if (r.sockaddr) {
        lines.push(`${sa.padEnd(13)}${r.sockaddr}  (${r.sockaddrLength} bytes, ${layout})`);
      } else {lines.push(
          `${sa.padEnd(13)}(a named zone needs its interface index; use a numeric %N)`,
        );}
      out.print(lines.join("\n") + "\n");
    }
    return Promise.resolve(0);
  },
};
