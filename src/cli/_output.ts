/**
 * Output of the `sockkit` command: JSON events (one object per line on stdout), hex dumps,
 * verbose notes on stderr, and the one-line error format with errno and Winsock names.
 *
 * @module
 */

import { type ErrorExplanation, explainError } from "../errno/mod.ts";
import { UsageError } from "./_args.ts";

const enc = new TextEncoder();

/** Write all of `bytes` to a synchronous sink (stdout, stderr). */
export function writeAllSync(
  sink: { writeSync(p: Uint8Array): number },
  bytes: Uint8Array,
): void {
  let off = 0;
  while (off < bytes.length) off += sink.writeSync(bytes.subarray(off));
}

/**
 * Format bytes as `hexdump -C` does: offset, 16 hex bytes, printable ASCII.
 *
 * @param bytes The bytes.
 * @param offset The offset printed for the first byte (running total across chunks).
 * @returns The lines, each ending with `\n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hexDump } from "./_output.ts";
 * assert.equal(
 *   hexDump(new TextEncoder().encode("hi\n")),
 *   "00000000  68 69 0a                                          |hi.|\n",
 * );
 * ```
 */
export function hexDump(bytes: Uint8Array, offset = 0): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    let hex = "";
    let ascii = "";
    for (let j = 0; j < 16; j++) {
      if (j === 8) hex += " ";
      if (j < row.length) {
        hex += row[j].toString(16).padStart(2, "0") + " ";
        ascii += row[j] >= 0x20 && row[j] < 0x7f ? String.fromCharCode(row[j]) : ".";
      } else hex += "   ";
    }
    out += `${(offset + i).toString(16).padStart(8, "0")}  ${hex} |${ascii}|\n`;
  }
  return out;
}

/** Lower-case hex of `bytes`, no separators. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** The bytes as text when they are valid UTF-8, else `undefined`. */
export function asText(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The payload fields of a `data`, `frame` or `datagram` event: `length`, and `text` when the
 * bytes are valid UTF-8 (and `--hex` was not asked for), else `hex`.
 */
export function payloadFields(
  bytes: Uint8Array,
  hex: boolean,
): { length: number; text: string } | { length: number; hex: string } {
  const text = hex ? undefined : asText(bytes);
  return text !== undefined
    ? { length: bytes.length, text }
    : { length: bytes.length, hex: toHex(bytes) };
}

/**
 * An IPv4 client seen through a dual-stack (`::`) socket, `::ffff:127.0.0.1`, as its IPv4
 * address `127.0.0.1` (what ncat prints); any other address unchanged.
 */
export function unmapIPv4(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? m[1] : address;
}

/** An address as every JSON event spells it. */
export type AddressFields = { address: string; port: number } | { path: string | null };

/**
 * Spell an address for a JSON event: `{address, port}` for TCP and UDP, `{path}` for Unix
 * sockets (the same in `listen`, `accept`, `connect`, `datagram` and `inspect --json`).
 *
 * @param a The address.
 * @returns The fields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addressFields } from "./_output.ts";
 * assert.deepEqual(addressFields({ transport: "tcp", hostname: "::1", port: 80 }), {
 *   address: "::1",
 *   port: 80,
 * });
 * ```
 */
export function addressFields(a: Deno.Addr): AddressFields {
  if (a.transport === "unix" || a.transport === "unixpacket") return { path: a.path };
  const n = a as Deno.NetAddr;
  return { address: unmapIPv4(n.hostname), port: n.port };
}

/** The fields an error event carries. */
export interface ErrorFields {
  /** The error class name (`FrameTooLongError`, `ConnectionRefused`). */
  type: string;
  /** The message. */
  message: string;
  /** The errno name (`ECONNREFUSED`), when known. */
  errno?: string;
  /** The Linux errno number, when known. */
  errnoNumber?: number;
  /** The Winsock name (`WSAECONNREFUSED`), when there is one. */
  wsa?: string;
  /** The Winsock number (10061). */
  wsaCode?: number;
  /** Other typed fields of the error (`frameLength`, `maxFrameLength`, `position`, ...). */
  [field: string]: unknown;
}

const EXTRA_FIELDS = [
  "operation",
  "address",
  "frameLength",
  "maxFrameLength",
  "payloadLength",
  "maxPayloadLength",
  "position",
  "input",
  "option",
  "timeout",
  "leftover",
  "reason",
  "serverName",
  "offset",
] as const;

/**
 * Describe an error for a JSON event: class, message, errno and Winsock names, and its typed fields.
 *
 * @param err Anything thrown.
 * @returns The fields.
 */
export function describeError(err: unknown): ErrorFields {
  const e = err instanceof Error ? err : new Error(String(err));
  const out: ErrorFields = { type: e.name || e.constructor.name, message: e.message };
  // deno-lint-ignore no-explicit-any
  const ex: ErrorExplanation | undefined = (e as any).explanation ?? explainError(e);
  if (ex) {
    if (ex.name) out.errno = ex.name;
    if (ex.linuxErrno !== null) out.errnoNumber = ex.linuxErrno;
    if (ex.wsaName) out.wsa = ex.wsaName;
    if (ex.wsaCode !== null) out.wsaCode = ex.wsaCode;
  }
  for (const k of EXTRA_FIELDS) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (typeof v === "string" || typeof v === "number") out[k] = v;
  }
  return out;
}

/**
 * Format an error as the one line the command prints on stderr:
 * `sockkit: connect 127.0.0.1:1: Connection refused (os error 111) [ECONNREFUSED 111, WSAECONNREFUSED 10061]`.
 *
 * @param err Anything thrown.
 * @returns The line, without a newline.
 */
