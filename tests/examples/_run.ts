/**
 * The one subprocess helper of the example tests: run an example (or a peer such as nc, socat
 * or python3) as a child process, read its output as it comes, wait for a line, feed stdin,
 * and stop it by its own PID. Every wait is bounded.
 *
 * @module
 */

import type { CommandWrap } from "../_local_dns.ts";
import { coverageFlags } from "../_coverage.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const td = new TextDecoder();

/** A running child process with its transcript so far. */
export interface Child extends AsyncDisposable {
  /** Everything written to stdout so far. */
  readonly stdout: () => string;
  /** Everything written to stderr so far. */
  readonly stderr: () => string;
  /** Wait until stdout matches `re` (at most `timeout` ms); returns the match. */
  waitFor(re: RegExp, timeout?: number): Promise<RegExpMatchArray>;
  /** Write text to the child's stdin. */
  write(text: string | Uint8Array): Promise<void>;
  /** Close the child's stdin. */
  closeStdin(): Promise<void>;
  /** Wait for the exit (at most `timeout` ms, then kill it); returns the exit code. */
  exit(timeout?: number): Promise<number>;
  /** The child process. */
  readonly process: Deno.ChildProcess;
}

/** Options of {@linkcode spawn}. */
export interface SpawnOptions {
  /** Extra environment. */
  env?: Record<string, string>;
  /** Pipe stdin (default true). */
  stdin?: boolean;
  /** Rewrite the command line, e.g. `LocalDns.wrap` from `tests/_local_dns.ts`. */
  wrap?: CommandWrap;
}

/**
 * Start `cmd args...` in the repository root.
 *
 * @param cmd The program (`"deno"` means this Deno).
 * @param args Its arguments.
 * @param options stdin and env.
 */
export function spawn(cmd: string, args: string[], options: SpawnOptions = {}): Child {
  const program = cmd === "deno" ? Deno.execPath() : cmd;
  const [command, argv] = options.wrap ? options.wrap(program, args) : [program, args];
  const process = new Deno.Command(command, {
    args: argv,
    cwd: ROOT,
    stdin: options.stdin === false ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const pump = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
    for await (const chunk of s) {
      add(td.decode(chunk, { stream: true }));
      for (const l of [...listeners]) l();
    }
  };
  const pumps = Promise.all([
    pump(process.stdout, (t) => (out += t)),
    pump(process.stderr, (t) => (err += t)),
  ]);
  const writer = options.stdin === false ? null : process.stdin.getWriter();
  let exited: number | null = null;
  const status = process.status.then((s) => {
    exited = s.code;
    for (const l of [...listeners]) l();
    return s.code;
  });
  const child: Child = {
    process,
    stdout: () => out,
    stderr: () => err,
    waitFor(re, timeout = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) done(() => resolve(m));
          else if (exited !== null) {
            done(() =>
              reject(
                new Error(
                  `process exited (${exited}) before ${re}\nstdout:\n${out}\nstderr:\n${err}`,
                ),
              )
            );
          }
        };
        const id = setTimeout(
          () =>
            done(() =>
              reject(new Error(`timed out waiting for ${re}\nstdout:\n${out}\nstderr:\n${err}`))
            ),
          timeout,
        );
        const done = (f: () => void) => {
          clearTimeout(id);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
    async write(text) {
      await writer!.write(typeof text === "string" ? new TextEncoder().encode(text) : text);
    },
    async closeStdin() {
      await writer?.close().catch(() => {});
    },
    async exit(timeout = 15_000) {
      let id: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((r) => {
        id = setTimeout(() => {
          try {
            process.kill("SIGKILL");
          } catch { /* already gone */ }
          r();
        }, timeout);
      });
      await Promise.race([status, killed]);
      clearTimeout(id);
      const code = await status;
      await writer?.close().catch(() => {});
      await pumps;
      return code;
    },
    async [Symbol.asyncDispose]() {
      if (exited === null) {
        try {
          process.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      await child.exit(5000);
    },
  };
  return child;
}

/** Deno flags every example may need. */
export const DENO_RUN = [
  "run",
  "--allow-net",
  "--allow-ffi",
  "--allow-read",
  "--allow-sys",
  "--allow-run",
  "--unstable-net",
];

/**
 * Start an example: `deno run <flags> examples/<name>.ts args...`.
 *
 * @param name The example path under examples/ without `.ts` (`"bsd/udp_server"`).
 * @param args Its arguments.
 */
export function example(name: string, args: string[] = [], options: SpawnOptions = {}): Child {
  return spawn("deno", [...DENO_RUN, ...coverageFlags(), `examples/${name}.ts`, ...args], options);
}

/** Start a server example with `--port 0` and wait for its "listening on HOST:PORT" line. */
export async function server(
  name: string,
  args: string[] = [],
): Promise<{ child: Child; port: number }> {
  const child = example(name, ["--port", "0", ...args]);
  const m = await child.waitFor(/listening on \S+?:(\d+)/);
  return { child, port: Number(m[1]) };
}

/** Run a Python 3 snippet (the outside peer) and return its stdout; bounded by `timeout`. */
export async function python(code: string, args: string[] = [], timeout = 15_000): Promise<string> {
  const c = spawn("python3", ["-c", code, ...args], { stdin: false });
  const status = await c.exit(timeout);
  if (status !== 0) throw new Error(`python3 exited ${status}\n${c.stdout()}\n${c.stderr()}`);
  return c.stdout();
}
