/**
 * Reading the PROXY header from the start of a connection ({@linkcode readProxyHeader}),
 * through the codec driver: {@linkcode ProxyHeaderDecoder} is a `Decoder` whose
 * `readHint` keeps the reader from reading past the header where the format allows.
 *
 * @module
 */
import { ProxyProtocolError } from "./errors.ts";
import { checkMax, checkMode } from "./_options.ts";
import { decodeProxyHeader } from "./decode.ts";
import type { DecodeProxyHeaderOptions, ProxyHeader, ProxyProtocolMode } from "./header.ts";
import type { Decoder, DecoderState } from "../codec/decoder.ts";
import { FrameReader } from "../codec/frame_reader.ts";
import type { IOBuffer } from "../buffer/io_buffer.ts";

/**
 * The PROXY header as a {@linkcode Decoder}: one frame, the header, then nothing (the
 * application's bytes stay in the buffer). Its `readHint` says how many more bytes can
 * belong to the header: exact for v2 once its length is known, what is left of v1's 107
 * bytes otherwise, so a reader never takes the application's bytes off the socket for v2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IOBuffer } from "../buffer/io_buffer.ts";
 * import { ProxyHeaderDecoder } from "./reader.ts";
 * const d = new ProxyHeaderDecoder({ mode: "v1" });
 * using buf = IOBuffer.from(new TextEncoder().encode("PROXY TCP4 192.0.2.1 192.0.2.2 1 2"));
 * assert.equal(d.decode(buf), null);
 * buf.append(new TextEncoder().encode("\r\nhi"));
 * assert.equal(d.decode(buf)?.source?.transport, "tcp");
 * assert.equal(new TextDecoder().decode(buf.view()), "hi");
 * ```
 */
export class ProxyHeaderDecoder implements Decoder<ProxyHeader> {
  readonly #mode: ProxyProtocolMode;
  readonly #max: number;
  #done = false;

  /**
   * Make a decoder for one header, before the application's bytes.
   *
   * @param options Accepted versions (`mode`, default `"auto"`) and `maxHeaderSize`
   *   (default 4096 bytes).
   * @throws {TypeError} for an unknown mode.
   * @throws {RangeError} for a bad size.
   */
  constructor(options: DecodeProxyHeaderOptions = {}) {
    this.#mode = checkMode(options.mode);
    this.#max = checkMax(options.maxHeaderSize);
  }

  /** `"header"` until the header is decoded, then `"body"` (the application's bytes). */
  get state(): DecoderState {
    return this.#done ? "body" : "header";
  }

  /** The header's maximum plus one read. */
  get maxBuffered(): number {
    return this.#max + 256;
  }

