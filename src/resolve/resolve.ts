/**
 * Name resolution and host information: {@linkcode lookup} (C's `getaddrinfo`),
 * {@linkcode lookupHost} (`gethostbyname`), {@linkcode reverseLookup} (`getnameinfo`),
 * {@linkcode localHostname} (`gethostname`) and the machine's local addresses (the seeds'
 * "local IP" example). The C names themselves, with the seeds' `hostent`, are in `./bsd`.
 *
 * Resolution goes through the system resolver, libc `getaddrinfo` via non-blocking FFI, so
 * `/etc/hosts` and nsswitch apply exactly as for C programs (`Deno.resolveDns` only asks DNS).
 * Without `--allow-ffi` it falls back to parsing `/etc/hosts` (needs `--allow-read`) and then
 * `Deno.resolveDns` (needs `--allow-net`).
 *
 * Permissions: `--allow-ffi` (preferred) or `--allow-read` + `--allow-net` for the fallback;
 * `--allow-sys` for `localHostname` and `getLocalAddresses`.
 *
 * @example The seeds' example 2: the local host name and its addresses
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupHost, localHostname } from "./resolve.ts";
 * const name = localHostname();
 * assert.ok(name.length > 0);
 * const h = await lookupHost("localhost");
 * assert.ok(h.addresses.includes("127.0.0.1"));
 * ```
 *
 * @module
 */

import {
  encodeSockaddr,
  ffiGetaddrinfo,
  ffiGethostname,
  ffiGetnameinfo,
  ffiIfNameToIndex,
  type GaiFailure,
  type RawAddrInfo,
  resolverConstants,
} from "../_ffi/resolver.ts";
import { type NumericHost, parseNumericHost } from "../addr/ip.ts";
import { ffiGranted } from "../_ffi/libc.ts";
import { type ErrorExplanation, explainError } from "../errno/error_table.ts";

/** A host's IPv4 addresses and names, from {@linkcode lookupHost}: the seeds' `struct hostent` with TypeScript names and addresses as text. */
export interface HostInfo {
  /** The official (canonical) name (C: `h_name`). */
  name: string;
  /** Other names for the host, from /etc/hosts when readable (C: `h_aliases`). */
  aliases: string[];
  /** The IPv4 addresses, dotted-decimal, in the resolver's order (C: `h_addr_list`). */
  addresses: string[];
}

/** One result of {@linkcode lookup}. */
export interface ResolvedAddress {
  /** 4 or 6. */
  family: 4 | 6;
  /** `"stream"`, `"dgram"`, `"raw"`, or the number for other types. */
  socktype: "stream" | "dgram" | "raw" | number;
  /** IP protocol number (6 TCP, 17 UDP). */
  protocol: number;
  /** The address as text. */
  address: string;
  /** The port (0 when no service was given). */
  port: number;
  /** IPv6 scope id, when non-zero. */
  scopeId?: number;
  /** The canonical name (first entry only, with `canonname: true`). */
  canonname?: string;
}

/** Options for {@linkcode lookup}: the hints of C's `getaddrinfo`. */
export interface LookupOptions {
  /** 4, 6, or 0 for both. Default 0. */
  family?: 0 | 4 | 6;
  /** Restrict to one socket type. Default: every type. */
  socktype?: "stream" | "dgram";
  /** Ask for the canonical name (`AI_CANONNAME`). Default `false`. */
  canonname?: boolean;
  /** Only accept numeric host text, never resolve (`AI_NUMERICHOST`). Default `false`. */
  numericHost?: boolean;
  /** Which resolver: `"system"` (libc via FFI), `"fallback"` (/etc/hosts + DNS), or `"auto"` (system when `--allow-ffi` is granted). Default `"auto"`. */
  resolver?: "auto" | "system" | "fallback";
}

/**
 * Name resolution failed. It is a `Deno.errors.NotFound` when the name does not exist
 * (`EAI_NONAME`/`EAI_NODATA`, the seeds' `HOST_NOT_FOUND` / `WSAHOST_NOT_FOUND` 11001), else a
 * plain `Error`; `code` is the netdb name so `explainError(err)` gives the Winsock pair, and
 * `gaiCode` is the EAI_* name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ResolveError } from "./resolve.ts";
 * const e = new ResolveError("nowhere", "EAI_NONAME", "Name or service not known");
 * assert.ok(e instanceof Deno.errors.NotFound);
 * assert.equal(e.code, "HOST_NOT_FOUND");
 * assert.equal(e.explanation?.wsaCode, 11001);
 * ```
 */
