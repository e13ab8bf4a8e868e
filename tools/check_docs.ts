/**
 * `deno task check:docs`: the documentation gate.
 *
 * 1. `deno doc --lint` over every entry of `deno.json`'s `exports`: every public symbol has
 *    JSDoc, an explicit type, and no public type points at a private one.
 * 2. Every `@example` in `src/`, `wasm/` and `mod.ts` can fail: each fenced TypeScript block
 *    (unless marked `ignore`) imports `node:assert/strict`, and no `console.assert` (which only
 *    logs) is left anywhere in those files, in `docs/` or in `README.md`.
 *
 * Exits 1 and lists every problem as `file:line: message` when something is wrong.
 *
 * @module
 */

/** One problem found by {@linkcode findDocProblems}. */
export interface DocProblem {
  /** The file, as given. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** What is wrong. */
  message: string;
}

const FENCE_OPEN = /^\s*(?:\*\s?)?```(\S*)(.*)$/;
const FENCE_CLOSE = /^\s*(?:\*\s?)?```\s*$/;
const TS_LANGS = new Set(["ts", "typescript", "js", "javascript", "tsx", "jsx", "mts"]);

/**
 * Finds the documentation problems in one file's text: `console.assert` anywhere, and, in
 * source files, `@example` code blocks that do not import `node:assert/strict`.
 *
 * @param text The file's contents.
 * @param file The file's path (`.md` files are checked for `console.assert` only).
 * @returns The problems, in line order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findDocProblems } from "./check_docs.ts";
 * const fence = "`".repeat(3);
 * const bad = ["/**", " * @example", ` * ${fence}ts`, " * console.assert(1 + 1 === 3);", ` * ${fence}`, " *" + "/"]
 *   .join("\n");
 * const problems = findDocProblems(bad, "x.ts");
 * assert.deepEqual(problems.map((p) => p.line), [3, 4]);
 * ```
 */
export function findDocProblems(text: string, file: string): DocProblem[] {
  const problems: DocProblem[] = [];
  const lines = text.split("\n");
  lines.forEach((l, i) => {
    if (/console\.assert\s*\(/.test(l)) {
      problems.push({
        file,
        line: i + 1,
        message: "console.assert only logs and cannot fail a doc test; use node:assert/strict",
      });
    }
  });
  if (file.endsWith(".md")) return problems;
  let inDoc = false;
  let inExample = false;
  let block: { start: number; lang: string; attrs: string; body: string[] } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!inDoc && l.includes("/**")) inDoc = true;
    if (!inDoc) continue;
    if (block) {
      if (FENCE_CLOSE.test(l)) {
        const checked = TS_LANGS.has(block.lang) && !/\bignore\b/.test(block.attrs);
        if (inExample && checked && !block.body.some((b) => b.includes('"node:assert/strict"'))) {
          problems.push({
            file,
            line: block.start,
            message: 'this @example asserts nothing: import assert from "node:assert/strict"',
          });
        }
        block = null;
      } else {
        block.body.push(l);
      }
      continue;
    }
    const open = FENCE_OPEN.exec(l);
    if (open) {
      block = { start: i + 1, lang: open[1], attrs: open[2], body: [] };
      continue;
    }
    if (/^\s*\*\s*@example\b/.test(l)) inExample = true;
    else if (/^\s*\*\s*@[a-z]+/.test(l)) inExample = false;
    if (l.includes("*/")) {
      inDoc = false;
      inExample = false;
    }
  }
  return problems.sort((a, b) => a.line - b.line);
}

async function* walk(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* walk(url);
    else if (/\.(ts|md)$/.test(e.name)) yield url;
  }
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs both checks over a checkout.
 *
 * @param root The checkout's root folder.
 * @returns The problems and the `deno doc --lint` output (empty when it passed).
 */
export async function checkDocs(root: URL): Promise<{ problems: DocProblem[]; lint: string }> {
  const problems: DocProblem[] = [];
  const targets = [new URL("src/", root), new URL("wasm/", root), new URL("docs/", root)];
  const files: URL[] = [new URL("mod.ts", root), new URL("README.md", root)];
  for (const t of targets) if (await exists(t)) { for await (const f of walk(t)) files.push(f); }
  for (const f of files) {
    if (!await exists(f)) continue;
    if (f.pathname.endsWith("/wasm/core_wasm.ts")) continue;
    const rel = f.pathname.slice(root.pathname.length);
    problems.push(...findDocProblems(await Deno.readTextFile(f), rel));
  }
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const entries = Object.values(config.exports as Record<string, string>);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", ...entries],
    cwd: root.pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const lint = out.success ? "" : dec.decode(out.stdout) + dec.decode(out.stderr);
  return { problems, lint };
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url);
  const { problems, lint } = await checkDocs(root);
  for (const p of problems) console.error(`${p.file}:${p.line}: ${p.message}`);
  if (lint) console.error(lint.trimEnd());
  if (problems.length || lint) {
    console.error(
      `check:docs failed: ${problems.length} example problem(s)${
        lint ? ", deno doc --lint errors above" : ""
      }`,
    );
    Deno.exit(1);
  }
  console.log("check:docs ok: deno doc --lint is clean and every @example asserts");
}
