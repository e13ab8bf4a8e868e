/**
 * Runs the seeds' TCP and UDP program pairs (the Berkeley-sockets ports in examples/bsd/) on
 * loopback with free ports, twice each client as in the seeds' screenshots, and prints each
 * side's transcript.
 *
 * Run: deno run --allow-run --allow-read examples/seed_demo.ts
 * (the servers and clients run as child processes with `--allow-net --unstable-net`.)
 *
 * @module
 */
const here = new URL(".", import.meta.url).pathname;
const FLAGS = ["run", "--allow-net", "--unstable-net", "--no-check"];

async function runPair(
  log: (line: string) => void,
  server: string,
  client: string,
  args: string[],
): Promise<void> {
  const srv = new Deno.Command(Deno.execPath(), {
    args: [...FLAGS, `${here}bsd/${server}.ts`, "--port", "0", ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = srv.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/listening on \S+:(\d+)/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${server} exited early:\n${out}`);
    out += value;
  }
  const port = out.match(/listening on \S+:(\d+)/)![1];
  const clientOut: string[] = [];
  for (let i = 0; i < 2; i++) {
    const c = await new Deno.Command(Deno.execPath(), {
      args: [...FLAGS, `${here}bsd/${client}.ts`, "--port", port],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    clientOut.push(new TextDecoder().decode(c.stdout));
  }
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  await srv.status;
  log(`=== ${server} (port ${port}) ===`);
  log(out.replace(/^listening on .*\n/, "").trimEnd());
  clientOut.forEach((t, i) => {
    log(`=== ${client} run ${i + 1} ===`);
    log(t.trimEnd());
  });
  log("");
}

/**
 * Run the TCP welcome pair and the UDP pair, each client twice, and log the transcripts.
 *
 * @param log Where each line goes.
 */
export async function seedDemo(log: (line: string) => void = console.log): Promise<void> {
  await runPair(log, "tcp_welcome_server", "tcp_welcome_client", ["--max-clients", "2"]);
  await runPair(log, "udp_server", "udp_client", ["--count", "2"]);
}

if (import.meta.main) await seedDemo();
