/**
 * Argument parsing for the `sockkit` command: flags (through `node:util`'s `parseArgs`),
 * targets (`[HOST:]PORT`), durations, sizes and the socat-like `--opt` list. Every mistake
 * becomes a {@linkcode UsageError}, which `main.ts` prints as one line and exits with 2.
 *
 * Runtime-neutral: no `Deno.*`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { SocketOptions } from "../sockopt/mod.ts";
import { AddressSyntaxError, parseNumericHost } from "../addr/mod.ts";

/** A mistake in the command line. The command prints `message` as one line and exits with 2. */
export class UsageError extends Error {
  /** The subcommand whose usage was wrong (for the `--help` hint), or `""`. */
  readonly command: string;
  /**
   * Make a usage error.
   *
   * @param message What was wrong, one line.
   * @param command The subcommand, for the `--help` hint.
   */
  constructor(message: string, command = "") {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** One flag of a subcommand: its type, short alias and help text. */
export interface FlagSpec {
  /** `"boolean"` or `"string"`. */
  type: "boolean" | "string";
  /** One-letter alias. */
  short?: string;
  /** Placeholder shown in help (`N`, `SPEC`). */
  arg?: string;
  /** One line of help. */
  help: string;
  /** The flag may be repeated (`-vv`); its value is then a list. */
  multiple?: boolean;
}

/** Flags parsed by {@linkcode parseFlags}: values by flag name, plus the positionals. */
export interface ParsedFlags {
  /** Flag values (`true` for booleans, text for strings). */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Positional arguments. */
  positionals: string[];
}

/**
 * Parse `argv` against `flags` strictly (unknown flags and missing values are usage errors).
 *
 * @param command The subcommand name, for messages.
 * @param argv The arguments after the subcommand.
 * @param flags The accepted flags (`help` is added).
 * @returns The values and positionals.
 * @throws {UsageError} For an unknown flag, a missing value or a value given to a boolean.
 */
export function parseFlags(
  command: string,
  argv: string[],
  flags: Record<string, FlagSpec>,
): ParsedFlags {
  const options: Record<
    string,
    { type: "boolean" | "string"; short?: string; multiple?: boolean }
  > = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, f] of Object.entries(flags)) {
    options[name] = {
      type: f.type,
      ...(f.short ? { short: f.short } : {}),
      ...(f.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedFlags["values"], positionals };
  } catch (e) {
    // node:util messages are long and mention "parseArgs"; keep the first sentence.
    const msg = (e as Error).message.split("\n")[0]
      .replace(/\. To specify a positional argument.*$/, "")
      .replace(/^Unknown option '(.*?)'.*$/, "unknown flag $1")
      .replace(/^Option '(\S*).*?' argument missing$/, "flag $1 needs a value")
      .replace(/^Option '(.*?)' does not take an argument$/, "flag $1 takes no value");
    throw new UsageError(msg, command);
  }
}

/** Return the string value of a flag (the last one, if repeated), or `undefined`. */
export function str(p: ParsedFlags, name: string): string | undefined {
  const v = p.values[name];
  const last = Array.isArray(v) ? v.at(-1) : v;
  return typeof last === "string" ? last : undefined;
}

/** Return whether a boolean flag was given. */
export function bool(p: ParsedFlags, name: string): boolean {
  const v = p.values[name];
  return v === true || (Array.isArray(v) && v.includes(true));
}

/** Return how many times a (repeatable) flag was given: `-vv` is 2. */
export function count(p: ParsedFlags, name: string): number {
  const v = p.values[name];
  return Array.isArray(v) ? v.length : v === undefined ? 0 : 1;
}

/**
 * Format the help text of a subcommand.
 *
 * @param usage The usage line(s), without the `Usage:` prefix.
 * @param summary What the command does (may span lines).
 * @param flags The flags.
 * @returns The help text, ending with a newline.
 */
export function helpText(usage: string, summary: string, flags: Record<string, FlagSpec>): string {
  const rows = Object.entries(flags).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : "    "}--${name}${f.arg ? ` ${f.arg}` : ""}`;
    return [left, f.help] as const;
  });
  rows.push(["-h, --help", "show this help"]);
  const w = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = rows.map(([l, h]) => `  ${l.padEnd(w)}${h}`);
  return `Usage: ${usage}\n\n${summary}\n\nOptions:\n${lines.join("\n")}\n`;
}

/** A host and port from the command line. */
export interface Target {
  /** Host name or address text (brackets removed). */
  hostname: string;
  /** Port 0..65535. */
  port: number;
}

function parsePortText(text: string, whole: string, command: string, min: number): number {
  if (!/^\d{1,5}$/.test(text)) {
    throw new UsageError(`invalid port "${text}" in "${whole}": expected 0..65535`, command);
  }
  const n = Number(text);
  if (n < min || n > 65535) {
    throw new UsageError(`port ${n} in "${whole}" is out of range ${min}..65535`, command);
  }
  return n;
}

/**
 * Parse `HOST:PORT`, `[IPV6]:PORT` or (with a default host) `PORT`.
 *
 * @param text The argument.
 * @param command The subcommand, for messages.
 * @param defaultHost When set, a bare port is accepted and uses this host; port 0 is allowed.
 * @returns The host and port.
 * @throws {UsageError} For a missing or invalid port, or an empty host.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTarget } from "./_args.ts";
 * assert.deepEqual(parseTarget("[::1]:80", "connect"), { hostname: "::1", port: 80 });
 * assert.deepEqual(parseTarget("9000", "listen", "0.0.0.0"), { hostname: "0.0.0.0", port: 9000 });
 * ```
 */
export function parseTarget(text: string, command: string, defaultHost?: string): Target {
  const min = defaultHost === undefined ? 1 : 0;
  if (defaultHost !== undefined && /^\d+$/.test(text)) {
    return { hostname: defaultHost, port: parsePortText(text, text, command, min) };
  }
  let host: string;
  let port: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") {
      throw new UsageError(`invalid address "${text}": expected [IPV6]:PORT`, command);
    }
    host = text.slice(1, close);
    port = text.slice(close + 2);
  } else {
    const i = text.lastIndexOf(":");
    if (i < 0) {
      throw new UsageError(
        `missing port in "${text}": expected ${defaultHost === undefined ? "" : "[HOST:]"}PORT${
          defaultHost === undefined ? " as HOST:PORT" : ""
        }`,
        command,
      );
    }
    host = text.slice(0, i);
    port = text.slice(i + 1);
    if (host.includes(":")) {
      throw new UsageError(
        `invalid address "${text}": an IPv6 address with a port must be in brackets, as [::1]:80`,
        command,
      );
    }
  }
  if (host === "") throw new UsageError(`missing host in "${text}"`, command);
  return { hostname: parseHost(host, command), port: parsePortText(port, text, command, min) };
}

