/**
 * Doc examples that can fail: the check behind `deno task check:docs`, and proof that an
 * example asserting with `node:assert/strict` fails `deno test --doc` on a wrong expected
 * value, where `console.assert` only logs.
 */
import assert from "node:assert/strict";
import { findDocProblems } from "../../tools/check_docs.ts";

const BSD = new URL("../../src/bsd/mod.ts", import.meta.url).href;

function moduleWithExample(body: string): string {
  return [
    "/**",
    " * Port 5000 in network order.",
    " *",
    " * @example",
    " * ```ts",
    ...body.split("\n").map((l) => ` * ${l}`),
    " * ```",
    " */",
    "export const PORT = 5000;",
    "",
  ].join("\n");
}

async function docTest(source: string): Promise<{ code: number; output: string }> {
  const dir = await Deno.makeTempDir({ prefix: "sockkit_doctest_" });
  try {
    await Deno.writeTextFile(`${dir}/port.ts`, source);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "--doc", "--no-config", "--no-lock", "--allow-read", `${dir}/port.ts`],
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("an example with a wrong expected value fails deno test --doc; the right one passes", async () => {
  const example = (expected: string) =>
    moduleWithExample(
      `import assert from "node:assert/strict";\nimport { htons } from "${BSD}";\nassert.equal(htons(5000), ${expected});`,
    );
  const right = await docTest(example("0x8813"));
  assert.equal(right.code, 0, right.output);
  assert.match(right.output, /1 passed/);
  const wrong = await docTest(example("0x1234"));
  assert.notEqual(wrong.code, 0, wrong.output);
  assert.match(wrong.output, /AssertionError/);
  assert.match(wrong.output, /1 failed/);
});

Deno.test("the same wrong value under console.assert passes deno test --doc, which is why it is banned", async () => {
  const r = await docTest(
    moduleWithExample(`import { htons } from "${BSD}";\nconsole.assert(htons(5000) === 0x1234);`),
  );
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Assertion failed/); // logged, and nothing more
  const problems = findDocProblems(
    moduleWithExample(`console.assert(1 === 2);`),
    "port.ts",
  );
  assert.deepEqual(problems.map((p) => [p.line, /console\.assert/.test(p.message)]), [
    [5, false], // the block has no node:assert/strict import
    [6, true], // the console.assert line
  ]);
});

Deno.test("findDocProblems accepts asserting examples and ignore blocks, and checks markdown for console.assert only", () => {
  const good = moduleWithExample(`import assert from "node:assert/strict";\nassert.ok(true);`);
  assert.deepEqual(findDocProblems(good, "good.ts"), []);
  const ignored = good.replace("```ts", "```ts ignore").replace(
    'import assert from "node:assert/strict";',
    "",
  );
  assert.deepEqual(findDocProblems(ignored, "ignored.ts"), []);
  const md = "# Title\n\n```ts\nconst x = 1;\n```\n\n```ts\nconsole.assert(x === 1);\n```\n";
  assert.deepEqual(findDocProblems(md, "doc.md").map((p) => p.line), [8]);
  // A fence outside any JSDoc comment is not an @example.
  assert.deepEqual(findDocProblems("const s = `\n```ts\nx\n```\n`;\n", "plain.ts"), []);
});
