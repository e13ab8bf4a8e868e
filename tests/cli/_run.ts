/**
 * Test helpers: run the `sockkit` command as a subprocess, and start long-running
 * `sockkit listen` servers whose JSON events are read line by line.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CommandWrap } from "../_local_dns.ts";
import { assertEvent } from "./_event_schema.ts";

export const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
export const PERMS = [
  "--allow-net",
  "--allow-ffi",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
  "--allow-env",
  "--allow-run",
];
const dec = new TextDecoder();
const enc = new TextEncoder();

/** What a finished run printed. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Start `sockkit ARGS` with stdin, stdout and stderr piped and colours off. */
function spawnSockkit(args: string[], wrap?: CommandWrap): Deno.ChildProcess {
  const argv = ["run", ...PERMS, MAIN, ...args];
  const [command, rest] = wrap ? wrap(Deno.execPath(), argv) : [Deno.execPath(), argv];
  return new Deno.Command(command, {
    args: rest,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** How {@linkcode run} feeds and bounds a command. */
export interface RunOptions {
  /** Written to stdin, which is then closed. */
  stdin?: string | Uint8Array;
  /** Keep stdin open this long after writing it (ms), for a peer that must answer first. */
  holdStdin?: number;
  /** Kill the command after this many ms. Default 20000. */
  timeout?: number;
}

/** Run `argv` to completion with colours off, feeding `stdin` and killing it after `timeout` ms. */
export function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return finish(
    new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn(),
    options,
  );
}

async function finish(child: Deno.ChildProcess, options: RunOptions): Promise<RunResult> {
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeout ?? 20000);
  const w = child.stdin.getWriter();
  if (options.stdin !== undefined) {
    await w.write(typeof options.stdin === "string" ? enc.encode(options.stdin) : options.stdin)
      .catch(() => {});
  }
  if (options.holdStdin) await new Promise((r) => setTimeout(r, options.holdStdin));
  await w.close().catch(() => {});
  const out = await child.output();
  clearTimeout(timer);
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Run `sockkit ARGS` to completion, feeding `stdin` (text) and killing it after `timeout` ms.
 */
export function sockkit(
  args: string[],
  options: RunOptions & { wrap?: CommandWrap } = {},
): Promise<RunResult> {
  return finish(spawnSockkit(args, options.wrap), options);
}

/**
 * Run a Python 3 snippet (the outside peer) to completion.
 *
 * @param code The program, passed with `python3 -c`.
 * @returns Its stdout, trimmed.
 * @throws {assert.AssertionError} with its stderr when it exits non-zero.
 */
export async function python(code: string): Promise<string> {
  const out = await new Deno.Command("python3", {
    args: ["-c", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return dec.decode(out.stdout).trim();
}

/** A JSON event printed with `--json`. */
// deno-lint-ignore no-explicit-any
export type Event = { event: string; [k: string]: any };

/** Parse the JSON lines of a `--json` run; each must match the schema in docs/events.md. */
export function events(stdout: string): Event[] {
  const list = stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  for (const e of list) if ("event" in e) assertEvent(e);
  return list;
}

/** A background `sockkit` process (a server) with its stdout read as JSON lines. */
export class Background implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly events: Event[] = [];
  /** Events that did not match docs/events.md (checked by `finish`). */
  readonly schemaErrors: string[] = [];
  readonly stdin: WritableStreamDefaultWriter<Uint8Array>;
  #waiters: { pred: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  #stdout: Promise<void>;
  #stderr: Promise<string>;

  constructor(args: string[]) {
    const child = spawnSockkit(args);
    this.child = child;
    this.stdin = child.stdin.getWriter();
    this.#stdout = (async () => {
      let buf = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const e = JSON.parse(line) as Event;
          this.events.push(e);
          try {
            assertEvent(e);
          } catch (err) {
            this.schemaErrors.push((err as Error).message);
          }
          this.#waiters = this.#waiters.filter((w) => {
            if (!w.pred(e)) return true;
            w.resolve(e);
            return false;
          });
        }
      }
    })();
    this.#stderr = new Response(child.stderr).text();
  }

  /** Wait for the first event matching `pred` (already seen or future), at most `ms`. */
  waitFor(pred: (e: Event) => boolean, ms = 15000): Promise<Event> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(new Error(`timed out waiting for an event; got ${JSON.stringify(this.events)}`)),
        ms,
      );
      this.#waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e);
        },
      });
    });
  }

  /** The port from the `listen` event. */
  async port(): Promise<number> {
    return (await this.waitFor((e) => e.event === "listen")).port;
  }

  /** Wait for the exit (killing it after `ms`), returning the code and stderr. */
  async finish(ms = 15000): Promise<{ code: number; stderr: string }> {
    const t = setTimeout(() => this.child.kill("SIGKILL"), ms);
    await this.stdin.close().catch(() => {});
    const status = await this.child.status;
    clearTimeout(t);
    await this.#stdout;
    if (this.schemaErrors.length) {
      // Printed too: a failing dispose reports only "An error was suppressed".
      console.error(this.schemaErrors.join("\n"));
      assert.fail(`events that do not match docs/events.md:\n${this.schemaErrors.join("\n")}`);
    }
    return { code: status.code, stderr: await this.#stderr };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await this.finish();
  }
}
