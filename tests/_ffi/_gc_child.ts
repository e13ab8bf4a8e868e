/**
 * Child process for `safety_test.ts` (FFI-07, FFI-13): FFI calls with V8's garbage collector
 * forced in between, which needs `--v8-flags=--expose-gc` and therefore a process of its own.
 * Prints one JSON line with the counts of wrong answers; the test asserts on it.
 *
 * - errno: 10,000 failing `setsockopt` calls (a 4-byte `SO_LINGER`, EINVAL), with an `await`
 *   and a full GC every 500. The reported code must always be EINVAL.
 * - lookup / reverseLookup: the resolver's `nonblocking: true` symbols run on another
 *   thread. Their input buffers (host, service, hints, sockaddr) are not referenced by
 *   JavaScript once the call is under way, and GC runs while they are pending. Every answer
 *   must match its own input. Only numeric hosts are used, so no query leaves the machine.
 *
 * @module
 */
import { lookup, reverseLookup, SocketOptionError } from "../../mod.ts";
import { setSocketOption, socketConstants } from "../../src/sockopt/mod.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (typeof gc !== "function") {
  console.log(JSON.stringify({ gc: false }));
  Deno.exit(0);
}
setTimeout(() => {
  console.error("gc child: stopped after 60 s");
  Deno.exit(3);
}, 60_000);
const C = socketConstants();

let errnoCalls = 0, errnoWrong = 0;
{
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  for (let i = 0; i < 10_000; i++) {
    errnoCalls++;
    try {
      setSocketOption(client, C.SOL_SOCKET, C.SO_LINGER, new Uint8Array(4));
      errnoWrong++;
    } catch (e) {
      if (!(e instanceof SocketOptionError) || e.code !== "EINVAL") errnoWrong++;
    }
    if (i % 500 === 0) {
      await new Promise((r) => setTimeout(r, 0));
      gc();
    }
  }
  client.close();
  server.close();
  listener.close();
}

// 4 rounds of 64 concurrent pairs of calls. A full GC after every 8 pairs are started: the
// calls cannot settle before the next turn of the event loop, so they are still pending (queued
// or running on the worker threads) when the collector runs.
const ROUNDS = 4, WIDTH = 64;
let resolverCalls = 0, addrinfoWrong = 0, nameinfoWrong = 0;
const wrongSamples: string[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const pending: Promise<void>[] = [];
  for (let i = 0; i < WIDTH; i++) {
    const host = `127.${r}.${i >> 8}.${(i & 255) + 1}`;
    const port = 1000 + r * WIDTH + i;
    resolverCalls++;
    pending.push(
      lookup(host, String(port), { socktype: "stream", resolver: "system" }).then(
        (list) => {
          const ok = list.length > 0 &&
            list.every((a) => a.address === host && a.port === port);
          if (!ok) {
            addrinfoWrong++;
            wrongSamples.push(`lookup ${host}:${port} -> ${JSON.stringify(list)}`);
          }
        },
        (e) => {
          addrinfoWrong++;
          wrongSamples.push(`lookup ${host}:${port} threw ${e}`);
        },
      ),
      reverseLookup({ hostname: host, port }, {
        numericHost: true,
        numericService: true,
        resolver: "system",
      }).then(
        (n) => {
          if (n.host !== host || n.service !== String(port)) {
            nameinfoWrong++;
            wrongSamples.push(`reverseLookup ${host}:${port} -> ${JSON.stringify(n)}`);
          }
        },
        (e) => {
          nameinfoWrong++;
          wrongSamples.push(`reverseLookup ${host}:${port} threw ${e}`);
        },
      ),
    );
    if (i % 8 === 7) gc();
  }
  await Promise.all(pending);
}

console.log(JSON.stringify({
  gc: true,
  errnoCalls,
  errnoWrong,
  resolverCalls,
  addrinfoWrong,
  nameinfoWrong,
  wrongSamples: wrongSamples.slice(0, 5),
}));
Deno.exit(0);
