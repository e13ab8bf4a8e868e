import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);
const deno = Deno.execPath();

Deno.test("examples/io_buffer.ts runs the CNetIOBuffer walkthrough", async () => {
  const out = await new Deno.Command(deno, {
    args: ["run", new URL("examples/io_buffer.ts", root).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.match(text, /length=12 remaining=1048564 empty=false/);
  assert.match(text, /BufferOverflowError/);
});

Deno.test("examples/framed_server.ts answers examples/framed_client.ts over len:u32be", async () => {
  const server = new Deno.Command(deno, {
    args: [
      "run",
      "--allow-net",
      new URL("examples/framed_server.ts", root).pathname,
      "--port",
      "0",
      "--count",
      "1",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = server.stdout.getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    line += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const port = /:(\d+)/.exec(line)![1];
  const client = await new Deno.Command(deno, {
    args: [
      "run",
      "--allow-net",
      new URL("examples/framed_client.ts", root).pathname,
      "--port",
      port,
      "a",
      "bc",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(client.code, 0, new TextDecoder().decode(client.stderr));
  assert.equal(new TextDecoder().decode(client.stdout), "echo: a\necho: bc\n");
  assert.equal((await server.status).code, 0);
  await server.stdout.cancel();
  await server.stderr.cancel();
});