export class ResolveError extends Deno.errors.NotFound {
  /** The name that was looked up. */
  readonly hostname: string;
  /** The getaddrinfo code (`"EAI_NONAME"`, `"EAI_AGAIN"`, ...). */
  readonly gaiCode: string;
  /** The netdb (h_errno) name: `HOST_NOT_FOUND`, `TRY_AGAIN`, `NO_RECOVERY` or `NO_DATA`. */
  readonly code: string;
  /** The seeds' vocabulary for `code`. */
  readonly explanation: ErrorExplanation | undefined;
  /**
   * Creates the error.
   *
   * @param hostname The name that was looked up.
   * @param gaiCode The getaddrinfo code (`"EAI_NONAME"`, ...).
   * @param detail What went wrong, for the message (`gai_strerror`'s text).
   */
  constructor(hostname: string, gaiCode: string, detail: string) {
    super(`Cannot resolve ${JSON.stringify(hostname)}: ${detail} (${gaiCode})`);
    this.name = "ResolveError";
    this.hostname = hostname;
    this.gaiCode = gaiCode;
    this.code = gaiCode === "EAI_AGAIN"
      ? "TRY_AGAIN"
      : gaiCode === "EAI_NODATA" || gaiCode === "EAI_ADDRFAMILY"
      ? "NO_DATA"
      : gaiCode === "EAI_NONAME"
      ? "HOST_NOT_FOUND"
      : "NO_RECOVERY";
    this.explanation = explainError(this.code);
  }
}

function useSystem(choice: LookupOptions["resolver"]): boolean {
  if (choice === "system") return true;
  if (choice === "fallback") return false;
  return ffiGranted() && (Deno.build.os === "linux" || Deno.build.os === "darwin");
}

function isFailure(x: unknown): x is GaiFailure {
  return typeof x === "object" && x !== null && "eai" in x;
}

const SOCKTYPE_NUM = { stream: 1, dgram: 2 } as const;
const socktypeName = (n: number): ResolvedAddress["socktype"] =>
  n === 1 ? "stream" : n === 2 ? "dgram" : n === 3 ? "raw" : n;

/** One line of /etc/hosts. */
export interface HostsEntry {
  /** The address. */
  address: string;
  /** The canonical name (first name on the line). */
  name: string;
  /** The other names. */
  aliases: string[];
}

/**
 * Parse hosts(5) text: `address name [aliases...]`, `#` comments, blank lines.
 *
 * @param text The file's contents.
 * @returns One entry per valid line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHosts } from "./resolve.ts";
 * const e = parseHosts("# c\n127.0.0.1 localhost lh # x\n::1 ip6-localhost\n");
 * assert.deepEqual(e[0], { address: "127.0.0.1", name: "localhost", aliases: ["lh"] });
 * assert.equal(e.length, 2);
 * ```
 */
export function parseHosts(text: string): HostsEntry[] {
  const out: HostsEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const [address, name, ...aliases] = line.split(/\s+/);
    if (!name) continue;
    out.push({ address, name, aliases });
  }
  return out;
}

async function readHosts(): Promise<HostsEntry[] | undefined> {
  try {
    if (Deno.permissions.querySync({ name: "read", path: "/etc/hosts" }).state !== "granted") {
      return undefined;
    }
    return parseHosts(await Deno.readTextFile("/etc/hosts"));
  } catch {
    return undefined;
  }
}

/**
 * An /etc/hosts address read as getaddrinfo reads numeric text: its family and canonical
 * text (without a zone), or null when the text is not an address.
 */
function hostsAddress(address: string): { family: 4 | 6; address: string } | null {
  try {
    const n = parseNumericHost(address);
    if (n === null) return null;
    if (n.family === "IPv4") return { family: 4, address: n.text };
    return { family: 6, address: n.zone === null ? n.text : n.text.slice(0, n.text.indexOf("%")) };
  } catch {
    return null;
  }
}

/**
 * Linux gives the loopback device index 1 in every network namespace (`LOOPBACK_IFINDEX` in
 * the kernel's include/net/net_namespace.h).
 */
