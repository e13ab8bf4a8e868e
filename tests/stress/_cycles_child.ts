/**
 * Child process for `cycles_test.ts` (RES-08): open and close connections over and over, with
 * socket options set on every one (so each goes through descriptor discovery and its cache)
 * and a mix of closes: Deno's own, `closeSocket` with a linger of 0 (RST) and of 1 s
 * (graceful), `abortConnection`, and sockkit wrappers. Prints one JSON line with the
 * descriptor count and heap before and after; it runs in a process of its own because
 * `deno test --parallel` shares the test process's descriptor table between files.
 *
 * Usage: deno run -A --v8-flags=--expose-gc _cycles_child.ts CYCLES
 *
 * @module
 */
import { abortConnection, closeSocket, connect, listen, setSocketOptions } from "../../mod.ts";
import { _discovery } from "../../src/_ffi/fd.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (typeof gc !== "function") throw new Error("run with --v8-flags=--expose-gc");
setTimeout(() => {
  console.error("cycles child: stopped after 60 s");
  Deno.exit(3);
}, 60_000);
const cycles = Number(Deno.args[0] ?? 2000);
const fds = () => [...Deno.readDirSync("/proc/self/fd")].length;
const settle = async () => {
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
};

const plain = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const wrapped = listen({ hostname: "127.0.0.1", port: 0 });
async function cycle(i: number): Promise<void> {
  if (i % 2 === 0) {
    const c = await Deno.connect({ hostname: "127.0.0.1", port: plain.addr.port });
    const s = await plain.accept();
    setSocketOptions(c, { noDelay: true, keepAlive: { idle: 30 } });
    setSocketOptions(s, { linger: i % 4 === 0 ? 0 : 1 });
    c.close();
    await closeSocket(s);
  } else {
    const accepted = wrapped.accept();
    const c = await connect({ port: wrapped.addr.port, noDelay: true });
    const s = await accepted;
    setSocketOptions(c, { keepAlive: { idle: 30, interval: 5, count: 3 } });
    if (i % 4 === 1) abortConnection(c);
    else await c.close();
    await s.close();
  }
}

for (let i = 0; i < 200; i++) await cycle(i); // warm-up: JIT, caches, runtime pools
await settle();
const snapshot = () => ({
  fds: fds(),
  heap: Deno.memoryUsage().heapUsed,
  owned: _discovery.owned,
});
const before = snapshot();
for (let i = 0; i < cycles; i++) await cycle(i);
await settle();
const after = snapshot();
plain.close();
await wrapped.close();
console.log(JSON.stringify({ cycles, before, after }));
Deno.exit(0);
