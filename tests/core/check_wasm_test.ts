/**
 * `deno task check:wasm` guards the committed Wasm artifacts: on a copy of the checkout it
 * passes as is, and fails once `core/` is edited without `deno task build:wasm`.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;

async function checkWasm(dir: string): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tools/build_wasm.ts", "--check"],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("check:wasm passes on the checkout and fails after an unbuilt edit to core/", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "sockkit_check_wasm_" });
  try {
    for (const item of ["core", "wasm", "tools", "deno.json", "deno.lock"]) {
      const cp = await new Deno.Command("cp", { args: ["-r", `${root}${item}`, tmp] }).output();
      assert.equal(cp.code, 0, `copy ${item}`);
    }
    const clean = await checkWasm(tmp);
    assert.equal(clean.code, 0, clean.stderr);

    const index = `${tmp}/core/index.ts`;
    await Deno.writeTextFile(
      index,
      (await Deno.readTextFile(index)) +
        "\nexport function check_wasm_probe(): i32 {\n  return 42;\n}\n",
    );
    const edited = await checkWasm(tmp);
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, /differ from a fresh build of core\//);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
