/**
 * `deno task coverage`: line coverage of `src/`, counting the child processes too.
 *
 * The CLI and the examples run as child processes of the tests (`deno run src/cli/main.ts`,
 * `deno run examples/...`). They count because `deno test --coverage=DIR` puts
 * `DENO_COVERAGE_DIR=DIR` (absolute) into the test process's environment (seen on Deno 2.9.6),
 * children inherit it, and `deno run` writes a profile there when it exits. This script sets
 * the variable as well, so the rule does not hang on that detail. A child stopped by a signal
 * would die before writing: the test helpers add `coverageFlags()` (tests/_coverage.ts) to
 * their `deno run` flags, which preloads a module that turns SIGTERM/SIGINT into `Deno.exit`.
 *
 * 1. Empty `coverage/` (git-ignored) and run the whole suite (`deno test -A --doc --parallel
 *    --coverage=coverage/`).
 * 2. Merge every profile with `deno coverage --include=<root>/src/` (tests, examples and tools
 *    are left out: the figure is the library's) into `coverage/lcov.info`.
 * 3. Print the line and branch figures for `src/` and the number of profiles merged.
 *
 * Not counted: children started with `clearEnv` or killed with SIGKILL, children of helpers that
 * do not add `coverageFlags()` and are stopped by a signal, and compiled binaries.
 *
 * Arguments after `--` go to `deno test` (`deno task coverage -- tests/bsd/` for one folder).
 * The suite's exit code is passed on; the report is written even when tests fail.
 *
 * @module
 */

/** Line and branch totals read from an lcov report. */
export interface CoverageTotals {
  /** Lines found (LF). */
  linesFound: number;
  /** Lines hit (LH). */
  linesHit: number;
  /** Branches found (BRF). */
  branchesFound: number;
  /** Branches hit (BRH). */
  branchesHit: number;
  /** Source files in the report. */
  files: number;
}

/**
 * Sums the `LF`/`LH`/`BRF`/`BRH` records of an lcov report.
 *
 * @param lcov The report's text.
 * @returns The totals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lcovTotals } from "./coverage.ts";
 * const t = lcovTotals("SF:a.ts\nLF:10\nLH:9\nBRF:4\nBRH:2\nend_of_record\nSF:b.ts\nLF:10\nLH:10\nend_of_record\n");
 * assert.deepEqual(t, { linesFound: 20, linesHit: 19, branchesFound: 4, branchesHit: 2, files: 2 });
 * ```
 */
export function lcovTotals(lcov: string): CoverageTotals {
  const t = { linesFound: 0, linesHit: 0, branchesFound: 0, branchesHit: 0, files: 0 };
  for (const line of lcov.split("\n")) {
    const [key, value] = line.split(":");
    const n = Number(value);
    if (key === "SF") t.files++;
    else if (key === "LF") t.linesFound += n;
    else if (key === "LH") t.linesHit += n;
    else if (key === "BRF") t.branchesFound += n;
    else if (key === "BRH") t.branchesHit += n;
  }
  return t;
}

/** `hit / found` as a percentage with one decimal, or "n/a". */
function percent(hit: number, found: number): string {
  return found === 0 ? "n/a" : `${(100 * hit / found).toFixed(1)} %`;
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
  const dir = `${root}/coverage`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const extra = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
  const test = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "-A",
      "--doc",
      "--parallel",
      `--coverage=${dir}`,
      "--coverage-raw-data-only",
      ...extra,
    ],
    cwd: root,
    env: { DENO_COVERAGE_DIR: dir, DENO_NO_UPDATE_CHECK: "1" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const profiles = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json"));
  const lcovPath = `${dir}/lcov.info`;
  const report = await new Deno.Command(Deno.execPath(), {
    args: [
      "coverage",
      dir,
      `--include=^file://${root}/src/`,
      "--lcov",
      `--output=${lcovPath}`,
    ],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!report.success) {
    console.error("coverage: deno coverage failed");
    Deno.exit(1);
  }
  const totals = lcovTotals(await Deno.readTextFile(lcovPath));
  console.log(
    `coverage of src/: lines ${percent(totals.linesHit, totals.linesFound)} ` +
      `(${totals.linesHit}/${totals.linesFound}), branches ` +
      `${percent(totals.branchesHit, totals.branchesFound)} ` +
      `(${totals.branchesHit}/${totals.branchesFound}), ${totals.files} files, ` +
      `${profiles.length} profiles merged; report ${lcovPath}`,
  );
  Deno.exit(test.code);
}