export function errorLine(err: unknown): string {
  if (err instanceof UsageError) {
    const hint = err.command ? ` (see sockkit ${err.command} --help)` : " (see sockkit --help)";
    return `sockkit: ${err.message}${hint}`;
  }
  const d = describeError(err);
  const where = typeof d.operation === "string" && !d.message.startsWith("Cannot")
    ? `${d.operation}${typeof d.address === "string" ? ` ${d.address}` : ""}: `
    : "";
  const names = [
    d.errno ? `${d.errno}${d.errnoNumber !== undefined ? ` ${d.errnoNumber}` : ""}` : null,
    d.wsa ? `${d.wsa} ${d.wsaCode}` : null,
  ].filter(Boolean);
  const msg = d.message.replace(/\s*\n\s*/g, " ");
  return `sockkit: ${where}${msg}${names.length ? ` [${names.join(", ")}]` : ""}`;
}

/** Where the command's output goes, and in which form. */
export class Output {
  /** One JSON event per line instead of raw data and notes. */
  readonly json: boolean;
  /** Hex dumps instead of raw bytes. */
  readonly hex: boolean;
  /** Notes on stderr (text mode) and option reports (`-v`). */
  readonly verbose: boolean;
  /** How verbose: 0 quiet, 1 (`-v`) notes, 2 (`-vv`) a note per chunk moved too. */
  readonly verbosity: number;
  #hexOffset = 0;
  readonly #start = performance.now();
  #stdout: { writeSync(p: Uint8Array): number };
  #stderr: { writeSync(p: Uint8Array): number };
  #onStdoutClosed: () => void;

  /**
   * Make an output.
   *
   * @param opts JSON events, hex dumps and verbosity.
   * @param sinks stdout and stderr (default: the process's), and what to do when stdout's
   *   reader has gone.
   */
  constructor(
    opts: { json?: boolean; hex?: boolean; verbose?: boolean; verbosity?: number } = {},
    sinks: {
      stdout?: { writeSync(p: Uint8Array): number };
      stderr?: { writeSync(p: Uint8Array): number };
      /** Called when stdout's reader has gone. Default: exit with 0. */
      onStdoutClosed?: () => void;
    } = {},
  ) {
    this.json = !!opts.json;
    this.hex = !!opts.hex;
    this.verbosity = opts.verbosity ?? (opts.verbose ? 1 : 0);
    this.verbose = this.verbosity > 0;
    this.#stdout = sinks.stdout ?? Deno.stdout;
    this.#stderr = sinks.stderr ?? Deno.stderr;
    this.#onStdoutClosed = sinks.onStdoutClosed ?? (() => Deno.exit(0));
  }

  /** Write text to stdout. */
  print(text: string): void {
    this.raw(enc.encode(text));
  }

  /**
   * Write raw bytes to stdout. When the reader of stdout has gone (`| head -c 10`), the
   * command ends quietly with 0, as nc does: there is nobody left to tell.
   */
  raw(bytes: Uint8Array): void {
    try {
      writeAllSync(this.#stdout, bytes);
    } catch (e) {
      if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
      this.#onStdoutClosed();
    }
  }

  /** Write a line to stderr. */
  note(text: string): void {
    writeAllSync(this.#stderr, enc.encode(text + "\n"));
  }

  /**
   * Emit an event: a JSON line on stdout with `--json`; in text mode, a note on stderr
   * with `--verbose` (using `text`), nothing otherwise.
   */
  event(name: string, fields: Record<string, unknown>, text?: string): void {
    if (this.json) {
      const t = Math.round(performance.now() - this.#start);
      this.print(JSON.stringify({ event: name, ...fields, t }) + "\n");
    } else if (this.verbose && text !== undefined) {
      this.note(`sockkit: ${text}`);
    }
  }

  /** A `-vv` note on stderr (text mode only: JSON already has an event per chunk). */
  debug(text: string): void {
    if (this.verbosity >= 2 && !this.json) this.note(`sockkit: ${text}`);
  }

  /** Emit an error event (JSON), or print the error line on stderr (text mode, always). */
  error(err: unknown, fields: Record<string, unknown> = {}): void {
    if (this.json) this.event("error", { ...fields, ...describeError(err) });
    else this.note(errorLine(err));
  }

  /** Output stream data received from a peer: raw, as a hex dump, or as a `data` event. */
  data(bytes: Uint8Array, fields: Record<string, unknown> = {}): void {
    if (this.json) {
      this.event("data", { ...fields, ...payloadFields(bytes, this.hex) });
    } else if (this.hex) {
      this.print(hexDump(bytes, this.#hexOffset));
      this.#hexOffset += bytes.length;
    } else this.raw(bytes);
  }

  /** Output one received datagram as a `datagram` event (text when it is UTF-8, else hex). */
  datagram(bytes: Uint8Array, fields: Record<string, unknown> = {}): void {
    this.event("datagram", { ...fields, ...payloadFields(bytes, this.hex) });
  }

  /** Output one received frame: a line (text), a hex line, or a `frame` event. */
  frame(bytes: Uint8Array, fields: Record<string, unknown> = {}): void {
    if (this.json) {
      this.event("frame", { ...fields, ...payloadFields(bytes, this.hex) });
    } else if (this.hex) this.print(toHex(bytes) + "\n");
    else {
      this.raw(bytes);
      this.print("\n");
    }
  }
}
