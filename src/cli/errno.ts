/**
 * `sockkit errno CODE`: explain an errno or Winsock code in the seeds' vocabulary.
 *
 * @module
 */

import { type ErrorExplanation, explainError, formatExplanation } from "../errno/mod.ts";
import { bool, type Command, type FlagSpec, helpText, parseFlags, UsageError } from "./_args.ts";
import { Output } from "./_output.ts";

const FLAGS: Record<string, FlagSpec> = {
  json: { type: "boolean", short: "j", help: "print the table row as JSON" },
};

// deno-fmt-ignore
/**
 * getaddrinfo's own codes (`gai_strerror`): name, glibc value, macOS value, the Winsock code
 * `ws2tcpip.h` maps it to, and glibc's message.
 */
const EAI_ROWS: readonly [string, number, number | null, string | null, number | null, string][] = [
  ["EAI_BADFLAGS",   -1,  3,    "WSAEINVAL",             10022, "bad value for ai_flags"],
  ["EAI_NONAME",     -2,  8,    "WSAHOST_NOT_FOUND",     11001, "name or service not known"],
  ["EAI_AGAIN",      -3,  2,    "WSATRY_AGAIN",          11002, "temporary failure in name resolution"],
  ["EAI_FAIL",       -4,  4,    "WSANO_RECOVERY",        11003, "non-recoverable failure in name resolution"],
  ["EAI_NODATA",     -5,  7,    "WSAHOST_NOT_FOUND",     11001, "no address associated with hostname"],
  ["EAI_FAMILY",     -6,  5,    "WSAEAFNOSUPPORT",       10047, "ai_family not supported"],
  ["EAI_SOCKTYPE",   -7,  10,   "WSAESOCKTNOSUPPORT",    10044, "ai_socktype not supported"],
  ["EAI_SERVICE",    -8,  9,    "WSATYPE_NOT_FOUND",     10109, "servname not supported for ai_socktype"],
  ["EAI_ADDRFAMILY", -9,  1,    null,                    null,  "address family for hostname not supported"],
  ["EAI_MEMORY",     -10, 6,    "WSA_NOT_ENOUGH_MEMORY", 8,     "memory allocation failure"],
  ["EAI_SYSTEM",     -11, 11,   null,                    null,  "system error returned in errno"],
  ["EAI_OVERFLOW",   -12, 14,   null,                    null,  "argument buffer overflow"],
];

/**
 * Explain an `EAI_*` name (`EAI_NONAME`), in the shape of the errno table's rows. The numbers
 * are getaddrinfo's return values, not errno values.
 *
 * @param code The name, any case.
 * @returns The explanation, or `undefined` for another name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainGaiError } from "./errno.ts";
 * assert.equal(explainGaiError("eai_noname")?.wsaCode, 11001);
 * ```
 */
export function explainGaiError(code: string): ErrorExplanation | undefined {
  const row = EAI_ROWS.find(([name]) => name === code.toUpperCase());
  if (!row) return undefined;
  const [name, linux, macos, wsaName, wsaCode, meaning] = row;
  return {
    name,
    aliases: [],
    linuxErrno: linux,
    macosErrno: macos,
    wsaName,
    wsaCode,
    meaning: `getaddrinfo: ${meaning}`,
    denoError: null,
  };
}

const help = helpText(
  "sockkit errno [options] CODE...",
  "Explain error codes: a name (ECONNRESET, WSAECONNRESET, HOST_NOT_FOUND, EAI_NONAME), a\n" +
    "Linux errno number (104, or -104 as Node reports it) or a Winsock number (10054). An\n" +
    "unknown code gets a line on stderr, the others are still explained, and the exit is 2.",
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
    // Every code is explained; unknown ones get a line each on stderr and make the exit 2.
    let unknown = 0;
    for (const code of p.positionals) {
      const e = explainError(code, "linux") ?? explainGaiError(code);
      if (!e) {
        unknown++;
        out.note(
          `sockkit: unknown error code "${code}": expected an errno name or number, an EAI_ ` +
            "name or a Winsock code (see sockkit errno --help)",
        );
        continue;
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
    return Promise.resolve(unknown ? 2 : 0);
  },
};
