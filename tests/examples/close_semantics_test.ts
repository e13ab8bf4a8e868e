import assert from "node:assert/strict";
import { example, spawn } from "./_run.ts";

/** Split the transcript into its numbered sections ("1. FIN ...", "2. ..."). */
function sections(out: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of out.split(/^(?=\d\. )/m)) {
    const m = part.match(/^(\d)\. /);
    if (m) map.set(m[1], part);
  }
  return map;
}

for (const flavour of ["", "bsd/"]) {
  Deno.test(`${flavour}close_semantics shows EOF, EPIPE, ECONNRESET, TIME_WAIT and linger outcomes`, async () => {
    await using child = example(`${flavour}close_semantics`, ["--port", "0"]);
    assert.equal(await child.exit(20_000), 0, child.stderr());
    const out = child.stdout();
    const port = out.match(/^listening on 127\.0\.0\.1:(\d+)\n/)?.[1];
    assert.ok(port, out);
    const s = sections(out);
    assert.deepEqual([...s.keys()], ["1", "2", "3", "4", "5"], out);
    const eof = /0 bytes, then (end of stream \(endReason FIN\)|recv returned 0 \(orderly close\))/;
    // 1. FIN: the peer sees EOF; the active closer (the client port) is left in TIME_WAIT.
    assert.match(s.get("1")!, eof);
    assert.match(
      s.get("1")!,
      new RegExp(
        `the active closer is left in TIME_WAIT: TIME-WAIT \\d+ \\d+ 127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:${port}\\n`,
      ),
    );
    // 2. FIN, then writing: one write is accepted, a later one fails with EPIPE.
    assert.match(s.get("2")!, eof);
    assert.match(s.get("2")!, /peer (write|send) 1: 4\b/);
    assert.match(s.get("2")!, /peer (write|send) \d: .*EPIPE/);
    // 3. RST: the peer's read fails with ECONNRESET, its write with EPIPE, no TIME_WAIT.
    assert.match(s.get("3")!, /peer (reads|recv): 0 bytes, then .*ECONNRESET.*WSAECONNRESET/);
    assert.match(s.get("3")!, /peer (write|send): .*EPIPE/);
    assert.match(s.get("3")!, /TIME_WAIT: none for port \d+/);
    // 4. Linger with a reading peer: every byte, then EOF.
    assert.match(s.get("4")!, /(wrote|sent) 200000 bytes/);
    assert.match(
      s.get("4")!,
      /peer (reads|recv): 200000 bytes, then (end of stream|recv returned 0)/,
    );
    // 5. Linger with a peer that does not read: reset when the time runs out.
    assert.match(s.get("5")!, /peer (reads|recv): \d+ bytes, then .*ECONNRESET/);
    if (!flavour) {
      assert.match(s.get("1")!, /endReason FIN/);
      assert.match(s.get("4")!, /closeSocket: graceful, drained, 0 bytes unacknowledged/);
      assert.match(
        s.get("5")!,
        /closeSocket: graceful, timeout-reset, [1-9]\d* bytes unacknowledged/,
      );
    }
  });
}

// The outside peer: a Python listener that reports what its recv saw.
const PEER_PY = `
import socket
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
c.settimeout(10)
data = b""
try:
    while True:
        chunk = c.recv(4096)
        if not chunk:
            print("EOF", repr(data), flush=True)
            break
        data += chunk
except ConnectionResetError as e:
    print("ECONNRESET", e.errno, repr(data), flush=True)
c.close()
`;

async function closeTo(flavour: string, how: string) {
  await using peer = spawn("python3", ["-c", PEER_PY]);
  const port = (await peer.waitFor(/^(\d+)\n/))[1];
  const c = example(`${flavour}close_semantics`, ["--peer", `127.0.0.1:${port}`, "--how", how]);
  assert.equal(await c.exit(), 0, c.stderr());
  assert.equal(await peer.exit(), 0, peer.stderr());
  return { ours: c.stdout(), theirs: peer.stdout().split("\n")[1] };
}

for (const flavour of ["", "bsd/"]) {
  Deno.test(`${flavour}close_semantics: a Python peer sees EOF after fin and linger, ECONNRESET after rst`, async () => {
    const [fin, rst, linger] = await Promise.all(
      ["fin", "rst", "linger"].map((how) => closeTo(flavour, how)),
    );
    assert.equal(fin.theirs, "EOF b'bye\\n'");
    assert.match(
      fin.ours,
      /active closer left: TIME-WAIT \d+ \d+ 127\.0\.0\.1:\d+ 127\.0\.0\.1:\d+/,
    );
    assert.equal(rst.theirs, "ECONNRESET 104 b''");
    assert.doesNotMatch(rst.ours, /TIME-WAIT/);
    assert.equal(linger.theirs, "EOF b'bye\\n'");
    if (!flavour) {
      assert.match(rst.ours, /closed \(rst\): abort, reset/);
      assert.match(linger.ours, /closed \(linger\): graceful, drained/);
    }
  });
}
