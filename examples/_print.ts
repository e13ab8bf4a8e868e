/**
 * Printing received bytes as C does: `printf("%s", buf)` writes the bytes themselves, whatever
 * they are, while `console.log(new TextDecoder().decode(buf))` would turn a byte that is not
 * UTF-8 (`caf\xe9`) into U+FFFD. The examples print what they received with these.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Write text (as UTF-8) and bytes (as they are) to stdout, in order, all of them.
 *
 * @param parts Text and bytes.
 */
export function printBytes(...parts: (string | Uint8Array)[]): void {
  for (const part of parts) {
    let bytes = typeof part === "string" ? encoder.encode(part) : part;
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
  }
}

/**
 * The bytes of a C string: everything before the first NUL (all of `bytes` if there is none).
 *
 * @param bytes What was received.
 * @returns A view of `bytes` up to its first NUL.
 */
export function cString(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}
