/**
 * The TLS flags of `listen`, `connect` and `relay`: the library's tables
 * (`TLS_CONNECT_FLAGS`, `TLS_LISTEN_FLAGS`) as this command's flag specs, and the parsed
 * values turned into `connectTls`/`listenTls` options, a flag mistake being a usage error.
 *
 * @module
 */

import {
  TLS_CONNECT_FLAGS,
  TLS_LISTEN_FLAGS,
  type TlsClientOptions,
  TlsFlagError,
  type TlsListenFlagOptions,
  tlsOptionsFromFlags,
} from "../tls/mod.ts";
import { type FlagSpec, type ParsedFlags, UsageError } from "./_args.ts";

/** The side a set of TLS flags is for. */
export type TlsRole = "connect" | "listen";

function table(role: TlsRole) {
  return role === "connect" ? TLS_CONNECT_FLAGS : TLS_LISTEN_FLAGS;
}

/**
 * The TLS flags of one side, as flag specs.
 *
 * @param role `"connect"` (verify the server) or `"listen"` (present a certificate).
 * @param prefix Put before each name (`"upstream-"` for relay's target side); ncat's
 *   `--ssl*` aliases are left out then.
 * @param only Names (without prefix) to keep; default all.
 * @returns The specs by flag name.
 */
export function tlsFlags(role: TlsRole, prefix = "", only?: string[]): Record<string, FlagSpec> {
  const out: Record<string, FlagSpec> = {};
  for (const [name, spec] of Object.entries(table(role))) {
    if (prefix && name.startsWith("ssl")) continue;
    if (only && !only.includes(name)) continue;
    out[prefix + name] = { type: spec.type, arg: spec.arg, help: spec.help };
  }
  return out;
}

/** What {@linkcode tlsFromFlags} gives for each side. */
export interface TlsSideOptions {
  /** Client options for `connectTls`. */
  connect: TlsClientOptions;
  /** Certificate, key and ALPN for `listenTls`. */
  listen: TlsListenFlagOptions;
}

/**
 * Read one side's TLS flags (files included) into library options.
 *
 * @param parsed The parsed command line.
 * @param role Which side.
 * @param command The subcommand, for the `--help` hint.
 * @param prefix The flags' prefix, as given to {@linkcode tlsFlags}.
 * @returns The options, or `undefined` when no TLS flag of that side was given.
 * @throws {UsageError} for what `tlsOptionsFromFlags` refuses (an unreadable or non-PEM
 *   file, a missing `--tls-cert`), with the flag as typed.
 */
export function tlsFromFlags<R extends TlsRole>(
  parsed: ParsedFlags,
  role: R,
  command: string,
  prefix = "",
): TlsSideOptions[R] | undefined {
  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const name of Object.keys(table(role))) {
    const v = parsed.values[prefix + name];
    if (v !== undefined) values[name] = v as string | boolean | string[];
  }
  try {
    const options = role === "connect"
      ? tlsOptionsFromFlags(values, "connect")
      : tlsOptionsFromFlags(values, "listen");
    return (options ?? undefined) as TlsSideOptions[R] | undefined;
  } catch (e) {
    if (!(e instanceof TlsFlagError)) throw e;
    const typed = prefix ? e.flag.replace(/^--/, `--${prefix}`) : e.flag;
    throw new UsageError(`${e.message.replace(e.flag, typed)}`, command);
  }
}
