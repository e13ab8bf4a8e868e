/**
 * The portable bundle where it claims to run: a real headless Chromium (Debian's `chromium`)
 * loads `dist/`'s module into a page over HTTP, runs the same probe as the Node test (codecs,
 * addressing, byte order, IOBuffer) and writes the result into the page; the test reads the
 * page back with `--dump-dom` and compares it with the probe run in Deno.
 *
 * Chromium and the page's HTTP server (Python's http.server, which serves `.js` as
 * `text/javascript`, as module scripts need) run in a network namespace of their own that has
 * only a loopback interface, so nothing the browser might try can leave the machine. That needs
 * root (`unshare --net`); without it, or without Chromium, the test prints SKIP.
 */
import assert from "node:assert/strict";
import { bundle } from "../../tools/bundle.ts";
import * as deno from "../../src/portable/mod.ts";
import { checkProbe, PROBE } from "./_portable_probe.ts";

const SERVE_AND_LOAD = `
import functools, http.server, subprocess, sys, tempfile, threading
root = sys.argv[1]
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
threading.Thread(target=server.serve_forever, daemon=True).start()
profile = tempfile.mkdtemp(prefix="sockkit_chromium_")
flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom"]
url = "http://127.0.0.1:%d/index.html" % server.server_address[1]
r = subprocess.run(["chromium", *flags, url], capture_output=True, text=True, timeout=90)
server.shutdown()
sys.stdout.write(r.stdout)
sys.exit(r.returncode)
`;

const PAGE = `<!doctype html>
<html><body><pre id="result">pending</pre>
<script type="module">
const out = document.getElementById("result");
try {
  const m = await import("./sockkit_portable.js");
  if (typeof globalThis.Deno !== "undefined") throw new Error("not a browser");
  const r = (${PROBE})(m);
  out.textContent = JSON.stringify({ ok: r, agent: navigator.userAgent },
    (k, v) => typeof v === "bigint" ? v.toString() : v);
} catch (e) {
  out.textContent = JSON.stringify({ error: String(e && e.stack || e) });
}
</script></body></html>
`;

async function canRun(): Promise<string | null> {
  if (Deno.uid() !== 0) return "not root: unshare --net is needed to keep Chromium off the network";
  for (const tool of ["chromium", "unshare", "python3", "ip"]) {
    const which = await new Deno.Command("sh", { args: ["-c", `command -v ${tool}`] }).output();
    if (!which.success) return `${tool} is not installed`;
  }
  return null;
}

Deno.test("the portable bundle runs in headless Chromium and gives the same results as Deno", async () => {
  const why = await canRun();
  if (why) {
    console.log(`SKIP portable bundle in Chromium: ${why}`);
    return;
  }
  const tmp = await Deno.makeTempDir({ prefix: "sockkit_browser_" });
  try {
    await bundle({ outfile: `${tmp}/sockkit_portable.js` });
    await Deno.writeTextFile(`${tmp}/index.html`, PAGE);
    await Deno.writeTextFile(`${tmp}/serve_and_load.py`, SERVE_AND_LOAD);
    const out = await new Deno.Command("unshare", {
      args: [
        "--net",
        "--",
        "sh",
        "-c",
        'ip link set lo up && exec python3 "$0" "$1"',
        `${tmp}/serve_and_load.py`,
        tmp,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dom = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr).slice(-2000));
    const m = /<pre id="result">([^<]*)<\/pre>/.exec(dom);
    assert.ok(m, `no result element in the page:\n${dom.slice(0, 500)}`);
    const text = m[1].replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&");
    const page = JSON.parse(text);
    assert.equal(page.error, undefined, page.error);
    assert.match(page.agent, /HeadlessChrome|Chrome/);
    const fromDeno = JSON.parse(JSON.stringify((0, eval)(PROBE)(deno)));
    assert.deepEqual(page.ok, fromDeno);
    checkProbe(page.ok);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
