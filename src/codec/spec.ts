/**
 * Frame options and the textual frame spec shared by the library and the CLI.
 *
 * | spec                                   | meaning                                                       |
 * |----------------------------------------|---------------------------------------------------------------|
 * | `len:u32be`                            | 4-byte big-endian length prefix, header stripped, max 8 MiB    |
 * | `len:u16le,adj=-2,strip=2,max=64KiB`   | 2-byte LE length that counts itself, 2 bytes stripped         |
 * | `len:u24be,off=2,strip=0`              | length field at offset 2, header kept                          |
 * | `varint`                               | protobuf base-128 length prefix                               |
 * | `line,max=4KiB`                        | LF-terminated lines (a CR before the LF is dropped)           |
 * | `line,crlf`                            | strict CRLF lines: a bare LF is a corrupt frame                |
 * | `delim:\r\n`, `delim:\r\n\|\n,keep`     | one or more delimiters (`\|`-separated), kept or stripped      |
 * | `fixed:128`                            | fixed-size frames                                             |
 * | `raw,max=64KiB`                        | pass-through: whatever arrived is one frame                    |
 *
 * Keys: `max=` (sizes take `KiB`/`MiB`/`GiB`, or `K`/`M`/`G`), `oversize=error|discard`,
 * `failfast` / `failslow` (when discarding: report at the header, or after skipping),
 * `off=`, `adj=`, `strip=` (length), `keep` (delimiter/line), `crlf` (line). Delimiter text
 * takes `\r \n \t \0 \\ \| \, \xHH` escapes.
 *
 * @module
 */
import { FrameSpecSyntaxError } from "./errors.ts";

/** What to do with a frame longer than `maxFrameLength`. */
export type OversizePolicy = "error" | "discard";

/** The options every bounded codec shares: its maximum and its oversize policy. */
export interface CommonOptions {
  /**
   * Maximum payload bytes of a frame (after the length adjustment; content before the
   * delimiter for lines and delimiters, a line's CR included). Default: 8 MiB for `length`
   * and `varint`, 64 KiB for `line`, `delimiter` and `raw`.
   */
  maxFrameLength?: number;
  /**
   * `"error"` (default): a too-long frame is an error, and the decoder stops there.
   * `"discard"`: the frame is skipped, reported once, and decoding goes on with the next.
   */
  oversize?: OversizePolicy;
  /** With `oversize: "discard"`: report as soon as the length is seen (default true), or after skipping the frame. */
  failFast?: boolean;
}

/** A length-field codec (Netty `LengthFieldBasedFrameDecoder`, tokio `LengthDelimitedCodec`). */
export interface LengthFieldOptions extends CommonOptions {
  /** The kind: A length-field codec. */
  kind: "length";
  /** Bytes before the length field. Default 0. */
  fieldOffset?: number;
  /** Size of the length field: 1, 2, 3, 4 or 8. Default 4. */
  fieldLength?: 1 | 2 | 3 | 4 | 8;
  /** Little-endian field. Default false (network order). */
  littleEndian?: boolean;
  /** Added to the field value to get the payload length (-4 if the field counts a 4-byte header). Default 0. */
  lengthAdjustment?: number;
  /** Bytes to drop from the front of each frame. Default: the header (`fieldOffset + fieldLength`). */
  initialBytesToStrip?: number;
}

/** A protobuf-style varint length prefix (the prefix is stripped). */
export interface VarintOptions extends CommonOptions {
  /** The kind: A varint length prefix. */
  kind: "varint";
}

/** Frames ended by one of several byte sequences; the earliest match wins. */
export interface DelimiterOptions extends CommonOptions {
  /** The kind: Frames ended by delimiters. */
  kind: "delimiter";
  /** 1 to 8 delimiters of 1 to 32 bytes each. */
  delimiters: Uint8Array[];
  /** Keep the delimiter at the end of the frame. Default false. */
  keepDelimiter?: boolean;
}

/** Lines ended by LF (a CR before it is dropped) or, with `crlf`, strictly by CRLF. */
export interface LineOptions extends CommonOptions {
  /** The kind: Lines. */
  kind: "line";
  /** Strict CRLF: a bare LF is a corrupt frame. Default false. */
  crlf?: boolean;
  /** Keep the line ending. Default false. */
  keepDelimiter?: boolean;
}

/** Frames of a fixed size. */
export interface FixedOptions {
  /** The kind: Fixed-size frames. */
  kind: "fixed";
  /** Bytes per frame (1 to 2^30). */
  frameLength: number;
}

