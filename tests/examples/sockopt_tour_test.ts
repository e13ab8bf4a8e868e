import assert from "node:assert/strict";
import { example, spawn } from "./_run.ts";

const isRoot = (() => {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
})();

/** What each recipe line must show, in both flavours (idiomatic prints true, C prints 1). */
const RECIPES: [string, RegExp][] = [
  ["1 SO_REUSEADDR", /^ 1\. SO_REUSEADDR .*requested (true|1), applied (true|1)/m],
  ["2 SO_DONTLINGER", /^ 2\. SO_DONTLINGER = FALSE .*requested 0, applied 0/m],
  ["3 SO_SNDTIMEO", /^ 3\. SO_SNDTIMEO 1 s .*requested 1000, applied 1000/m],
  ["3 SO_RCVTIMEO", /^ 3\. SO_RCVTIMEO 1 s .*requested 1000, applied 1000/m],
  ["4 SO_RCVBUF", /^ 4\. SO_RCVBUF 32 KiB .*requested 32768, applied 65536/m],
  ["4 SO_SNDBUF", /^ 4\. SO_SNDBUF 32 KiB .*requested 32768, applied 65536/m],
  ["5 SO_SNDBUF 0", /^ 5\. SO_SNDBUF 0 .*requested 0, applied 4608/m],
  ["6 SO_RCVBUF 0", /^ 6\. SO_RCVBUF 0 .*requested 0, applied 2304/m],
  ["7 SO_BROADCAST", /^ 7\. SO_BROADCAST \(UDP\) .*requested (true|1), applied (true|1)/m],
  [
    "8 SO_CONDITIONAL_ACCEPT",
    /^ 8\. SO_CONDITIONAL_ACCEPT .*failed: (UnsupportedPlatformError|ENOPROTOOPT).*Windows/m,
  ],
  [
    "9 SO_LINGER",
    /^ 9\. SO_LINGER 5 s .*applied (5|\{ l_onoff: 1, l_linger: 5 \})/m,
  ],
  [
    "10 SO_DEBUG",
    isRoot
      ? /^10\. SO_DEBUG .*requested (true|1), applied (true|1)/m
      : /^10\. SO_DEBUG .*failed: .*EACCES/m,
  ],
  ["11 CNetIOBuffer", /^11\. \(not an option: the notes' CNetIOBuffer class/m],
  ["12 TCP_NODELAY", /^12\. TCP_NODELAY .*requested (true|1), applied (true|1)/m],
  [
    "note without SO_REUSEPORT",
    /^note\. port reuse hijack: a second listener on \S+ \(bound without SO_REUSEPORT\) fails: (AddrInUse|EADDRINUSE)/m,
  ],
  ["extra SO_KEEPALIVE", /^extra\. SO_KEEPALIVE .*applied (\{"idle":60,|1)/m],
];

for (const flavour of ["", "bsd/"]) {
  Deno.test(`${flavour}sockopt_tour applies every recipe and ss sees its buffers and keepalive`, async () => {
    await using tour = example(`${flavour}sockopt_tour`, ["--port", "0", "--hold"]);
    const [, host, port] = await tour.waitFor(/holding (\S+):(\d+) -> /);
    // Check the held connection from outside the process.
    const ss = spawn("ss", ["-Htmoi", "state", "established", "src", `${host}:${port}`], {
      stdin: false,
    });
    assert.equal(await ss.exit(10_000), 0, ss.stderr());
    const row = ss.stdout();
    assert.match(row, new RegExp(`${host.replaceAll(".", "\\.")}:${port}\\s`));
    assert.match(row, /skmem:\(r\d+,rb65536,t\d+,tb65536,/, row); // 32 KiB, doubled
    assert.match(row, /timer:\(keepalive,/, row);
    await tour.closeStdin();
    assert.equal(await tour.exit(), 0, tour.stderr());
    const out = tour.stdout();
    assert.match(out, /^listening on 127\.0\.0\.1:\d+\nconnection 127\.0\.0\.1:\d+ -> /);
    for (const [name, re] of RECIPES) assert.match(out, re, `recipe ${name}:\n${out}`);
    assert.match(out, /^closed the connection: graceful, drained|^closesocket: done/m);
  });
}

Deno.test("sockopt_tour shows a second SO_REUSEPORT listener joining a port in use", async () => {
  const tour = example("sockopt_tour", ["--port", "0"]);
  assert.equal(await tour.exit(), 0, tour.stderr());
  assert.match(
    tour.stdout(),
    /^note\. port reuse hijack: a second listener on \S+ \(both with SO_REUSEPORT\) succeeded/m,
  );
});

Deno.test("bsd/sockopt_tour shows a second SO_REUSEPORT listener joining a port in use", async () => {
  const tour = example("bsd/sockopt_tour", ["--port", "0"]);
  assert.equal(await tour.exit(), 0, tour.stderr());
  assert.match(
    tour.stdout(),
    /^note\. port reuse hijack: a second listener on \S+ \(both with SO_REUSEPORT\) succeeded/m,
  );
});
