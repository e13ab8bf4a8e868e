/**
 * `struct sockaddr` packing and unpacking: `sockaddr_in` (16 bytes), `sockaddr_in6` (28) and
 * `sockaddr_un` (110 on Linux, 106 on macOS), to and from `Deno.NetAddr` / `Deno.UnixAddr`.
 * The bytes are what `bind`, `connect` and `getsockname` take and return through FFI. The
 * packing itself runs in the Wasm core.
 *
 * Two layouts:
 *
 * ```text
 * linux   sockaddr_in   | family u16 (host order) | port u16 BE | addr 4 | zero 8 |
 * darwin  sockaddr_in   | len u8 = 16 | family u8 | port u16 BE | addr 4 | zero 8 |
 * linux   sockaddr_in6  | family u16 = 10 | port BE | flowinfo u32 BE | addr 16 | scope_id u32 |
 * darwin  sockaddr_in6  | len 28 | family 30 | port BE | flowinfo u32 BE | addr 16 | scope_id u32 |
 * linux   sockaddr_un   | family u16 = 1 | sun_path[108] |
 * darwin  sockaddr_un   | len | family 1  | sun_path[104] |
 * ```
 *
 * Ports and `sin6_flowinfo` are in network order, `sin6_scope_id` in host order; every byte
 * the kernel ignores (`sin_zero`, the rest of `sun_path`) is zero.
 *
 * @module
 */
import { parseAddress } from "./ip.ts";
import { AddressFamilyError } from "./errors.ts";
import { ntop4, ntop6, scopeIdOf } from "../../wasm/addr.ts";
import { type LayoutCode, packIn, packIn6, packUn, unpack } from "../../wasm/sockaddr.ts";
import { Status } from "../../wasm/status.ts";

/** Size of `struct sockaddr_in` (and of the generic `struct sockaddr`). */
export const SOCKADDR_IN_SIZE = 16;
/** Size of `struct sockaddr_in6`. */
export const SOCKADDR_IN6_SIZE = 28;
/** Size of `struct sockaddr_un` on Linux (`sun_path[108]`). */
export const SOCKADDR_UN_SIZE_LINUX = 110;
/** Size of `struct sockaddr_un` on macOS (`sun_path[104]`). */
export const SOCKADDR_UN_SIZE_DARWIN = 106;

/** A struct layout: Linux, or Darwin (macOS: a length byte, a one-byte family, AF_INET6 = 30). */
export type SockaddrLayout = "linux" | "darwin";

/** Options for {@linkcode packSockaddr}. */
export interface PackSockaddrOptions {
  /** The struct layout. Default: the running OS (`Deno.build.os`), which must be Linux or macOS. */
  layout?: SockaddrLayout;
  /** `sin6_flowinfo` for IPv6 (u32). Default: 0. */
  flowInfo?: number;
  /**
   * `sin6_scope_id` for IPv6 (u32). Default: the numeric zone of the hostname (`fe80::1%2`),
   * else 0. Interface names (`%eth0`) need their index from `if_nametoindex`; pass it here.
   */
  scopeId?: number;
}

/** Options for {@linkcode unpackSockaddr}. */
export interface UnpackSockaddrOptions {
  /** The struct layout. Default: the running OS (`Deno.build.os`), which must be Linux or macOS. */
  layout?: SockaddrLayout;
  /** `transport` of a returned `Deno.NetAddr`. Default: `"tcp"`. */
  transport?: "tcp" | "udp";
  /** `transport` of a returned `Deno.UnixAddr`. Default: `"unix"`. */
  unixTransport?: "unix" | "unixpacket";
}

function layoutCode(op: string, layout: SockaddrLayout | undefined): LayoutCode {
  const chosen = layout ?? (globalThis.Deno?.build?.os as string | undefined);
  if (chosen === "linux") return 0;
  if (chosen === "darwin") return 1;
  throw new RangeError(
    layout === undefined
      ? `Cannot ${op}: no sockaddr layout known for OS "${chosen}"; pass layout "linux" or "darwin"`
      : `Cannot ${op}: unknown sockaddr layout "${layout}", expected "linux" or "darwin"`,
  );
}

