/**
 * Close semantics from the seeds, done right on Deno: graceful close (FIN), abortive close
 * (RST), graceful close with a time limit (the seeds' `SO_LINGER` > 0, without blocking the
 * event loop), and telling whether a connection ended with the peer's FIN or RST.
 *
 * Why Deno's own `close()` cannot abort: it calls `shutdown(fd, SHUT_WR)` before closing the
 * descriptor, so a FIN leaves first and the peer reads a clean end of stream even with
 * `SO_LINGER` 0. {@linkcode abortConnection} instead disconnects the socket with
 * `connect(fd, {sa_family: AF_UNSPEC})` (Linux's `tcp_disconnect` sends the RST) and then lets
 * Deno close the descriptor. And `SO_LINGER` N > 0 would make `close()` block the thread that
 * runs all JavaScript for up to N seconds, so {@linkcode closeGracefully} half-closes, polls the
 * send queue with timers, and closes once it has drained.
 *
 * Needs `--allow-ffi` for abortive and timed graceful close and for {@linkcode endReason};
 * {@linkcode closeSocket} on a socket without a recorded linger needs nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { abortConnection } from "./close.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * using server = await listener.accept();
 * abortConnection(client); // the peer sees a reset, not an end of stream
 * await assert.rejects(server.read(new Uint8Array(8)), Deno.errors.ConnectionReset);
 * ```
 *
 * @module
 */

import { libc } from "../_ffi/libc.ts";
import {
  markClosed,
  resolveSocket,
  type SocketLike,
  unwrapSocket,
  wasAccepted,
} from "../_ffi/fd.ts";
import { recordedLinger, setSocketOptions } from "./socket_options.ts";
import { pendingSendBytes, tcpInfo } from "./tcp_info.ts";
import { SocketOptionError } from "./errors.ts";
import { errnoName } from "../errno/error_table.ts";

/** How a close went. */
export interface CloseReport {
  /** `"close"` (Deno's close: FIN), `"abort"` (RST) or `"graceful"` (half-close, drain, close). */
  method: "close" | "abort" | "graceful";
  /**
   * `"closed"`: plain close. `"reset"`: RST sent. `"drained"`: everything written, our FIN
   * included, was acknowledged. `"peer-closed"`: the peer closed or reset while we waited.
   * `"timeout-reset"`/`"timeout-closed"`: the time limit passed with data unacknowledged.
   */
  outcome: "closed" | "reset" | "drained" | "peer-closed" | "timeout-reset" | "timeout-closed";
  /** Bytes still unacknowledged when the socket was closed (0 when not measured). */
  unsentBytes: number;
  /** Milliseconds the close took. */
  elapsedMs: number;
}

/** Options for {@linkcode closeGracefully}. */
export interface GracefulCloseOptions {
  /** Longest wait for the send queue to drain, ms. Default 5000 (the seeds' 5 s linger). */
  timeout?: number;
  /**
   * What to do when the time is up: `"abort"` sends an RST so the peer knows data was lost
   * (Winsock's behaviour for an expired linger); `"close"` closes normally and lets the kernel
   * keep trying in the background. Default `"abort"`.
   */
  onTimeout?: "abort" | "close";
}

