/**
 * Command-line TLS flags to library options: {@linkcode tlsOptionsFromFlags} takes the parsed
 * values of sockkit's `--tls-*` flags (and ncat's `--ssl-*` spellings), reads the files they
 * name, checks the combination, and returns the options for {@linkcode connectTls} or
 * {@linkcode listenTls}. {@linkcode TLS_CONNECT_FLAGS} and {@linkcode TLS_LISTEN_FLAGS} list
 * the flags with their help text, shaped for a `node:util` `parseArgs` table.
 *
 * Permissions: `--allow-read` for the files named.
 *
 * @module
 */

import type { TlsClientOptions } from "./tls.ts";

/** One flag: its `parseArgs` type, the placeholder for help, and one line of help. */
export interface TlsFlagSpec {
  /** `"boolean"` or `"string"`. */
  type: "boolean" | "string";
  /** Placeholder shown in help. */
  arg?: string;
  /** One line of help. */
  help: string;
}

/** The flags of `connect` (and the target side of a relay), ncat's names included. */
export const TLS_CONNECT_FLAGS: Readonly<Record<string, TlsFlagSpec>> = {
  "tls": { type: "boolean", help: "connect over TLS, verifying the server's certificate" },
  "tls-ca": {
    type: "string",
    arg: "FILE",
    help: "also trust the CA certificates in FILE (PEM)",
  },
  "tls-servername": {
    type: "string",
    arg: "NAME",
    help: "check the certificate against NAME and send it as SNI (default: the host)",
  },
  "tls-alpn": { type: "string", arg: "LIST", help: "offer these ALPN protocols (h2,http/1.1)" },
  "tls-insecure": {
    type: "boolean",
    help: "skip the certificate checks (chain and name) for this target only",
  },
  "ssl": { type: "boolean", help: "ncat's name for --tls" },
  "ssl-trustfile": { type: "string", arg: "FILE", help: "ncat's name for --tls-ca" },
  "ssl-servername": { type: "string", arg: "NAME", help: "ncat's name for --tls-servername" },
  "ssl-alpn": { type: "string", arg: "LIST", help: "ncat's name for --tls-alpn" },
  "ssl-verify": {
    type: "boolean",
    help: "ncat's flag to verify: sockkit always verifies unless --tls-insecure",
  },
};

/** The flags of `listen` (and the listening side of a relay), ncat's names included. */
export const TLS_LISTEN_FLAGS: Readonly<Record<string, TlsFlagSpec>> = {
  "tls": { type: "boolean", help: "accept TLS connections (needs --tls-cert and --tls-key)" },
  "tls-cert": {
    type: "string",
    arg: "FILE",
    help: "the certificate chain (PEM), server certificate first",
  },
  "tls-key": { type: "string", arg: "FILE", help: "the private key (PEM)" },
  "tls-alpn": { type: "string", arg: "LIST", help: "accept these ALPN protocols (h2,http/1.1)" },
  "ssl": { type: "boolean", help: "ncat's name for --tls" },
  "ssl-cert": { type: "string", arg: "FILE", help: "ncat's name for --tls-cert" },
  "ssl-key": { type: "string", arg: "FILE", help: "ncat's name for --tls-key" },
  "ssl-alpn": { type: "string", arg: "LIST", help: "ncat's name for --tls-alpn" },
};

/** sockkit's flag name for each ncat alias. */
const ALIASES: Readonly<Record<string, string>> = {
  "ssl": "tls",
  "ssl-trustfile": "tls-ca",
  "ssl-servername": "tls-servername",
  "ssl-alpn": "tls-alpn",
  "ssl-cert": "tls-cert",
  "ssl-key": "tls-key",
};

/**
 * A TLS flag that cannot be used: a file that cannot be read or is not PEM, a flag that does
 * not fit the command, a missing `--tls-cert`/`--tls-key`. A `TypeError`, so a command can
 * treat it as a usage error; `flag` is the flag as the user typed it (`--ssl-cert`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TlsFlagError } from "./flags.ts";
 * const e = new TlsFlagError("--tls-key", "listen needs it with --tls");
 * assert.ok(e instanceof TypeError);
 * assert.equal(e.message, "Cannot use --tls-key: listen needs it with --tls");
 * ```
 */
