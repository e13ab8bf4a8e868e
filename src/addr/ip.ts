/**
 * The strict address parser the rest of sockkit uses: {@linkcode parseAddress} for an IP
 * address (with an optional IPv6 zone) and {@linkcode parseHostPort} for `address:port`.
 *
 * Both are glibc's `inet_pton` (run in the Wasm core, compared with glibc through FFI in the
 * tests), plus zone ids, brackets, ports and typed errors with the offending position.
 *
 * @module
 */
import { AddressSyntaxError } from "./errors.ts";
import {
  atonExactInto,
  errorPosition,
  looksNumeric,
  ntop4,
  ntop6,
  pton4Into,
  pton6Into,
  scopeIdOf,
} from "../../wasm/addr.ts";

function requireText(fn: string, text: unknown): asserts text is string {
  if (typeof text !== "string") {
    const got = text === null ? "null" : typeof text;
    throw new TypeError(`Cannot ${fn}: expected the address text as a string, got ${got}`);
  }
}

/** An IP address parsed by {@linkcode parseAddress}. */
export interface IPAddress {
  /** `"IPv4"` or `"IPv6"` (Deno's spelling, as in `Deno.NetworkInterfaceInfo`). */
  family: "IPv4" | "IPv6";
  /** 4 or 16 bytes in network order. */
  bytes: Uint8Array;
  /** The IPv6 zone (scope) id after `%`, such as `"eth0"` or `"2"`; `null` when absent. */
  zone: string | null;
  /** Canonical text: `inet_ntop`'s form, then `%zone` if any. */
  text: string;
}

/** An address and port parsed by {@linkcode parseHostPort}. */
export interface HostPort extends IPAddress {
  /** The port, 0..65535. */
  port: number;
}

/** Options for {@linkcode parseHostPort}. */
export interface ParseHostPortOptions {
  /**
   * The port to use when the text has none. Default: none, so a missing port is an error.
   * With a default port, a bare IPv6 address (`::1`, without brackets) is accepted too.
   */
  defaultPort?: number;
}

const ZONE_CHAR = /^[A-Za-z0-9_.\-]$/;

function syntaxError(input: string, position: number, what: string): AddressSyntaxError {
  const ch = input[position];
  const detail = ch === undefined
    ? `${what}: text ends early at position ${position}`
    : `${what}: unexpected ${JSON.stringify(ch)} at position ${position}`;
  return new AddressSyntaxError(
    `Cannot parse address ${JSON.stringify(input)}: ${detail}`,
    input,
    position,
  );
}

// Parses input[start, end) as an address with an optional zone; positions are input indices.
function parseIP(input: string, start: number, end: number): IPAddress {
  let addrEnd = end;
  let zone: string | null = null;
  const pct = input.indexOf("%", start);
  if (pct >= 0 && pct < end) {
    addrEnd = pct;
    zone = input.slice(pct + 1, end);
    if (zone.length === 0) throw syntaxError(input, end, "empty zone id after %");
    for (let i = 0; i < zone.length; i++) {
      if (!ZONE_CHAR.test(zone[i])) throw syntaxError(input, pct + 1 + i, "invalid zone id");
    }
  }
  const text = input.slice(start, addrEnd);
  const isV6 = text.includes(":");
  if (!isV6 && zone !== null) {
    throw syntaxError(input, pct, "an IPv4 address has no zone id");
  }
  const bytes = new Uint8Array(isV6 ? 16 : 4);
  const ok = isV6 ? pton6Into(text, bytes) : pton4Into(text, bytes);
  if (ok < 0) {
    const pos = Math.min(errorPosition(), text.length);
    const prev = text[pos - 1];
    const leadingZero = !isV6 && prev === "0" && /[0-9]/.test(text[pos] ?? "") &&
      (pos === 1 || text[pos - 2] === ".");
    throw syntaxError(
      input,
      start + pos,
      leadingZero
        ? "invalid IPv4 address (leading zeros are not allowed: octal or decimal?)"
        : isV6
        ? "invalid IPv6 address"
        : "invalid IPv4 address",
    );
  }
  const canonical = isV6 ? ntop6(bytes) : ntop4(bytes);
  return {
    family: isV6 ? "IPv6" : "IPv4",
    bytes,
    zone,
    text: zone === null ? canonical : `${canonical}%${zone}`,
  };
}

