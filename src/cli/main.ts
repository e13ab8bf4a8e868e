#!/usr/bin/env -S deno run --allow-net --allow-ffi --allow-read --allow-write --allow-sys --allow-env --allow-run
/**
 * The `sockkit` command: ncat/socat-style `listen` and `connect` with shared frame specs,
 * JSON events and socket-option reports, plus `resolve`, `ifaces`, `addr`, `errno`,
 * `inspect` and `bench`. It uses the library only through `mod.ts`.
 *
 * Exit codes: 0 ok, 1 network error, 2 usage. Errors print as one line on stderr.
 *
 * Permissions: `--allow-net` (sockets), `--allow-ffi` (socket options, TCP_INFO, FIN/RST,
 * system resolver), `--allow-read`/`--allow-write` (Unix socket paths, /etc/hosts),
 * `--allow-sys` (interfaces), `--allow-env`, `--allow-run` (`--exec`, `--sh-exec`).
 *
 * @example
 * ```ts ignore
 * // deno run -A src/cli/main.ts errno ECONNRESET
 * import { main } from "./main.ts";
 * const code = await main(["errno", "ECONNRESET"]);
 * ```
 *
 * @module
 */

import { type Command, UsageError } from "./_args.ts";
import { describeError, errorLine, writeAllSync } from "./_output.ts";
import { listenCommand } from "./listen.ts";
import { connectCommand } from "./connect.ts";
import { relayCommand } from "./relay.ts";
import { resolveCommand } from "./resolve.ts";
import { ifacesCommand } from "./ifaces.ts";
import { addrCommand } from "./addr.ts";
import { errnoCommand } from "./errno.ts";
import { inspectCommand } from "./inspect.ts";
import { benchCommand } from "./bench.ts";
import { exitWithParent, setCommandEntry } from "./_insecure.ts";

/** The version printed by `sockkit --version` (kept equal to deno.json's by a test). */
export const VERSION = "0.1.0";

/** Every subcommand, in the order `sockkit --help` lists them. */
export const COMMANDS: readonly Command[] = [
  listenCommand,
  connectCommand,
  relayCommand,
  resolveCommand,
  ifacesCommand,
  addrCommand,
  errnoCommand,
  inspectCommand,
  benchCommand,
];

/** The top-level help. */
export const HELP = `sockkit ${VERSION}: a socket toolkit in the spirit of ncat and socat

Usage: sockkit COMMAND [options] [args]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)}${c.summary}`).join("\n")}

Run "sockkit COMMAND --help" for a command's options.

Examples:
  sockkit listen -k --echo 127.0.0.1:9000
  echo hello | sockkit connect 127.0.0.1:9000
  sockkit connect --frame len:u32be --json 127.0.0.1:9000
  sockkit connect --tls --tls-ca ca.pem localhost:9443
  sockkit listen --opt reuseaddr,rcvbuf=1M,keepalive=60/10/5 --verbose 9000
  sockkit addr '[fe80::1%2]:443'    sockkit errno 10054    sockkit bench tcp

Exit codes: 0 ok, 1 network error, 2 usage.`;

/**
 * Run the command line `argv` (without the program name).
 *
 * @param argv The arguments.
 * @returns The exit code: 0 ok, 1 network error, 2 usage.
 */
export async function main(argv: string[]): Promise<number> {
  // `deno task sockkit -- ARGS` passes the `--` through.
  const [name, ...rest] = argv[0] === "--" ? argv.slice(1) : argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    const cmd = topic ? COMMANDS.find((c) => c.name === topic) : undefined;
    if (topic && !cmd) return fail(new UsageError(`unknown command "${topic}"`), false);
    console.log(cmd ? cmd.help.trimEnd() : HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    console.log(`sockkit ${VERSION}`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    return fail(
      new UsageError(
        name.startsWith("-")
          ? `unknown flag ${name} before the command`
          : `unknown command "${name}": expected one of ${COMMANDS.map((c) => c.name).join(", ")}`,
      ),
      false,
    );
  }
  const json = rest.includes("--json") || rest.includes("-j");
  try {
    return await cmd.run(rest);
  } catch (e) {
    return fail(e, json);
  }
}

function fail(e: unknown, json: boolean): number {
  const enc = new TextEncoder();
  if (json) {
    writeAllSync(
      Deno.stdout,
      enc.encode(
        JSON.stringify({ event: "error", ...describeError(e), t: Math.round(performance.now()) }) +
          "\n",
      ),
    );
  }
  writeAllSync(Deno.stderr, enc.encode(errorLine(e) + "\n"));
  return e instanceof UsageError ? 2 : 1;
}

if (import.meta.main) {
  // `--tls-insecure` runs this module again under Deno's flag (see _insecure.ts).
  setCommandEntry(import.meta.url);
  exitWithParent();
  // Exit explicitly: a pending stdin read would otherwise keep the process alive.
  Deno.exit(await main(Deno.args));
}
