/**
 * The typed Wasm boundary: the generated `CoreExports` interface and `Status` codes match the
 * module and `core/status.ts`, the generators refuse what they cannot type, the scratch
 * regions do not overlap, and no raw pointer reaches `src/`.
 */
import assert from "node:assert/strict";
import { core, coreModule } from "../../wasm/loader.ts";
import { CORE_FUNCTION_ARITY } from "../../wasm/core_exports.ts";
import { Status, statusName } from "../../wasm/status.ts";
import { SCRATCH, SCRATCH_PTR, SCRATCH_SIZE } from "../../wasm/scratch.ts";
import { renderExports, renderStatus } from "../../tools/build_wasm.ts";
import { WasmBlock } from "../../wasm/iobuf.ts";

const root = new URL("../../", import.meta.url);

Deno.test("CoreExports names every export of the module with its parameter count", () => {
  const exported = WebAssembly.Module.exports(coreModule);
  const functions = exported.filter((e) => e.kind === "function").map((e) => e.name).sort();
  assert.deepEqual(functions, Object.keys(CORE_FUNCTION_ARITY).sort());
  assert.deepEqual(exported.filter((e) => e.kind !== "function"), [
    { name: "memory", kind: "memory" },
  ]);
  const record = core as unknown as Record<string, (...args: number[]) => number>;
  for (const [name, arity] of Object.entries(CORE_FUNCTION_ARITY)) {
    assert.equal(typeof record[name], "function", name);
    assert.equal(record[name].length, arity, `${name} takes ${arity} parameters`);
  }
});

Deno.test("renderExports types scalar exports and refuses anything else", () => {
  const decl = (body: string) => `declare namespace __AdaptedExports {\n${body}\n}\n`;
  const ok = renderExports(decl(
    "  /** Exported memory */\n  export const memory: WebAssembly.Memory;\n" +
      "  export function f(a: number, b: bigint): number;\n  export function g(): void;",
  ));
  assert.match(ok, /^ {2}f\(a: number, b: bigint\): number;$/m);
  assert.match(ok, /^ {2}f: 2,$/m);
  assert.match(ok, /^ {2}g: 0,$/m);
  assert.throws(
    () => renderExports(decl("  export function h(s: string): number;")),
    /h takes a non-scalar s: string/,
  );
  assert.throws(
    () => renderExports(decl("  export function k(): string;")),
    /k returns a non-scalar string/,
  );
  assert.throws(
    () => renderExports(decl("  export const table: WebAssembly.Table;")),
    /unexpected/,
  );
});

Deno.test("Status holds every code of core/status.ts once, and the generator refuses other forms", async () => {
  const source = await Deno.readTextFile(new URL("core/status.ts", root));
  const names = [...source.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(Object.keys(Status), names);
  const values = Object.values(Status);
  assert.equal(new Set(values).size, values.length, "no value repeats");
  assert.ok(values.every((v) => v <= 0), "status codes are zero or negative");
  assert.throws(() => renderStatus("export const BAD: i32 = 3;\n"), /line 1 is not/);
  assert.throws(
    () => renderStatus("export const A: i32 = -1;\nexport const B: i32 = -1;\n"),
    /repeats/,
  );
  assert.equal(statusName(-6), "FRAME_TOO_LONG");
  assert.equal(statusName(-999), "UNKNOWN_STATUS(-999)");
});

Deno.test("the scratch regions lie inside the scratch area and do not overlap", () => {
  const regions = Object.entries(SCRATCH).sort(([, a], [, b]) => a.offset - b.offset);
  assert.ok(regions.length >= 5);
  let end = 0;
  for (const [name, r] of regions) {
    assert.ok(r.size > 0, name);
    assert.ok(
      r.offset >= end,
      `${name} [${r.offset}, ${r.offset + r.size}) overlaps the region before`,
    );
    assert.equal(r.ptr, SCRATCH_PTR + r.offset, name);
    end = r.offset + r.size;
  }
  assert.ok(end <= SCRATCH_SIZE, `the last region ends at ${end}, past ${SCRATCH_SIZE}`);
  assert.ok(SCRATCH_PTR + SCRATCH_SIZE <= core.memory.buffer.byteLength);
});

/** The .ts files under `dir` (relative to the root), recursively. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(new URL(dir, root))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...sources(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

Deno.test("only wasm/scratch.ts lays out the scratch area", () => {
  for (const file of sources("wasm")) {
    if (file === "wasm/scratch.ts" || file === "wasm/loader.ts") continue;
    const text = Deno.readTextFileSync(new URL(file, root));
    assert.doesNotMatch(text, /import[^;]*SCRATCH_(PTR|SIZE)[^;]*"\.\/loader\.ts"/, file);
  }
});

Deno.test("no raw pointer leaves wasm/: src/ imports neither the loader nor the raw allocator", () => {
  for (const file of sources("src")) {
    const text = Deno.readTextFileSync(new URL(file, root));
    assert.doesNotMatch(text, /from "[./]*wasm\/loader\.ts"/, `${file} imports the loader`);
    assert.doesNotMatch(
      text,
      /import \{[^}]*\b(memAlloc|memFree|iobufGrow|iobufCompact|memUsableSize)\b[^}]*\} from "[./]*wasm\/iobuf\.ts"/,
      `${file} imports a raw allocator function`,
    );
  }
});

Deno.test("WasmBlock grows, keeps the bytes it is told to keep, and frees once", () => {
  const block = new WasmBlock();
  assert.equal(block.allocated, false);
  assert.equal(block.grow(0, 0, 8), 0);
  block.set(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 0);
  assert.equal(block.grow(2, 8, 4096), 0); // keep [2, 8) at the start of a bigger block
  assert.ok(block.capacity >= 4096);
  assert.deepEqual([...block.view(0, 6)], [3, 4, 5, 6, 7, 8]);
  assert.equal(block.uint16At(0, false), 0x0304);
  assert.equal(block.uint32At(0, true), 0x06050403);
  assert.equal(block.byteAt(5), 8);
  assert.ok(block.grow(0, 6, 2 ** 31 - 1) < 0, "an impossible size fails with a status");
  assert.deepEqual([...block.view(0, 6)], [3, 4, 5, 6, 7, 8], "a failed grow changes nothing");
  block.free();
  block.free();
  assert.equal(block.capacity, 0);
});
