/**
 * Byte order: sockkit against plain TypeScript, side by side in one run.
 *
 * ```sh
 * deno bench -A bench/byte_order_bench.ts
 * ```
 *
 * Single values: sockkit's `htons`/`htonl` (TypeScript after measuring this), a raw call into
 * the Wasm core per value, and a plain TS swap. 64-bit: the Wasm core against BigInt
 * arithmetic. Bulk: `toNetworkOrder` (SIMD in the core) against a plain TS loop.
 */
import { htonl, htonll, htons } from "../src/bsd/mod.ts";
import { toNetworkOrder } from "../src/addr/mod.ts";
import { swapU16, swapU32, swapU64 } from "../wasm/byteorder.ts";

const N = 1000;
let sink = 0;

function tsHtons(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}
function tsHtonl(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}
function tsHtonll(x: bigint): bigint {
  const hi = Number(x >> 32n), lo = Number(x & 0xffffffffn);
  return (BigInt(tsHtonl(lo)) << 32n) | BigInt(tsHtonl(hi));
}

Deno.bench("htons x1000: plain TS", { group: "htons", baseline: true }, () => {
  for (let i = 0; i < N; i++) sink += tsHtons(i);
});
Deno.bench("htons x1000: sockkit htons", { group: "htons" }, () => {
  for (let i = 0; i < N; i++) sink += htons(i);
});
Deno.bench("htons x1000: one Wasm call per value", { group: "htons" }, () => {
  for (let i = 0; i < N; i++) sink += swapU16(i);
});

Deno.bench("htonl x1000: plain TS", { group: "htonl", baseline: true }, () => {
  for (let i = 0; i < N; i++) sink += tsHtonl(i * 4099);
});
Deno.bench("htonl x1000: sockkit htonl", { group: "htonl" }, () => {
  for (let i = 0; i < N; i++) sink += htonl(i * 4099);
});
Deno.bench("htonl x1000: one Wasm call per value", { group: "htonl" }, () => {
  for (let i = 0; i < N; i++) sink += swapU32(i * 4099);
});

const big = Array.from({ length: N }, (_, i) => BigInt(i) * 0x0100_0000_0001n);
Deno.bench(
  "htonll x1000: plain TS (BigInt arithmetic)",
  { group: "htonll", baseline: true },
  () => {
    for (let i = 0; i < N; i++) sink += Number(tsHtonll(big[i]) & 1n);
  },
);
Deno.bench("htonll x1000: sockkit htonll (Wasm)", { group: "htonll" }, () => {
  for (let i = 0; i < N; i++) sink += Number(htonll(big[i]) & 1n);
});
Deno.bench("htonll x1000: raw Wasm call", { group: "htonll" }, () => {
  for (let i = 0; i < N; i++) sink += Number(swapU64(big[i]) & 1n);
});

function tsSwap32(a: Uint32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = tsHtonl(a[i]);
}
function tsSwap16(a: Uint16Array): void {
  for (let i = 0; i < a.length; i++) a[i] = tsHtons(a[i]);
}
function tsSwap64(a: BigUint64Array): void {
  const dv = new DataView(a.buffer, a.byteOffset, a.byteLength);
  for (let i = 0; i < a.byteLength; i += 8) dv.setBigUint64(i, dv.getBigUint64(i, true), false);
}

for (const bytes of [64, 1024, 65536, 1 << 20]) {
  const u32 = new Uint32Array(bytes / 4).map((_, i) => i * 2654435761);
  const u16 = new Uint16Array(bytes / 2).map((_, i) => i * 40503);
  const u64 = new BigUint64Array(bytes / 8).map((_, i) => BigInt(i) * 0x9e3779b97f4a7c15n);
  const g = `bulk ${bytes} B`;
  Deno.bench(`Uint32Array ${bytes} B: plain TS loop`, { group: g + " u32", baseline: true }, () => {
    tsSwap32(u32);
  });
  Deno.bench(`Uint32Array ${bytes} B: toNetworkOrder (Wasm SIMD)`, { group: g + " u32" }, () => {
    toNetworkOrder(u32);
  });
  Deno.bench(`Uint16Array ${bytes} B: plain TS loop`, { group: g + " u16", baseline: true }, () => {
    tsSwap16(u16);
  });
  Deno.bench(`Uint16Array ${bytes} B: toNetworkOrder (Wasm SIMD)`, { group: g + " u16" }, () => {
    toNetworkOrder(u16);
  });
  Deno.bench(`BigUint64Array ${bytes} B: plain TS DataView loop`, {
    group: g + " u64",
    baseline: true,
  }, () => {
    tsSwap64(u64);
  });
  Deno.bench(`BigUint64Array ${bytes} B: toNetworkOrder (Wasm SIMD)`, { group: g + " u64" }, () => {
    toNetworkOrder(u64);
  });
}

globalThis.addEventListener("unload", () => {
  if (sink === 0.5) console.log(sink);
});
