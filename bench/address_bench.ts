/**
 * Address parsing and formatting: the Wasm core against a plain TypeScript implementation,
 * side by side in one run. The headline figure is parsing 1,000,000 IPv4 strings.
 *
 * ```sh
 * deno bench -A bench/address_bench.ts
 * ```
 */
import { AF_INET, inet_addr, inet_ntop, inet_pton, inetAddrMany } from "../src/bsd/mod.ts";
import { parseAddress } from "../mod.ts";

const COUNT = 1_000_000;
let seed = 12345;
const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
const TEXTS = Array.from({ length: COUNT }, () => `${rnd()}.${rnd()}.${rnd()}.${rnd()}`);
const BYTES = TEXTS.slice(0, 100_000).map((t) => inet_pton(AF_INET, t)!);
let sink = 0;

/** Plain TS strict IPv4 parser (inet_pton rules): 4 bytes or null. */
function tsPton4(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let part = 0, value = 0, digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return null;
      value = value * 10 + (c - 48);
      if (value > 255) return null;
      digits++;
    } else if (c === 46 && digits > 0 && part < 3) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else {
      return null;
    }
  }
  if (part !== 3 || digits === 0) return null;
  out[3] = value;
  return out;
}

/** Plain TS inet_addr for dotted quads only (no legacy forms, no allocation): s_addr. */
function tsInetAddr(text: string): number {
  let addr = 0, part = 0, value = 0, digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (value > 255 || ++digits > 3) return 0xffffffff;
    } else if (c === 46 && digits > 0 && part < 3) {
      addr |= value << (8 * part++);
      value = 0;
      digits = 0;
    } else {
      return 0xffffffff;
    }
  }
  if (part !== 3 || digits === 0) return 0xffffffff;
  return (addr | (value << 24)) >>> 0;
}

const opts = { n: 8, warmup: 2 };

Deno.bench("parse 1,000,000 IPv4: plain TS strict parser", {
  ...opts,
  group: "pton 1M",
  baseline: true,
}, () => {
  for (let i = 0; i < COUNT; i++) sink += tsPton4(TEXTS[i])![3];
});
Deno.bench("parse 1,000,000 IPv4: inet_pton (Wasm)", { ...opts, group: "pton 1M" }, () => {
  for (let i = 0; i < COUNT; i++) sink += inet_pton(AF_INET, TEXTS[i])![3];
});

Deno.bench("inet_addr 1,000,000 IPv4: plain TS (dotted quads only)", {
  ...opts,
  group: "inet_addr 1M",
  baseline: true,
}, () => {
  for (let i = 0; i < COUNT; i++) sink += tsInetAddr(TEXTS[i]);
});
Deno.bench("inet_addr 1,000,000 IPv4: inet_addr (Wasm, all legacy forms)", {
  ...opts,
  group: "inet_addr 1M",
}, () => {
  for (let i = 0; i < COUNT; i++) sink += inet_addr(TEXTS[i]);
});

const OUT = new Uint32Array(COUNT);
Deno.bench("inet_addr 1,000,000 IPv4: inetAddrMany (Wasm, batch)", {
  ...opts,
  group: "inet_addr 1M",
}, () => {
  inetAddrMany(TEXTS, OUT);
  sink += OUT[COUNT - 1];
});

Deno.bench(
  "parseAddress 1,000,000 IPv4 (Wasm + result object)",
  { ...opts, group: "strict" },
  () => {
    for (let i = 0; i < COUNT; i++) sink += parseAddress(TEXTS[i]).bytes[0];
  },
);

Deno.bench("format 100,000 IPv4: plain TS join", { group: "ntop", baseline: true }, () => {
  for (let i = 0; i < BYTES.length; i++) sink += BYTES[i].join(".").length;
});
Deno.bench("format 100,000 IPv4: inet_ntop (Wasm)", { group: "ntop" }, () => {
  for (let i = 0; i < BYTES.length; i++) sink += inet_ntop(AF_INET, BYTES[i]).length;
});

globalThis.addEventListener("unload", () => {
  if (sink === 0.5) console.log(sink);
});
