/**
 * TCP and Unix stream sessions for `listen` and `connect`: stdin to the peer, the peer to
 * stdout (raw, hex, frames or JSON events), half-close, and how the connection ended.
 *
 * @module
 */

import {
  connect,
  connectUnix,
  listen,
  listenUnix,
  ProxiedTcpConnection,
  type TcpConnection,
} from "../net/mod.ts";
import { FramedConn, FrameTooLongError } from "../codec/mod.ts";
import { readProxyHeader } from "../proxy/mod.ts";
import { addressFields } from "./_output.ts";
import { CrlfConverter, LineSplitter } from "./_stdin_hub.ts";
import {
  addressInFamily,
  addressText,
  applySessionOptions,
  connectedTlsFields,
  connectionOptions,
  isConnectionReset,
  isIdleTimeout,
  listenDualStack,
  peerEndReason,
  refusal,
  type Session,
  type SessionTarget,
  type TcpOrUnixConnection,
  tlsFlagHint,
} from "./_session.ts";
import { UsageError } from "./_args.ts";
import { execEndpoint } from "./_exec.ts";
import { connectTls, listenTls, TlsConnection } from "../tls/mod.ts";

/**
 * Where a connection's bytes come from and go to: stdin and stdout by default, a child
 * process with `--exec`/`--sh-exec` (see `_exec.ts`).
 */
export interface SessionEndpoint {
  /** Subscribe to what goes to the peer; `null` is its end. Returns the unsubscribe function. */
  subscribe(fn: (chunk: Uint8Array | null) => Promise<void>): () => void;
  /** Whether a peer's FIN should end the session at once (a person at a terminal). */
  readonly interactive: boolean;
  /** The end of what goes to the peer ends the connection (a child's exit). */
  readonly endsWithSource?: boolean;
  /** Bytes (or one frame) from the peer. */
  received(bytes: Uint8Array, frame: boolean, meta: Record<string, unknown>): Promise<void>;
  /** The peer is done sending. */
  peerEnded(): void;
  /** The session is over: release what the endpoint holds. */
  close(): Promise<void>;
}

/** stdin and stdout: the default endpoint. */
export function stdioEndpoint(session: Session, byLine: boolean): SessionEndpoint {
  const { out } = session;
  return {
    subscribe: (fn) => session.stdin.subscribe(fn),
    get interactive() {
      return session.stdin.interactive;
    },
    received(bytes, frame, meta) {
      if (frame && (byLine || out.json)) out.frame(bytes, meta);
      else out.data(bytes, meta);
      return Promise.resolve();
    },
    peerEnded() {},
    close: () => Promise.resolve(),
  };
}

/**
 * Run one stream connection until the peer ends it (or an error, an idle timeout or `-q`
 * does).
 *
 * @returns `true` when it ended cleanly (peer FIN, everything sent), `false` after an error,
 *   an RST, or a send that failed.
 */
