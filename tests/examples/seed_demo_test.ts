import assert from "node:assert/strict";
import { example } from "./_run.ts";

Deno.test("seed_demo prints both seed pairs' transcripts, two clients each", async () => {
  const c = example("seed_demo", [], { stdin: false });
  assert.equal(await c.exit(30_000), 0, c.stderr());
  const out = c.stdout();
  assert.equal(out.match(/receive data from client: Hello \n/g)?.length, 2);
  assert.equal(out.match(/receive data from server: Welcome \n/g)?.length, 2);
  assert.equal(out.match(/Accepted client IP:\[127\.0\.0\.1\],port:\[\d+\]/g)?.length, 2);
  assert.equal(out.match(/recvfrom\( \):Hello! I am a server\./g)?.length, 2);
});
