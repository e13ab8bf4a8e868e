/**
 * Helpers to run a test program as a subprocess and read its line-based reports.
 *
 * @module
 */

/** A child process whose stdout is read line by line. */
export interface Child extends AsyncDisposable {
  readonly process: Deno.ChildProcess;
  /** Resolve with the first stdout line starting with `prefix` (rest of the line), or reject after `ms`. */
  line(prefix: string, ms?: number): Promise<string>;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** stderr so far. */
  stderr(): string;
  /** Wait for exit (kills with SIGKILL after `ms`). */
  exit(ms?: number): Promise<Deno.CommandStatus>;
}

/**
 * Start `cmd args` with piped stdout/stderr.
 *
 * @param cmd The program (`Deno.execPath()` for deno).
 * @param args Its arguments.
 * @returns The child.
 */
export function spawn(cmd: string, args: string[]): Child {
  const process = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).spawn();
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (s: string) => void }[] = [];
  let err = "";
  const pump = (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of process.stdout) {
      buf += dec.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(l);
        for (const w of [...waiters]) {
          if (l.startsWith(w.prefix)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(l.slice(w.prefix.length).trim());
          }
        }
      }
    }
  })();
  const errPump = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of process.stderr) err += dec.decode(chunk, { stream: true });
  })();
  let status: Promise<Deno.CommandStatus> | undefined;
  const exit = (ms = 20000) => {
    if (status) return status;
    const t = setTimeout(() => {
      try {
        process.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, ms);
    return status = (async () => {
      const s = await process.status;
      clearTimeout(t);
      await pump;
      await errPump;
      return s;
    })();
  };
  return {
    process,
    lines,
    stderr: () => err,
    line(prefix, ms = 20000) {
      const have = lines.find((l) => l.startsWith(prefix));
      if (have !== undefined) return Promise.resolve(have.slice(prefix.length).trim());
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`No "${prefix}" line within ${ms} ms; stderr: ${err}`)),
          ms,
        );
        waiters.push({
          prefix,
          resolve: (s) => {
            clearTimeout(t);
            resolve(s);
          },
        });
      });
    },
    exit,
    async [Symbol.asyncDispose]() {
      try {
        process.kill("SIGKILL");
      } catch {
        // already exited
      }
      await exit();
    },
  };
}
