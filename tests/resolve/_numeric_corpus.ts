/**
 * The numeric-host corpus shared by the oracle test and its no-FFI child: legacy, zero-padded,
 * hex, zone and mapped forms, invalid numeric text and plain names. Run as a module, it prints
 * sockkit's answers for every text (`lookup` with `numericHost`, families 0, 4 and 6, and
 * `reverseLookup` with `numericHost`) as one JSON line, for the resolver given as argument.
 *
 * @module
 */
import { lookup, ResolveError, reverseLookup } from "../../src/resolve/resolve.ts";
import { AddressSyntaxError } from "../../src/addr/errors.ts";
import { inet_pton } from "../../src/bsd/inet.ts";

/** Texts of every form; no entry is ever sent to DNS (numericHost is set on every lookup). */
export const NUMERIC_CORPUS: readonly string[] = [
  // legacy (1 to 4 parts)
  "127.1",
  "127.0.1",
  "1",
  "0",
  "4294967295",
  "4294967296",
  "127.0.0.1",
  "255.255.255.255",
  // zero-padded (octal)
  "010.0.0.1",
  "0127.0.0.1",
  "00.00.00.00",
  "08.0.0.1",
  "09",
  "1.2.3.0377",
  "1.2.3.0400",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000010.1",
  // hex
  "0x7f.1",
  "0X7F000001",
  "0x",
  "0xg",
  "0x1.0x2.0x3.0x4",
  "0x100.0.0.1",
  "0xffffffff",
  "0x7f.0x",
  // invalid numeric text
  "256.1.1.1",
  "1.2.3.4.5",
  "1.2.3.4.",
  ".1.2.3",
  "1..2",
  "1.2.3.4 ",
  " 1.2.3.4",
  "1.2.3.4 junk",
  "1.2.3.-1",
  "+1.2.3.4",
  "1.2.3.4\t",
  "999999999999",
  // IPv6
  "::1",
  "::",
  "0::0001",
  "1:2:3:4:5:6:7:8",
  "1::2::3",
  "::0x1.2.3.4",
  "::1.2.3.4",
  "1:2:3:4:5:6:7::",
  "::1 ",
  "[::1]",
  "1:2:3:4:5:6:7:8:9",
  "::12345",
  "2001:DB8::A",
  // mapped
  "::ffff:1.2.3.4",
  "::FFFF:7f00:1",
  "::ffff:010.0.0.1",
  "::ffff:1.2.3",
  "::ffff:0.0.0.0",
  // zones
  "fe80::1%lo",
  "fe80::1%1",
  "fe80::1%01",
  "fe80::1%4294967295",
  "fe80::1%4294967296",
  "fe80::1%",
  "::1%1",
  "::1%lo",
  "ff02::1%lo",
  "ff01::1%lo",
  "ff05::1%lo",
  "fe80::1%nosuchif",
  "1.2.3.4%1",
  "fe80::1%1%2",
  "fe80::1%..",
  "::ffff:1.2.3.4%3",
  // names
  "localhost",
  "example.com",
  "1e100.net",
  "a.b.c.d",
  "0x7f.example",
  "",
];

/** One family's answer: `[family, hex bytes, scope id]` per address, or an error tag. */
export type Answer = [number, string, number][] | string;

/** How sockkit answered every text, per family, and `reverseLookup`'s numeric host text. */
export type Report = Record<string, { f0: Answer; f4: Answer; f6: Answer; reverse: string }>;

function hexOf(text: string, family: number): string {
  const b = inet_pton(family === 4 ? 2 : 10, text);
  return b === null
    ? `unparsable:${text}`
    : Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function tag(e: unknown): string {
  if (e instanceof AddressSyntaxError) return "syntax";
  if (e instanceof ResolveError) return e.gaiCode;
  return `other:${e}`;
}

async function answer(text: string, family: 0 | 4 | 6, resolver: "system" | "fallback") {
  try {
    const r = await lookup(text, undefined, {
      numericHost: true,
      family,
      socktype: "stream",
      resolver,
    });
    return r.map((a) => [a.family, hexOf(a.address, a.family), a.scopeId ?? 0]) as Answer;
  } catch (e) {
    return tag(e);
  }
}

/** sockkit's report over the corpus, with one resolver. */
export async function sockkitReport(resolver: "system" | "fallback"): Promise<Report> {
  const out: Report = {};
  for (const text of NUMERIC_CORPUS) {
    let reverse: string;
    try {
      reverse = (await reverseLookup({ hostname: text, port: 0 }, {
        numericHost: true,
        numericService: true,
        resolver,
      })).host;
    } catch (e) {
      reverse = e instanceof SyntaxError && !(e instanceof AddressSyntaxError) ? "name" : tag(e);
    }
    out[text] = {
      f0: await answer(text, 0, resolver),
      f4: await answer(text, 4, resolver),
      f6: await answer(text, 6, resolver),
      reverse,
    };
  }
  return out;
}

if (import.meta.main) {
  console.log(
    JSON.stringify(await sockkitReport(Deno.args[0] === "system" ? "system" : "fallback")),
  );
}