export class TlsFlagError extends TypeError {
  /** The flag, e.g. `"--tls-ca"`. */
  readonly flag: string;
  /**
   * Build the error.
   *
   * @param flag The flag as typed.
   * @param detail What is wrong with it.
   * @param options `cause`: the file system error, if any.
   */
  constructor(flag: string, detail: string, options?: ErrorOptions) {
    super(`Cannot use ${flag}: ${detail}`, options);
    this.name = "TlsFlagError";
    this.flag = flag;
  }
}

/** The values of the TLS flags as `parseArgs` returns them, keyed by flag name (without `--`). Other keys are ignored. */
export type TlsFlagValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** What {@linkcode tlsOptionsFromFlags} returns for `"listen"`: the fields of `listenTls`'s TLS options. */
export interface TlsListenFlagOptions {
  /** The certificate chain, PEM. */
  cert: string;
  /** The private key, PEM. */
  key: string;
  /** ALPN protocols, or `undefined`. */
  alpnProtocols?: string[];
}

/** Collect the given flags under sockkit's names, remembering the spelling used. */
function normalize(
  values: TlsFlagValues,
  known: Readonly<Record<string, TlsFlagSpec>>,
  other: Readonly<Record<string, TlsFlagSpec>>,
  role: string,
) {
  const got = new Map<string, { typed: string; value: string | boolean | string[] }>();
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === false) continue;
    if (!(name in known)) {
      if (name in other) {
        throw new TlsFlagError(
          `--${name}`,
          `it is for ${role === "connect" ? "listen" : "connect"}, not ${role}`,
        );
      }
      continue;
    }
    const canonical = ALIASES[name] ?? name;
    const prior = got.get(canonical);
    if (prior && JSON.stringify(prior.value) !== JSON.stringify(value)) {
      throw new TlsFlagError(`--${name}`, `it repeats ${prior.typed} with another value`);
    }
    got.set(canonical, { typed: `--${name}`, value });
  }
  return got;
}

function readPem(flag: string, path: unknown, what: RegExp, kind: string): string {
  if (typeof path !== "string" || path === "") throw new TlsFlagError(flag, "it needs a file name");
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied
      ? "reading it is not allowed (--allow-read)"
      : (e as Error).message;
    throw new TlsFlagError(flag, `cannot read ${path}: ${why}`, { cause: e });
  }
  if (!what.test(text)) throw new TlsFlagError(flag, `${path} holds no PEM ${kind}`);
  return text;
}

function alpnList(flag: string, value: unknown): string[] {
  const list = String(value).split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (list.length === 0) {
    throw new TlsFlagError(flag, "expected a comma-separated list of protocols");
  }
  const long = list.find((s) => new TextEncoder().encode(s).length > 255);
  if (long) {
    throw new TlsFlagError(flag, `protocol name longer than 255 bytes: ${long.slice(0, 20)}…`);
  }
  return list;
}

