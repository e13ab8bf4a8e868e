/**
 * Runs the descriptor-discovery scenarios whose outcome depends on which descriptor numbers
 * the kernel hands out, in a process of its own: under `deno test --parallel` other test
 * files share the test process's descriptor table and would take numbers in between.
 * Prints one JSON object; `fd_test.ts` checks it.
 *
 * @module
 */
import { _discovery, markClosed, resolveSocket } from "../../src/_ffi/fd.ts";
import { getSocketOptions, setSocketOptions } from "../../src/sockopt/socket_options.ts";
import { StaleDescriptorError } from "../../src/sockopt/errors.ts";
import { ssFds, ssName } from "./_ss.ts";

const problem = (f: () => unknown) => {
  try {
    f();
    return "none";
  } catch (e) {
    return e instanceof StaleDescriptorError ? `${e.problem}:${e.fd}` : String(e);
  }
};

const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });

// 1. Fresh connections after a sweep: found on a likely number, no new sweep; ss agrees.
const pairs: Deno.Conn[] = [];
for (let i = 0; i < 20; i++) {
  pairs.push(await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port }));
  pairs.push(await l.accept());
}
resolveSocket(l); // a listener always sweeps, so the index is fresh here
const fresh: { sweeps: number; fd: number; ss: number | undefined }[] = [];
for (let round = 0; round < 3; round++) {
  const before = _discovery.sweeps;
  const c = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
  const s = await l.accept();
  const fd = resolveSocket(c).fd;
  const sweeps = _discovery.sweeps - before;
  const ss = (await ssFds()).get(
    `${ssName(c.localAddr as Deno.NetAddr)} ${ssName(c.remoteAddr as Deno.NetAddr)}`,
  );
  fresh.push({ sweeps, fd, ss });
  c.close();
  s.close();
}
for (const c of pairs) c.close();

// 2. A number reused by a fresh connection: found without a sweep, stale for the old object.
const a = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
const as = await l.accept();
const fdA = resolveSocket(a).fd;
a.close();
as.close();
const b = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
const bs = await l.accept();
const before = _discovery.sweeps;
const fdB = resolveSocket(b).fd;
const keepAliveBefore = getSocketOptions(b, ["keepAlive"]).keepAlive;
const reused = {
  fdA,
  fdB,
  sweeps: _discovery.sweeps - before,
  oldObject: problem(() => setSocketOptions(a, { keepAlive: { idle: 5 } })),
  // The call on the old object must not have reached B, which now holds the number.
  newUntouched: JSON.stringify(getSocketOptions(b, ["keepAlive"]).keepAlive) ===
    JSON.stringify(keepAliveBefore),
};
b.close();
bs.close();

// 3. A closed descriptor whose number nobody took: "closed"; after markClosed, no libc call.
const c = await Deno.connect({ hostname: "127.0.0.1", port: l.addr.port });
const cs = await l.accept();
resolveSocket(c);
c.close();
const closed = {
  first: problem(() => resolveSocket(c)),
  afterMark: (markClosed(c), problem(() => resolveSocket(c))),
};
cs.close();
l.close();
console.log(JSON.stringify({ fresh, reused, closed }));
