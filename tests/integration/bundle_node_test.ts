/**
 * `deno task bundle` output runs outside Deno: the test bundles `src/portable/mod.ts` with
 * esbuild into a temporary file, imports it in Node (no `Deno` global there), runs the same
 * probe against it and against the same module in Deno, and compares the results.
 */
import assert from "node:assert/strict";
import { bundle } from "../../tools/bundle.ts";
import * as deno from "../../src/portable/mod.ts";
import { checkProbe, PROBE } from "./_portable_probe.ts";

Deno.test("the esbuild bundle runs in Node and gives the same results as the Deno build", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "sockkit_bundle_" });
  try {
    const { outfile, bytes } = await bundle({ outfile: `${tmp}/sockkit_portable.js` });
    assert.ok(bytes > 10_000);
    const text = await Deno.readTextFile(outfile);
    assert.doesNotMatch(text, /^import |\bimport\(|require\(/m, "one self-contained module");
    assert.doesNotMatch(text, /\.wasm["']/, "the Wasm bytes are embedded, not fetched");
    const script = `${tmp}/probe.mjs`;
    await Deno.writeTextFile(
      script,
      `import * as m from ${JSON.stringify("file://" + outfile)};
if (typeof globalThis.Deno !== "undefined") throw new Error("not Node");
const r = (${PROBE})(m);
console.log(JSON.stringify(r, (k, v) => typeof v === "bigint" ? v.toString() : v));`,
    );
    const out = await new Deno.Command("node", {
      args: [script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const fromNode = JSON.parse(new TextDecoder().decode(out.stdout));
    const fromDeno = JSON.parse(JSON.stringify((0, eval)(PROBE)(deno)));
    assert.deepEqual(fromNode, fromDeno);
    checkProbe(fromDeno);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
