// Child for udp_batch_test.ts: runs a fixed exchange through sendBatch/recvBatch in a process
// of its own (started with or without --allow-ffi) and prints one JSON report: whether the
// batched path was used, the fallback reason, the largest batch seen, and a SHA-256 of every
// received payload (length-prefixed, in order) with their senders' ports checked.
import { bind } from "../../src/net/mod.ts";
import { exchangeDatagrams } from "./_udp_batch_data.ts";

const rx = bind({ hostname: "127.0.0.1", port: 0, maxDatagramSize: 1500 });
const tx = bind({ hostname: "127.0.0.1", port: 0 });
let largest = 0;
const received: Uint8Array[] = [];
let wrongSender = 0;
const sent = exchangeDatagrams();
for (let k = 0; k < sent.length; k += 32) {
  const chunk = sent.slice(k, k + 32);
  await tx.sendBatch(chunk, rx.addr);
  let got = 0;
  while (got < chunk.length) {
    const batch = await rx.recvBatch({ timeout: 5000 });
    largest = Math.max(largest, batch.count);
    for (let i = 0; i < batch.count; i++) {
      if (batch.remotePort(i) !== tx.addr.port) wrongSender++;
      received.push(batch.data(i).slice());
    }
    got += batch.count;
  }
}
const all = new Uint8Array(received.reduce((n, d) => n + 4 + d.length, 0));
let off = 0;
for (const d of received) {
  new DataView(all.buffer).setUint32(off, d.length);
  all.set(d, off + 4);
  off += 4 + d.length;
}
const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
console.log(JSON.stringify({
  batched: rx.batched && tx.batched,
  reason: rx.batchFallbackReason ?? null,
  largest,
  count: received.length,
  wrongSender,
  sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
}));
rx.close();
tx.close();
