/**
 * `sockkit inspect HOST:PORT`: connect, apply `--opt`, and print every socket option the
 * kernel reports plus `TCP_INFO`.
 *
 * @module
 */

import { connect } from "../net/mod.ts";
import { getSocketOptions, setSocketOptions, tcpInfo } from "../sockopt/mod.ts";
import {
  bool,
  type Command,
  type FlagSpec,
  helpText,
  parseDuration,
  parseFlags,
  parseOptList,
  parseTarget,
  str,
  UsageError,
} from "./_args.ts";
import { addressFields, Output } from "./_output.ts";

const FLAGS: Record<string, FlagSpec> = {
  opt: {
    type: "string",
    short: "o",
    arg: "K=V,...",
    help: "options to set first (as for connect); the report shows requested and applied values",
  },
  timeout: { type: "string", short: "w", arg: "DUR", help: "connect timeout (default 5s)" },
  json: { type: "boolean", short: "j", help: "print {options, applied, tcpInfo} as JSON" },
};

const help = helpText(
  "sockkit inspect [options] HOST:PORT",
  "Connect to HOST:PORT, apply --opt, then print the socket's options (getsockopt) and the\n" +
    "kernel's TCP_INFO (state, rtt, cwnd, mss, retransmits, bytes). Needs --allow-ffi.",
  FLAGS,
);

function show(v: unknown): string {
  if (v && typeof v === "object") {
    return Object.entries(v).map(([k, x]) => `${k}=${x}`).join(" ");
  }
  return String(v);
}

/** `sockkit inspect`. */
export const inspectCommand: Command = {
  name: "inspect",
  summary: "connect, apply --opt, print socket options and TCP_INFO",
  help,
  async run(argv: string[]): Promise<number> {
    const p = parseFlags("inspect", argv, FLAGS);
    if (bool(p, "help")) {
      console.log(help.trimEnd());
      return 0;
    }
    if (p.positionals.length !== 1) {
      throw new UsageError(
        p.positionals.length ? "expected one HOST:PORT" : "missing HOST:PORT",
        "inspect",
      );
    }
    const target = parseTarget(p.positionals[0], "inspect");
    const optText = str(p, "opt");
    let opts;
    let timeout;
    try {
      opts = optText === undefined ? {} : parseOptList(optText);
      timeout = parseDuration(str(p, "timeout") ?? "5s", "--timeout");
    } catch (e) {
      throw e instanceof UsageError ? new UsageError(e.message, "inspect") : e;
    }
    const out = new Output({ json: bool(p, "json") });
    await using conn = await connect({ ...target, timeout });
    const applied = setSocketOptions(conn, opts, { readBack: "all" });
    const options = getSocketOptions(conn);
    const info = tcpInfo(conn);
    if (out.json) {
      out.print(
        JSON.stringify({
          local: addressFields(conn.localAddr),
          remote: addressFields(conn.remoteAddr),
          applied,
          options,
          tcpInfo: info,
        }) + "\n",
      );
      return 0;
    }
    const l = conn.localAddr, r = conn.remoteAddr;
    out.print(`connection   ${l.hostname}:${l.port} -> ${r.hostname}:${r.port}\n`);
    if (Object.keys(applied).length) {
      out.print("applied (requested -> kernel):\n");
      for (const [k, v] of Object.entries(applied)) {
        out.print(`  ${k.padEnd(22)}${show(v!.requested)} -> ${show(v!.applied)}\n`);
      }
    }
    out.print("socket options:\n");
    for (const [k, v] of Object.entries(options)) out.print(`  ${k.padEnd(22)}${show(v)}\n`);
    out.print("TCP_INFO:\n");
    for (const [k, v] of Object.entries(info)) {
      const unit = k === "rtt" || k === "rttVar" || k === "rto" ? " us" : "";
      out.print(`  ${k.padEnd(22)}${v === null ? "(not reported)" : `${v}${unit}`}\n`);
    }
    return 0;
  },
};
