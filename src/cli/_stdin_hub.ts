/**
 * stdin for `listen` and `connect`: a hub that reads stdin only while a connection wants it
 * and hands every chunk to every subscriber, and a line splitter for `--frame` and UDP.
 *
 * @module
 */

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
 * Splits chunks into lines (LF, with a CR before it dropped, or with `keepNewline` the line
 * as it came, LF included); the rest is kept for later.
 */
export class LineSplitter {
  #rest: Uint8Array = new Uint8Array(0);
  readonly #keepNewline: boolean;
  /**
   * Make a splitter.
   *
   * @param keepNewline Keep each line's LF (and CR).
   */
  constructor(keepNewline = false) {
    this.#keepNewline = keepNewline;
  }
  /**
   * Add a chunk.
   *
   * @param chunk The bytes, or `null` at the end (the rest is then the last line).
   * @returns The complete lines.
   */
  push(chunk: Uint8Array | null): Uint8Array[] {
    if (chunk === null) {
      const last = this.#rest;
      this.#rest = new Uint8Array(0);
      return last.length ? [last] : [];
    }
    const data = this.#rest.length ? concat(this.#rest, chunk) : chunk;
    const lines: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 10) continue;
      const end = this.#keepNewline ? i + 1 : i > start && data[i - 1] === 13 ? i - 1 : i;
      lines.push(data.slice(start, end));
      start = i + 1;
    }
    this.#rest = data.slice(start);
    return lines;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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