/** Pass-through: whatever bytes are available form one frame (at most `maxFrameLength`). */
export interface RawOptions {
  /** The kind: Pass-through. */
  kind: "raw";
  /** Largest frame handed out. Default 64 KiB. */
  maxFrameLength?: number;
}

/** Options for a frame codec: one of the kinds. */
export type FrameOptions =
  | LengthFieldOptions
  | VarintOptions
  | DelimiterOptions
  | LineOptions
  | FixedOptions
  | RawOptions;

const KiB = 1024;
const MiB = 1024 * KiB;
const MAX_MAX = 1024 * MiB - 1; // core limit: frame lengths are i32

function err(input: string, pos: number, what: string): FrameSpecSyntaxError {
  return new FrameSpecSyntaxError(
    `Cannot parse frame spec: ${what} at position ${pos}`,
    input,
    pos,
  );
}

function parseSize(input: string, text: string, pos: number): number {
  const m = /^(\d+)(KiB|MiB|GiB|K|M|G|KB|MB|GB|B)?$/.exec(text);
  if (!m) throw err(input, pos, `invalid size "${text}"`);
  const unit = m[2] ?? "";
  const mult = unit.startsWith("K")
    ? KiB
    : unit.startsWith("M")
    ? MiB
    : unit.startsWith("G")
    ? 1024 * MiB
    : 1;
  const v = Number(m[1]) * mult;
  if (!Number.isSafeInteger(v) || v > MAX_MAX) {
    throw err(input, pos, `size "${text}" exceeds ${MAX_MAX} bytes`);
  }
  return v;
}

function parseInt32(input: string, text: string, pos: number): number {
  if (!/^[+-]?\d+$/.test(text)) throw err(input, pos, `invalid integer "${text}"`);
  const v = Number(text);
  if (!Number.isSafeInteger(v) || Math.abs(v) > 0x40000000) {
    throw err(input, pos, `integer "${text}" is out of range ±${0x40000000}`);
  }
  return v;
}

function unescapeDelims(input: string, text: string, pos: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cur: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "|") {
      if (cur.length === 0) throw err(input, pos + i, "empty delimiter");
      out.push(Uint8Array.from(cur));
      cur = [];
      continue;
    }
    if (c !== "\\") {
      const code = text.charCodeAt(i);
      if (code > 0x7f) {
        for (const b of new TextEncoder().encode(c)) cur.push(b);
      } else cur.push(code);
      continue;
    }
    const e = text[++i];
    const map: Record<string, number> = { r: 13, n: 10, t: 9, "0": 0, "\\": 92, "|": 124, ",": 44 };
    if (e !== undefined && e in map) cur.push(map[e]);
    else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      cur.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw err(input, pos + i - 1, `invalid escape "\\${e ?? ""}"`);
  }
  if (cur.length === 0) throw err(input, pos + text.length, "empty delimiter");
  out.push(Uint8Array.from(cur));
  return out;
}

// split on commas not preceded by a backslash, keeping positions
function splitSpec(s: string): [string, number][] {
  const parts: [string, number][] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") {
      i++;
      continue;
    }
    if (s[i] === ",") {
      parts.push([s.slice(start, i), start]);
      start = i + 1;
    }
  }
  parts.push([s.slice(start), start]);
  return parts;
}

/**
 * Parse a frame spec text into {@linkcode FrameOptions}.
 *
 * @param spec The spec, e.g. `len:u16le,adj=-2,strip=2,max=64KiB`.
 * @returns The options object (pass it to `createCodec`).
 * @throws {FrameSpecSyntaxError} with the position of the first offending character.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFrameSpec } from "./spec.ts";
 * const o = parseFrameSpec("len:u16le,adj=-2,strip=2,max=64KiB");
 * if (o.kind !== "length") throw new Error("expected a length codec");
 * assert.ok(o.fieldLength === 2 && o.littleEndian === true);
 * assert.ok(o.lengthAdjustment === -2 && o.initialBytesToStrip === 2 && o.maxFrameLength === 65536);
 * assert.ok(parseFrameSpec("line,max=4KiB").kind === "line");
 * ```
 */
