/**
 * tlsOptionsFromFlags: sockkit's `--tls-*` flags and ncat's `--ssl-*` spellings become
 * connectTls/listenTls options that work, and every wrong combination is a TlsFlagError.
 */
import assert from "node:assert/strict";
import {
  connectTls,
  listenTls,
  TLS_CONNECT_FLAGS,
  TLS_LISTEN_FLAGS,
  TlsFlagError,
  tlsOptionsFromFlags,
} from "../../src/tls/mod.ts";
import { makePki, opensslPath, type Pki } from "./_pki.ts";

const SKIP = opensslPath() === null ? "no openssl on PATH (Debian package openssl)" : "";
if (SKIP) console.log(`SKIP tests/tls/flags_test.ts: ${SKIP}`);
const pki: Pki | null = SKIP ? null : makePki();
globalThis.addEventListener("unload", () => pki?.dispose());

Deno.test({
  name: "options from --tls-* flags (and ncat's --ssl-* ones) connect and listen for real",
  ignore: SKIP !== "",
  fn: async () => {
    const p = pki!;
    const listenOpts = tlsOptionsFromFlags(
      {
        "ssl": true,
        "ssl-cert": p.server.certFile,
        "ssl-key": p.server.keyFile,
        "tls-alpn": "x/1",
      },
      "listen",
    );
    assert.ok(listenOpts);
    assert.deepEqual(listenOpts.alpnProtocols, ["x/1"]);
    await using server = listenTls({ hostname: "127.0.0.1", port: 0, ...listenOpts });
    const accepted = server.accept().then(async (c) => {
      await c.handshake();
      await c.close();
      return c.alpnProtocol;
    });
    const connectOpts = tlsOptionsFromFlags({
      "tls": true,
      "ssl-trustfile": p.ca.certFile,
      "tls-servername": "localhost",
      "ssl-alpn": "h2,x/1",
      "ssl-verify": true,
      "unrelated": "ignored",
    }, "connect");
    assert.ok(connectOpts);
    assert.equal(connectOpts.caCerts?.length, 1);
    await using c = await connectTls({ port: server.addr.port, timeout: 5000, ...connectOpts });
    assert.equal(c.alpnProtocol, "x/1");
    assert.equal(await accepted, "x/1");
  },
});

Deno.test({
  name: "tlsOptionsFromFlags refuses wrong combinations and unreadable or non-PEM files",
  ignore: SKIP !== "",
  fn: () => {
    const p = pki!;
    const fails = (
      values: Record<string, string | boolean>,
      role: "connect" | "listen",
      re: RegExp,
    ) =>
      assert.throws(
        () =>
          role === "connect"
            ? tlsOptionsFromFlags(values, role)
            : tlsOptionsFromFlags(values, role),
        (e: Error) => e instanceof TlsFlagError && e instanceof TypeError && re.test(e.message),
      );
    assert.equal(tlsOptionsFromFlags({}, "listen"), null);
    assert.equal(tlsOptionsFromFlags({ "tls": false }, "connect"), null);
    assert.deepEqual(tlsOptionsFromFlags({ "tls-insecure": true }, "connect"), { insecure: true });
    fails(
      { "tls": true, "tls-cert": p.server.certFile },
      "connect",
      /^Cannot use --tls-cert: it is for listen, not connect$/,
    );
    fails(
      { "tls": true, "tls-ca": p.ca.certFile },
      "listen",
      /^Cannot use --tls-ca: it is for connect, not listen$/,
    );
    fails(
      { "tls-insecure": true, "ssl-verify": true },
      "connect",
      /--tls-insecure: it contradicts --ssl-verify/,
    );
    fails(
      { "tls": true, "tls-cert": p.server.certFile },
      "listen",
      /^Cannot use --tls-key: listen needs it with --tls$/,
    );
    fails({ "tls-ca": p.server.keyFile }, "connect", /holds no PEM certificate$/);
    fails(
      { "tls-cert": p.server.certFile, "tls-key": p.server.certFile },
      "listen",
      /--tls-key: .* holds no PEM private key$/,
    );
    fails(
      { "tls-ca": `${p.dir}/missing.pem` },
      "connect",
      /^Cannot use --tls-ca: cannot read .*missing\.pem: no such file$/,
    );
    fails({ "tls-alpn": " , " }, "connect", /--tls-alpn: expected a comma-separated list/);
    fails(
      { "tls-ca": p.ca.certFile, "ssl-trustfile": p.server.certFile },
      "connect",
      /--ssl-trustfile: it repeats --tls-ca with another value/,
    );
    // The flag tables name every flag the function reads, with help text.
    for (const table of [TLS_CONNECT_FLAGS, TLS_LISTEN_FLAGS]) {
      for (const [name, spec] of Object.entries(table)) {
        assert.ok(spec.help.length > 10, name);
        assert.equal(spec.type === "string", spec.arg !== undefined, name);
      }
    }
  },
});
