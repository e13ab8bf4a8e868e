/**
 * stdin for `listen` and `connect`: a hub that reads stdin only while a connection wants it
 * and hands every chunk to every subscriber, and the line splitting for `--frame` and UDP
 * (the codec's `FrameReader` and `line` codec).
 *
 * @module
 */

import { FrameReader, FrameTooLongError, IncompleteFrameError, LineCodec } from "../codec/mod.ts";

type Subscriber = (chunk: Uint8Array | null) => Promise<void>;

/**
 * Reads stdin only while someone listens, and hands every chunk to every subscriber in turn
 * (so nothing read is lost before the first connection, and `--keep-open` broadcasts).
 */
export class StdinHub {
  #subs = new Set<Subscriber>();
  /** Chunks read while nobody listened (the subscriber left before they arrived). */
  #backlog: Uint8Array[] = [];
  #wake: (() => void) | undefined;
  #started = false;
  #ended = false;
  readonly #source: { read(p: Uint8Array): Promise<number | null> };

  /**
   * Make a hub.
   *
   * @param source Where to read (default: stdin).
   */
  constructor(source: { read(p: Uint8Array): Promise<number | null> } = Deno.stdin) {
    this.#source = source;
  }

  /** Whether stdin has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** `true` when stdin is a terminal (a person typing, so a peer's EOF ends the session). */
  get interactive(): boolean {
    try {
      return Deno.stdin.isTerminal();
    } catch {
      return false;
    }
  }

