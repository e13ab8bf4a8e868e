/**
 * Test helper for the tests that put a real proxy daemon (HAProxy, nginx) on loopback in front
 * of a Deno server: find the binary, start it on a free port with its config in a temp dir,
 * wait until it listens (checked with `ss`), stop it by its PID, and read/write whole streams.
 *
 * @module
 */

const dec = new TextDecoder();

/**
 * Look for an executable on PATH, then in /usr/sbin and /usr/local/sbin.
 *
 * @param name The binary's name.
 * @returns Its path, or `null` when absent.
 */
export function findBinary(name: string): string | null {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"];
  for (const d of dirs) {
    try {
      if (d && Deno.statSync(`${d}/${name}`).isFile) return `${d}/${name}`;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * A port that was free a moment ago (bind 0, read, close).
 *
 * @param hostname The loopback address to bind.
 * @returns The port.
 */
export function freePort(hostname: string): number {
  const l = Deno.listen({ hostname, port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

/** Resolve after `ms` milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Wait (bounded) until something listens on `port`, checked with `ss`.
 *
 * @param port The TCP port.
 * @param child The process expected to listen; its exit ends the wait.
 * @param ms The bound.
 * @returns `true` once listening; `false` if the process exited or the time ran out.
 */
export async function waitListening(
  port: number,
  child: Deno.ChildProcess,
  ms = 5000,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  let exited = false;
  child.status.then(() => (exited = true));
  while (Date.now() < deadline) {
    const out = await new Deno.Command("ss", { args: ["-Hltn", `sport = :${port}`] }).output();
    if (dec.decode(out.stdout).includes(`:${port}`)) return true;
    if (exited) return false;
    await delay(50);
  }
  return false;
}

/** How to start a daemon for {@linkcode startDaemon}. */
export interface DaemonSpec {
  /** Name in the error message. */
  name: string;
  /** The binary's path. */
  binary: string;
  /** The loopback address the daemon listens on. */
  hostname: "127.0.0.1" | "::1";
  /**
   * Write the config for this listen address (`127.0.0.1:PORT` or `[::1]:PORT`).
   *
   * @returns The daemon's arguments (it must stay in the foreground).
   */
  configure: (listen: string) => Promise<string[]>;
}

/** A started daemon; call {@linkcode Daemon.stop} in a `finally`. */
export interface Daemon {
  /** The process (stdout ignored, stderr piped). */
  child: Deno.ChildProcess;
  /** The port it listens on. */
  port: number;
  /** SIGTERM, then SIGKILL after 3 s; waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Start a daemon on a free port and wait until it listens. Picks another port and retries
 * (3 attempts) when it does not come up, e.g. because another process took the port.
 *
 * @param spec Binary, address and config writer.
 * @returns The running daemon.
 * @throws {Error} with the daemon's stderr after the third failed attempt.
 */
export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort(spec.hostname);
    const listen = spec.hostname === "::1" ? `[::1]:${port}` : `127.0.0.1:${port}`;
    const args = await spec.configure(listen);
    const child = new Deno.Command(spec.binary, { args, stdout: "null", stderr: "piped" })
      .spawn();
    if (await waitListening(port, child)) {
      return { child, port, stop: () => stopDaemon(child) };
    }
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    const out = await child.output();
    if (attempt === 2) throw new Error(`${spec.name} did not start: ${dec.decode(out.stderr)}`);
  }
  throw new Error("unreachable");
}

async function stopDaemon(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // already exited
  }
  const done = await Promise.race([child.status, delay(3000).then(() => null)]);
  if (done === null) child.kill("SIGKILL");
  await child.stderr.cancel();
  await child.status;
}

/**
 * Read a stream to its end.
 *
 * @param conn Anything with a Deno-style `read`.
 * @returns All the bytes read.
 */
export async function readAll(
  conn: { read(p: Uint8Array): Promise<number | null> },
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(16384);
  let total = 0;
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    parts.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Write all of `data`.
 *
 * @param conn Anything with a Deno-style `write`.
 * @param data The bytes.
 */
export async function writeAll(
  conn: { write(p: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  let w = 0;
  while (w < data.length) w += await conn.write(data.subarray(w));
}