export function parseFrameSpec(spec: string): FrameOptions {
  if (typeof spec !== "string") throw new TypeError("Cannot parse frame spec: expected a string");
  const parts = splitSpec(spec.trim() === spec ? spec : spec.trim());
  const [head, headPos] = parts[0];
  const colon = head.indexOf(":");
  const kind = colon < 0 ? head : head.slice(0, colon);
  const arg = colon < 0 ? null : head.slice(colon + 1);
  const argPos = colon < 0 ? headPos + head.length : headPos + colon + 1;
  // deno-lint-ignore no-explicit-any
  const o: any = {};
  const needArg = (what: string) => {
    if (arg === null || arg === "") {
      throw err(spec, argPos, `"${kind}" needs ${what}`);
    }
    return arg;
  };
  const noArg = () => {
    if (arg !== null) throw err(spec, argPos, `"${kind}" takes no ":" argument`);
  };
  switch (kind) {
    case "len":
    case "length": {
      const a = needArg("a field type like u32be");
      const m = /^u(8|16|24|32|64)(be|le)?$/.exec(a);
      if (!m) {
        throw err(
          spec,
          argPos,
          `invalid length field "${a}" (expected u8, u16be, u24le, u32be, u64le, ...)`,
        );
      }
      o.kind = "length";
      o.fieldLength = Number(m[1]) / 8;
      o.littleEndian = m[2] === "le";
      break;
    }
    case "varint":
      noArg();
      o.kind = "varint";
      break;
    case "line":
    case "lines":
      noArg();
      o.kind = "line";
      break;
    case "delim":
    case "delimiter":
      o.kind = "delimiter";
      o.delimiters = unescapeDelims(spec, needArg("a delimiter like \\r\\n"), argPos);
      if (o.delimiters.length > 8) throw err(spec, argPos, "more than 8 delimiters");
      break;
    case "fixed": {
      o.kind = "fixed";
      o.frameLength = parseSize(spec, needArg("a frame length"), argPos);
      if (o.frameLength === 0) throw err(spec, argPos, "fixed frame length must be at least 1");
      break;
    }
    case "raw":
    case "bytes":
      noArg();
      o.kind = "raw";
      break;
    default:
      throw err(
        spec,
        headPos,
        `unknown kind "${kind}" (expected len, varint, line, delim, fixed, raw)`,
      );
  }
  const allowed: Record<string, string[]> = {
    length: ["max", "oversize", "failfast", "failslow", "discard", "off", "offset", "adj", "strip"],
    varint: ["max", "oversize", "failfast", "failslow", "discard"],
    line: ["max", "oversize", "failfast", "failslow", "discard", "keep", "crlf"],
    delimiter: ["max", "oversize", "failfast", "failslow", "discard", "keep"],
    fixed: [],
    raw: ["max"],
  };
  const seen = new Set<string>();
  for (let k = 1; k < parts.length; k++) {
    const [text, pos] = parts[k];
    const eq = text.indexOf("=");
    const key = eq < 0 ? text : text.slice(0, eq);
    const val = eq < 0 ? null : text.slice(eq + 1);
    const valPos = pos + eq + 1;
    if (!allowed[o.kind].includes(key)) {
      throw err(spec, pos, `unknown option "${key}" for ${o.kind}`);
    }
    if (seen.has(key)) throw err(spec, pos, `option "${key}" given twice`);
    seen.add(key);
    const flag = () => {
      if (val !== null) throw err(spec, valPos, `option "${key}" takes no value`);
    };
    const value = () => {
      if (val === null || val === "") {
        throw err(spec, pos + text.length, `option "${key}" needs a value`);
      }
      return val;
    };
    switch (key) {
      case "max":
        o.maxFrameLength = parseSize(spec, value(), valPos);
        break;
      case "oversize": {
        const v = value();
        if (v !== "error" && v !== "discard") {
          throw err(spec, valPos, `oversize must be error or discard, got "${v}"`);
        }
        o.oversize = v;
        break;
      }
      case "discard":
        flag();
        o.oversize = "discard";
        break;
      case "failfast":
        flag();
        o.failFast = true;
        break;
      case "failslow":
        flag();
        o.failFast = false;
        break;
      case "off":
      case "offset":
        o.fieldOffset = parseSize(spec, value(), valPos);
        break;
      case "adj":
        o.lengthAdjustment = parseInt32(spec, value(), valPos);
        break;
      case "strip":
        o.initialBytesToStrip = parseSize(spec, value(), valPos);
        break;
      case "keep":
        flag();
        o.keepDelimiter = true;
        break;
      case "crlf":
        flag();
        o.crlf = true;
        break;
    }
  }
  return o as FrameOptions;
}

