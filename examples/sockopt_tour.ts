/**
 * The seeds' twelve "setsockopt() for robustness" recipes, in idiomatic sockkit: each one is
 * applied with `setSocketOptions`, which reads every option back with `getsockopt`, and the
 * tour prints what was requested beside what the kernel applied (Linux doubles buffer sizes,
 * clamps a zero buffer to its minimum, and has no `SO_CONDITIONAL_ACCEPT`). The line-for-line
 * port (`setsockopt`/`getsockopt`) is examples/bsd/sockopt_tour.ts.
 *
 * The recipes are applied to one loopback connection (the zero-size buffers to a second one,
 * so the first keeps its 32 KiB), `SO_BROADCAST` to a UDP socket (no datagram is sent) and
 * `SO_REUSEADDR` to the listener. With `--hold`, the first connection stays open until stdin
 * closes, so its buffers and keepalive timer can be checked from outside:
 * `ss -tmoi src 127.0.0.1:PORT`.
 *
 * Run: deno run --allow-net --allow-ffi --unstable-net examples/sockopt_tour.ts [--host 127.0.0.1] [--port 0] [--hold]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  bind,
  closeSocket,
  connect,
  listen,
  setSocketOptions,
  type SocketOptions,
} from "../mod.ts";
import type { SocketLike } from "../src/sockopt/mod.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    hold: { type: "boolean", default: false },
  },
});

function show(v: unknown): string {
  return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

/** Apply one recipe and print, per option, what was requested and what the kernel applied. */
function recipe(no: string, label: string, target: SocketLike, options: SocketOptions, why = "") {
  const head = `${no.padStart(2)}. ${label.padEnd(24)}`;
  try {
    const report = setSocketOptions(target, options, { readBack: "all" });
    for (const [option, r] of Object.entries(report)) {
      console.log(
        `${head} ${option}: requested ${show(r.requested)}, applied ${show(r.applied)}${
          why ? `  (${why})` : ""
        }`,
      );
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    console.log(
      `${head} ${Object.keys(options).join(", ")}: requested ${
        show(Object.values(options)[0])
      }, failed: ${err.name}${err.code ? ` ${err.code}` : ""}: ${err.message}`,
    );
  }
}

using listener = listen({ hostname: values.host, port: Number(values.port) });
const { hostname, port } = listener.addr;
console.log(`listening on ${hostname}:${port}`);
const conn = await connect({ hostname, port });
const peer = await listener.accept();
const local = conn.localAddr;
console.log(`connection ${local.hostname}:${local.port} -> ${hostname}:${port}`);

recipe("1", "SO_REUSEADDR", listener, { reuseAddress: true }, "Deno sets it on listeners already");
recipe(
  "2",
  "SO_DONTLINGER = FALSE",
  conn,
  { linger: 0 },
  "linger on, 0 s: close sends RST, no TIME_WAIT",
);
recipe("3", "SO_SNDTIMEO 1 s", conn, { kernelSendTimeout: 1000 }, "kernel value; use writeTimeout");
recipe(
  "3",
  "SO_RCVTIMEO 1 s",
  conn,
  { kernelReceiveTimeout: 1000 },
  "kernel value; use readTimeout",
);
recipe("4", "SO_RCVBUF 32 KiB", conn, { receiveBufferSize: 32 * 1024 }, "Linux doubles it");
recipe("4", "SO_SNDBUF 32 KiB", conn, { sendBufferSize: 32 * 1024 }, "Linux doubles it");
{
  // A second connection, so the first keeps its 32 KiB buffers.
  await using second = await connect({ hostname, port });
  await using _secondPeer = await listener.accept();
  recipe("5", "SO_SNDBUF 0", second, { sendBufferSize: 0 }, "Linux's minimum: no zero-copy send");
  recipe("6", "SO_RCVBUF 0", second, { receiveBufferSize: 0 }, "Linux's minimum");
}
{
  using udp = bind({ hostname, port: 0 });
  recipe("7", "SO_BROADCAST (UDP)", udp, { broadcast: true }, "nothing is sent");
}
recipe("8", "SO_CONDITIONAL_ACCEPT", listener, { conditionalAccept: true });
recipe("9", "SO_LINGER 5 s", conn, { linger: 5 }, "close drains for up to 5 s without blocking");
recipe("10", "SO_DEBUG", conn, { debug: true }, "needs CAP_NET_ADMIN");
console.log(
  "11. (not an option: the notes' CNetIOBuffer class, see examples/io_buffer.ts)",
);
recipe("12", "TCP_NODELAY", conn, { noDelay: true }, "Nagle off");

// The note under the recipes: port reuse lets another socket bind a port in use.
{
  using plain = listen({ hostname, port: 0 });
  let second = "";
  try {
    listen({ hostname, port: plain.addr.port, reusePort: true }).close();
    second = "succeeded";
  } catch (e) {
    second = `fails: ${(e as Error).name}`;
  }
  console.log(
    `note. port reuse hijack: a second listener on ${hostname}:${plain.addr.port} (bound without SO_REUSEPORT) ${second}`,
  );
  using shared = listen({ hostname, port: 0, reusePort: true });
  try {
    using _hijacker = listen({ hostname, port: shared.addr.port, reusePort: true });
    second = "succeeded: the kernel now splits new connections between the two";
  } catch (e) {
    second = `fails: ${(e as Error).name}`;
  }
  console.log(
    `note. port reuse hijack: a second listener on ${hostname}:${shared.addr.port} (both with SO_REUSEPORT) ${second}`,
  );
  console.log("      Linux allows the sharing only between sockets of the same user");
}
recipe(
  "extra",
  "SO_KEEPALIVE 60 s",
  conn,
  { keepAlive: { idle: 60 } },
  "the notes' cure for an idle dead peer",
);

if (values.hold) {
  console.log(`holding ${local.hostname}:${local.port} -> ${hostname}:${port} until stdin closes`);
  for await (const _ of Deno.stdin.readable) { /* wait for end of input */ }
}
// closeSocket follows the recorded linger (5 s): half-close, wait for the data to drain, close.
const closed = await closeSocket(conn);
console.log(`closed the connection: ${closed.method}, ${closed.outcome} (linger 5 s)`);
await peer.close();