/**
 * Read host text from the command line as `getaddrinfo` does ({@linkcode parseNumericHost}):
 * a numeric host becomes its canonical text (`"127.1"` is `"127.0.0.1"`, `"010.0.0.1"` is
 * `"8.0.0.1"`), a name stays as it is, and numeric-looking text that is not an address
 * (`"256.1.1.1"`) is a usage error, never a DNS query.
 *
 * @param host The host text (brackets removed).
 * @param command The subcommand, for messages.
 * @returns The text to connect to or resolve.
 * @throws {UsageError} For numeric-looking text that is not an address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHost, UsageError } from "./_args.ts";
 * assert.equal(parseHost("127.1", "connect"), "127.0.0.1");
 * assert.equal(parseHost("localhost", "connect"), "localhost");
 * assert.throws(() => parseHost("256.1.1.1", "connect"), UsageError);
 * ```
 */
export function parseHost(host: string, command: string): string {
  try {
    return parseNumericHost(host)?.text ?? host;
  } catch (e) {
    if (e instanceof AddressSyntaxError) {
      const prefix = `Cannot parse numeric host ${JSON.stringify(host)}: `;
      const detail = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      throw new UsageError(`invalid address "${host}": ${detail}`, command);
    }
    throw e;
  }
}

/**
 * Parse a duration: `250ms`, `2s`, `1.5s`, `1m`; a bare number means seconds (as ncat's `-w`).
 *
 * @param text The value.
 * @param flag The flag name, for messages.
 * @returns Milliseconds.
 * @throws {UsageError} For anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./_args.ts";
 * assert.equal(parseDuration("250ms", "--timeout"), 250);
 * assert.equal(parseDuration("2", "--timeout"), 2000);
 * ```
 */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) {
    throw new UsageError(`invalid duration "${text}" for ${flag}: expected e.g. 500ms, 2s, 1m`);
  }
  const n = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "m" ? 60000 : 1000);
  if (!Number.isFinite(n) || n > 2 ** 31 - 1) {
    throw new UsageError(`duration "${text}" for ${flag} is too long`);
  }
  return Math.round(n);
}

/**
 * Parse a byte size: `65536`, `64K`, `1M`, `1MiB`, `2KB` (K and KB are 1024 here, as socat).
 *
 * @param text The value.
 * @param what What is being sized, for messages.
 * @returns Bytes.
 * @throws {UsageError} For anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSize } from "./_args.ts";
 * assert.equal(parseSize("1M", "rcvbuf"), 1048576);
 * ```
 */
export function parseSize(text: string, what: string): number {
  const m = /^(\d+)(K|KB|KiB|M|MB|MiB|G|GB|GiB|B)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`invalid size "${text}" for ${what}: expected e.g. 4096, 64K, 1M`);
  const unit = (m[2] ?? "").toUpperCase();
  const mult = unit.startsWith("K")
    ? 1024
    : unit.startsWith("M")
    ? 1 << 20
    : unit.startsWith("G")
    ? 1 << 30
    : 1;
  const n = Number(m[1]) * mult;
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1) {
    throw new UsageError(`size "${text}" for ${what} is too large`);
  }
  return n;
}

function parseCount(text: string, what: string, min = 0, max = 2 ** 31 - 1): number {
  const m = /^(0x[0-9a-f]+|\d+)$/i.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`invalid value "${text}" for ${what}: expected an integer ${min}..${max}`);
  }
  return n;
}

