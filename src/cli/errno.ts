/**
 * `sockkit errno CODE`: explain an errno or Winsock code in the seeds' vocabulary.
 *
 * @module
 */

import { explainError } from "../errno/mod.ts";
import { formatExplanation } from "../errno/mod.ts";
import { bool, type Command, type FlagSpec, helpText, parseFlags, UsageError } from "./_args.ts";
import { Output } from "./_output.ts";

const FLAGS: Record<string, FlagSpec> = {
  json: { type: "boolean", short: "j", help: "print the table row as JSON" },
};

const help = helpText(
  "sockkit errno [options] CODE...",
  "Explain error codes: a name (ECONNRESET, WSAECONNRESET, HOST_NOT_FOUND), a Linux errno\n" +
    "number (104, or -104 as Node reports it) or a Winsock number (10054).",
  FLAGS,
);

/** `sockkit errno`. */
export const errnoCommand: Command = {
  name: "errno",
  summary: "explain an errno / Winsock code (ECONNRESET, 104, 10054)",
  help,
  run(argv: string[]): Promise<number> {
    // Node-style negative errno numbers (-104) are codes, not flags.
    const negative = argv.filter((a) => /^-\d+$/.test(a));
    const p = parseFlags("errno", argv.filter((a) => !/^-\d+$/.test(a)), FLAGS);
    p.positionals.push(...negative);
    if (bool(p, "help")) {
      console.log(help.trimEnd());
      return Promise.resolve(0);
    }
    if (p.positionals.length === 0) throw new UsageError("missing CODE", "errno");
    const out = new Output({ json: bool(p, "json") });
    for (const code of p.positionals) {
      const e = explainError(code, "linux");
      if (!e) {
        throw new UsageError(
          `unknown error code "${code}": expected an errno name or number, or a Winsock code`,
          "errno",
        );
      }
      if (out.json) out.print(JSON.stringify({ input: code, ...e }) + "\n");
      else {
        out.print(formatExplanation(e) + "\n");
        const extra = [
          e.aliases.length ? `aliases: ${e.aliases.join(", ")}` : null,
          e.denoError ? `Deno: Deno.errors.${e.denoError}` : null,
        ].filter(Boolean);
        if (extra.length) out.print(`  ${extra.join("; ")}\n`);
      }
    }
    return Promise.resolve(0);
  },
};