export async function runStreamSession(
  session: Session,
  conn: TcpOrUnixConnection,
  meta: Record<string, unknown>,
  role: "listen" | "connect",
): Promise<boolean> {
  const { out, log } = session;
  const io = {
    read: (p: Uint8Array) => conn.read(p),
    write: (p: Uint8Array) => conn.write(p),
  };
  const framed = session.frame ? new FramedConn(io, session.frame) : null;
  // `--frame raw` has no boundaries to keep: stdin goes as it is read, newlines included.
  const byLine = framed !== null && session.frame!.kind !== "raw";
  const ends = session.exec ? execEndpoint(session, byLine, meta) : stdioEndpoint(session, byLine);
  const discard = session.frame && "oversize" in session.frame &&
    session.frame.oversize === "discard";
  let unsubscribe: (() => void) | undefined;
  let writeChain = Promise.resolve();
  let clean = true;
  /** A send failed (the peer closed or reset, a frame did not encode): the exit is 1. */
  let sendFailed = false;
  let reason: string | null = null;
  /** `-q`: set when the quit timer closed the connection, so the read's error is ours. */
  let quitting = false;
  let quitTimer: ReturnType<typeof setTimeout> | undefined;
  const crlf = session.crlf ? new CrlfConverter() : null;
  // With -k, listen shares stdin: its end does not end a connection.
  const sharedStdin = !session.exec && role === "listen" && session.keepOpen;

  const quit = () => {
    quitting = true;
    if (!conn.closed) conn.close().catch(() => {});
  };
  let sendSideEnded!: () => void;
  const sendSideDone = new Promise<void>((r) => sendSideEnded = r);
  let lines: LineSplitter | null = null;
  if (!session.echo && !session.recvOnly) {
    lines = byLine
      ? new LineSplitter(false, (e) => {
        sendFailed = true;
        out.error(e, meta);
      })
      : null;
    unsubscribe = ends.subscribe((input) => {
      writeChain = writeChain.then(async () => {
        if (conn.closed) {
          // The connection ended before stdin did: what stdin still had was not sent.
          if (input !== null && role === "connect") sendFailed = true;
          return;
        }
        const chunk = input && crlf ? crlf.convert(input) : input;
        if (lines) {
          for (const line of lines.push(chunk)) {
            try {
              await framed!.writeFrame(line);
              log?.sent(line);
            } catch (e) {
              // A line that cannot be a frame is reported; the lines after it still go.
              if (!(e instanceof RangeError)) throw e;
              sendFailed = true;
              out.error(e, meta);
            }
          }
        } else if (chunk) {
          await conn.writeAll(chunk);
          log?.sent(chunk);
          out.debug(`sent ${chunk.length} bytes`);
        }
        if (chunk === null && !sharedStdin) {
          await conn.closeWrite();
          out.event("half-close", { ...meta, direction: "send" }, "stdin ended: sent FIN");
          // --send-only ends with stdin (ncat); -q SECS waits that long for the peer first.
          // The child's exit (--exec) ends the connection at once.
          const wait = session.sendOnly || ends.endsWithSource ? 0 : session.quitAfterEof;
          if (wait !== undefined) quitTimer = setTimeout(quit, wait);
        }
      }).catch((e) => {
        sendFailed = true;
        if (!conn.closed) out.error(e, meta);
        sendSideEnded();
      }).finally(() => {
        if (input === null) sendSideEnded();
      });
      return writeChain;
    });
  }

  try {
    if (framed) {
      for (;;) {
        let f: Uint8Array | null;
        try {
          f = await framed.readFrame();
        } catch (e) {
          if (e instanceof FrameTooLongError && discard) {
            out.error(e, meta);
            continue;
          }
          throw e;
        }
        if (f === null) break;
        log?.received(f);
        if (session.echo) await framed.writeFrame(f);
        else if (!session.sendOnly) await ends.received(f, true, meta);
      }
    } else {
      const buf = new Uint8Array(65536);
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        const bytes = buf.subarray(0, n);
        log?.received(bytes);
        out.debug(`received ${n} bytes`);
        if (session.echo) await conn.writeAll(bytes);
        else if (!session.sendOnly) await ends.received(bytes, false, meta);
      }
    }
    reason = quitting ? "local" : peerEndReason(conn);
    if (reason === "RST") clean = false;
    ends.peerEnded();
    // Half-close: the peer is done sending, but stdin may still have data for it. Keep
    // sending until stdin ends (not for a terminal, nor for --keep-open's shared stdin).
    if (reason !== "RST" && unsubscribe && !ends.interactive && !sharedStdin && !quitting) {
      await sendSideDone;
    }
  } catch (e) {
    if (quitting) reason = "local";
    else {
      clean = false;
      reason = isConnectionReset(e) ? "RST" : isIdleTimeout(e) ? "idle-timeout" : "error";
      if (reason !== "RST") out.error(e, meta);
    }
    ends.peerEnded();
  } finally {
    clearTimeout(quitTimer);
    unsubscribe?.();
    framed?.close();
  }
  await writeChain;
  lines?.free();
  const closing = conn.closed ? Promise.resolve() : conn.close();
  await closing.catch(() => {});
  await ends.close();
  out.event(
    "close",
    { ...meta, reason, bytesIn: conn.bytesRead, bytesOut: conn.bytesWritten },
    `connection closed (${reason}), ${conn.bytesRead} bytes in, ${conn.bytesWritten} bytes out`,
  );
  if (!out.json && reason === "RST") out.note("sockkit: connection reset by peer (RST)");
  return clean && !sendFailed;
}

/**
 * Read the PROXY header when `--proxy-protocol` asks for one: the connection then reports the
 * real client. A bad or late header is reported and the connection closed (by
 * `readProxyHeader`); the server goes on.
 */
