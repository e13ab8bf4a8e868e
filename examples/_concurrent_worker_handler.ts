/**
 * The connection handler of examples/tcp_concurrent_server_workers.ts, in its own module
 * because `serveWorkers` imports it in every Worker (functions cannot be sent to a Worker).
 * It serves one client as the seeds' welcome server does: send "Welcome" plus NUL, receive one
 * message, print it, and say which worker served the client.
 *
 * @module
 */
import type { TcpConnection } from "../mod.ts";

/** Settings sent from the main thread (`handlerOptions`). */
export interface WelcomeHandlerOptions {
  /** How long to wait for the client's message, ms. */
  readTimeout: number;
}

/** `serveWorkers` names each Worker `sockkit-worker-N`; N is the worker's index. */
const worker = (globalThis as { name?: string }).name?.replace(/^\D+/, "") ?? "?";

/** Serve one client: Welcome, then its message. */
export default async function serveClient(
  client: TcpConnection,
  options: WelcomeHandlerOptions,
): Promise<void> {
  const { hostname, port } = client.remoteAddr;
  console.log(`远程主机: ${hostname} 通过端口: ${port} 连接到了服务器...`);
  await client.writeAll(new TextEncoder().encode("Welcome\0"));
  const buf = new Uint8Array(1024);
  const n = await client.read(buf, { timeout: options.readTimeout });
  if (n) {
    console.log(
      `    receive data from client ${port}: ${
        new TextDecoder().decode(buf.subarray(0, n)).split("\0")[0]
      } `,
    );
  }
  console.log(`    client ${port} served by worker ${worker}`);
}