function isTcpConn(s: object): s is Deno.TcpConn {
  return "remoteAddr" in s && (s as Deno.Conn).localAddr.transport === "tcp";
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Close a TCP connection abortively: the peer gets an RST (`ECONNRESET`), unsent data is
 * dropped and no `TIME_WAIT` is left behind. This is what the seeds get from `SO_LINGER`
 * {1, 0}, which Deno's `close()` cannot do (it sends a FIN first).
 *
 * @param conn A TCP `Deno.Conn` or sockkit wrapper. It is closed afterwards (a wrapper too: its
 *   later calls throw its own `SocketStateError`).
 * @throws {TypeError} For a socket that is not a TCP connection.
 * @throws {StaleDescriptorError} When it is already closed (nothing else is touched).
 * @throws {SocketOptionError} When the disconnect fails (the connection is still closed).
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { abortConnection } from "./close.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * using server = await listener.accept();
 * abortConnection(client);
 * // The RST is on the peer before its read starts, so the read fails with ECONNRESET
 * // (a read already waiting when it arrives returns null, as at EOF). The client is closed.
 * await assert.rejects(server.read(new Uint8Array(1)), Deno.errors.ConnectionReset);
 * assert.throws(() => client.close(), Deno.errors.BadResource);
 * ```
 */
export function abortConnection(conn: SocketLike): void {
  const obj = unwrapSocket(conn);
  if (!isTcpConn(obj)) {
    throw new TypeError("Cannot abort connection: only a TCP connection can be reset");
  }
  const { fd } = resolveSocket(obj);
  const lib = libc();
  const C = lib.C;
  let failure: SocketOptionError | undefined;
  if (C.os === "linux") {
    // connect(fd, {AF_UNSPEC}) -> tcp_disconnect() -> RST, then state CLOSE.
    const sa = new Uint8Array(16);
    sa[C.sockaddr.familyOffset] = C.AF_UNSPEC;
    if (lib.symbols.connect(fd, sa, sa.length) !== 0) {
      const n = lib.errno();
      const code = errnoName(n, C.os) ?? `E${n}`;
      failure = new SocketOptionError(
        "abort",
        n,
        code,
        `Cannot abort connection: connect(AF_UNSPEC) failed with ${code} (errno ${n})`,
      );
    }
  } else {
    // macOS (untested): linger {1, 0}; Deno's shutdown still sends a FIN before the RST.
    setSocketOptions(obj, { linger: 0 });
  }
  try {
    obj.close();
  } finally {
    markClosed(obj);
    forgetWrapper(conn, obj);
  }
  if (failure) throw failure;
}

/**
 * When `conn` is a wrapper around `obj` (a sockkit socket), close the wrapper too once `obj`
 * is closed, so its own calls fail with its closed-state error rather than the runtime's "Bad
 * resource ID". Every sockkit wrapper's close tolerates a socket that is already closed.
 */
function forgetWrapper(conn: SocketLike, obj: unknown): void {
  if ((conn as unknown) === obj) return;
  const close = (conn as { close?: () => unknown }).close;
  if (typeof close !== "function") return;
  try {
    Promise.resolve(close.call(conn)).catch(() => {/* obj is closed already */});
  } catch { /* obj is closed already */ }
}

/**
 * Close a TCP connection gracefully within a time limit, without blocking the event loop:
 * half-close (FIN), wait until the send queue has drained and our FIN is acknowledged (or the
 * peer has closed), then close. This is the seeds' `SO_LINGER` with a non-zero interval,
 * rebuilt asynchronously.
 *
 * @param conn A TCP `Deno.Conn` or sockkit wrapper.
 * @param options `timeout` (ms, default 5000) and `onTimeout` (`"abort"` default, or `"close"`).
 * @returns How the close went.
 * @throws {TypeError} For a socket that is not a TCP connection, or a bad timeout.
 * @throws {StaleDescriptorError} When it is already closed.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeGracefully } from "./close.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * using server = await listener.accept();
 * await client.write(new TextEncoder().encode("bye"));
 * const report = await closeGracefully(client, { timeout: 2000 });
 * assert.equal(report.outcome, "drained");
 * assert.equal(new TextDecoder().decode((await new Response(server.readable).arrayBuffer())), "bye");
 * ```
 */
export async function closeGracefully(
  conn: SocketLike,
  options: GracefulCloseOptions = {},
): Promise<CloseReport> {
  const obj = unwrapSocket(conn);
  if (!isTcpConn(obj)) {
    throw new TypeError("Cannot close gracefully: only a TCP connection has a send queue to drain");
  }
  const timeout = options.timeout ?? 5000;
  if (typeof timeout !== "number" || !(timeout >= 0) || !Number.isFinite(timeout)) {
    throw new TypeError(
      `Cannot close gracefully: timeout must be a finite number >= 0, got ${timeout}`,
    );
  }
  const onTimeout = options.onTimeout ?? "abort";
  if (onTimeout !== "abort" && onTimeout !== "close") {
    throw new TypeError(`Cannot close gracefully: onTimeout must be "abort" or "close"`);
  }
  const start = performance.now();
  resolveSocket(obj); // fail early (typed) if it is already closed
  const r = await drainAndClose(obj, timeout, onTimeout, start);
  forgetWrapper(conn, obj);
  return r;
}

/** closeGracefully's work once its arguments are checked: half-close, wait, close. */
async function drainAndClose(
  obj: Deno.Conn,
  timeout: number,
  onTimeout: "abort" | "close",
  start: number,
): Promise<CloseReport> {
  // Deno's closeWrite waits for a pending write to finish (it needs the write half), and a
  // write to a peer that stopped reading never finishes: bound the wait by the timeout too.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    obj.closeWrite().then(() => true, (e: unknown) => e),
    new Promise<false>((r) => timer = setTimeout(() => r(false), timeout)),
  ]).finally(() => clearTimeout(timer));
  if (
    outcome !== true && outcome !== false &&
    !(outcome instanceof Deno.errors.NotConnected || outcome instanceof Deno.errors.BrokenPipe)
  ) {
    throw outcome;
  }
  const halfClosed = outcome !== false;
  let unsent = halfClosed ? 0 : pendingSendBytes(obj);
  let wait = 1;
  while (halfClosed) {
    const state = tcpInfo(obj).state;
    unsent = state === "CLOSED" ? 0 : pendingSendBytes(obj);
    if (state === "CLOSED" || state === "TIME_WAIT") {
      return finish(obj, start, "graceful", unsent === 0 ? "drained" : "peer-closed", unsent);
    }
    if (unsent === 0) return finish(obj, start, "graceful", "drained", 0);
    const left = timeout - (performance.now() - start);
    if (left <= 0) break;
    await sleep(Math.min(wait, left));
    wait = Math.min(wait * 2, 50);
  }
  if (onTimeout === "abort") {
    abortConnection(obj);
    return report(start, "graceful", "timeout-reset", unsent);
  }
  return finish(obj, start, "graceful", "timeout-closed", unsent);
}

