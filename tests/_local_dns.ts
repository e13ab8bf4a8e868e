/**
 * Test helper: run a child process whose system resolver asks a DNS responder on loopback
 * instead of the machine's nameserver, so a lookup of an unknown name fails with
 * `HOST_NOT_FOUND` without a packet leaving the machine.
 *
 * The responder answers every query with NXDOMAIN from 127.0.0.153:53 and records the names
 * asked. The child runs in a private mount namespace (`unshare --mount`) in which a temporary
 * `resolv.conf` naming that responder is bind-mounted over `/etc/resolv.conf`; the rest of the
 * system is untouched. Needs root and `unshare`; {@linkcode localDns} returns `null` (and says
 * why) otherwise.
 *
 * @module
 */

const RESPONDER = "127.0.0.153";

/** A rewrite of a command line (`cmd args` to the program and arguments actually run). */
export type CommandWrap = (cmd: string, args: string[]) => [string, string[]];

/** A running loopback DNS responder and the way to run commands against it. */
export interface LocalDns extends AsyncDisposable {
  /** The names asked so far, in order (one per query, so A and AAAA each count). */
  readonly queries: string[];
  /** `cmd args` rewritten to run in the private mount namespace that uses the responder. */
  wrap: CommandWrap;
}

/** Decode the question name of a DNS query; `null` when the packet is malformed. */
function parseQuestion(q: Uint8Array): { name: string; end: number } | null {
  const labels: string[] = [];
  let i = 12;
  while (i < q.length && q[i] !== 0) {
    const len = q[i];
    if (len > 63 || i + 1 + len > q.length) return null;
    labels.push(new TextDecoder().decode(q.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  if (i + 5 > q.length) return null;
  return { name: labels.join("."), end: i + 5 }; // the root label, QTYPE and QCLASS
}

/**
 * Start the responder, or return `null` with a SKIP line on stderr when this process cannot
 * (not root, no `unshare`, or the address is taken).
 *
 * @param why What the caller needs it for, for the SKIP line.
 */
export async function localDns(why: string): Promise<LocalDns | null> {
  const skip = (reason: string) => {
    console.warn(`SKIP ${why}: ${reason}`);
    return null;
  };
  if (Deno.uid() !== 0) return skip("needs root for a private mount namespace");
  try {
    await new Deno.Command("unshare", { args: ["--version"], stdout: "null" }).output();
  } catch {
    return skip("unshare (util-linux) is not installed");
  }
  let sock: Deno.DatagramConn;
  try {
    sock = Deno.listenDatagram({ hostname: RESPONDER, port: 53, transport: "udp" });
  } catch (e) {
    return skip(`cannot bind ${RESPONDER}:53 (${e})`);
  }
  const dir = await Deno.makeTempDir({ prefix: "sockkit_dns_" });
  const conf = `${dir}/resolv.conf`;
  await Deno.writeTextFile(conf, `nameserver ${RESPONDER}\noptions timeout:2 attempts:1\n`);
  const queries: string[] = [];
  const serving = (async () => {
    for (;;) {
      let got: [Uint8Array, Deno.Addr];
      try {
        got = await sock.receive();
      } catch {
        return; // closed
      }
      const [q, from] = got;
      const question = q.length >= 12 ? parseQuestion(q) : null;
      if (!question) continue;
      queries.push(question.name);
      // Header: same ID; QR=1, opcode 0, RD copied, RA=1, RCODE=3 (NXDOMAIN); one question.
      const r = new Uint8Array(question.end);
      r.set(q.subarray(0, question.end));
      r[2] = 0x80 | (q[2] & 0x01);
      r[3] = 0x80 | 0x03;
      r.set([0, 1, 0, 0, 0, 0, 0, 0], 4);
      await sock.send(r, from).catch(() => {});
    }
  })();
  return {
    queries,
    wrap(cmd, args) {
      return ["unshare", [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount --bind "$0" /etc/resolv.conf && exec "$@"',
        conf,
        cmd,
        ...args,
      ]];
    },
    async [Symbol.asyncDispose]() {
      sock.close();
      await serving;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
