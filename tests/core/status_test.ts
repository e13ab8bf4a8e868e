import assert from "node:assert/strict";
import { Status, statusName } from "../../wasm/status.ts";

Deno.test("wasm/status.ts mirrors every status code in core/status.ts", async () => {
  const text = await Deno.readTextFile(new URL("../../core/status.ts", import.meta.url));
  const fromCore: Record<string, number> = {};
  for (const m of text.matchAll(/^export const ([A-Z_]+): i32 = (-?\d+);$/gm)) {
    fromCore[m[1]] = Number(m[2]);
  }
  assert.ok(Object.keys(fromCore).length >= 10, "parsed the status codes of core/status.ts");
  assert.deepEqual({ ...Status }, fromCore);
});

Deno.test("statusName names known codes and marks unknown ones", () => {
  assert.equal(statusName(-6), "FRAME_TOO_LONG");
  assert.equal(statusName(-999), "UNKNOWN_STATUS(-999)");
});