export async function unwrapProxy(
  session: Session,
  conn: TcpOrUnixConnection,
  id: number,
): Promise<TcpOrUnixConnection | null> {
  if (!session.proxyProtocol || conn.remoteAddr.transport !== "tcp") return conn;
  const tcp = conn as TcpConnection;
  try {
    const { header, rest } = await readProxyHeader(tcp.raw, { mode: session.proxyProtocol });
    return new ProxiedTcpConnection(tcp.raw, header, rest, { idleTimeout: session.idleTimeout });
  } catch (e) {
    session.out.error(e, { conn: id, remote: addressFields(conn.remoteAddr) });
    if (!conn.closed) await conn.close().catch(() => {});
    return null;
  }
}

/** One accepted connection: PROXY header, accept event, options, then the session. */
export async function serveAccepted(
  session: Session,
  accepted: TcpOrUnixConnection,
  id: number,
  transport: string,
  extra: Record<string, unknown> = {},
): Promise<boolean> {
  const { out } = session;
  const conn = await unwrapProxy(session, accepted, id);
  if (conn === null) return false;
  const meta = { conn: id, ...extra, remote: addressFields(conn.remoteAddr) };
  const tls = await acceptedTlsFields(session, conn, meta);
  if (tls === null) return false;
  const via = conn instanceof ProxiedTcpConnection
    ? {
      proxy: addressFields(conn.socketRemoteAddr),
      proxied: { version: conn.proxied.version, command: conn.proxied.command },
    }
    : {};
  out.event(
    "accept",
    { ...meta, local: addressFields(conn.localAddr), ...via, ...tls },
    `connection ${id} from ${addressText(conn.remoteAddr)}` +
      ("proxy" in via
        ? ` (via ${addressText((conn as ProxiedTcpConnection).socketRemoteAddr)})`
        : ""),
  );
  try {
    if (transport === "tcp") {
      applySessionOptions(session, conn, connectionOptions(session.opts), `connection ${id}`);
    }
  } catch (e) {
    out.error(e, meta);
  }
  return runStreamSession(session, conn, meta, "listen");
}

/**
 * Finish an accepted TLS connection's handshake before the session starts, so that `accept`
 * can report the ALPN protocol and a client that refused the certificate is one error line.
 *
 * @returns The `tls` field of the `accept` event (nothing for a plain connection), or `null`
 *   when the handshake failed (the error is reported and the connection closed).
 */
export async function acceptedTlsFields(
  session: Session,
  conn: TcpOrUnixConnection,
  meta: Record<string, unknown>,
): Promise<{ tls?: { alpn: string | null } } | null> {
  if (!(conn instanceof TlsConnection)) return {};
  try {
    const { alpnProtocol } = await conn.handshake({ timeout: session.idleTimeout });
    return { tls: { alpn: alpnProtocol } };
  } catch (e) {
    session.out.error(e, meta);
    await conn.close().catch(() => {});
    return null;
  }
}

/**
 * Remove a Unix socket file that nothing listens on any more (a server that died without
 * unlinking it), as a restart needs: connecting to it is refused. A live socket is left alone,
 * so that the listen fails with `AddrInUse`. Needs only `--allow-read`/`--allow-write`
 * (`/proc/net/unix` would need `-A` on Deno 2.9.6).
 */
async function removeStaleSocket(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch {
    return;
  }
  if (!info.isSocket) return;
  try {
    const probe = await Deno.connect({ transport: "unix", path });
    probe.close();
  } catch (e) {
    if (e instanceof Deno.errors.ConnectionRefused) await Deno.remove(path).catch(() => {});
  }
}

/**
 * `listen` on TCP or a Unix path: accept, serve each connection, and exit 1 if any failed.
 */
