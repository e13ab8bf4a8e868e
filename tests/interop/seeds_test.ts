/**
 * The seeds' own C programs (compiled by gcc from the seed text, see ./seeds_programs.ts)
 * against sockkit's ports of them, in both roles: the C server with the idiomatic and the
 * BSD-style client, and the C client with both servers. What each side prints must be the
 * bytes the C program prints against its C partner; the only thing normalized is a port
 * number, which the system picks.
 */
import assert from "node:assert/strict";
import { DENO_RUN } from "../examples/_run.ts";
import { coverageFlags } from "../_coverage.ts";
import {
  compileSeedProgram,
  findSeeds,
  SEED_FILES,
  SEED_PROGRAMS,
  type SeedProgramName,
  sharedSeeds,
  VENDORED_SEEDS,
} from "./seeds_programs.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Bytes as a string of the same length, one char per byte, so that nothing is decoded. */
const latin1 = new TextDecoder("latin1");
const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Why the test cannot run here, or null. */
async function missing(): Promise<string | null> {
  if (findSeeds() === null) {
    return "the seed documents (../shared/seeds/ or tests/interop/seeds/) are not here";
  }
  try {
    await new Deno.Command("gcc", { args: ["--version"], stdout: "null" }).output();
  } catch {
    return "gcc is not installed (.ci/run installs it)";
  }
  return null;
}

