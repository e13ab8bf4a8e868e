/**
 * Differential tests of numeric host text: `parseNumericHost`, `lookup` and `reverseLookup`
 * (system resolver and no-FFI fallback, in this process and in a child without --allow-ffi)
 * against glibc's `getaddrinfo(AI_NUMERICHOST)` and `getnameinfo(NI_NUMERICHOST)` called
 * through FFI, and against Python's socket module. Numeric-looking text that is not an address
 * must be a typed error where glibc says EAI_NONAME (glibc would look it up as a name).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseNumericHost } from "../../src/addr/ip.ts";
import { AddressSyntaxError } from "../../src/addr/errors.ts";
import { jsonChild, pythonJson } from "../_child.ts";
import { closeGlibc, glibcAvailable, glibcNumericHost, glibcNumericName } from "../_glibc.ts";
import { type Answer, NUMERIC_CORPUS, type Report, sockkitReport } from "./_numeric_corpus.ts";

const ignore = !glibcAvailable;
const EAI_NAMES: Record<number, string> = { [-2]: "EAI_NONAME", [-9]: "EAI_ADDRFAMILY" };

function glibcAnswer(text: string, family: 0 | 4 | 6): Answer {
  const r = glibcNumericHost(text, family);
  if (typeof r === "number") return EAI_NAMES[r] ?? `EAI_${r}`;
  return r.map((a) => [a.family, a.hex, a.scopeId]);
}

function glibcReverse(text: string): string {
  const r = glibcNumericHost(text, 0);
  if (typeof r === "number") return EAI_NAMES[r] ?? `EAI_${r}`;
  const name = glibcNumericName(r[0].sockaddr);
  return typeof name === "number" ? `EAI_${name}` : name;
}

/**
 * sockkit agrees with glibc, except that numeric-looking junk is "syntax" where glibc says
 * EAI_NONAME (it would look the text up as a name without AI_NUMERICHOST). sockkit reads the
 * whole text before the family hint, so a bad zone is "syntax" where glibc may first say
 * EAI_ADDRFAMILY.
 */
function assertAgrees(text: string, what: string, ours: Answer | string, glibc: Answer | string) {
  if (ours === "syntax") {
    assert.ok(
      glibc === "EAI_NONAME" || (glibc === "EAI_ADDRFAMILY" && text.includes("%")),
      `${what} ${JSON.stringify(text)}: glibc says ${JSON.stringify(glibc)}`,
    );
    return;
  }
  assert.deepEqual(ours, glibc, `${what} ${JSON.stringify(text)}`);
}

function assertReport(report: Report, label: string) {
  for (const text of NUMERIC_CORPUS) {
    const r = report[text];
    assertAgrees(text, `${label} family 0`, r.f0, glibcAnswer(text, 0));
    assertAgrees(text, `${label} family 4`, r.f4, glibcAnswer(text, 4));
    assertAgrees(text, `${label} family 6`, r.f6, glibcAnswer(text, 6));
    const want = glibcReverse(text);
    if (r.reverse === "name") {
      assert.equal(want, "EAI_NONAME", `${label} reverse ${JSON.stringify(text)}`);
    } else {
      assertAgrees(text, `${label} reverse`, r.reverse, want);
    }
  }
}

function withGlibc(body: () => Promise<void> | void): () => Promise<void> {
  return async () => {
    try {
      await body();
    } finally {
      closeGlibc();
    }
  };
}

Deno.test({
  name: "parseNumericHost accepts exactly what glibc's getaddrinfo(AI_NUMERICHOST) accepts",
  ignore,
  fn: withGlibc(() => {
    for (const text of NUMERIC_CORPUS) {
      const g = glibcNumericHost(text, 0);
      let ours: ReturnType<typeof parseNumericHost> | "syntax";
      try {
        ours = parseNumericHost(text);
      } catch (e) {
        assert.ok(e instanceof AddressSyntaxError, String(e));
        ours = "syntax";
      }
      if (typeof g === "number") {
        // glibc refuses it: sockkit either calls it a name (no address) or a syntax error,
        // except for an interface name glibc does not know here (a valid form).
        if (ours !== null && ours !== "syntax") {
          assert.ok(ours.zone !== null && ours.scopeId === null, JSON.stringify(text));
        }
        continue;
      }
      assert.ok(ours !== null && ours !== "syntax", `${JSON.stringify(text)}: glibc accepts it`);
      const want = g[0];
      const hex = Array.from(ours.bytes, (x) => x.toString(16).padStart(2, "0")).join("");
      assert.equal(hex, want.hex, JSON.stringify(text));
      if (ours.scopeId !== null) assert.equal(ours.scopeId, want.scopeId, JSON.stringify(text));
    }
  }),
});