  /**
   * Decode the header from the bytes received so far.
   *
   * @param buffer The bytes received.
   * @returns The header (its bytes consumed), or `null` when more are needed; `null` again
   *   after the header.
   * @throws {ProxyProtocolError} for a malformed header.
   */
  decode(buffer: IOBuffer): ProxyHeader | null {
    if (this.#done) return null;
    // a copy: decoding may grow Wasm memory, which would detach a view of the buffer
    const bytes = buffer.toBytes();
    const r = decodeProxyHeader(bytes, { mode: this.#mode, maxHeaderSize: this.#max });
    if (r.status === "need-more") return null;
    buffer.consume(r.consumed);
    this.#done = true;
    return r.header;
  }

  /**
   * At end of stream: a header cut short is an error.
   *
   * @param buffer The bytes left.
   * @returns The header if it is complete, else `null` when nothing arrived.
   * @throws {ProxyProtocolError} `incomplete` when the stream ended inside the header.
   */
  decodeEof(buffer: IOBuffer): ProxyHeader | null {
    const h = this.decode(buffer);
    if (h !== null || this.#done) return h;
    throw new ProxyProtocolError(
      "incomplete",
      buffer.length,
      `Cannot read PROXY header: stream ended after ${buffer.length} bytes`,
    );
  }

  /**
   * How many more bytes may belong to the header.
   *
   * @param buffer The bytes received so far.
   * @returns A positive count.
   */
  readHint(buffer: IOBuffer): number {
    const have = buffer.length;
    const b = buffer.view();
    let want: number;
    if (have >= 16 && b[0] === 0x0d) want = 16 + ((b[14] << 8) | b[15]) - have;
    else if (this.#mode !== "v1" && (have === 0 || b[0] === 0x0d)) want = 16 - have;
    else want = 107 - have;
    return want > 0 ? want : 1;
  }
}

/** Options for {@linkcode readProxyHeader} and {@linkcode acceptProxyConn}. */
export interface ReadProxyHeaderOptions extends DecodeProxyHeaderOptions {
  /**
   * Milliseconds the whole header may take to arrive, from the call. Default 5000 (the spec asks
   * for at least 3 s). On expiry the connection is closed and `Deno.errors.TimedOut` thrown.
   */
  timeout?: number;
  /** Aborts the read: the connection is closed and the signal's reason thrown. */
  signal?: AbortSignal;
  /**
   * IP addresses (as `conn.remoteAddr.hostname` shows them) allowed to send a header. When
   * given, a connection from any other peer is rejected before anything is read. Default: any.
   */
  trustedProxies?: string[];
}

/** The result of {@linkcode readProxyHeader}. */
export interface ProxyHeaderRead {
  /** The decoded header. */
  header: ProxyHeader;
  /** Bytes read after the header: the application's first bytes. Often empty. */
  rest: Uint8Array;
}

/**
 * Reads a PROXY header from the start of a connection, reading no more than the header needs
 * where it can (a v2 header is read exactly; a v1 line in reads of at most 107 bytes). Bytes
 * read past the header come back as `rest` and belong to the application. On any failure the
 * connection is closed (the spec says to abort), so no read is left pending.
 *
 * `mode: "auto"` means a header is required and may be v1 or v2. It never guesses whether a
 * header is present: a connection without one is rejected (`bad-signature`). The spec forbids
 * treating the header as optional on one listener.
 *
 * Needs no permission itself (the connection already exists).
 *
 * @param conn a freshly accepted connection
 * @param options mode, limits, timeout, signal and trusted peers
 * @returns the header and any bytes read after it
 * @throws {ProxyProtocolError} for a malformed header, one over `maxHeaderSize`, an
 * untrusted peer (`untrusted-peer`) or a stream that ends first (`incomplete`)
 * @throws {Deno.errors.TimedOut} when no complete header arrived within `timeout`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeProxyHeader, readProxyHeader } from "./mod.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * await client.write(new Uint8Array([
 *   ...encodeProxyHeader({ source: { transport: "tcp", hostname: "203.0.113.9", port: 4242 },
 *     destination: { transport: "tcp", hostname: "127.0.0.1", port: 80 } }),
 *   ...new TextEncoder().encode("hello"),
 * ]));
 * using conn = await listener.accept();
 * const { header, rest } = await readProxyHeader(conn);
 * assert.ok(header.source?.transport === "tcp" && header.source.hostname === "203.0.113.9");
 * assert.ok(rest.length === 0); // the v2 header was read exactly: "hello" is still unread
 * ```
 */
export async function readProxyHeader(
  conn: Deno.Conn,
  options: ReadProxyHeaderOptions = {},
): Promise<ProxyHeaderRead> {
  const decoder = new ProxyHeaderDecoder(options);
  const timeout = options.timeout ?? 5000;
  if (!(timeout > 0)) {
    throw new RangeError(`Cannot read PROXY header: timeout ${timeout} ms is not positive`);
  }
  const close = () => {
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  const fail = (e: unknown): never => {
    close();
    throw e;
  };
  if (options.trustedProxies) {
    const peer = conn.remoteAddr as Deno.NetAddr;
    if (!options.trustedProxies.includes(peer.hostname)) {
      fail(
        new ProxyProtocolError(
          "untrusted-peer",
          0,
          `Cannot accept PROXY header: peer ${peer.hostname}:${peer.port} is not a trusted proxy`,
        ),
      );
    }
  }
  options.signal?.throwIfAborted();
  const reader = new FrameReader(conn, decoder, {
    readSize: 256,
    maxBuffered: decoder.maxBuffered,
  });
  let stop: ((e: unknown) => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => {});
  const timer = setTimeout(() => {
    stop!(
      new Deno.errors.TimedOut(
        `Cannot read PROXY header: no complete header within ${timeout} ms (received ${reader.buffered} bytes)`,
      ),
    );
  }, timeout);
  const onAbort = () => stop!(options.signal!.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const pending = reader.readFrame();
  try {
    let header: ProxyHeader | null;
    try {
      header = await Promise.race([pending, stopped]);
    } catch (e) {
      close();
      await pending.catch(() => null);
      throw e;
    }
    if (header === null) {
      throw new ProxyProtocolError(
        "incomplete",
        0,
        "Cannot read PROXY header: stream ended after 0 bytes",
      );
    }
    return { header, rest: reader.buffer.toBytes() };
  } catch (e) {
    return fail(e);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    reader.free();
  }
}