function report(
  start: number,
  method: CloseReport["method"],
  outcome: CloseReport["outcome"],
  unsentBytes: number,
): CloseReport {
  return { method, outcome, unsentBytes, elapsedMs: performance.now() - start };
}

function finish(
  obj: Deno.Conn,
  start: number,
  method: CloseReport["method"],
  outcome: CloseReport["outcome"],
  unsent: number,
): CloseReport {
  try {
    obj.close();
  } finally {
    markClosed(obj);
  }
  return report(start, method, outcome, unsent);
}

/**
 * Close any socket the way its recorded `linger` says (set through `setSocketOptions`):
 * `0` → {@linkcode abortConnection} (RST); `N > 0` → {@linkcode closeGracefully} with an N-second
 * limit; unset or `false` → Deno's `close()` (FIN). Non-TCP sockets are always closed plainly.
 *
 * @param socket Any Deno socket or sockkit wrapper.
 * @returns How the close went.
 * @throws {Deno.errors.BadResource} When it is already closed.
 * @throws {FfiPermissionError} Without `--allow-ffi`, only when a linger was recorded (which
 *   itself needed FFI).
 *
 * Needs `--allow-ffi` only when a linger was set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeSocket } from "./close.ts";
 * import { setSocketOptions } from "./socket_options.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * using server = await listener.accept();
 * setSocketOptions(client, { linger: 0 });
 * assert.equal((await closeSocket(client)).outcome, "reset");
 * await assert.rejects(server.read(new Uint8Array(1)), Deno.errors.ConnectionReset);
 * ```
 */
export async function closeSocket(socket: SocketLike): Promise<CloseReport> {
  const obj = unwrapSocket(socket);
  const r = await closeFollowingLinger(obj);
  forgetWrapper(socket, obj);
  return r;
}