function checkU32(op: string, name: string, v: number): number {
  if (typeof v !== "number" || !(v >= 0 && v <= 0xffffffff && Math.floor(v) === v)) {
    throw new RangeError(`Cannot ${op}: ${name} must be an integer 0..4294967295, got ${v}`);
  }
  return v;
}

function checkPort(op: string, port: unknown): number {
  if (typeof port !== "number") {
    throw new TypeError(`Cannot ${op}: port must be a number, got ${typeof port}`);
  }
  if (!(port >= 0 && port <= 0xffff && Math.floor(port) === port)) {
    throw new RangeError(`Cannot ${op}: port must be an integer 0..65535, got ${port}`);
  }
  return port;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Packs a `Deno.NetAddr` into a `sockaddr_in`/`sockaddr_in6`, or a `Deno.UnixAddr` into a
 * `sockaddr_un`, ready for `bind`/`connect` through FFI.
 *
 * The hostname must be an IP address, parsed as `inet_pton(3)` does ({@linkcode parseAddress}),
 * with a numeric zone read as glibc's `__inet6_scopeid_pton` reads it (`"%2"`, `"%02"`); names
 * are not resolved (use `parseNumericHost` for `getaddrinfo`'s legacy forms). A Unix path is UTF-8; a path starting with `"\0"` is a Linux abstract name and
 * gives a structure exactly `2 + length` bytes long; any other path gives the full structure.
 *
 * @param addr The address, as `Deno.listen`/`Deno.connect` report it.
 * @param options Layout (default: this OS), `flowInfo` and `scopeId` for IPv6.
 * @returns 16, 28, or (for Unix) up to 110 (Linux) / 106 (macOS) bytes.
 * @throws {AddressSyntaxError} When the hostname is not an IP address.
 * @throws {TypeError} For an unknown transport or a non-number port.
 * @throws {RangeError} For a port outside 0..65535, a Unix path longer than `sun_path`, a NUL
 *   inside a path, an abstract name in the Darwin layout, a zone name without `scopeId`, or an
 *   OS with no known layout.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packSockaddr } from "./sockaddr.ts";
 * const sa = packSockaddr({ transport: "tcp", hostname: "127.0.0.1", port: 8080 }, { layout: "linux" });
 * const hex = Array.from(sa, (b) => b.toString(16).padStart(2, "0")).join(" ");
 * assert.equal(hex, "02 00 1f 90 7f 00 00 01 00 00 00 00 00 00 00 00");
 * ```
 */
export function packSockaddr(
  addr: Deno.NetAddr | Deno.UnixAddr,
  options: PackSockaddrOptions = {},
): Uint8Array {
  const op = "pack sockaddr";
  const layout = layoutCode(op, options.layout);
  const transport = (addr as { transport?: unknown } | null)?.transport;
  if (transport === "unix" || transport === "unixpacket") {
    const path = (addr as Deno.UnixAddr).path;
    if (typeof path !== "string") throw new TypeError(`Cannot ${op}: path must be a string`);
    const bytes = encoder.encode(path);
    const r = packUn(bytes, layout);
    if (typeof r !== "number") return r;
    if (r === Status.NO_SPACE) {
      throw new RangeError(
        `Cannot ${op}: Unix path is ${bytes.length} bytes, sun_path holds ${
          layout === 0 ? 108 : 104
        } bytes`,
      );
    }
    throw new RangeError(
      bytes[0] === 0
        ? `Cannot ${op}: abstract Unix names (leading NUL) exist only on Linux`
        : `Cannot ${op}: a Unix path cannot contain a NUL character`,
    );
  }
  if (transport !== "tcp" && transport !== "udp") {
    throw new TypeError(
      `Cannot ${op}: expected a Deno.NetAddr (tcp/udp) or Deno.UnixAddr (unix/unixpacket), got transport ${
        String(transport)
      }`,
    );
  }
  const { hostname, port } = addr as Deno.NetAddr;
  checkPort(op, port);
  if (typeof hostname !== "string") throw new TypeError(`Cannot ${op}: hostname must be a string`);
  const ip = parseAddress(hostname);
  let r: Uint8Array | number;
  if (ip.family === "IPv4") {
    r = packIn(ip.bytes, port, layout);
  } else {
    let scopeId = options.scopeId === undefined ? 0 : checkU32(op, "scopeId", options.scopeId);
    if (ip.zone !== null) {
      const scope = scopeIdOf(ip.zone); // the core's __inet6_scopeid_pton: -1 for a name
      const numeric = scope < 0 ? NaN : scope;
      if (options.scopeId === undefined) {
        if (Number.isNaN(numeric)) {
          throw new RangeError(
            `Cannot ${op}: zone "${ip.zone}" is an interface name; pass its index (if_nametoindex) as scopeId`,
          );
        }
        scopeId = numeric;
      } else if (!Number.isNaN(numeric) && numeric !== scopeId) {
        throw new RangeError(
          `Cannot ${op}: zone ${ip.zone} and scopeId ${scopeId} disagree`,
        );
      }
    }
    const flowInfo = options.flowInfo === undefined
      ? 0
      : checkU32(op, "flowInfo", options.flowInfo);
    r = packIn6(ip.bytes, port, flowInfo, scopeId, layout);
  }
  if (typeof r === "number") throw new RangeError(`Cannot ${op}: the core returned status ${r}`);
  return r;
}

/**
 * Unpacks a `sockaddr_in`, `sockaddr_in6` or `sockaddr_un` (as `getsockname`, `getpeername`,
 * `accept` or `recvfrom` fill it) into a `Deno.NetAddr` or `Deno.UnixAddr`.
 *
 * IPv6 hostnames are glibc's `inet_ntop` text, with `%scope_id` appended when the scope id is
 * not 0 (so {@linkcode packSockaddr} restores it); `sin6_flowinfo` is dropped. Bytes after the
 * structure are ignored.
 *
 * @param bytes The structure (at least 16 bytes for IPv4, 28 for IPv6, 2 for Unix).
 * @param options Layout (default: this OS) and the transports to report.
 * @returns The address.
 * @throws {RangeError} When `bytes` is shorter than the family's structure, or the OS has no
 *   known layout.
 * @throws {AddressFamilyError} (a `RangeError`) for a family other than AF_INET, AF_INET6
 *   and AF_UNIX.
 * @throws {TypeError} When `bytes` is not a `Uint8Array`.
 *
 * No permissions needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packSockaddr, unpackSockaddr } from "./sockaddr.ts";
 * const addr: Deno.NetAddr = { transport: "udp", hostname: "::1", port: 53 };
 * const back = unpackSockaddr(packSockaddr(addr, { layout: "darwin" }), { layout: "darwin", transport: "udp" });
 * assert.equal(JSON.stringify(back), JSON.stringify(addr));
 * ```
 */
export function unpackSockaddr(
  bytes: Uint8Array,
  options: UnpackSockaddrOptions = {},
): Deno.NetAddr | Deno.UnixAddr {
  const op = "unpack sockaddr";
  const layout = layoutCode(op, options.layout);
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${op}: expected a Uint8Array`);
  }
  const r = unpack(bytes, layout);
  if (typeof r === "number") {
    const family = bytes.length < 2 ? -1 : layout === 0 ? bytes[0] | (bytes[1] << 8) : bytes[1];
    if (r === Status.NEED_MORE) {
      const need = family === 2 ? 16 : family === 1 || family === -1 ? 2 : 28;
      throw new RangeError(
        `Cannot ${op}: got ${bytes.length} bytes, the structure for family ${family} needs ${need} bytes`,
      );
    }
    throw new AddressFamilyError(
      op,
      family,
      `Cannot ${op}: address family not supported, expected AF_INET (2), AF_INET6 (${
        layout === 0 ? 10 : 30
      }) or AF_UNIX (1), got ${family}`,
    );
  }
  if (r.family === 1) {
    return { transport: options.unixTransport ?? "unix", path: decoder.decode(r.path) };
  }
  const transport = options.transport ?? "tcp";
  if (r.family === 2) return { transport, hostname: ntop4(r.addr), port: r.port };
  const text = ntop6(r.addr);
  return {
    transport,
    hostname: r.scopeId === 0 ? text : `${text}%${r.scopeId}`,
    port: r.port,
  };
}
