// sockkit UDP datagram-rate program for shared/bench/run-baselines.sh (same protocol as
// shared/bench/deno/udp.ts), on sockkit's UdpSocket (`bind`, `sendTo`, `recvFrom`).
//   udp.ts recv                       -- prints "PORT n"; counts datagrams until 300 ms idle
//                                        (or 20 s); "RESULT <rx/s> dgram/s <count>"
//   udp.ts send PORT SECONDS MAXCOUNT -- sequential `await sock.sendTo()`; "SENT <tx/s> <count>"
import { bind } from "../../mod.ts";

const [mode, portS, a3, a4] = Deno.args;
setTimeout(() => Deno.exit(3), 30_000);
const sock = bind({ hostname: "127.0.0.1", port: 0, maxDatagramSize: 2048 });

if (mode === "recv") {
  console.log(`PORT ${sock.addr.port}`);
  let n = 0, tFirst = 0, tLast = 0, seen = -1;
  const started = performance.now();
  // idle watchdog: close the socket once nothing arrived for >= 300 ms (recvFrom then rejects)
  const wd = setInterval(() => {
    if ((n > 0 && n === seen) || performance.now() - started > 20_000) sock.close();
    seen = n;
  }, 300);
  try {
    for (;;) {
      await sock.recvFrom();
      tLast = performance.now();
      if (n++ === 0) tFirst = tLast;
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
  for (; i < max; i++) {
    if ((i & 1023) === 0 && performance.now() > end) break;
    await sock.sendTo(msg, to);
  }
  console.log(`SENT ${(i / ((performance.now() - t0) / 1000)).toFixed(0)} ${i}`);
  sock.close();
}
Deno.exit(0);
