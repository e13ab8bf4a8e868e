/**
 * `deno task install` (`deno install -g ... -n sockkit src/cli/main.ts`) into a temporary
 * root, then the installed shim runs the command.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);
const dec = new TextDecoder();

Deno.test("deno install -g puts a working sockkit shim into a temporary root", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "sockkit_install_" });
  try {
    const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
    // The task's own command line, with --root added so nothing outside tmp is touched.
    const task = (config.tasks.install as string).split(/\s+/);
    assert.deepEqual(task.slice(0, 3), ["deno", "install", "-g"]);
    const install = await new Deno.Command(Deno.execPath(), {
      args: [...task.slice(1, -1), "--root", tmp, new URL(task.at(-1)!, root).pathname],
      cwd: root.pathname,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(install.code, 0, dec.decode(install.stderr));
    const shim = `${tmp}/bin/sockkit`;
    const text = await Deno.readTextFile(shim);
    assert.match(text, /--allow-net/);
    assert.match(text, /--allow-ffi/);
    const run = (args: string[]) =>
      new Deno.Command(shim, {
        args,
        env: { NO_COLOR: "1", PATH: `${Deno.execPath().replace(/\/[^/]+$/, "")}:/usr/bin:/bin` },
        stdout: "piped",
        stderr: "piped",
      }).output();
    const [errno, bad, version] = await Promise.all([
      run(["errno", "10054"]),
      run(["connect", "--opt", "nope", "127.0.0.1:1"]),
      run(["--version"]),
    ]);
    assert.equal(errno.code, 0, dec.decode(errno.stderr));
    assert.match(
      dec.decode(errno.stdout),
      /^ECONNRESET \(Linux 104, macOS 54\) \/ WSAECONNRESET 10054/,
    );
    assert.equal(bad.code, 2);
    assert.equal(dec.decode(version.stdout), `sockkit ${config.version}\n`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
