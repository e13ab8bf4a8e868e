/**
 * Socket error codes in the seeds' vocabulary: for each code, the POSIX errno name and its
 * number on Linux and macOS, the Winsock name and number, and a one-line meaning. Give
 * {@linkcode explainError} a name (`"ECONNRESET"`, `"WSAECONNRESET"`), a number or a thrown
 * error (a `Deno.errors.ConnectionReset` included).
 *
 * Permissions: none. Reads `Deno.build.os`, when present, to pick the platform for numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainError, formatExplanation } from "./mod.ts";
 * const e = explainError(new Deno.errors.ConnectionReset("reset"))!;
 * assert.equal(e.name, "ECONNRESET");
 * assert.equal(e.wsaCode, 10054);
 * assert.match(formatExplanation(e), /ECONNRESET/);
 * ```
 *
 * @module
 */
export * from "./error_table.ts";
