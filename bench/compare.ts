// `deno task bench:compare [ROUNDS] [--only REGEX]`: run the shared loopback harness
// (../shared/bench/run-baselines.sh) with this checkout's sockkit rows beside C, plain Deno and
// Node in one run, then print sockkit's ratios against the baselines measured in the same rounds.
//
// A benchmark, not a test: it times things on a shared machine and asserts nothing about speed.
//
// The harness is copied to $PERF_DIR/harness (default /tmp/sockkit-perf) before it runs, so the
// shared folder stays untouched (its setup step may install the npm framing libraries into the
// copy). Its raw TSV and table go to bench/results/ (ignored by git); bench/RESULTS.md records
// the figures with the run's stamp.
//
//   ROUNDS   rounds (default 3); every case runs once per round, implementations side by side
//   --only   the harness's ONLY regex on case groups (default "tcp|frames|udp|codec": no iperf)
// Env: SHARED_BENCH (the harness folder; default: the nearest ../shared/bench above this file),
//      PERF_DIR (scratch folder, default /tmp/sockkit-perf).
import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function findShared(): string {
  const env = Deno.env.get("SHARED_BENCH");
  if (env) return resolve(env);
  for (let dir = ROOT; dir !== dirname(dir); dir = dirname(dir)) {
    const cand = join(dir, "..", "shared", "bench");
    try {
      if (Deno.statSync(join(cand, "run-baselines.sh")).isFile) return resolve(cand);
    } catch { /* keep looking */ }
  }
  throw new Error(
    "Cannot find the shared harness: no ../shared/bench/run-baselines.sh above " +
      `${ROOT}; set SHARED_BENCH`,
  );
}

/** Copy the harness's sources (not its results or node_modules) into `to`. */
function copyHarness(from: string, to: string): void {
  Deno.mkdirSync(to, { recursive: true });
  for (const e of Deno.readDirSync(from)) {
    if (e.name === "results" || e.name === "node_modules") continue;
    const src = join(from, e.name), dst = join(to, e.name);
    if (e.isDirectory) copyHarness(src, dst);
    else if (e.isFile) Deno.copyFileSync(src, dst);
  }
}