/**
 * Parse a positive integer flag such as `--max-conns`.
 *
 * @param text The value.
 * @param flag The flag, for messages.
 * @param min Smallest accepted value (default 1).
 * @returns The number.
 * @throws {UsageError} For anything else.
 */
export function parseInteger(text: string, flag: string, min = 1): number {
  return parseCount(text, flag, min);
}

function parseBoolValue(v: string | undefined, name: string): boolean {
  if (v === undefined || v === "" || v === "1" || v === "on" || v === "yes" || v === "true") {
    return true;
  }
  if (v === "0" || v === "off" || v === "no" || v === "false") return false;
  throw new UsageError(`invalid value "${v}" for --opt ${name}: expected 1/0, on/off`);
}

/** The socat-like `--opt` names, with the `setSocketOptions` field each one sets. */
export const OPT_NAMES: Readonly<Record<string, string>> = Object.freeze({
  reuseaddr: "reuseAddress",
  reuseport: "reusePort",
  rcvbuf: "receiveBufferSize",
  sndbuf: "sendBufferSize",
  linger: "linger",
  keepalive: "keepAlive",
  nodelay: "noDelay",
  broadcast: "broadcast",
  ttl: "ttl",
  tos: "tos",
  "user-timeout": "userTimeout",
  cork: "cork",
  quickack: "quickAck",
});

/**
 * Parse `--opt K=V,...` (socat-like names) into `setSocketOptions` options.
 *
 * | name | value | sets |
 * | --- | --- | --- |
 * | `reuseaddr`, `reuseport`, `nodelay`, `broadcast`, `cork`, `quickack` | none, `1`/`0` | the boolean |
 * | `rcvbuf`, `sndbuf` | size (`1M`) | `receiveBufferSize`, `sendBufferSize` |
 * | `linger` | seconds, or `off` | `linger` (`0` closes with an RST) |
 * | `keepalive` | none, `0`, or `IDLE/INTVL/CNT` (seconds, seconds, probes) | `keepAlive` |
 * | `ttl`, `tos` | integer (`0x10` accepted) | `ttl`, `tos` |
 * | `user-timeout` | milliseconds | `userTimeout` |
 *
 * @param text The list, e.g. `reuseaddr,rcvbuf=1M,keepalive=60/10/5`. May be repeated by the
 *   caller; merge the results.
 * @returns The options.
 * @throws {UsageError} For an unknown name or a bad value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOptList } from "./_args.ts";
 * assert.deepEqual(parseOptList("nodelay,rcvbuf=1M,keepalive=60/10/5,linger=0"), {
 *   noDelay: true,
 *   receiveBufferSize: 1048576,
 *   keepAlive: { idle: 60, interval: 10, count: 5 },
 *   linger: 0,
 * });
 * ```
 */
export function parseOptList(text: string): SocketOptions {
  const out: Record<string, unknown> = {};
  for (const item of text.split(",")) {
    const part = item.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase().replace(/_/g, "-");
    const value = eq < 0 ? undefined : part.slice(eq + 1);
    const field = OPT_NAMES[name];
    if (!field) {
      throw new UsageError(
        `unknown --opt name "${name}": expected one of ${Object.keys(OPT_NAMES).join(", ")}`,
      );
    }
    const need = (): string => {
      if (value === undefined || value === "") {
        throw new UsageError(`--opt ${name} needs a value (${name}=...)`);
      }
      return value;
    };
    switch (name) {
      case "rcvbuf":
      case "sndbuf":
        out[field] = parseSize(need(), `--opt ${name}`);
        break;
      case "linger": {
        const v = need();
        out[field] = v === "off" ? false : parseCount(v, `--opt linger`, 0, 65535);
        break;
      }
      case "keepalive": {
        if (value === undefined || !value.includes("/")) {
          out[field] = parseBoolValue(value, name);
          break;
        }
        const parts = value.split("/");
        if (parts.length !== 3) {
          throw new UsageError(`invalid --opt keepalive "${value}": expected IDLE/INTVL/CNT`);
        }
        const [idle, interval, count] = parts.map((p, i) =>
          parseCount(p, `--opt keepalive ${["IDLE", "INTVL", "CNT"][i]}`, 1, 32767)
        );
        out[field] = { idle, interval, count };
        break;
      }
      case "ttl":
        out[field] = parseCount(need(), "--opt ttl", 1, 255);
        break;
      case "tos":
        out[field] = parseCount(need(), "--opt tos", 0, 255);
        break;
      case "user-timeout":
        out[field] = parseCount(need(), "--opt user-timeout", 0);
        break;
      default:
        out[field] = parseBoolValue(value, name);
    }
  }
  return out as SocketOptions;
}

/** A subcommand of `sockkit`. */
export interface Command {
  /** Its name (`listen`). */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  /**
   * Run it.
   *
   * @param argv The arguments after the subcommand name.
   * @returns The exit code (0 ok, 1 network error).
   * @throws {UsageError} For a usage mistake (exit 2); anything else is a network error (exit 1).
   */
  run(argv: string[]): Promise<number>;
}
