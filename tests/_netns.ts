/**
 * Test helper: two network namespaces joined by a veth pair, for tests that need traffic
 * between "hosts" without touching any real network (broadcast, a peer whose link goes down).
 * The caller names the namespaces and devices (tag them with the pid so parallel runs don't
 * clash), creates them with {@linkcode createVethPair} and deletes them with
 * {@linkcode deleteVethPair} in a `finally`. Needs root (CAP_NET_ADMIN) and the `ip` tool;
 * without them {@linkcode createVethPair} returns the reason, for a skip message.
 *
 * @module
 */

const dec = new TextDecoder();

/** Two namespaces joined by a veth pair, each end with an address. */
export interface VethPair {
  /** First namespace. */
  nsA: string;
  /** Second namespace. */
  nsB: string;
  /** The veth end inside `nsA`. */
  devA: string;
  /** The veth end inside `nsB`. */
  devB: string;
  /** Address of `devA`, with prefix length (`10.201.0.1/30`). */
  addrA: string;
  /** Address of `devB`, with prefix length. */
  addrB: string;
  /** Also set the subnet's broadcast address on both ends (`brd +`). Default `false`. */
  broadcast?: boolean;
}

/**
 * Run a command to completion with stdout and stderr piped.
 *
 * @param cmd The program and its arguments.
 * @param allowFail Return a failed run instead of throwing.
 * @returns The output.
 * @throws {Error} with the command and its stderr when it fails and `allowFail` is false.
 */
export async function run(cmd: string[], allowFail = false): Promise<Deno.CommandOutput> {
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stderr: "piped",
    stdout: "piped",
  }).output();
  if (!out.success && !allowFail) {
    throw new Error(`${cmd.join(" ")} failed: ${dec.decode(out.stderr)}`);
  }
  return out;
}

/**
 * The arguments of `ip` that run `argv` inside namespace `ns` (`ip netns exec NS ...`).
 *
 * @param ns The namespace.
 * @param argv The program and its arguments.
 * @returns Arguments for the `ip` command.
 */
export function inNetns(ns: string, argv: string[]): string[] {
  return ["netns", "exec", ns, ...argv];
}

/**
 * Why namespace tests cannot run here: not root, or no `ip` tool; `null` when they can.
 *
 * @returns The reason, or `null`.
 */
export async function netnsUnavailable(): Promise<string | null> {
  if (Deno.uid?.() !== 0) return "not root";
  const hasIp = await new Deno.Command("ip", { args: ["-V"], stdout: "null", stderr: "null" })
    .output().then((o) => o.success, () => false);
  return hasIp ? null : "the `ip` tool is missing";
}

/**
 * The line a skipped namespace test prints.
 *
 * @param test Which test was skipped.
 * @param why The reason from {@linkcode netnsUnavailable} or {@linkcode createVethPair}.
 * @returns The message.
 */
export function skipNote(test: string, why: string): string {
  return `SKIP ${test}: ${why} (needs root and network namespaces)`;
}

/**
 * Create both namespaces, the veth pair between them, the addresses, and bring up both ends
 * and both loopbacks. When a step after the first fails, deletes what it made and throws.
 *
 * @param p The namespaces, devices and addresses.
 * @returns `null` once created, or why it cannot be (not root, no `ip`, `ip netns add`
 *   refused), for the caller to skip with.
 * @throws {Error} when a later `ip` step fails.
 */
export async function createVethPair(p: VethPair): Promise<string | null> {
  const why = await netnsUnavailable();
  if (why) return why;
  const add = await run(["ip", "netns", "add", p.nsA], true);
  if (!add.success) return `ip netns add refused: ${dec.decode(add.stderr).trim()}`;
  try {
    await run(["ip", "netns", "add", p.nsB]);
    await run([
      "ip",
      "link",
      "add",
      p.devA,
      "netns",
      p.nsA,
      "type",
      "veth",
      "peer",
      "name",
      p.devB,
      "netns",
      p.nsB,
    ]);
    const brd = p.broadcast ? ["brd", "+"] : [];
    await run(["ip", "-n", p.nsA, "addr", "add", p.addrA, ...brd, "dev", p.devA]);
    await run(["ip", "-n", p.nsB, "addr", "add", p.addrB, ...brd, "dev", p.devB]);
    for (const [ns, dev] of [[p.nsA, p.devA], [p.nsB, p.devB]]) {
      await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
      await run(["ip", "-n", ns, "link", "set", dev, "up"]);
    }
  } catch (e) {
    await deleteVethPair(p);
    throw e;
  }
  return null;
}

/**
 * Delete both namespaces (which removes the veth pair); a namespace that does not exist is
 * not an error.
 *
 * @param p The pair from {@linkcode createVethPair}.
 */
export async function deleteVethPair(p: VethPair): Promise<void> {
  await run(["ip", "netns", "del", p.nsA], true);
  await run(["ip", "netns", "del", p.nsB], true);
}