const LOOPBACK_IFINDEX = 1;

/** The interfaces as `Deno.networkInterfaces()` lists them: name, scope id, loopback. */
function interfaceTable(): { name: string; index: number; loopback: boolean }[] {
  return Deno.networkInterfaces().map((i) => ({
    name: i.name,
    index: i.scopeid ?? 0,
    loopback: i.address === "::1" || i.address.startsWith("127."),
  }));
}

/**
 * The index of a network interface (`if_nametoindex`), or 0 when there is none. With
 * `--allow-ffi`, libc's `if_nametoindex`. Without it (needs `--allow-sys`): the scope id of the
 * interface's link-local address, or 1 for Linux's loopback device.
 */
function interfaceIndex(name: string): number {
  if (ffiGranted() && (Deno.build.os === "linux" || Deno.build.os === "darwin")) {
    return ffiIfNameToIndex(name);
  }
  const table = interfaceTable().filter((i) => i.name === name);
  const scoped = table.find((i) => i.index !== 0);
  if (scoped) return scoped.index;
  if (Deno.build.os === "linux" && table.some((i) => i.loopback)) return LOOPBACK_IFINDEX;
  return 0;
}

/** The name of the interface with `index` (`if_indextoname`), or null when unknown. */
function interfaceName(index: number): string | null {
  try {
    if (
      Deno.permissions.querySync({ name: "sys", kind: "networkInterfaces" }).state !== "granted"
    ) {
      return null;
    }
    const table = interfaceTable();
    const hit = table.find((i) => i.index === index) ??
      (Deno.build.os === "linux" && index === LOOPBACK_IFINDEX
        ? table.find((i) => i.loopback)
        : undefined);
    return hit?.name ?? null;
  } catch {
    return null;
  }
}

/** The scope id of a parsed host: its numeric zone, or the index of its interface name. */
function scopeIdOf(host: string, n: NumericHost): number {
  if (n.zone === null) return 0;
  if (n.scopeId !== null) return n.scopeId;
  const index = interfaceIndex(n.zone);
  if (index === 0) {
    throw new ResolveError(
      host,
      "EAI_NONAME",
      ffiGranted()
        ? `no interface named ${n.zone}`
        : `no interface named ${n.zone} (without --allow-ffi, an interface's index is known from its link-local address only)`,
    );
  }
  return index;
}

/**
 * A numeric host as getaddrinfo gives it for a family hint (glibc's text_to_binary_address):
 * IPv4 text with family 6 is EAI_ADDRFAMILY (sockkit sets no AI_V4MAPPED), a v4-mapped IPv6
 * address with family 4 becomes its IPv4 address, other IPv6 text with family 4 is
 * EAI_ADDRFAMILY.
 */
function numericAnswer(
  host: string,
  n: NumericHost,
  family: 0 | 4 | 6,
): { family: 4 | 6; address: string; scopeId?: number } {
  const b = n.bytes;
  if (n.family === "IPv4") {
    if (family !== 6) return { family: 4, address: n.text };
  } else if (family !== 4) {
    const scopeId = scopeIdOf(host, n);
    const address = n.zone === null ? n.text : n.text.slice(0, n.text.indexOf("%"));
    return { family: 6, address, ...(scopeId ? { scopeId } : {}) };
  } else if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    scopeIdOf(host, n); // an unknown interface is still EAI_NONAME, as in glibc
    return { family: 4, address: `${b[12]}.${b[13]}.${b[14]}.${b[15]}` };
  }
  throw new ResolveError(host, "EAI_ADDRFAMILY", `no IPv${family} address for numeric host`);
}

async function fallbackLookup(
  host: string,
  numeric: NumericHost | null,
  family: 0 | 4 | 6,
  numericOnly: boolean,
): Promise<
  {
    addresses: { family: 4 | 6; address: string; scopeId?: number }[];
    canonname: string;
    aliases: string[];
  }
