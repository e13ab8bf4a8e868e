import assert from "node:assert/strict";
import { core, coreModule } from "../../wasm/loader.ts";
import { CORE_WASM_BASE64 } from "../../wasm/core_wasm.ts";
import { MAXIMUM_MEMORY_PAGES } from "../../wasm/limits.ts";

/** Reads the limits of the first memory the module defines, from its binary. */
function memoryLimits(wasm: Uint8Array): { min: number; max: number | null } {
  let p = 8; // magic + version
  const leb = () => {
    let result = 0, shift = 0, b;
    do {
      b = wasm[p++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  while (p < wasm.length) {
    const id = wasm[p++];
    const size = leb();
    const end = p + size;
    if (id === 5) {
      const count = leb();
      assert.equal(count, 1, "the core defines exactly one memory");
      const flags = wasm[p++];
      const min = leb();
      return { min, max: flags & 1 ? leb() : null };
    }
    p = end;
  }
  throw new Error("Cannot find memory section in the Wasm core");
}

Deno.test("the Wasm core has zero imports", () => {
  assert.deepEqual(WebAssembly.Module.imports(coreModule), []);
});

Deno.test("the Wasm core's memory has a maximum", () => {
  const wasm = Uint8Array.from(atob(CORE_WASM_BASE64), (c) => c.charCodeAt(0));
  const { max } = memoryLimits(wasm);
  assert.equal(max, MAXIMUM_MEMORY_PAGES);
  assert.throws(() => core.memory.grow(MAXIMUM_MEMORY_PAGES + 1), RangeError);
});

Deno.test("the Wasm core exports its memory and scratch area", () => {
  assert.ok(core.memory instanceof WebAssembly.Memory);
  assert.ok(core.scratch_size() >= 4096);
  assert.ok(core.scratch_ptr() > 0);
});

Deno.test("the embedded base64 matches the committed .wasm file", async () => {
  const file = await Deno.readFile(new URL("../../wasm/sockkit_core.wasm", import.meta.url));
  const embedded = Uint8Array.from(atob(CORE_WASM_BASE64), (c) => c.charCodeAt(0));
  assert.deepEqual(embedded, file);
});
