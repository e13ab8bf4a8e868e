/**
 * serveWorkers: 1 worker against 2, side by side in one run, on a framed echo server.
 *
 * - echo: 64 connections, 16 frames of 1 KiB in flight each (throughput).
 * - ping-pong: 64 connections, one 64-byte frame in flight each (round trips).
 *
 * Each configuration runs the server (`tests/stress/_server_main.ts --workers N`) and the load
 * client (`tests/stress/_load_client.ts`) as separate processes, alternating 1 and 2 workers
 * for `--rounds` rounds; it prints frames/s per run and the median ratio 2 workers / 1 worker.
 *
 * ```sh
 * deno run -A bench/workers_bench.ts --rounds 3
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { spawn } from "../tests/stress/_subprocess.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, conns: { type: "string", default: "64" } },
});
const here = (p: string) => new URL(p, import.meta.url).pathname;
const MODES = [
  { name: "echo", window: 16, size: 1024, frames: 3000 },
  { name: "ping-pong", window: 1, size: 64, frames: 1500 },
];

async function once(workers: number, mode: typeof MODES[number]): Promise<number> {
  await using server = spawn(Deno.execPath(), [
    "run",
    "-A",
    "--no-check",
    here("../tests/stress/_server_main.ts"),
    "--module",
    here("../tests/stress/_framed_echo_handler.ts"),
    "--workers",
    String(workers),
  ]);
  const port = await server.line("LISTENING");
  await using client = spawn(Deno.execPath(), [
    "run",
    "-A",
    "--no-check",
    here("../tests/stress/_load_client.ts"),
    "--port",
    port,
    "--conns",
    values.conns!,
    "--frames",
    String(mode.frames),
    "--size",
    String(mode.size),
    "--window",
    String(mode.window),
  ]);
  const r = JSON.parse(await client.line("RESULT", 120000));
  if (r.corrupt || r.errors || r.ok !== r.expected) {
    throw new Error(`bad run: ${JSON.stringify(r)}`);
  }
  server.process.kill("SIGTERM");
  await server.exit();
  return r.framesPerSec;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(
  `cores: ${navigator.hardwareConcurrency}, load: ${
    Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
  }`,
);
for (const mode of MODES) {
  const one: number[] = [], two: number[] = [];
  for (let i = 0; i < Number(values.rounds); i++) {
    one.push(await once(1, mode));
    two.push(await once(2, mode));
  }
  console.log(
    `${mode.name}: 1 worker ${one.join(", ")} frames/s; 2 workers ${two.join(", ")} frames/s; ` +
      `median ratio 2/1 = ${(median(two) / median(one)).toFixed(2)}`,
  );
}
