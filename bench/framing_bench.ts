// Framing and IOBuffer measurements that run-baselines.sh does not cover. Not a test.
//
//   deno run -A --v8-flags=--expose-gc bench/framing_bench.ts idle
//     bytes per idle IOBuffer (10,000 of them): JS heap and Wasm heap
//   deno run -A bench/framing_bench.ts frames [ROUNDS=3] [COUNT=4000000]
//     tcp_frames_32B receivers side by side in each round, all fed by the same C client
//     (shared/bench/c/tcp_client.c, built into $PERF_DIR/bench-bin or /tmp/fx/bin):
//     C server, plain Deno server, sockkit batch / each / iter; prints medians and ×plain-Deno.
import { IOBuffer } from "../mod.ts";
import { heapStats } from "../wasm/iobuf.ts";

const [what = "idle", a2, a3] = Deno.args;

if (what === "idle") {
  // deno-lint-ignore no-explicit-any
  const gc = (globalThis as any).gc as (() => void) | undefined;
  if (!gc) throw new Error("run with --v8-flags=--expose-gc");
  const N = 10_000;
  gc();
  const js0 = Deno.memoryUsage().heapUsed;
  const w0 = heapStats();
  const bufs: IOBuffer[] = [];
  for (let i = 0; i < N; i++) bufs.push(new IOBuffer());
  gc();
  const js1 = Deno.memoryUsage().heapUsed;
  const w1 = heapStats();
  console.log(
    `idle IOBuffer: ${((js1 - js0) / N).toFixed(1)} bytes of JS heap each (array slot included), ` +
      `${(w1.usedBytes - w0.usedBytes) / N} bytes of Wasm heap each, ${N} buffers`,
  );
  // one byte each: the smallest block (64 bytes incl. 8-byte header) + FinalizationRegistry entry
  for (const b of bufs) b.append(new Uint8Array(1));
  gc();
  const js2 = Deno.memoryUsage().heapUsed;
  const w2 = heapStats();
  console.log(
    `1-byte IOBuffer: ${((js2 - js0) / N).toFixed(1)} bytes of JS heap each, ` +
      `${(w2.usedBytes - w0.usedBytes) / N} bytes of Wasm heap each`,
  );
  for (const b of bufs) b.free();
  console.log(`after free(): Wasm heap used ${heapStats().usedBytes - w0.usedBytes} bytes`);
} else if (what === "frames") {
  const rounds = Number(a2 ?? 3), count = a3 ?? "4000000";
  const perf = Deno.env.get("PERF_DIR") ?? "/tmp/perf";
  let bin = `${perf}/bench-bin`;
  try {
    Deno.statSync(`${bin}/tcp_client`);
  } catch {
    bin = "/tmp/fx/bin";
  }
  const here = new URL(".", import.meta.url).pathname;
  const shared = Deno.env.get("SHARED_BENCH") ?? "/work/shared/bench";
  const deno = Deno.execPath();
  const servers: [string, string[], Record<string, string>][] = [
    ["c", [`${bin}/tcp_server`, "frames"], {}],
    ["deno-plain", [deno, "run", "-A", `${shared}/deno/tcp_server.ts`, "frames"], {}],
    ["sockkit-batch", [deno, "run", "-A", `${here}harness/tcp_server.ts`, "frames"], {
      SOCKKIT_FRAMES_API: "batch",
    }],
    ["sockkit-each", [deno, "run", "-A", `${here}harness/tcp_server.ts`, "frames"], {
      SOCKKIT_FRAMES_API: "each",
    }],
    ["sockkit-iter", [deno, "run", "-A", `${here}harness/tcp_server.ts`, "frames"], {
      SOCKKIT_FRAMES_API: "iter",
    }],
  ];
  const results: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, cmd, env] of servers) {
      const srv = new Deno.Command(cmd[0], {
        args: cmd.slice(1),
        env,
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const rd = srv.stdout.getReader();
      let text = "";
      while (!/PORT \d+/.test(text)) {
        const { value, done } = await rd.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      const port = /PORT (\d+)/.exec(text)![1];
      const out = await new Deno.Command(`${bin}/tcp_client`, {
        args: ["frames", port, count],
        stdout: "piped",
      })
        .output();
      const m = /RESULT (\d+)/.exec(new TextDecoder().decode(out.stdout));
      (results[name] ??= []).push(m ? Number(m[1]) : NaN);
      await srv.status;
      rd.releaseLock();
      await srv.stdout.cancel();
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  // ratios per round, then the median (as run-baselines.sh does)
  console.log(
    `| receiver (C client, ${count} x 32 B) | msg/s (median of ${rounds}) | x plain Deno |`,
  );
  console.log("|---|---:|---:|");
  for (const name of Object.keys(results)) {
    const ratio = med(results[name].map((v, i) => v / results["deno-plain"][i]));
    console.log(`| ${name} | ${(med(results[name]) / 1e6).toFixed(2)} M | ${ratio.toFixed(2)} |`);
  }
}