Deno.test({
  name:
    "parseNumericHost's IPv4 forms match glibc on generated text, and never take text ending in a decimal label for a name",
  ignore,
  fn: withGlibc(() => {
    const part = fc.oneof(
      fc.integer({ min: 0, max: 0x1ffffffff }).map((n) => String(n)),
      fc.integer({ min: 0, max: 0x1ffffffff }).map((n) => "0x" + n.toString(16)),
      fc.integer({ min: 0, max: 0o7777 }).map((n) => "0" + n.toString(8)),
      fc.constantFrom("", "0", "00", "08", "0x", "x", " ", "a", "-1"),
    );
    const text = fc.array(part, { minLength: 1, maxLength: 5 }).map((p) => p.join("."));
    fc.assert(
      fc.property(text, (t) => {
        const g = glibcNumericHost(t, 4);
        let ours: string;
        try {
          ours = parseNumericHost(t)?.text ?? "name";
        } catch {
          ours = "syntax";
        }
        if (typeof g === "number") {
          assert.ok(ours === "name" || ours === "syntax", `${JSON.stringify(t)}: ${ours}`);
          // Text that glibc's inet_aton refuses too can never be an address.
          // Text ending in a decimal label is never taken for a name.
          if (/^[0-9.]*[0-9]\.?$/.test(t)) assert.equal(ours, "syntax", JSON.stringify(t));
        } else {
          const b = g[0].hex.match(/../g)!.map((h) => parseInt(h, 16)).join(".");
          assert.equal(ours, b, JSON.stringify(t));
        }
      }),
      { numRuns: 3000, seed: 12 },
    );
  }),
});

Deno.test({
  name: "lookup and reverseLookup agree with glibc on numeric hosts through the system resolver",
  ignore,
  fn: withGlibc(async () => assertReport(await sockkitReport("system"), "system")),
});

Deno.test({
  name: "lookup and reverseLookup agree with glibc on numeric hosts through the fallback resolver",
  ignore,
  fn: withGlibc(async () => assertReport(await sockkitReport("fallback"), "fallback")),
});

Deno.test({
  name: "without --allow-ffi, lookup and reverseLookup still agree with glibc on numeric hosts",
  ignore,
  fn: withGlibc(async () => {
    const report = await jsonChild<Report>(
      new URL("./_numeric_corpus.ts", import.meta.url),
      ["--allow-read", "--allow-sys"],
      ["fallback"],
    );
    assertReport(report, "no-ffi child");
  }),
});

const PY = `
import json, socket, sys
out = {}
for t in json.load(sys.stdin):
    host = t.encode()  # bytes: str would go through the idna codec first
    row = {}
    for name, fam in (("f0", socket.AF_UNSPEC), ("f4", socket.AF_INET), ("f6", socket.AF_INET6)):
        try:
            r = socket.getaddrinfo(host, None, fam, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
            row[name] = [[4 if a[0] == socket.AF_INET else 6,
                          socket.inet_pton(a[0], a[4][0].split("%")[0]).hex(),
                          a[4][3] if a[0] == socket.AF_INET6 else 0] for a in r]
        except socket.gaierror as e:
            row[name] = {-2: "EAI_NONAME", -9: "EAI_ADDRFAMILY"}.get(e.errno, "EAI_%d" % e.errno)
    out[t] = row
print(json.dumps(out))
`;

Deno.test("lookup agrees with Python's socket.getaddrinfo(AI_NUMERICHOST) on numeric hosts", async () => {
  const texts = NUMERIC_CORPUS;
  const py = await pythonJson<Record<string, Report[string]>>(PY, texts);
  if (py === null) {
    console.log("SKIP: python3 is not installed");
    return;
  }
  const ours = await sockkitReport("fallback");
  for (const t of texts) {
    for (const f of ["f0", "f4", "f6"] as const) {
      assertAgrees(t, `python ${f}`, ours[t][f], py[t][f]);
    }
  }
});