export async function listenStream(
  session: Session,
  target: SessionTarget | string,
): Promise<number> {
  const { out } = session;
  if (typeof target === "string") await removeStaleSocket(target);
  const tls = session.tlsListen;
  const server = typeof target === "string"
    ? listenUnix({ path: target, idleTimeout: session.idleTimeout })
    : listenDualStack(
      target,
      (hostname) =>
        tls
          ? listenTls({ hostname, port: target.port, idleTimeout: session.idleTimeout, ...tls })
          : listen({ hostname, port: target.port, idleTimeout: session.idleTimeout }),
    );
  const transport = typeof target === "string" ? "unix" : "tcp";
  let allClean = true;
  try {
    if (session.opts && transport === "tcp") {
      applySessionOptions(session, server, session.opts, "listener");
    }
    out.event(
      "listen",
      { transport, ...addressFields(server.addr), ...(tls ? { tls: true } : {}) },
      `listening on ${transport}${tls ? " (TLS)" : ""} ${addressText(server.addr)}`,
    );
    const limit = session.maxConns ?? (session.keepOpen ? Infinity : 1);
    const active = new Set<Promise<boolean>>();
    let served = 0;
    let id = 0;
    while (served < limit) {
      let conn: TcpOrUnixConnection;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const accepted = server.accept() as Promise<TcpOrUnixConnection>;
        conn = served === 0 && session.timeout !== undefined
          ? await Promise.race([
            accepted,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                reject(
                  Object.assign(
                    new Deno.errors.TimedOut(
                      `Cannot accept: no connection within ${session.timeout} ms`,
                    ),
                    { code: "ETIMEDOUT" },
                  ),
                );
              }, session.timeout);
            }),
          ])
          : await accepted;
      } catch (e) {
        // A client that reset before its accept (ENOTCONN, ECONNABORTED) is that client's
        // failure, not the server's: report it and go on.
        if (
          !(e instanceof Deno.errors.NotConnected || e instanceof Deno.errors.ConnectionAborted)
        ) {
          throw e;
        }
        out.error(e);
        allClean = false;
        served++;
        continue;
      } finally {
        clearTimeout(timer);
      }
      const refused = refusal(session, conn.remoteAddr);
      if (refused !== null) {
        // Turned away (ncat closes them too); it does not count toward --max-conns.
        out.event(
          "refuse",
          { remote: addressFields(conn.remoteAddr), reason: refused },
          `refused connection from ${addressText(conn.remoteAddr)}: ${refused}`,
        );
        conn.close().catch(() => {});
        continue;
      }
      served++;
      const p: Promise<boolean> = serveAccepted(session, conn, ++id, transport).then((ok) => {
        if (!ok) allClean = false;
        return ok;
      }).finally(() => active.delete(p));
      active.add(p);
      if (!session.keepOpen) await p;
    }
    server.close();
    await Promise.all(active);
  } finally {
    if (!server.closed) server.close();
  }
  // As ncat: a connection that ended in an RST, an error or a failed send makes the exit 1.
  return allClean ? 0 : 1;
}

/** `connect` over TCP or to a Unix path; the exit code. */
export async function connectStream(
  session: Session,
  target: SessionTarget | string,
): Promise<number> {
  const { out } = session;
  if (session.source !== undefined) {
    throw new UsageError(
      "-s/-p set the source of UDP (-u) and the address of listen; Deno.connect takes no " +
        "local address for a TCP or Unix connection",
      "connect",
    );
  }
  const conn: TcpOrUnixConnection = typeof target === "string"
    ? await connectUnix({
      path: target,
      timeout: session.timeout,
      idleTimeout: session.idleTimeout,
    })
    : await connectTcpOrTls(session, target);
  if (session.opts && typeof target !== "string") {
    try {
      applySessionOptions(session, conn, session.opts, "connection");
    } catch (e) {
      await conn.close();
      throw e;
    }
  }
  const meta = {
    remote: addressFields(conn.remoteAddr),
    local: addressFields(conn.localAddr),
    ...connectedTlsFields(conn),
  };
  out.event(
    "connect",
    meta,
    `connected to ${addressText(conn.remoteAddr)}` +
      (conn instanceof TlsConnection
        ? ` over TLS${conn.serverName ? ` (${conn.serverName})` : ""}${
          conn.alpnProtocol ? `, ALPN ${conn.alpnProtocol}` : ""
        }`
        : ""),
  );
  return (await runStreamSession(session, conn, {}, "connect")) ? 0 : 1;
}

/**
 * Connect over TCP, or with `--tls` over TLS: the certificate is checked against the host as
 * typed (or `--tls-servername`), also when `-4`/`-6` looked the name up first.
 */
async function connectTcpOrTls(
  session: Session,
  target: SessionTarget,
): Promise<TcpOrUnixConnection> {
  const common = {
    hostname: await addressInFamily(session, target.hostname),
    port: target.port,
    timeout: session.timeout,
    idleTimeout: session.idleTimeout,
  };
  if (!session.tlsConnect) return await connect(common);
  try {
    return await connectTls({
      ...common,
      ...session.tlsConnect,
      serverName: session.tlsConnect.serverName ?? target.hostname,
    });
  } catch (e) {
    throw tlsFlagHint(e, "--tls-ca");
  }
}
