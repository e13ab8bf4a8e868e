/**
 * `--tls-insecure` for a whole run. Deno 2.9.6 verifies a TLS server's chain on every
 * connection; a connection can skip only the name check (`unsafelyDisableHostnameVerification`),
 * and only Deno's own flag `--unsafely-ignore-certificate-errors=NAMES` skips the chain check.
 * So when `--tls-insecure` is given, the command runs itself once more under that flag,
 * limited to the names this run connects to, with the same permissions, arguments, stdin,
 * stdout and stderr, and exits with the child's status. Deno then prints its own
 * `DANGER: TLS certificate validation is disabled for: NAMES` line on stderr.
 *
 * Not possible, and then only the name check is skipped (the TLS error says so): a compiled
 * binary (`deno compile` bakes Deno's flags in at build time), and `main()` called as a
 * library function (there is no command line to run again).
 *
 * @module
 */

/** Set in the child's environment, so it does not run itself again. */
const CHILD_MARK = "SOCKKIT_TLS_INSECURE_CHILD";

/** Where libc's `getppid` lives (glibc, musl, macOS); the command uses no other libc call. */
const LIBC_NAMES = ["libc.so.6", "libc.so", "libSystem.B.dylib"];

/** The permissions passed on to the child, when granted to this process as a whole. */
const PERMISSIONS = ["net", "ffi", "read", "write", "sys", "env", "run"] as const;

let entry: string | undefined;

/**
 * Record the module that runs the command (`main.ts` when it is the main module); without it,
 * {@linkcode rerunWithoutChainChecks} does nothing.
 *
 * @param url The entry module's URL.
 */
export function setCommandEntry(url: string): void {
  entry = url;
}

/** The parent's pid when this process is the child run, else `undefined`. */
function parentPid(): number | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: CHILD_MARK }).state !== "granted") {
    return undefined;
  }
  const pid = Number(Deno.env.get(CHILD_MARK));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether this process already runs without chain checks (it is the child). */
export function chainChecksOff(): boolean {
  return parentPid() !== undefined;
}

/**
 * In the child run, exit when the parent is gone: a parent killed with SIGKILL cannot pass
 * the signal on, and the child must not outlive it. Twice a second it asks libc's `getppid()`
 * (Deno 2.9.6 lets only `-A` read `/proc/self`); once the parent is no longer the process
 * that started it (the kernel gave the child to another parent), it exits. Without
 * `--allow-ffi`, or where libc does not load, it does nothing. The timer does not keep the
 * process alive.
 */
export function exitWithParent(): void {
  const pid = parentPid();
  if (pid === undefined || Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return;
  let getppid: (() => number) | undefined;
  for (const name of LIBC_NAMES) {
    try {
      getppid = Deno.dlopen(name, { getppid: { parameters: [], result: "i32" } }).symbols.getppid;
      break;
    } catch {
      // Not this libc; try the next name.
    }
  }
  if (getppid === undefined) return;
  const parentNow = getppid;
  const id = setInterval(() => {
    if (parentNow() === pid) return;
    console.error(`sockkit: exiting: the process that ran it for --tls-insecure (${pid}) is gone`);
    Deno.exit(1);
  }, 500);
  Deno.unrefTimer(id);
}

/**
 * Run this command again under `--unsafely-ignore-certificate-errors=NAMES`, unless it is
 * that run already, a compiled binary, or not started from the command line.
 *
 * @param names The host names and addresses whose certificates are accepted unchecked (the
 *   target as typed and the server name sent as SNI).
 * @returns The child's exit code, or `undefined` when this process goes on itself.
 */
export async function rerunWithoutChainChecks(
  names: readonly string[],
): Promise<number | undefined> {
  if (entry === undefined || Deno.build.standalone || chainChecksOff()) return undefined;
  const flags = PERMISSIONS
    .filter((name) => Deno.permissions.querySync({ name }).state === "granted")
    .map((name) => `--allow-${name}`);
  if ("listenDatagram" in Deno) flags.push("--unstable-net");
  const list = [...new Set(names.map((n) => n.replace(/^\[|\]$/g, "")))].join(",");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-config",
      "--no-prompt",
      ...flags,
      `--unsafely-ignore-certificate-errors=${list}`,
      entry,
      ...Deno.args,
    ],
    env: { [CHILD_MARK]: String(Deno.pid) },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const forward = (signal: Deno.Signal) => () => {
    try {
      child.kill(signal);
    } catch {
      // The child has exited already.
    }
  };
  const handlers = (["SIGINT", "SIGTERM"] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  try {
    return (await child.status).code;
  } finally {
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  }
}
