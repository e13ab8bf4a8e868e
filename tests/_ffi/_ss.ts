/**
 * An outside view of this process's TCP descriptors, from `ss -tanp` (needs `--allow-run=ss`):
 * the oracle the descriptor-discovery tests compare against.
 *
 * @module
 */

/** `"LOCAL PEER"` (as `ss` prints them) to descriptor number, for this process's TCP sockets. */
export async function ssFds(): Promise<Map<string, number>> {
  const out = await new Deno.Command("ss", { args: ["-tanpH"] }).output();
  const m = new Map<string, number>();
  const re = new RegExp(`"deno",pid=${Deno.pid},fd=(\\d+)`);
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const hit = line.match(re);
    if (!hit) continue;
    const cols = line.trim().split(/\s+/);
    m.set(`${cols[3]} ${cols[4]}`, Number(hit[1]));
  }
  return m;
}

/** An address as `ss` prints it (`[::1]:80` for IPv6). */
export function ssName(a: Deno.NetAddr): string {
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}