> {
  if (numeric !== null) {
    return { addresses: [numericAnswer(host, numeric, family)], canonname: host, aliases: [] };
  }
  if (numericOnly) throw new ResolveError(host, "EAI_NONAME", "not a numeric address");
  const lower = host.toLowerCase();
  const hosts = (await readHosts()) ?? [];
  const hits = hosts.filter((e) =>
    e.name.toLowerCase() === lower || e.aliases.some((a) => a.toLowerCase() === lower)
  );
  const addresses: { family: 4 | 6; address: string }[] = [];
  for (const e of hits) {
    const a = hostsAddress(e.address);
    if (a === null) continue;
    if ((family === 0 || family === a.family) && !addresses.some((x) => x.address === a.address)) {
      addresses.push(a);
    }
  }
  if (addresses.length) {
    return {
      addresses,
      canonname: hits[0].name,
      aliases: [...new Set(hits.flatMap((e) => [e.name, ...e.aliases]))].filter((n) =>
        n !== hits[0].name
      ),
    };
  }
  for (const [f, type] of [[4, "A"], [6, "AAAA"]] as const) {
    if (family !== 0 && family !== f) continue;
    try {
      for (const a of await Deno.resolveDns(host, type)) addresses.push({ family: f, address: a });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  if (!addresses.length) throw new ResolveError(host, "EAI_NONAME", "no address found");
  return { addresses, canonname: host, aliases: [] };
}

/**
 * Resolve `host` (and `service`) to socket addresses, as libc `getaddrinfo` does.
 *
 * Permissions: `--allow-ffi` for the system resolver; otherwise `--allow-read` (/etc/hosts)
 * and `--allow-net` (DNS).
 *
 * Numeric host text is read by {@linkcode parseNumericHost} (glibc's `getaddrinfo` rules:
 * `"127.1"`, `"010.0.0.1"` = 8.0.0.1, `"fe80::1%eth0"`), with and without `--allow-ffi`, and
 * numeric-looking text that is not an address (`"256.1.1.1"`) throws before any lookup: it
 * never becomes a DNS query.
 *
 * @param host A name or IP literal.
 * @param service A port number or service name (`"http"`; names need the system resolver).
 * @param hints Family, socket type, canonical name, numeric-only, resolver choice.
 * @returns Every address, in the resolver's order.
 * @throws {ResolveError} (a `Deno.errors.NotFound`) when the name has no address.
 * @throws {AddressSyntaxError} (a `SyntaxError`) for numeric-looking text that is not an
 *   address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookup } from "./resolve.ts";
 * const r = await lookup("127.0.0.1", "80", { socktype: "stream" });
 * assert.deepEqual([r[0].address, r[0].port, r[0].socktype], ["127.0.0.1", 80, "stream"]);
 * ```
 */
export async function lookup(
  host: string,
  service?: string | number,
  hints: LookupOptions = {},
): Promise<ResolvedAddress[]> {
  const family = hints.family ?? 0;
  const numeric = parseNumericHost(host);
  if (useSystem(hints.resolver)) {
    const C = resolverConstants();
    // A numeric host goes to glibc as the core's canonical text, with AI_NUMERICHOST: the
    // bytes are the core's, glibc adds the service, socket types and any interface index.
    const node = numeric === null ? host : numeric.text;
    const numericFlag = hints.numericHost || numeric !== null ? C.AI_NUMERICHOST : 0;
    const r = await ffiGetaddrinfo(node, service === undefined ? null : String(service), {
      family: family === 4 ? C.AF_INET : family === 6 ? C.AF_INET6 : C.AF_UNSPEC,
      socktype: hints.socktype ? SOCKTYPE_NUM[hints.socktype] : 0,
      flags: (hints.canonname ? C.AI_CANONNAME : 0) | numericFlag,
    });
    if (isFailure(r)) throw new ResolveError(host, r.code, r.message);
    return r.map((x: RawAddrInfo) => ({
      ...x,
      socktype: socktypeName(x.socktype),
      // glibc names a numeric host by the text it was given, as it was given.
      ...(numeric !== null && x.canonname !== undefined ? { canonname: host } : {}),
    }));
  }
  let port = 0;
  if (service !== undefined) {
    port = Number(service);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ResolveError(
        host,
        "EAI_SERVICE",
        `service ${service} needs the system resolver (--allow-ffi)`,
      );
    }
  }
  const { addresses, canonname } = await fallbackLookup(
    host,
    numeric,
    family,
    !!hints.numericHost,
  );
  const types: (1 | 2)[] = hints.socktype ? [SOCKTYPE_NUM[hints.socktype]] : [1, 2];
  const out: ResolvedAddress[] = [];
  for (const a of addresses) {
    for (const t of types) {
      out.push({ ...a, port, socktype: socktypeName(t), protocol: t === 1 ? 6 : 17 });
    }
  }
  if (hints.canonname && out.length) out[0].canonname = canonname;
  return out;
}

/**
 * Look up an IPv4 host by name, as C's `gethostbyname` does: the canonical name
 * (`AI_CANONNAME`), the aliases and every IPv4 address.
 * Goes through the system resolver, so `/etc/hosts` entries are found. It behaves like glibc's
 * `getaddrinfo` with `AF_INET`: numeric text is read as {@linkcode lookup} reads it
 * (`"127.1"` is 127.0.0.1), and numeric-looking junk throws before any lookup.
 *
 * Permissions: `--allow-ffi` (or the fallback's `--allow-read` + `--allow-net`); aliases are
 * read from /etc/hosts when `--allow-read` covers it.
 *
 * @param name A host name or dotted IPv4 address.
 * @returns The host entry.
 * @throws {ResolveError} (`HOST_NOT_FOUND`, Winsock `WSAHOST_NOT_FOUND` 11001) when unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupHost } from "./resolve.ts";
 * const h = await lookupHost("localhost");
 * assert.equal(h.name, "localhost");
 * assert.ok(h.addresses.includes("127.0.0.1"));
 * ```
 */
export async function lookupHost(
  name: string,
  options: Pick<LookupOptions, "resolver"> = {},
): Promise<HostInfo> {
  const list = await lookup(name, undefined, {
    family: 4,
    socktype: "stream",
    canonname: true,
    resolver: options.resolver,
  });
  const h_addr_list = [...new Set(list.map((a) => a.address))];
  const h_name = list[0]?.canonname || name;
  const hosts = (await readHosts()) ?? [];
  const lower = [name, h_name].map((n) => n.toLowerCase());
  const h_aliases = [
    ...new Set(
      hosts
        .filter((e) =>
          hostsAddress(e.address)?.family === 4 &&
          [e.name, ...e.aliases].some((n) => lower.includes(n.toLowerCase()))
        )
        .flatMap((e) => [e.name, ...e.aliases]),
    ),
  ].filter((n) => n !== h_name);
  return { name: h_name, aliases: h_aliases, addresses: h_addr_list };
}

/** Options of {@linkcode reverseLookup}. */
export interface ReverseLookupOptions {
  /** Return the address text instead of a name (`NI_NUMERICHOST`). Default `false`. */
  numericHost?: boolean;
  /** Return the port number instead of a service name (`NI_NUMERICSERV`). Default `false`. */
  numericService?: boolean;
  /** Fail when the address has no name (`NI_NAMEREQD`). Default `false`. */
  nameRequired?: boolean;
}

/**
 * Turn an address (and port) back into a host and service name, as libc `getnameinfo` does
 * (reverse lookup through /etc/hosts and DNS). Without `--allow-ffi`, /etc/hosts is searched,
 * then `Deno.resolveDns(..., "PTR")`.
 *
 * The address text is read by {@linkcode parseNumericHost}, as glibc's `getaddrinfo` with
 * `AI_NUMERICHOST` reads it (`"010.0.0.1"` is 8.0.0.1), then packed into the `sockaddr` that
 * `getnameinfo` takes; a zone (`"fe80::1%eth0"`, `"%2"`) becomes `sin6_scope_id`. With
 * `numericHost` the answer is glibc's: `inet_ntop` text, then `%` and the scope (the interface
 * name for link-local addresses).
 *
 * @param addr An IP literal and port.
 * @param options Numeric output and name-required flags.
 * @returns `{ host, service }`.
 * @throws {ResolveError} when `nameRequired` and no name exists.
 * @throws {SyntaxError} when `hostname` is not an IP literal (an {@linkcode AddressSyntaxError}
 *   when it looks numeric but is not an address).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reverseLookup } from "./resolve.ts";
 * const r = await reverseLookup({ hostname: "127.0.0.1", port: 80 }, { numericService: true });
 * assert.equal(r.service, "80");
 * assert.ok(r.host.length > 0);
 * ```
 */
export async function reverseLookup(
  addr: { hostname: string; port: number },
  options: ReverseLookupOptions & Pick<LookupOptions, "resolver"> = {},
): Promise<{ host: string; service: string }> {
  const n = typeof addr.hostname === "string" ? parseNumericHost(addr.hostname) : null;
  if (n === null) {
    throw new SyntaxError(`Cannot look up address: "${addr.hostname}" is not an IP literal`);
  }
  const scopeId = n.family === "IPv6" ? scopeIdOf(addr.hostname, n) : 0;
  if (useSystem(options.resolver)) {
    const C = resolverConstants();
    const flags = (options.numericHost ? C.NI_NUMERICHOST : 0) |
      (options.numericService ? C.NI_NUMERICSERV : 0) |
      (options.nameRequired ? C.NI_NAMEREQD : 0);
    const r = await ffiGetnameinfo(encodeSockaddr(n.bytes, addr.port, scopeId, C), flags);
    if (isFailure(r)) throw new ResolveError(addr.hostname, r.code, r.message);
    return r;
  }
  const service = String(addr.port);
  const bare = n.zone === null ? n.text : n.text.slice(0, n.text.indexOf("%"));
  // getnameinfo's numeric text: inet_ntop, then "%" and the scope: the interface name for
  // link-local unicast and multicast addresses when it is known, else the number.
  const linkLocal = (n.bytes[0] === 0xfe && (n.bytes[1] & 0xc0) === 0x80) ||
    (n.bytes[0] === 0xff && (n.bytes[1] & 0x0f) === 2);
  const scope = scopeId === 0
    ? ""
    : `%${(linkLocal && (n.scopeId === null ? n.zone : interfaceName(scopeId))) || scopeId}`;
  const numericText = bare + scope;
  if (options.numericHost) return { host: numericText, service };
  const hit = ((await readHosts()) ?? []).find((e) => {
    try {
      const h = parseNumericHost(e.address);
      return h !== null && h.family === n.family && h.bytes.every((x, i) => x === n.bytes[i]);
    } catch {
      return false;
    }
  });
  if (hit) return { host: hit.name, service };
  try {
    const names = await Deno.resolveDns(bare, "PTR" as "A");
    if (names.length) return { host: names[0].replace(/\.$/, ""), service };
  } catch {
    // fall through
  }
  if (options.nameRequired) {
    throw new ResolveError(addr.hostname, "EAI_NONAME", "no name for address");
  }
  return { host: numericText, service };
}

/**
 * The machine's host name (C's `gethostname`).
 *
 * Permissions: `--allow-sys` (or `--allow-ffi`, which calls libc `gethostname`).
 *
 * @returns The name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { localHostname } from "./resolve.ts";
 * assert.equal(localHostname(), Deno.hostname());
 * ```
 */
export function localHostname(): string {
  try {
    return Deno.hostname();
  } catch (e) {
    if (ffiGranted()) return ffiGethostname();
    throw e;
  }
}

/** One local address, from {@linkcode getLocalAddresses}. */
export interface LocalAddress {
  /** Interface name (`"lo"`, `"eth0"`). */
  interface: string;
  /** 4 or 6. */
  family: 4 | 6;
  /** The address. */
  address: string;
  /** The prefix length (`/24`). */
  prefix: number;
  /** `true` for loopback addresses. */
  internal: boolean;
}

/**
 * The machine's IP addresses: the seeds' "find the local IP" example, done the reliable way
 * (interface addresses, not `gethostbyname(gethostname())`, which often gives 127.0.1.1).
 *
 * Permissions: `--allow-sys`.
 *
 * @param options `family` to keep only 4 or 6; `includeInternal` to keep loopback (default `false`).
 * @returns The addresses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getLocalAddresses } from "./resolve.ts";
 * const all = getLocalAddresses({ includeInternal: true });
 * assert.ok(all.some((a) => a.address === "127.0.0.1" && a.internal));
 * ```
 */
export function getLocalAddresses(
  options: { family?: 4 | 6; includeInternal?: boolean } = {},
): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const i of Deno.networkInterfaces()) {
    const family = i.family === "IPv6" ? 6 : 4;
    const internal = i.address === "::1" || i.address.startsWith("127.");
    if (options.family && options.family !== family) continue;
    if (internal && !options.includeInternal) continue;
    const prefix = Number(i.cidr.split("/")[1]);
    out.push({
      interface: i.name,
      family,
      address: i.address.replace(/%.*$/, ""),
      prefix,
      internal,
    });
  }
  return out;
}