/**
 * Parses an IP address strictly: IPv4 as `inet_pton` (four decimal octets, no leading zeros),
 * IPv6 as `inet_pton` plus an optional zone id (`fe80::1%eth0`, `fe80::1%2`). This is the
 * parser the rest of sockkit uses.
 *
 * @param text The address text, without brackets or port.
 * @returns The family, bytes, zone and canonical text.
 * @throws {AddressSyntaxError} (a `SyntaxError`) with `input` and `position` (the index of the
 *   first offending character, or the length if the text ends early).
 * @throws {TypeError} When `text` is not a string.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAddress } from "./ip.ts";
 * import { AddressSyntaxError } from "./errors.ts";
 * const a = parseAddress("FE80::0001%eth0");
 * assert.deepEqual([a.family, a.zone, a.text], ["IPv6", "eth0", "fe80::1%eth0"]);
 * assert.throws(
 *   () => parseAddress("0127.0.0.1"),
 *   (e) => e instanceof AddressSyntaxError && e.position === 1,
 * );
 * ```
 */
export function parseAddress(text: string): IPAddress {
  requireText("parse address", text);
  return parseIP(text, 0, text.length);
}

/** A numeric host parsed by {@linkcode parseNumericHost}. */
export interface NumericHost extends IPAddress {
  /**
   * `sin6_scope_id` from a numeric zone (`"fe80::1%2"` gives 2, `"%02"` too); `null` without a
   * zone or when the zone is an interface name (`"%eth0"`), whose index only the system knows
   * (`if_nametoindex`).
   */
  scopeId: number | null;
}

// glibc's __inet6_scopeid_pton looks interface names up only for these (link-local unicast,
// interface-local and link-local multicast); other addresses need a numeric scope.
function takesInterfaceName(b: Uint8Array): boolean {
  return (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) ||
    (b[0] === 0xff && ((b[1] & 0x0f) === 1 || (b[1] & 0x0f) === 2));
}

function numericHostError(input: string, position: number, what: string): AddressSyntaxError {
  const ch = input[position];
  const detail = ch === undefined
    ? `${what}: text ends early at position ${position}`
    : `${what}: unexpected ${JSON.stringify(ch)} at position ${position}`;
  return new AddressSyntaxError(
    `Cannot parse numeric host ${JSON.stringify(input)}: ${detail}`,
    input,
    position,
  );
}

/**
 * Reads host text as glibc's `getaddrinfo` does before any name lookup (and exactly as
 * `getaddrinfo` with `AI_NUMERICHOST` accepts it), and refuses numeric-looking text that is
 * not an address instead of letting it become a DNS query.
 *
 * - IPv4 is glibc's `__inet_aton_exact`: the 4.2BSD forms of `inet_aton` (`"127.1"`, hex
 *   `"0x7f.0.0.1"`, octal `"010.0.0.1"` = 8.0.0.1), with nothing after the number.
 * - IPv6 is `inet_pton(AF_INET6)`, with an optional zone after `%`: a decimal scope id
 *   (`"%2"`, as `__inet6_scopeid_pton`), or an interface name (`"%eth0"`) for link-local
 *   and link-local multicast addresses only.
 * - Anything else is a host name (`null`), unless it looks numeric: it holds `:` or `%`, or its
 *   last label is a number (`"256.1.1.1"`, `"1.2.3.4.5"`, `"10.0x"`). Those throw. glibc
 *   would send them to DNS as names; no real host name ends in a numeric label (RFC 1123).
 *
 * The resolver (`./resolve`, with and without `--allow-ffi`), `sockaddr` packing for FFI, the
 * `./bsd` functions that take host text and the `sockkit` command all read host text with it.
 *
 * @param text Host text, without brackets or port.
 * @returns The address (bytes, zone, scope id, canonical text), or `null` for a host name.
 * @throws {AddressSyntaxError} (a `SyntaxError`) for numeric-looking text that is not an
 *   address, with the `position` of the first offending character.
 * @throws {TypeError} When `text` is not a string.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNumericHost } from "./ip.ts";
 * import { AddressSyntaxError } from "./errors.ts";
 * assert.equal(parseNumericHost("010.0.0.1")?.text, "8.0.0.1"); // octal, as glibc
 * assert.equal(parseNumericHost("127.1")?.text, "127.0.0.1");
 * assert.equal(parseNumericHost("fe80::1%2")?.scopeId, 2);
 * assert.equal(parseNumericHost("localhost"), null); // a name: look it up
 * assert.throws(() => parseNumericHost("256.1.1.1"), AddressSyntaxError);
 * ```
 */