  /**
   * Receive every chunk from now on (and what waited for a subscriber), then `null` at the end.
   *
   * @param fn Called with each chunk, in order; the next waits for its promise.
   * @returns The function that unsubscribes.
   */
  subscribe(fn: (chunk: Uint8Array | null) => Promise<void>): () => void {
    this.#subs.add(fn);
    this.#wake?.();
    if (!this.#started) {
      this.#started = true;
      this.#pump();
    }
    if (this.#ended) fn(null).catch(() => {});
    return () => this.#subs.delete(fn);
  }

  async #pump(): Promise<void> {
    const buf = new Uint8Array(65536);
    for (;;) {
      while (this.#subs.size === 0) await new Promise<void>((r) => this.#wake = r);
      let chunk = this.#backlog.shift();
      if (chunk === undefined) {
        let n: number | null;
        try {
          n = await this.#source.read(buf);
        } catch {
          n = null;
        }
        if (n === null) break;
        chunk = buf.slice(0, n);
      }
      // Nothing read is lost: a chunk that arrives when every subscriber has left waits for
      // the next one (`listen -k < banner`: the banner goes to the first client to stay).
      if (this.#subs.size === 0) this.#backlog.push(chunk);
      for (const subscriber of [...this.#subs]) await subscriber(chunk).catch(() => {});
    }
    this.#ended = true;
    for (const subscriber of [...this.#subs]) await subscriber(null).catch(() => {});
  }
}

/**
 * The longest stdin line {@linkcode LineSplitter} hands on: twice the 8 MiB default frame
 * maximum, so that a line too long for `--frame` still reaches the encoder, whose
 * `PayloadTooLongError` names the frame's own limit. A longer line is skipped and reported.
 */
export const STDIN_LINE_MAX = 16 * 1024 * 1024;

/**
 * Splits stdin chunks into lines with the codec's read driver (a {@linkcode FrameReader} fed
 * by `push`, over a `line` codec): LF ends a line and a CR before it is dropped, or with
 * `keepNewline` the line is kept as it came, LF included. At the end, what is left is the last
 * line. A line over {@linkcode STDIN_LINE_MAX} is skipped: `onError` gets its
 * `FrameTooLongError`, and the lines after it still come.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LineSplitter } from "./_stdin_hub.ts";
 * const enc = new TextEncoder();
 * const text = (lines: Uint8Array[]) => lines.map((l) => new TextDecoder().decode(l));
 * using lines = new LineSplitter();
 * assert.deepEqual(text(lines.push(enc.encode("one\r\ntw"))), ["one"]);
 * assert.deepEqual(text(lines.push(enc.encode("o\nthree"))), ["two"]);
 * assert.deepEqual(text(lines.push(null)), ["three"]);
 * using kept = new LineSplitter(true);
 * assert.deepEqual(text(kept.push(enc.encode("a\r\nb\n"))), ["a\r\n", "b\n"]);
 * ```
 */
export class LineSplitter {
  readonly #codec: LineCodec;
  readonly #reader: FrameReader;
  readonly #onError: (e: Error) => void;

  /**
   * Make a splitter.
   *
   * @param keepNewline Keep each line's LF (and CR).
   * @param onError Told of a line over {@linkcode STDIN_LINE_MAX}, which is skipped.
   *   Default: ignore it.
   */
  constructor(keepNewline = false, onError: (e: Error) => void = () => {}) {
    this.#codec = new LineCodec({
      keepDelimiter: keepNewline,
      maxFrameLength: STDIN_LINE_MAX,
      oversize: "discard",
    });
    this.#reader = new FrameReader(null, this.#codec);
    this.#onError = onError;
  }

  /**
   * Add a chunk.
   *
   * @param chunk The bytes, or `null` at the end (the rest is then the last line).
   * @returns The complete lines (copies).
   */
  push(chunk: Uint8Array | null): Uint8Array[] {
    const lines: Uint8Array[] = [];
    if (chunk === null) {
      this.#reader.end();
      this.#drain(lines, true);
      return lines;
    }
    // A chunk goes in as far as the buffer's bound allows; decoding (or discarding an
    // over-long line) makes room for the rest.
    for (let at = 0; at < chunk.length;) {
      const n = Math.min(chunk.length - at, this.#reader.buffer.remaining);
      if (n === 0) throw new Error("Cannot split stdin into lines: the line codec made no room");
      this.#reader.push(chunk.subarray(at, at + n));
      at += n;
      this.#drain(lines, false);
    }
    return lines;
  }

  #drain(lines: Uint8Array[], atEnd: boolean): void {
    for (;;) {
      try {
        const line = this.#reader.tryReadFrame();
        if (line !== null) {
          lines.push(line);
          continue;
        }
        if (atEnd) this.#codec.checkEof(this.#reader.buffer);
        return;
      } catch (e) {
        if (e instanceof IncompleteFrameError) {
          // An unterminated last line is still a line.
          lines.push(e.partial);
          this.#reader.buffer.consume(this.#reader.buffered);
          return;
        }
        if (!(e instanceof FrameTooLongError)) throw e;
        this.#onError(e);
      }
    }
  }

  /** Free the codec's memory. Idempotent. */
  free(): void {
    this.#reader.free();
    this.#codec.free();
  }

  /** Same as {@linkcode LineSplitter.free}. */
  [Symbol.dispose](): void {
    this.free();
  }
}

/**
 * ncat's `-C`: turn each bare LF of stdin into CRLF (an LF after a CR is left alone, also
 * across chunks).
 */
export class CrlfConverter {
  #lastWasCr = false;

  /**
   * Convert one chunk.
   *
   * @param chunk Bytes from stdin.
   * @returns The bytes with CRLF line ends.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CrlfConverter } from "./_stdin_hub.ts";
   * const c = new CrlfConverter();
   * const text = (s: string) => new TextDecoder().decode(c.convert(new TextEncoder().encode(s)));
   * assert.equal(text("a\nb\r"), "a\r\nb\r");
   * assert.equal(text("\nc\n"), "\nc\r\n");
   * ```
   */
  convert(chunk: Uint8Array): Uint8Array {
    let bare = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 10 && !(i === 0 ? this.#lastWasCr : chunk[i - 1] === 13)) bare++;
    }
    const out = bare === 0 ? chunk : new Uint8Array(chunk.length + bare);
    if (bare > 0) {
      let j = 0;
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] === 10 && !(i === 0 ? this.#lastWasCr : chunk[i - 1] === 13)) out[j++] = 13;
        out[j++] = chunk[i];
      }
    }
    if (chunk.length) this.#lastWasCr = chunk[chunk.length - 1] === 13;
    return out;
  }
}
