/**
 * Test helper: run a Deno module as a child process of its own (its own descriptor table and
 * V8 flags) and return the JSON object it printed as its last line of stdout.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Run `deno run FLAGS MODULE ARGS` to completion and parse its last stdout line as JSON.
 *
 * @param module The child's module.
 * @param flags `deno run` flags (permissions, `--v8-flags=--expose-gc`, ...).
 * @param args The child's arguments.
 * @returns The parsed report.
 * @throws {assert.AssertionError} with the child's stderr when it exits non-zero.
 */
export async function jsonChild<T = Record<string, unknown>>(
  module: URL,
  flags: string[],
  args: string[] = [],
): Promise<T> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, module.pathname, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return JSON.parse(dec.decode(out.stdout).trim().split("\n").at(-1)!) as T;
}

/**
 * Run a Python program with `input` as JSON on its stdin, and parse the JSON it prints: the
 * shape of every Python-oracle test (asyncio's streams, the socket module's getaddrinfo).
 *
 * @param code The program, run as `python3 -c code`.
 * @param input Written to its stdin as JSON, then stdin is closed.
 * @returns The parsed stdout, or `null` when `python3` is not installed (the caller skips).
 * @throws {assert.AssertionError} with Python's stderr when it exits non-zero.
 */
export async function pythonJson<T>(code: string, input: unknown): Promise<T | null> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("python3", {
      args: ["-c", code],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(input)));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return JSON.parse(dec.decode(out.stdout)) as T;
}