export function parseNumericHost(text: string): NumericHost | null {
  requireText("parse numeric host", text);
  const v4 = new Uint8Array(4);
  if (atonExactInto(text, v4) > 0) {
    return { family: "IPv4", bytes: v4, zone: null, scopeId: null, text: ntop4(v4) };
  }
  const v4Position = errorPosition();
  const pct = text.indexOf("%");
  const addrText = pct < 0 ? text : text.slice(0, pct);
  const v6 = new Uint8Array(16);
  if (pton6Into(addrText, v6) > 0) {
    const canonical = ntop6(v6);
    if (pct < 0) return { family: "IPv6", bytes: v6, zone: null, scopeId: null, text: canonical };
    const zone = text.slice(pct + 1);
    if (zone.length === 0) throw numericHostError(text, text.length, "empty zone id after %");
    const scopeId = scopeIdOf(zone);
    if (scopeId < 0) {
      if (/^[0-9]/.test(zone)) {
        throw numericHostError(text, pct + 1, "numeric zone id above 4294967295 or not decimal");
      }
      for (let i = 0; i < zone.length; i++) {
        if (!ZONE_CHAR.test(zone[i])) throw numericHostError(text, pct + 1 + i, "invalid zone id");
      }
      if (!takesInterfaceName(v6)) {
        throw numericHostError(
          text,
          pct + 1,
          "an interface name as zone id needs a link-local address; use the interface index",
        );
      }
    }
    return {
      family: "IPv6",
      bytes: v6,
      zone,
      scopeId: scopeId < 0 ? null : scopeId,
      text: `${canonical}%${zone}`,
    };
  }
  if (!looksNumeric(text)) return null;
  if (addrText.includes(":")) {
    throw numericHostError(
      text,
      Math.min(errorPosition(), addrText.length),
      "invalid IPv6 address",
    );
  }
  if (pct >= 0) throw numericHostError(text, pct, "an IPv4 address has no zone id");
  throw numericHostError(text, Math.min(v4Position, text.length), "invalid IPv4 address");
}

function parsePort(input: string, start: number): number {
  const end = input.length;
  if (start === end) throw syntaxError(input, start, "missing port after ':'");
  if (end - start > 5) throw syntaxError(input, start + 5, "port has more than 5 digits");
  let port = 0;
  for (let i = start; i < end; i++) {
    const c = input.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw syntaxError(input, i, "invalid port");
    if (i > start && port === 0) throw syntaxError(input, i, "port has a leading zero");
    port = port * 10 + (c - 0x30);
  }
  if (port > 0xffff) throw syntaxError(input, start, "port above 65535");
  return port;
}

function checkDefaultPort(port: number | undefined): number | undefined {
  if (port === undefined) return undefined;
  if (!(port >= 0 && port <= 0xffff && Math.floor(port) === port)) {
    throw new RangeError(
      `Cannot parse address: defaultPort must be an integer 0..65535, got ${port}`,
    );
  }
  return port;
}

/**
 * Parses `address:port` strictly: `1.2.3.4:80`, `[::1]:80`, `[fe80::1%eth0]:443`. IPv6
 * addresses with a port must be in brackets. The port is decimal 0..65535 without leading
 * zeros.
 *
 * @param text The text to parse.
 * @param options `defaultPort` for text without a port (default: the port is required).
 * @returns The address (as {@linkcode parseAddress}) and the port.
 * @throws {AddressSyntaxError} (a `SyntaxError`) with `input` and `position`.
 * @throws {TypeError} When `text` is not a string.
 * @throws {RangeError} When `defaultPort` is not an integer 0..65535.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostPort } from "./ip.ts";
 * const a = parseHostPort("[::1]:8080");
 * assert.equal(a.family, "IPv6");
 * assert.equal(a.text, "::1");
 * assert.equal(a.port, 8080);
 * assert.equal(parseHostPort("127.0.0.1:80").port, 80);
 * assert.equal(parseHostPort("::1", { defaultPort: 53 }).port, 53);
 * ```
 */
export function parseHostPort(text: string, options: ParseHostPortOptions = {}): HostPort {
  requireText("parse address", text);
  const defaultPort = checkDefaultPort(options.defaultPort);
  let ip: IPAddress;
  let portStart = -1;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw syntaxError(text, text.length, "missing ']'");
    ip = parseIP(text, 1, close);
    if (ip.family !== "IPv6") throw syntaxError(text, 0, "brackets are only for IPv6 addresses");
    if (close + 1 < text.length) {
      if (text[close + 1] !== ":") throw syntaxError(text, close + 1, "expected ':' after ']'");
      portStart = close + 2;
    }
  } else {
    const first = text.indexOf(":");
    const last = text.lastIndexOf(":");
    if (first >= 0 && first !== last) {
      // Several colons: a bare IPv6 address, which cannot carry a port.
      if (defaultPort === undefined) {
        ip = parseIP(text, 0, text.length); // report a syntax error in the address first
        throw syntaxError(text, 0, "an IPv6 address with a port must be in brackets, as [::1]:80");
      }
      ip = parseIP(text, 0, text.length);
    } else if (first >= 0) {
      ip = parseIP(text, 0, first);
      portStart = first + 1;
    } else {
      ip = parseIP(text, 0, text.length);
    }
  }
  let port: number;
  if (portStart >= 0) {
    port = parsePort(text, portStart);
  } else if (defaultPort !== undefined) {
    port = defaultPort;
  } else {
    throw syntaxError(text, text.length, "missing port");
  }
  return { ...ip, port };
}
