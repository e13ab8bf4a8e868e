/**
 * The exports map is ready for JSR. JSR itself is unreachable here, so the test checks what
 * can be checked offline: every export path exists and opens with a module doc, and
 * `deno publish --dry-run` (type check, slow-type check, file list) succeeds.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);
const dec = new TextDecoder();

Deno.test("every export in deno.json exists and opens with a @module doc comment", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  assert.match(config.name, /^@[a-z0-9-]+\/[a-z0-9-]+$/);
  assert.match(config.version, /^\d+\.\d+\.\d+$/);
  const exports = Object.entries(config.exports as Record<string, string>);
  assert.ok(exports.some(([k]) => k === "."));
  for (const [key, path] of exports) {
    const text = await Deno.readTextFile(new URL(path, root));
    assert.match(
      text,
      /^(#!.*\n)?\/\*\*[\s\S]*?@module[\s\S]*?\*\//,
      `${key} (${path}) has no module doc`,
    );
  }
});

Deno.test("deno publish --dry-run succeeds, slow-type check included", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: root.pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const text = dec.decode(out.stdout) + dec.decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /Dry run complete/);
  assert.doesNotMatch(text, /tests\/|bench\//, "tests and benches are not published");
});
