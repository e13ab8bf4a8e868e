/**
 * The reliability catalogue is mapped whole: every case of `shared/reference/
 * anchors-reliability.md` §2 (152 IDs) is a test whose name carries its ID, or a row of
 * docs/reliability.md that names the covering test or says why there is none. This test reads
 * the suite's test names from the source (no test is run) and checks the page against them.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const PAGE = new URL("docs/reliability.md", ROOT);
const STATUSES = new Set(["tested", "covered", "partly", "not applicable", "not done"]);
const GROUPS = {
  ADDR: 20,
  BO: 4,
  SA: 9,
  FR: 29,
  BUF: 10,
  TCP: 17,
  UDP: 9,
  OPT: 11,
  RES: 9,
  PP: 21,
  FFI: 13,
};

/** Every `*_test.ts` under tests/, as paths relative to the root. */
function testFiles(dir = "tests"): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(new URL(`${dir}/`, ROOT))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...testFiles(path));
    else if (e.name.endsWith("_test.ts")) out.push(path);
  }
  return out;
}

/** The names a test file gives `Deno.test` and `t.step`, as written (templates unexpanded). */
export function testNames(source: string): string[] {
  const names: string[] = [];
  const call =
    /(?:Deno\.test|\bt\.step|\bstep)\(\s*(?:\{\s*name:\s*)?(["'`])((?:\\.|(?!\1)[^\\])*)\1/g;
  const field = /\bname:\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const re of [call, field]) for (const m of source.matchAll(re)) names.push(m[2]);
  return [...new Set(names)];
}

/** The catalogue IDs a text names, with `ADDR-02..06` (a range) and `FFI-07/13` (a list). */
export function idsIn(text: string): Set<string> {
  const ids = new Set<string>();
  const pad = (n: number) => String(n).padStart(2, "0");
  for (const m of text.matchAll(/\b([A-Z]{2,4})-(\d{2})(\.\.\d{2}|(?:\/\d{2})+)?/g)) {
    const [, group, first, more] = m;
    ids.add(`${group}-${first}`);
    if (more?.startsWith("..")) {
      for (let k = Number(first); k <= Number(more.slice(2)); k++) ids.add(`${group}-${pad(k)}`);
    } else if (more) {
      for (const k of more.split("/").slice(1)) ids.add(`${group}-${k}`);
    }
  }
  return ids;
}

/** One row of the page. */
interface Row {
  id: string;
  status: string;
  where: string;
}

function pageRows(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^\| ([A-Z]{2,4}-\d{2}) \|/);
    if (!m) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    assert.equal(cells.length, 4, `row ${m[1]} has 4 cells: ${line}`);
    rows.push({ id: cells[0], status: cells[2], where: cells[3] });
  }
  return rows;
}

/** The catalogue's own IDs, when the reference folder is next to the checkout. */
function catalogueIds(): Set<string> | null {
  for (const up of ["../shared/reference/", "../../shared/reference/"]) {
    try {
      const text = Deno.readTextFileSync(new URL(`${up}anchors-reliability.md`, ROOT));
      return new Set([...text.matchAll(/^\| ([A-Z]{2,4}-\d{2}) \|/gm)].map((m) => m[1]));
    } catch { /* not here */ }
  }
  return null;
}

const files = testFiles();
const namesByFile = new Map(
  files.map((f) => [f, testNames(Deno.readTextFileSync(new URL(f, ROOT)))]),
);
const idsInNames = new Set([...namesByFile.values()].flat().flatMap((n) => [...idsIn(n)]));
const rows = pageRows(Deno.readTextFileSync(PAGE));

Deno.test("idsIn reads single IDs, ranges and lists, and testNames finds both call styles", () => {
  assert.deepEqual([...idsIn("x (ADDR-02..04) and FFI-07/13, TCP-01")].sort(), [
    "ADDR-02",
    "ADDR-03",
    "ADDR-04",
    "FFI-07",
    "FFI-13",
    "TCP-01",
  ]);
  assert.deepEqual(
    testNames(`Deno.test("a (TCP-01)", f); Deno.test({ name: \`b \${x}\`, fn }); t.step('c', f);`),
    ["a (TCP-01)", "b ${x}", "c"],
  );
});

Deno.test("docs/reliability.md has one row for each of the catalogue's 152 IDs", () => {
  const ids = rows.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, "no ID has two rows");
  assert.equal(ids.length, 152);
  for (const [group, count] of Object.entries(GROUPS)) {
    assert.equal(ids.filter((i) => i.startsWith(`${group}-`)).length, count, group);
  }
  const catalogue = catalogueIds();
  if (catalogue === null) {
    console.log(
      "SKIP: the catalogue itself (../shared/reference/) is not here; checked the page's own list",
    );
  } else {
    assert.deepEqual([...catalogue].sort(), [...ids].sort());
  }
});

Deno.test("every catalogue ID is in a test name or has a row that names its test or a reason", () => {
  const problems: string[] = [];
  for (const row of rows) {
    if (!STATUSES.has(row.status)) problems.push(`${row.id}: unknown status "${row.status}"`);
    if (row.status === "tested" && !idsInNames.has(row.id)) {
      problems.push(`${row.id}: marked tested, but no test name carries it`);
    }
    const cited = [...row.where.matchAll(/`(tests\/[^`]+_test\.ts)`(?: "([^"]+)")?/g)];
    if ((row.status === "covered" || row.status === "partly") && cited.length === 0) {
      problems.push(`${row.id}: ${row.status}, but no test is named`);
    }
    if ((row.status === "not applicable" || row.status === "not done") && row.where.length < 60) {
      problems.push(`${row.id}: ${row.status} needs a reason`);
    }
    for (const [, file, name] of cited) {
      const names = namesByFile.get(file);
      if (!names) problems.push(`${row.id}: ${file} is not a test file of the suite`);
      else if (name !== undefined && !names.includes(name)) {
        problems.push(`${row.id}: ${file} has no test named "${name}"`);
      } else if (name === undefined && !names.some((n) => idsIn(n).has(row.id))) {
        problems.push(`${row.id}: no test in ${file} is named with ${row.id}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("every ID a test name carries is a catalogue ID", () => {
  const known = new Set(rows.map((r) => r.id));
  const unknown = [...idsInNames].filter((id) =>
    /^(ADDR|BO|SA|FR|BUF|TCP|UDP|OPT|RES|PP|FFI)-/.test(id) && !known.has(id)
  );
  assert.deepEqual(unknown, []);
});