/** closeSocket's work on the Deno socket itself. */
async function closeFollowingLinger(obj: ReturnType<typeof unwrapSocket>): Promise<CloseReport> {
  const linger = recordedLinger(obj);
  const start = performance.now();
  if (isTcpConn(obj) && typeof linger === "number") {
    if (linger === 0) {
      abortConnection(obj);
      return report(start, "abort", "reset", 0);
    }
    return await closeGracefully(obj, { timeout: linger * 1000 });
  }
  try {
    obj.close();
  } finally {
    markClosed(obj);
  }
  return report(start, "close", "closed", 0);
}

/**
 * How a TCP connection stands or ended, read from the kernel's TCP state. Use it after
 * `read()` returned `null` (or threw), since Deno reports a FIN and an RST alike:
 *
 * - `"OPEN"`: the peer has not closed (`ESTABLISHED`, `FIN_WAIT_1/2`, `SYN_*`, `LISTEN`).
 * - `"FIN"`: the peer closed gracefully (`CLOSE_WAIT`, `LAST_ACK`, `CLOSING`, `TIME_WAIT`).
 * - `"RST"`: the connection was reset (state `CLOSED` while our own FIN was never acknowledged).
 * - `"CLOSED"`: state `CLOSED` after our own FIN was acknowledged; the kernel's state alone
 *   does not say whether the peer then sent a FIN or an RST. Pass `bytesRead` (every byte the
 *   application read) to settle it: a FIN takes one sequence number, so after a FIN the
 *   kernel's `bytes_received` is exactly `bytesRead + 1`, and after an RST exactly
 *   `bytesRead`. sockkit's wrappers do this.
 *
 * @param conn A TCP `Deno.Conn` or sockkit wrapper (still open on our side).
 * @param options `bytesRead`: bytes the application read from the connection, all of them.
 * @returns The reason.
 * @throws {StaleDescriptorError} When it is closed on our side.
 * @throws {FfiPermissionError} Without `--allow-ffi`.
 *
 * Needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endReason } from "./close.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const server = await listener.accept();
 * assert.equal(endReason(client), "OPEN");
 * server.close(); // FIN
 * assert.equal(await client.read(new Uint8Array(1)), null);
 * assert.equal(endReason(client), "FIN");
 * ```
 *
 * @example After our own half-close, the bytes read tell the peer's FIN from its RST
 * ```ts
 * import assert from "node:assert/strict";
 * import { endReason } from "./close.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const server = await listener.accept();
 * await client.closeWrite(); // our FIN first
 * assert.equal(await server.read(new Uint8Array(1)), null);
 * await server.write(new Uint8Array([7, 7]));
 * server.close(); // then the peer's FIN
 * const buf = new Uint8Array(8);
 * let bytesRead = 0;
 * for (let n; (n = await client.read(buf)) !== null;) bytesRead += n;
 * await new Promise((r) => setTimeout(r, 20)); // let our last ACK go out
 * assert.equal(endReason(client), "CLOSED"); // the state alone cannot tell
 * assert.equal(endReason(client, { bytesRead }), "FIN");
 * ```
 */
export function endReason(
  conn: SocketLike,
  options: { bytesRead?: number } = {},
): "OPEN" | "FIN" | "RST" | "CLOSED" {
  const info = tcpInfo(conn);
  switch (info.state) {
    case "CLOSE_WAIT":
    case "LAST_ACK":
    case "CLOSING":
    case "TIME_WAIT":
      return "FIN";
    case "CLOSED": {
      // The peer's FIN takes one sequence number beyond the data; an RST takes none.
      if (options.bytesRead !== undefined && info.bytesReceived !== null) {
        if (info.bytesReceived === options.bytesRead + 1) return "FIN";
        if (info.bytesReceived === options.bytesRead) return "RST";
      }
      // bytes_acked counts our SYN (active open only) and our FIN as one byte each once acked.
      const extra = info.bytesAcked === null
        ? null
        : info.bytesAcked - ((info.bytesSent ?? 0) - (info.bytesRetrans ?? 0));
      if (extra === null) return "CLOSED";
      const accepted = wasAccepted(conn);
      if (accepted === undefined) return extra === 0 ? "RST" : "CLOSED";
      return extra - (accepted ? 0 : 1) >= 1 ? "CLOSED" : "RST";
    }
    default:
      return "OPEN";
  }
}
