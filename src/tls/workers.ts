/**
 * `serveTlsWorkers(options)`: `serveWorkers` over TLS. N Deno Workers each run `serveTls` on
 * the same port (`SO_REUSEPORT`), so the kernel spreads new connections and their handshakes
 * across cores. The certificate and key go to every Worker as PEM text.
 *
 * @module
 */

import { startWorkers, type WorkerServeOptions, type WorkerServer } from "../net/workers.ts";
import type { TlsListenOptions } from "./tls.ts";

/** Options of {@linkcode serveTlsWorkers}: those of `serveWorkers`, plus the TLS settings. */
export interface TlsWorkerServeOptions
  extends
    Omit<WorkerServeOptions, "proxyProtocol" | "proxyHeaderTimeout" | "proxyMaxHeaderSize">,
    Pick<
      TlsListenOptions,
      "cert" | "key" | "alpnProtocols" | "handshakeTimeout" | "requireCloseNotify"
    > {}

const ENTRY = new URL("./_worker_entry.ts", import.meta.url).href;

/**
 * Serve TLS connections on `workers` Deno Workers sharing one port. The handler module's
 * default export gets a server-side `TlsConnection` (see `serveTls`); everything else is as
 * `serveWorkers` documents (counters per worker and summed, graceful shutdown).
 *
 * Permissions: as `serveWorkers` (`--allow-net`, `--allow-read` for a `file:` module,
 * `--allow-ffi` for socket options and the lingering close).
 *
 * @param options The handler `module`, `workers`, where to listen, `cert` and `key` (PEM),
 *   ALPN, timeouts and `serve`'s options.
 * @returns The running server, once every worker listens.
 * @throws {TypeError} when `cert` or `key` is missing or unusable (from the first worker).
 * @throws {RangeError} for a bad `workers` count or option.
 *
 * @example Two TLS workers, a certificate made by `openssl`
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectTls, serveTlsWorkers } from "./mod.ts";
 * const dir = Deno.makeTempDirSync();
 * const made = new Deno.Command("openssl", {
 *   args: ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
 *     "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext",
 *     "subjectAltName=DNS:localhost", "-addext", "basicConstraints=critical,CA:FALSE",
 *     "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
 *   stderr: "null",
 * }).outputSync();
 * assert.equal(made.code, 0);
 * const cert = Deno.readTextFileSync(`${dir}/cert.pem`);
 * const module = "data:application/javascript," + encodeURIComponent(
 *   "export default async (c) => { const b = new Uint8Array(64); let n;" +
 *     " while ((n = await c.read(b)) !== null) await c.writeAll(b.subarray(0, n)); }",
 * );
 * await using server = await serveTlsWorkers({
 *   module,
 *   workers: 2,
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   cert,
 *   key: Deno.readTextFileSync(`${dir}/key.pem`),
 * });
 * {
 *   await using c = await connectTls({
 *     port: server.addr.port,
 *     serverName: "localhost",
 *     caCerts: [cert],
 *   });
 *   await c.writeAll(new Uint8Array([1, 2, 3]));
 *   assert.deepEqual(await c.readFull(new Uint8Array(3)), new Uint8Array([1, 2, 3]));
 * }
 * await server.shutdown();
 * assert.equal((await server.stats()).total.accepted, 1);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function serveTlsWorkers(options: TlsWorkerServeOptions): Promise<WorkerServer> {
  return startWorkers(ENTRY, options);
}
