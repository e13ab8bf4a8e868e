/**
 * ncat's `-o FILE` and `-x FILE`: every byte of the session, both directions, to a file as it
 * is (`-o`) or as a hex dump (`-x`, `hexdump -C` rows under a `> sent`/`< received` line per
 * chunk, offsets counted per direction).
 *
 * @module
 */

import { hexDump, writeAllSync } from "./_output.ts";

const enc = new TextEncoder();

/** The session's output files. Writes are synchronous, in the order the bytes moved. */
export class SessionLog {
  readonly #output: Deno.FsFile | undefined;
  readonly #hexDump: Deno.FsFile | undefined;
  #sentOffset = 0;
  #receivedOffset = 0;

  /**
   * Open (create or truncate) the files.
   *
   * @param outputPath `-o`: the raw session, or `undefined`.
   * @param hexDumpPath `-x`: the hex dump, or `undefined`.
   */
  constructor(outputPath?: string, hexDumpPath?: string) {
    const open = (p: string) => Deno.openSync(p, { write: true, create: true, truncate: true });
    this.#output = outputPath === undefined ? undefined : open(outputPath);
    this.#hexDump = hexDumpPath === undefined ? undefined : open(hexDumpPath);
  }

  /** Record bytes sent to the peer. */
  sent(bytes: Uint8Array): void {
    this.#record(bytes, ">", "sent", this.#sentOffset);
    this.#sentOffset += bytes.length;
  }

  /** Record bytes received from the peer. */
  received(bytes: Uint8Array): void {
    this.#record(bytes, "<", "received", this.#receivedOffset);
    this.#receivedOffset += bytes.length;
  }

  #record(bytes: Uint8Array, mark: string, verb: string, offset: number): void {
    if (bytes.length === 0) return;
    if (this.#output) writeAllSync(this.#output, bytes);
    if (this.#hexDump) {
      writeAllSync(
        this.#hexDump,
        enc.encode(`${mark} ${verb} ${bytes.length} bytes\n${hexDump(bytes, offset)}`),
      );
    }
  }

  /** Close the files. */
  close(): void {
    this.#output?.close();
    this.#hexDump?.close();
  }
}
