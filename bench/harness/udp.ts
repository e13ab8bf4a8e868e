// sockkit UDP datagram-rate program for shared/bench/run-baselines.sh (same protocol as
// shared/bench/deno/udp.ts and c/udp.c), on sockkit's UdpSocket.
//   udp.ts recv [BATCH]                 -- prints "PORT n"; counts datagrams until 300 ms idle
//                                          (or 20 s); "RESULT <rx/s> dgram/s <count>"
//   udp.ts send PORT SECS MAX [BATCH]   -- sequential sends; "SENT <tx/s> <count>"
// Without BATCH (or BATCH 1): `recvFrom({ buffer })` into one reused buffer, as the plain-Deno
// program's `receive(buf)`, and `await sock.sendTo()`. With BATCH > 1 (the harness passes 64,
// as c/udp.c uses recvmmsg/sendmmsg): `recvBatch()` and `sendBatch()` of BATCH datagrams, on a
// socket bound with `batchSize: BATCH`. Without --allow-ffi the batch calls fall back to one
// datagram each; a line on stderr says so.
import { bind } from "../../mod.ts";

const [mode, portS, a3, a4] = Deno.args;
const BATCH = Number((mode === "recv" ? portS : Deno.args[4]) ?? 1);
if (!(Number.isInteger(BATCH) && BATCH >= 1 && BATCH <= 1024)) {
  console.error(`udp.ts: BATCH must be 1-1024, got ${BATCH}`);
  Deno.exit(2);
}
setTimeout(() => Deno.exit(3), 30_000);
const sock = bind({ hostname: "127.0.0.1", port: 0, maxDatagramSize: 2048, batchSize: BATCH });
if (BATCH > 1 && !sock.batched) {
  console.error(`udp.ts: per-datagram fallback: ${sock.batchFallbackReason}`);
}

if (mode === "recv") {
  console.log(`PORT ${sock.addr.port}`);
  let n = 0, tFirst = 0, tLast = 0, seen = -1;
  const started = performance.now();
  // idle watchdog: close the socket once nothing arrived for >= 300 ms (the receive then rejects)
  const wd = setInterval(() => {
    if ((n > 0 && n === seen) || performance.now() - started > 20_000) sock.close();
    seen = n;
  }, 300);
  try {
    if (BATCH > 1) {
      for (;;) {
        const batch = await sock.recvBatch();
        tLast = performance.now();
        if (n === 0) tFirst = tLast;
        n += batch.count;
      }
    } else {
      const buffer = new Uint8Array(2048);
      for (;;) {
        await sock.recvFrom({ buffer });
        tLast = performance.now();
        if (n++ === 0) tFirst = tLast;
      }
    }
  } catch { /* closed by the watchdog */ }
  clearInterval(wd);
  console.log(
    `RESULT ${(n > 1 ? (n - 1) / ((tLast - tFirst) / 1000) : 0).toFixed(0)} dgram/s ${n}`,
  );
} else {
  const to = { hostname: "127.0.0.1", port: Number(portS) };
  const secs = Number(a3 ?? 2), max = Number(a4 ?? 2e6);
  const msg = new Uint8Array(64).fill(117);
  const t0 = performance.now(), end = t0 + secs * 1000;
  let i = 0;
  if (BATCH > 1) {
    const msgs = new Array<Uint8Array>(BATCH).fill(msg);
    while (i < max) {
      if ((i & 1023) < BATCH && performance.now() > end) break;
      i += await sock.sendBatch(max - i >= BATCH ? msgs : msgs.slice(0, max - i), to);
    }
  } else {
    for (; i < max; i++) {
      if ((i & 1023) === 0 && performance.now() > end) break;
      await sock.sendTo(msg, to);
    }
  }
  console.log(`SENT ${(i / ((performance.now() - t0) / 1000)).toFixed(0)} ${i}`);
  sock.close();
}
Deno.exit(0);
