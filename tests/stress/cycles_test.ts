/**
 * RES-08: thousands of connect/close cycles, each with socket options set and a mix of
 * graceful, abortive and plain closes, leave no descriptor and no heap behind (the descriptor
 * cache and its inode owners included). Runs in a child process (see `_cycles_child.ts`).
 * Short by default (3,000 cycles); `STRESS_FULL=1` runs 20,000.
 */
import assert from "node:assert/strict";
import { jsonChild } from "../_child.ts";

const FULL = Deno.env.get("STRESS_FULL") === "1";
const CYCLES = FULL ? 20_000 : 3_000;

Deno.test(`${CYCLES} connect/close cycles with options set leave no descriptor or heap behind (RES-08)`, async () => {
  type Snapshot = { fds: number; heap: number; owned: number };
  const r = await jsonChild<{ cycles: number; before: Snapshot; after: Snapshot }>(
    new URL("./_cycles_child.ts", import.meta.url),
    ["-A", "--v8-flags=--expose-gc"],
    [String(CYCLES)],
  );
  assert.equal(r.cycles, CYCLES);
  // The runtime may open a descriptor or two of its own on first use (thread-pool wakeups);
  // a leak would be one or more per cycle.
  assert.ok(r.after.fds - r.before.fds <= 2, `descriptors ${r.before.fds} -> ${r.after.fds}`);
  // Closed or collected sockets give their inodes back (markClosed, or the finalizer).
  assert.ok(
    r.after.owned - r.before.owned <= 4,
    `owned inodes ${r.before.owned} -> ${r.after.owned}`,
  );
  const grew = r.after.heap - r.before.heap;
  assert.ok(grew < 2 * 1024 * 1024, `heap grew by ${grew} bytes over ${CYCLES} cycles`);
});