interface Row {
  bench: string;
  impl: string;
  round: string;
  value: number;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** What each sockkit row is compared with: [bench, sockkit impl, baseline impl, label]. */
const PAIRS: [string, string, string, string][] = [
  ["udp_64B_rx", "sockkit→sockkit", "deno→deno", "UDP 64 B pair / plain Deno pair"],
  ["udp_64B_rx", "c→sockkit", "c→deno", "UDP receiver (C sender) / plain Deno"],
  ["udp_64B_rx", "sockkit→c", "deno→c", "UDP sender (C receiver) / plain Deno"],
  ["udp_64B_rx", "sockkit→sockkit mmsg64", "c→c", "UDP batched pair / C per-datagram c→c"],
  ["udp_64B_rx", "c→sockkit mmsg64", "c→c mmsg64", "UDP batched receiver / C mmsg64"],
  ["udp_64B_rx", "sockkit→c mmsg64", "c→c mmsg64", "UDP batched sender / C mmsg64"],
  ["udp_64B_rx", "sockkit→sockkit mmsg64", "c→c mmsg64", "UDP batched pair / C mmsg64"],
  ["tcp_bulk_echo_64KiB", "sockkit", "deno", "TCP bulk echo / plain Deno"],
  ["tcp_pingpong_64B", "sockkit", "deno", "TCP ping-pong / plain Deno"],
  ["tcp_frames_32B", "sockkit", "c", "TCP 32 B frames / C"],
  ["tcp_frames_32B", "sockkit", "deno", "TCP 32 B frames / plain Deno"],
  ["codec_frames_items", "sockkit-each", "deno-subarray", "codec one frame at a time / subarray"],
  ["codec_frames_items", "sockkit-batch", "deno-dataview", "codec batch offsets / DataView"],
  ["codec_newline_items", "sockkit-*", "deno-indexOf", "newline split, best sockkit / indexOf"],
  ["codec_newline_items", "sockkit-*", "c", "newline split, best sockkit / memchr"],
];

/** Per-round ratio a/b (same round), then the median; `a` ending in `*` takes the best match per round. */
function ratio(rows: Row[], bench: string, a: string, b: string) {
  const byRound = new Map<string, { a?: number; b?: number }>();
  for (const r of rows) {
    if (r.bench !== bench) continue;
    const hitA = a.endsWith("*") ? r.impl.startsWith(a.slice(0, -1)) : r.impl === a;
    const slot = byRound.get(r.round) ?? {};
    if (hitA) slot.a = Math.max(slot.a ?? 0, r.value);
    if (r.impl === b) slot.b = r.value;
    byRound.set(r.round, slot);
  }
  const ratios: number[] = [], as: number[] = [], bs: number[] = [];
  for (const { a: va, b: vb } of byRound.values()) {
    if (va === undefined || vb === undefined || vb <= 0) continue;
    ratios.push(va / vb);
    as.push(va);
    bs.push(vb);
  }
  if (ratios.length === 0) return undefined;
  return {
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    a: median(as),
    b: median(bs),
    n: ratios.length,
  };
}

function fmt(v: number): string {
  if (v >= 1e6) return (v / 1e6).toFixed(2) + " M";
  if (v >= 1e3) return (v / 1e3).toFixed(1) + " k";
  return v.toFixed(2);
}

/** The markdown ratio table for a raw TSV of the harness. */
export function summarize(tsv: string): string {
  const lines = tsv.split("\n");
  const header = lines.filter((l) => l.startsWith("#")).map((l) => l.slice(1).trim());
  const rows: Row[] = lines
    .filter((l) => l && !l.startsWith("#") && !l.startsWith("bench\t"))
    .map((l) => {
      const [bench, impl, round, value] = l.split("\t");
      return { bench, impl, round, value: Number(value) };
    });
  const out = [
    ...header.map((h) => `<!-- ${h} -->`),
    "",
    "| comparison | sockkit (median) | baseline (median) | ratio (median of per-round) | min..max | rounds |",
    "|---|---:|---:|---:|---|---:|",
  ];
  for (const [bench, a, b, label] of PAIRS) {
    const r = ratio(rows, bench, a, b);
    if (!r) continue;
    out.push(
      `| ${label} (\`${a}\` / \`${b}\`) | ${fmt(r.a)} | ${fmt(r.b)} | **${
        r.ratio.toFixed(3)
      }** | ` +
        `${r.min.toFixed(3)}..${r.max.toFixed(3)} | ${r.n} |`,
    );
  }
  return out.join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { only: { type: "string" }, summarize: { type: "string" } },
  });
  if (values.summarize) {
    console.log(summarize(Deno.readTextFileSync(values.summarize)));
    Deno.exit(0);
  }
  const rounds = positionals[0] ?? "3";
  if (!/^[1-9][0-9]?$/.test(rounds)) {
    throw new RangeError(`Cannot run bench:compare: ROUNDS must be 1-99, got ${rounds}`);
  }
  const shared = findShared();
  const perf = Deno.env.get("PERF_DIR") ?? "/tmp/sockkit-perf";
  const harness = join(perf, "harness");
  copyHarness(shared, harness);
  const results = join(ROOT, "bench", "results");
  Deno.mkdirSync(results, { recursive: true });
  const before = new Set([...Deno.readDirSync(results)].map((e) => e.name));
  console.error(`bench:compare: ${shared} (copied to ${harness}), ${rounds} rounds`);
  const child = new Deno.Command("bash", {
    args: [join(harness, "run-baselines.sh"), rounds],
    env: {
      SOCKKIT: ROOT,
      RESULTS_DIR: results,
      PERF_DIR: perf,
      DENO: Deno.env.get("DENO") ?? Deno.execPath(),
      ONLY: values.only ?? "tcp|frames|udp|codec",
      DENO_NO_UPDATE_CHECK: "1",
    },
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const status = await child.status;
  const raw = [...Deno.readDirSync(results)]
    .map((e) => e.name)
    .filter((n) => n.startsWith("raw-") && n.endsWith(".tsv") && !before.has(n))
    .sort()
    .at(-1);
  if (!raw) {
    console.error(`bench:compare: the harness wrote no raw TSV (exit ${status.code})`);
    Deno.exit(1);
  }
  console.log(`\n## sockkit against the baselines of the same run (${join(results, raw)})\n`);
  console.log(summarize(Deno.readTextFileSync(join(results, raw))));
  Deno.exit(status.code);
}
