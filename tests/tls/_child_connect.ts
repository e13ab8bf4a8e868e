/**
 * Child process for tls_test.ts: connect over TLS to `127.0.0.1:PORT` as `localhost` with the
 * options named by the arguments, and print `{"ok": true, "alpn": …}` or
 * `{"ok": false, "name": …, "reason": …, "message": …}` as JSON. The parent sets the
 * environment (`SSL_CERT_FILE`) and Deno flags (`--unsafely-ignore-certificate-errors`).
 *
 * Usage: `_child_connect.ts PORT [no-system-ca] [insecure]`
 *
 * @module
 */
import { connectTls } from "../../src/tls/mod.ts";

const [port, ...flags] = Deno.args;
try {
  const c = await connectTls({
    port: Number(port),
    serverName: "localhost",
    timeout: 5000,
    systemCa: !flags.includes("no-system-ca"),
    insecure: flags.includes("insecure"),
  });
  const alpn = c.alpnProtocol;
  await c.close();
  console.log(JSON.stringify({ ok: true, alpn }));
} catch (e) {
  const err = e as Error & { reason?: string };
  console.log(
    JSON.stringify({ ok: false, name: err.name, reason: err.reason, message: err.message }),
  );
}