/** The options with every default filled in and every field checked. */
export type ResolvedFrameOptions =
  | Required<LengthFieldOptions>
  | Required<VarintOptions>
  | Required<DelimiterOptions>
  | Required<LineOptions>
  | Required<FixedOptions>
  | Required<RawOptions>;

function checkInt(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(
      `Cannot create codec: ${name} must be an integer in [${min}, ${max}], got ${v}`,
    );
  }
  return v;
}

/**
 * Fill in defaults and check every field (bad arguments fail here, at construction).
 *
 * @param options Options or a spec text.
 * @returns Options with every field set.
 * @throws {RangeError} / {TypeError} for a field out of range or of the wrong shape.
 * @throws {FrameSpecSyntaxError} for a spec text that does not parse.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveFrameOptions } from "./spec.ts";
 * const o = resolveFrameOptions("len:u32be");
 * assert.ok(o.kind === "length" && o.initialBytesToStrip === 4 && o.maxFrameLength === 8 * 1024 * 1024);
 * ```
 */
export function resolveFrameOptions(options: string | FrameOptions): ResolvedFrameOptions {
  const o = typeof options === "string" ? parseFrameSpec(options) : options;
  if (o === null || typeof o !== "object") {
    throw new TypeError("Cannot create codec: options must be an object or a spec string");
  }
  const policy = (x: CommonOptions) => {
    const ov = x.oversize ?? "error";
    if (ov !== "error" && ov !== "discard") {
      throw new TypeError(`Cannot create codec: oversize must be "error" or "discard", got ${ov}`);
    }
    return { oversize: ov, failFast: x.failFast ?? true };
  };
  switch (o.kind) {
    case "length": {
      const fieldLength = o.fieldLength ?? 4;
      if (![1, 2, 3, 4, 8].includes(fieldLength)) {
        throw new RangeError(
          `Cannot create codec: fieldLength must be 1, 2, 3, 4 or 8, got ${fieldLength}`,
        );
      }
      const fieldOffset = checkInt(o.fieldOffset ?? 0, "fieldOffset", 0, 65536);
      return {
        kind: "length",
        fieldOffset,
        fieldLength,
        littleEndian: !!o.littleEndian,
        lengthAdjustment: checkInt(
          o.lengthAdjustment ?? 0,
          "lengthAdjustment",
          -0x40000000,
          0x40000000,
        ),
        initialBytesToStrip: checkInt(
          o.initialBytesToStrip ?? fieldOffset + fieldLength,
          "initialBytesToStrip",
          0,
          0x40000000,
        ),
        maxFrameLength: checkInt(o.maxFrameLength ?? 8 * MiB, "maxFrameLength", 0, MAX_MAX),
        ...policy(o),
      };
    }
    case "varint":
      return {
        kind: "varint",
        maxFrameLength: checkInt(o.maxFrameLength ?? 8 * MiB, "maxFrameLength", 0, MAX_MAX),
        ...policy(o),
      };
    case "line":
      return {
        kind: "line",
        crlf: !!o.crlf,
        keepDelimiter: !!o.keepDelimiter,
        maxFrameLength: checkInt(o.maxFrameLength ?? 64 * KiB, "maxFrameLength", 0, MAX_MAX),
        ...policy(o),
      };
    case "delimiter": {
      if (!Array.isArray(o.delimiters) || o.delimiters.length < 1 || o.delimiters.length > 8) {
        throw new RangeError(
          "Cannot create codec: delimiters must be an array of 1 to 8 Uint8Arrays",
        );
      }
      for (const d of o.delimiters) {
        if (!(d instanceof Uint8Array) || d.length < 1 || d.length > 32) {
          throw new RangeError(
            "Cannot create codec: each delimiter must be a Uint8Array of 1 to 32 bytes",
          );
        }
      }
      return {
        kind: "delimiter",
        delimiters: o.delimiters.map((d) => d.slice()),
        keepDelimiter: !!o.keepDelimiter,
        maxFrameLength: checkInt(o.maxFrameLength ?? 64 * KiB, "maxFrameLength", 0, MAX_MAX),
        ...policy(o),
      };
    }
    case "fixed":
      return { kind: "fixed", frameLength: checkInt(o.frameLength, "frameLength", 1, 0x40000000) };
    case "raw":
      return {
        kind: "raw",
        maxFrameLength: checkInt(o.maxFrameLength ?? 64 * KiB, "maxFrameLength", 1, MAX_MAX),
      };
    default:
      throw new TypeError(`Cannot create codec: unknown kind ${(o as { kind: unknown }).kind}`);
  }
}
