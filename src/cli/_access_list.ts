/**
 * `--allow` and `--deny` for `listen` (ncat's): comma-separated lists of addresses and CIDR
 * blocks, parsed with the one strict address parser ({@linkcode parseAddress}). An IPv4
 * client seen through a dual-stack listener (`::ffff:127.0.0.1`) matches its IPv4 entries.
 *
 * @module
 */

import { parseAddress } from "../addr/mod.ts";
import { UsageError } from "./_args.ts";

/** One `ADDRESS[/PREFIX]` entry. */
interface Block {
  bytes: Uint8Array;
  prefix: number;
}

/** The bytes of `address` with a v4-mapped IPv6 address turned into its IPv4 address. */
function unmappedBytes(address: string): Uint8Array | null {
  let parsed;
  try {
    parsed = parseAddress(address.replace(/^\[|\]$/g, ""));
  } catch {
    return null;
  }
  const b = parsed.bytes;
  const mapped = b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff &&
    b[11] === 0xff;
  return mapped ? b.slice(12) : b;
}

function parseBlocks(text: string, flag: string): Block[] {
  return text.split(",").map((t) => t.trim()).filter(Boolean).map((entry) => {
    const [addr, prefixText, extra] = entry.split("/");
    const bytes = extra === undefined ? unmappedBytes(addr) : null;
    if (bytes === null) {
      throw new UsageError(`invalid ${flag} entry "${entry}": expected ADDRESS or ADDRESS/PREFIX`);
    }
    const max = bytes.length * 8;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText ?? "0") || prefix > max) {
      throw new UsageError(`invalid prefix in ${flag} entry "${entry}": expected 0..${max}`);
    }
    return { bytes, prefix };
  });
}

function inBlock(bytes: Uint8Array, block: Block): boolean {
  if (bytes.length !== block.bytes.length) return false;
  const full = block.prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== block.bytes[i]) return false;
  const rest = block.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full] & mask) === (block.bytes[full] & mask);
}

/** Who may connect: `--allow` (only these) and `--deny` (never these; it wins). */
export class AccessList {
  readonly #allow: Block[] | null;
  readonly #deny: Block[];

  /**
   * Parse the lists.
   *
   * @param allow The `--allow` list, or `undefined` for everyone.
   * @param deny The `--deny` list, or `undefined` for no one.
   * @throws {UsageError} For an entry that is not an address or CIDR block.
   */
  constructor(allow?: string, deny?: string) {
    this.#allow = allow === undefined ? null : parseBlocks(allow, "--allow");
    this.#deny = deny === undefined ? [] : parseBlocks(deny, "--deny");
  }

  /** Whether any list was given. */
  get active(): boolean {
    return this.#allow !== null || this.#deny.length > 0;
  }

  /**
   * Whether a peer at `address` may connect.
   *
   * @param address The peer's IP address text (a Unix peer always may).
   * @returns `false` when denied, or when an allow list is given and does not hold it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AccessList } from "./_access_list.ts";
   * const list = new AccessList("127.0.0.0/8,::1", "127.0.0.2");
   * assert.equal(list.permits("::ffff:127.0.0.1"), true);
   * assert.equal(list.permits("127.0.0.2"), false);
   * assert.equal(list.permits("10.0.0.1"), false);
   * ```
   */
  permits(address: string): boolean {
    const bytes = unmappedBytes(address);
    if (bytes === null) return true;
    if (this.#deny.some((b) => inBlock(bytes, b))) return false;
    return this.#allow === null || this.#allow.some((b) => inBlock(bytes, b));
  }
}
