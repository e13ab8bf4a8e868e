/**
 * The event schema in docs/events.md can fail: events that break it are rejected, and a real
 * session's events pass it (every other CLI test checks its own events through `_run.ts`).
 */
import assert from "node:assert/strict";
import { EVENT_SCHEMA, validateEvent } from "./_event_schema.ts";
import { Background, events, python, sockkit } from "./_run.ts";

Deno.test("the event schema rejects events that break docs/events.md", () => {
  assert.ok(Object.keys(EVENT_SCHEMA.events).length >= 13);
  const ok = { event: "data", conn: 1, length: 2, text: "hi", t: 3 };
  assert.deepEqual(validateEvent(ok), []);
  assert.match(validateEvent({ ...ok, hex: "6869" }).join(), /matches 0 of the oneOf|must not/);
  assert.match(validateEvent({ ...ok, colour: "red" }).join(), /unexpected field colour/);
  assert.match(validateEvent({ event: "nope", t: 1 }).join(), /unknown event "nope"/);
  assert.match(validateEvent({ ...ok, t: undefined }).join(), /t is missing/);
  assert.match(
    validateEvent({
      event: "accept",
      conn: 1,
      remote: { hostname: "::1", port: 1 },
      local: { address: "::1", port: 2 },
      t: 0,
    })
      .join(),
    /accept.remote/,
  );
  assert.match(
    validateEvent({ event: "close", reason: "maybe", bytesIn: 0, bytesOut: 0, t: 0 }).join(),
    /is not one of/,
  );
});

Deno.test("a UDP and a TCP session print only events that match the schema", async () => {
  await using server = new Background([
    "listen",
    "--json",
    "-u",
    "--echo",
    "-m",
    "2",
    "-v",
    "--opt",
    "rcvbuf=64K",
    "127.0.0.1:0",
  ]);
  const port = await server.port();
  // -q 3: the replies come back through a second process; 1 s lost one under the parallel suite.
  const r = await sockkit(["connect", "--json", "-u", "-q", "3", `127.0.0.1:${port}`], {
    stdin: "one\n\xff\n",
  });
  assert.equal(r.code, 0, r.stderr);
  const list = events(r.stdout);
  assert.deepEqual(list.map((e) => e.event), ["connect", "datagram", "datagram", "close"]);
  assert.equal(list[2].text, "\xff\n", "a JS string goes as UTF-8: valid text");
  assert.equal((await server.finish()).code, 0);
  assert.ok(server.events.some((e) => e.event === "options"));
  await using tcp = new Background(["listen", "--json", "127.0.0.1:0"]);
  await tcp.stdin.close();
  const p2 = await tcp.port();
  await python(`
import socket
s = socket.create_connection(("127.0.0.1", ${p2})); s.sendall(bytes([0xff, 0x41])); s.close()
`);
  assert.equal((await tcp.finish()).code, 0);
  assert.equal(tcp.events.find((e) => e.event === "data")?.hex, "ff41");
});