const CERT_RE = /-----BEGIN CERTIFICATE-----/;
const KEY_RE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * Turn parsed TLS flags into options for {@linkcode connectTls} (`role` `"connect"`) or
 * {@linkcode listenTls} (`"listen"`). Any TLS flag turns TLS on (as `--tls` does); with none
 * the result is `null`. ncat's spellings are accepted: `--ssl`, `--ssl-trustfile`,
 * `--ssl-servername`, `--ssl-alpn`, `--ssl-cert`, `--ssl-key`; `--ssl-verify` is accepted and
 * changes nothing, since sockkit verifies unless `--tls-insecure`. Verification uses Deno's
 * roots, the system CA bundle and the `--tls-ca` file.
 *
 * Permissions: `--allow-read` for the files.
 *
 * @param values Flag values by name without `--` (`{ "tls": true, "tls-ca": "ca.pem" }`),
 *   as `node:util`'s `parseArgs` gives them; unrelated keys are ignored.
 * @param role `"connect"` or `"listen"`.
 * @returns The options, or `null` when no TLS flag was given.
 * @throws {TlsFlagError} (a `TypeError`) for an unreadable or non-PEM file, a flag of the other
 *   role (`--tls-cert` on connect, `--tls-ca` on listen), `--tls-insecure` with `--ssl-verify`,
 *   a missing `--tls-cert` or `--tls-key` on listen, an empty ALPN list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tlsOptionsFromFlags } from "./flags.ts";
 * assert.equal(tlsOptionsFromFlags({ verbose: true }, "connect"), null);
 * assert.deepEqual(
 *   tlsOptionsFromFlags({ "ssl": true, "tls-servername": "example.test", "tls-alpn": "h2, http/1.1" }, "connect"),
 *   { serverName: "example.test", alpnProtocols: ["h2", "http/1.1"] },
 * );
 * assert.throws(() => tlsOptionsFromFlags({ "tls": true }, "listen"), /^TlsFlagError: Cannot use --tls-cert: listen needs it with --tls/);
 * ```
 */
export function tlsOptionsFromFlags(
  values: TlsFlagValues,
  role: "connect",
): TlsClientOptions | null;
/**
 * {@linkcode tlsOptionsFromFlags} for `listen`: `--tls-cert` and `--tls-key` read into
 * `cert` and `key`, and `--tls-alpn`.
 *
 * @param values Flag values by name without `--`.
 * @param role `"listen"`.
 * @returns `{ cert, key, alpnProtocols? }`, or `null` when no TLS flag was given.
 * @throws {TlsFlagError} as for `"connect"`, and when `--tls-cert` or `--tls-key` is missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tlsOptionsFromFlags } from "./flags.ts";
 * assert.throws(
 *   () => tlsOptionsFromFlags({ "ssl": true, "ssl-cert": "/nonexistent.pem", "ssl-key": "k" }, "listen"),
 *   /^TlsFlagError: Cannot use --ssl-cert: cannot read \/nonexistent.pem: no such file/,
 * );
 * ```
 */
export function tlsOptionsFromFlags(
  values: TlsFlagValues,
  role: "listen",
): TlsListenFlagOptions | null;
export function tlsOptionsFromFlags(
  values: TlsFlagValues,
  role: "connect" | "listen",
): TlsClientOptions | TlsListenFlagOptions | null {
  const connectSide = role === "connect";
  const got = normalize(
    values,
    connectSide ? TLS_CONNECT_FLAGS : TLS_LISTEN_FLAGS,
    connectSide ? TLS_LISTEN_FLAGS : TLS_CONNECT_FLAGS,
    role,
  );
  if (got.size === 0) return null;
  const alpn = got.get("tls-alpn");
  const alpnProtocols = alpn ? alpnList(alpn.typed, alpn.value) : undefined;
  if (connectSide) {
    const insecure = got.get("tls-insecure");
    const verify = got.get("ssl-verify");
    if (insecure && verify) {
      throw new TlsFlagError(insecure.typed, `it contradicts ${verify.typed}`);
    }
    const out: TlsClientOptions = {};
    const ca = got.get("tls-ca");
    if (ca) {
      const files = Array.isArray(ca.value) ? ca.value : [ca.value];
      out.caCerts = files.map((f) => readPem(ca.typed, f, CERT_RE, "certificate"));
    }
    const name = got.get("tls-servername");
    if (name) {
      if (typeof name.value !== "string" || name.value === "") {
        throw new TlsFlagError(name.typed, "it needs a host name");
      }
      out.serverName = name.value;
    }
    if (alpnProtocols) out.alpnProtocols = alpnProtocols;
    if (insecure) out.insecure = true;
    return out;
  }
  const missing = (flag: string) => new TlsFlagError(flag, "listen needs it with --tls");
  const cert = got.get("tls-cert");
  const key = got.get("tls-key");
  if (!cert) throw missing("--tls-cert");
  if (!key) throw missing("--tls-key");
  const out: TlsListenFlagOptions = {
    cert: readPem(cert.typed, cert.value, CERT_RE, "certificate"),
    key: readPem(key.typed, key.value, KEY_RE, "private key"),
  };
  if (alpnProtocols) out.alpnProtocols = alpnProtocols;
  return out;
}