/** A running program whose stdout is kept as raw bytes. */
interface Run extends AsyncDisposable {
  /** stdout so far, one char per byte. */
  out(): string;
  /** Wait (bounded) until stdout matches. */
  waitFor(re: RegExp, timeout?: number): Promise<void>;
  /** Write stdin and close it. */
  input(data: string): Promise<void>;
  /** Wait (bounded, then SIGKILL) for the exit code. */
  exit(timeout?: number): Promise<number>;
  /** Stop it (SIGTERM) by its own PID and wait. */
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Run {
  const process = new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let err = "";
  let exited = false;
  const status = process.status.then((s) => (exited = true, s.code));
  const drain = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
    for await (const chunk of s) add(latin1.decode(chunk));
  };
  const pumps = Promise.all([
    drain(process.stdout, (t) => (out += t)),
    drain(process.stderr, (t) => (err += t)),
  ]);
  const exit = async (timeout = 15_000) => {
    const timer = setTimeout(() => {
      if (!exited) process.kill("SIGKILL");
    }, timeout);
    const code = await status;
    clearTimeout(timer);
    await pumps;
    return code;
  };
  const self: Run = {
    out: () => out,
    async waitFor(re, timeout = 15_000) {
      const until = Date.now() + timeout;
      while (!re.test(out)) {
        if (exited || Date.now() > until) {
          throw new Error(`${cmd} did not print ${re}\nstdout:\n${out}\nstderr:\n${err}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async input(data) {
      const w = process.stdin.getWriter();
      await w.write(bytes(data));
      await w.close();
    },
    exit,
    async stop() {
      if (!exited) process.kill("SIGTERM");
      await exit(5000);
    },
    async [Symbol.asyncDispose]() {
      await process.stdin.close().catch(() => {});
      await self.stop();
    },
  };
  return self;
}

/** The three implementations of each program. */
type Side = "C" | "idiomatic" | "bsd";

/** Start one side of a program on `port`. */
function start(
  side: Side,
  name: SeedProgramName,
  port: number,
  binaries: Map<SeedProgramName, string>,
  extra: string[] = [],
): Run {
  if (side === "C") return run(binaries.get(name)!, [], { SEED_PORT: String(port) });
  const path = `examples/${side === "bsd" ? "bsd/" : ""}${name}.ts`;
  return run(Deno.execPath(), [
    ...DENO_RUN,
    ...coverageFlags(),
    path,
    "--port",
    String(port),
    ...extra,
  ]);
}

/** A free TCP or UDP port on 127.0.0.1 (asked of the system, then released). */
function freePort(transport: "tcp" | "udp"): number {
  if (transport === "tcp") {
    using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return l.addr.port;
  }
  const u = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (u.addr as Deno.NetAddr).port;
  u.close();
  return port;
}

/** Wait (bounded) until a TCP server accepts on `port`, without sending it anything. */
async function tcpReady(port: number): Promise<void> {
  // The C servers accept one client only, so readiness is read from `ss`, not by connecting.
  for (let i = 0; i < 200; i++) {
    const ss = await new Deno.Command("ss", { args: ["-Htln", `sport = :${port}`] }).output();
    if (new TextDecoder().decode(ss.stdout).includes(`:${port}`)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`Cannot start the server: nothing listens on port ${port} after 5 s`);
}

/** Wait (bounded) until a UDP socket is bound to `port`. */
async function udpReady(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ss = await new Deno.Command("ss", { args: ["-Huln", `sport = :${port}`] }).output();
    if (new TextDecoder().decode(ss.stdout).includes(`:${port}`)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`Cannot start the server: nothing is bound to UDP port ${port} after 5 s`);
}

/** The one normalization: port numbers the system picked, and the server's own. */
function normalize(text: string, port: number): string {
  const viaPort = latin1.decode(new TextEncoder().encode("通过端口: ")); // the welcome server's
  return text
    .replaceAll(new RegExp(`(${viaPort}|port:\\[)\\d+`, "g"), "$1<port>")
    .replaceAll(String(port), "<server port>");
}

/** One pairing's transcripts. */
interface Transcript {
  server: string;
  client: string;
}

interface Family {
  server: SeedProgramName;
  client: SeedProgramName;
  transport: "tcp" | "udp";
  /** What the client reads on stdin. */
  stdin: string;
  /** Arguments that make a sockkit server stop after one client. */
  once: string[];
  /** When the C server (which never stops by itself) has printed everything. */
  serverDone: RegExp;
  /** What the C client must print against the C server (proof the reference is sound). */
  reference: string;
}

const FAMILIES: Record<string, Family> = {
  echo: {
    server: "echo_server",
    client: "echo_client",
    transport: "tcp",
    // Text, a byte that is not UTF-8 (the seed's C prints it raw), and the seed's "exit".
    stdin: "hello world\ncaf\xe9\ntab\there\nexit\n",
    once: ["--max-clients", "1"],
    serverDone: /server received:tab\there\n/,
    reference: "client received:hello world\nclient received:caf\xe9\nclient received:tab\there\n",
  },
  welcome: {
    server: "tcp_welcome_server",
    client: "tcp_welcome_client",
    transport: "tcp",
    stdin: "",
    once: ["--max-clients", "1"],
    serverDone: /close client Socket successful \n\n/,
    reference: "connect to server: 127.0.0.1 successfull \n" +
      "    receive data from server: Welcome \n    send hello to server successful \n",
  },
  udp: {
    server: "udp_server",
    client: "udp_client",
    transport: "udp",
    stdin: "",
    once: ["--count", "1"],
    serverDone: /sendto\( \) (succeeded!|Failed)/,
    reference: "sendto( ) succeeded.\nrecvfrom( ):Hello! I am a server.\n-----\n",
  },
};

async function pair(
  family: Family,
  serverSide: Side,
  clientSide: Side,
  binaries: Map<SeedProgramName, string>,
): Promise<Transcript> {
  const port = freePort(family.transport);
  await using server = start(serverSide, family.server, port, binaries, family.once);
  await (family.transport === "tcp" ? tcpReady(port) : udpReady(port));
  await using client = start(clientSide, family.client, port, binaries);
  await client.input(family.stdin);
  assert.equal(await client.exit(), 0, `${clientSide} ${family.client} failed: ${client.out()}`);
  if (serverSide === "C") {
    await server.waitFor(family.serverDone);
    await server.stop();
  } else {
    assert.equal(await server.exit(), 0, `${serverSide} ${family.server} failed`);
  }
  return { server: normalize(server.out(), port), client: normalize(client.out(), port) };
}

const skip = await missing();
if (skip) console.log(`SKIP: seeds interop: ${skip}`);
const dir = skip ? "" : await Deno.makeTempDir({ prefix: "sockkit_seeds_" });
const binaries = new Map<SeedProgramName, string>();

for (const [familyName, family] of Object.entries(FAMILIES)) {
  Deno.test({
    name:
      `the seeds' C ${familyName} programs print the same bytes against sockkit's idiomatic and BSD ports as against each other`,
    ignore: skip !== null,
    async fn(t) {
      for (const name of [family.server, family.client]) {
        if (!binaries.has(name)) {
          binaries.set(name, await compileSeedProgram(findSeeds()!, name, dir));
        }
      }
      const reference = await pair(family, "C", "C", binaries);
      assert.equal(reference.client, family.reference);
      assert.notEqual(reference.server, "", "the C server printed nothing");
      for (const port of ["idiomatic", "bsd"] as const) {
        await t.step(`C server, ${port} client`, async () => {
          const got = await pair(family, "C", port, binaries);
          assert.deepEqual(got, reference);
        });
        await t.step(`${port} server, C client`, async () => {
          const got = await pair(family, port, "C", binaries);
          assert.deepEqual(got, reference);
        });
      }
    },
  });
}

Deno.test({
  name: "the seed programs are extracted with named edits only, each of which still applies",
  ignore: skip !== null,
  async fn() {
    // Compiling all of them proves every edit in SEED_PROGRAMS found its text.
    for (const name of Object.keys(SEED_PROGRAMS) as SeedProgramName[]) {
      if (!binaries.has(name)) {
        binaries.set(name, await compileSeedProgram(findSeeds()!, name, dir));
      }
      assert.ok(Deno.statSync(binaries.get(name)!).isFile);
    }
  },
});

Deno.test({
  name: "the seed programs' temporary build folder is removed",
  ignore: skip !== null,
  async fn() {
    await Deno.remove(dir, { recursive: true });
    assert.throws(() => Deno.statSync(dir), Deno.errors.NotFound);
  },
});

Deno.test("the seed copies in tests/interop/seeds/ equal the shared seed documents byte for byte", () => {
  const shared = sharedSeeds();
  if (shared === null) {
    console.log("SKIP: no ../shared/seeds/ beside this checkout; the tests use the copies");
    return;
  }
  for (const file of Object.values(SEED_FILES)) {
    assert.deepEqual(
      Deno.readFileSync(`${VENDORED_SEEDS}${file}`),
      Deno.readFileSync(`${shared}${file}`),
      `${file} differs from ${shared}${file}: copy it again (cp ${shared}${file} tests/interop/seeds/)`,
    );
  }
});
