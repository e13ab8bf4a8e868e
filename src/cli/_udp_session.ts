/**
 * UDP for `listen -u` and `connect -u`: stdin cut into datagrams (`--datagram-per`), received
 * datagrams on stdout or as `datagram` events, and the reply grace after stdin ends.
 *
 * @module
 */

import { bind, type UdpBatch, type UdpSocket } from "../net/mod.ts";
import { createFrameCodec, type FrameOptions, FrameReader } from "../codec/mod.ts";
import { lookup } from "../resolve/mod.ts";
import type { SocketOptions } from "../sockopt/mod.ts";
import { addressFields } from "./_output.ts";
import { CrlfConverter, LineSplitter } from "./_stdin_hub.ts";
import {
  addressText,
  applySessionOptions,
  type DatagramPer,
  listenDualStack,
  refusal,
  type Session,
  type SessionTarget,
} from "./_session.ts";

/** The largest UDP payload over IPv4 (65,535 - 20 IP - 8 UDP bytes). */
export const MAX_DATAGRAM = 65507;

/**
 * What cuts stdin into datagrams: each chunk's datagrams (a promise at the end of stdin), and
 * `onError` for a bad frame, after which the datagrams before it in the chunk still go.
 */
type DatagramCutter = (chunk: Uint8Array | null) => Uint8Array[] | Promise<Uint8Array[]>;

/**
 * Cut stdin into datagrams: one per line (the newline kept, as `nc -u` sends it), one per
 * read (as socat, cut at {@linkcode MAX_DATAGRAM}), or one per frame of `--frame SPEC` (stdin
 * is then a framed byte stream, so a datagram may hold any bytes, newlines included).
 */
function datagramCutter(
  per: DatagramPer,
  frame: FrameOptions | undefined,
  onError: (e: unknown) => void,
): DatagramCutter {
  if (per === "read") {
    return (chunk) => {
      const out: Uint8Array[] = [];
      for (let i = 0; chunk && i < chunk.length; i += MAX_DATAGRAM) {
        out.push(chunk.subarray(i, i + MAX_DATAGRAM));
      }
      return out;
    };
  }
  if (per === "frame") {
    // The codec's one read driver, fed by push: frames by the Decoder contract, and at the
    // end of stdin `decodeEof` (leftover bytes of a partial frame are an IncompleteFrameError).
    const codec = createFrameCodec(frame!);
    const reader = new FrameReader(null, codec);
    const free = () => {
      reader.free();
      codec.free();
    };
    return async (chunk) => {
      const out: Uint8Array[] = [];
      try {
        if (chunk === null) {
          reader.end();
          try {
            for (let f; (f = await reader.readFrame()) !== null;) out.push(f);
          } finally {
            free();
          }
          return out;
        }
        // Push at most what the buffer can take between decodes.
        for (let off = 0; off < chunk.length;) {
          const n = Math.min(chunk.length - off, Math.max(reader.buffer.remaining, 1));
          reader.push(chunk.subarray(off, off + n));
          off += n;
          for (let f; (f = reader.tryReadFrame()) !== null;) out.push(f);
        }
      } catch (e) {
        onError(e);
      }
      return out;
    };
  }
  const lines = new LineSplitter(true);
  return (chunk) => lines.push(chunk);
}

/** Batches of received datagrams, or one at a time, said under `-v`. */
function noteBatching(session: Session, sock: UdpSocket): void {
  if (!session.out.verbose) return;
  session.out.note(
    sock.batched
      ? `sockkit: udp: datagrams move in batches of up to ${BATCH} (recvmmsg, sendmmsg)`
      : `sockkit: udp: one datagram per receive and per send: ${sock.batchFallbackReason}`,
  );
}

async function udpLoop(
  session: Session,
  sock: UdpSocket,
  role: "listen" | "connect",
): Promise<number> {
  const { out } = session;
  let peer: { hostname: string; port: number } | undefined = sock.remoteAddr;
  let unsubscribe: (() => void) | undefined;
  let sendChain = Promise.resolve();
  let code = 0;
  const cut = datagramCutter(session.datagramPer, session.frame, (e) => {
    code = 1;
    out.error(e);
  });
  const crlf = session.crlf ? new CrlfConverter() : null;
  noteBatching(session, sock);
  /** Send stdin's datagrams in batches; a failed one is reported (the exit is 1), the rest go. */
  const sendAll = async (datagrams: Uint8Array[], to: { hostname: string; port: number }) => {
    for (let at = 0; at < datagrams.length;) {
      const rest = at === 0 ? datagrams : datagrams.slice(at);
      let n: number;
      try {
        n = await sock.sendBatch(rest, to);
      } catch (e) {
        // EMSGSIZE, ECONNREFUSED from an earlier ICMP: reported, the exit is 1.
        n = (e as { datagramsSent?: number }).datagramsSent ?? 0;
        for (let i = 0; i < n; i++) session.log?.sent(rest[i]);
        code = 1;
        out.error(e, { length: rest[n].length });
        at += n + 1;
        continue;
      }
      for (let i = 0; i < n; i++) session.log?.sent(rest[i]);
      at += n;
    }
  };
  // Aborted once stdin has ended and everything from it was sent: the client then waits the
  // grace for replies instead of forever.
  const stdinEnded = new AbortController();
  const subscribe = () => {
    unsubscribe = session.stdin.subscribe((chunk) => {
      sendChain = sendChain.then(async () => {
        await sendAll(await cut(chunk && crlf ? crlf.convert(chunk) : chunk), peer!);
      }).catch((e) => {
        code = 1;
        out.error(e);
      }).finally(() => {
        if (chunk === null) stdinEnded.abort();
      });
      return sendChain;
    });
  };
  if (!session.echo && !session.recvOnly && peer) subscribe();
  const limit = session.maxConns ?? Infinity;
  let received = 0;
  // --echo: the replies to one batch go out together.
  const replies: Uint8Array[] = [];
  const repliesTo: Deno.NetAddr[] = [];
  try {
    while (received < limit) {
      const ended = stdinEnded.signal.aborted;
      // After stdin ended, a client waits for late replies: -q, else the idle timeout, else
      // 1 s (--send-only: not at all).
      const grace = role === "connect" && ended
        ? session.sendOnly ? 0 : session.quitAfterEof ?? session.idleTimeout ?? UDP_REPLY_GRACE
        : undefined;
      if (grace === 0) break;
      // listen -w: wait at most that long for the first datagram.
      const first = role === "listen" && received === 0 ? session.timeout : undefined;
      const wait = grace ?? first ?? session.idleTimeout;
      // The batch is valid until the next recvBatch: every datagram in it is handled first.
      let batch: UdpBatch;
      try {
        batch = await sock.recvBatch({
          ...(wait === undefined ? {} : { timeout: wait }),
          ...(role === "connect" && !ended ? { signal: stdinEnded.signal } : {}),
        });
      } catch (e) {
        if (stdinEnded.signal.aborted && !ended && e === stdinEnded.signal.reason) continue;
        if (e instanceof Deno.errors.TimedOut) {
          await sendChain;
          if (first !== undefined && wait === first) {
            throw Object.assign(
              new Deno.errors.TimedOut(`Cannot receive: no datagram within ${first} ms`),
              { code: "ETIMEDOUT" },
            );
          }
          out.event("close", { reason: "idle-timeout" }, "no datagram for the idle timeout");
          break;
        }
        throw e;
      }
      if (batch.count > 1) out.debug(`udp: ${batch.count} datagrams in one receive`);
      for (let i = 0; i < batch.count && received < limit; i++) {
        const remoteAddr = batch.remoteAddr(i);
        const data = batch.data(i);
        const refused = role === "listen" ? refusal(session, remoteAddr) : null;
        if (refused !== null) {
          out.event(
            "refuse",
            { remote: addressFields(remoteAddr), reason: refused },
            `dropped a datagram from ${addressText(remoteAddr)}: ${refused}`,
          );
          continue;
        }
        received++;
        session.log?.received(data);
        const from = addressFields(remoteAddr);
        if (session.echo) {
          replies.push(data);
          repliesTo.push(remoteAddr);
        }
        if (session.sendOnly) continue;
        if (out.json) out.datagram(data, { from });
        else if (!session.echo) out.data(data);
        if (role === "listen" && !session.echo) {
          peer = { hostname: remoteAddr.hostname, port: remoteAddr.port };
          if (!unsubscribe) subscribe();
        }
      }
      if (replies.length) {
        await sock.sendBatch(replies, repliesTo);
        replies.length = repliesTo.length = 0;
      }
    }
  } catch (e) {
    out.error(e);
    code = 1;
  } finally {
    unsubscribe?.();
    await sendChain;
    sock.close();
  }
  return code;
}

/** Datagrams per `recvmmsg`/`sendmmsg` call (the library's default `batchSize`). */
const BATCH = 64;

/** How long `connect -u` waits for replies after stdin ended, without `--idle-timeout`. */
const UDP_REPLY_GRACE = 1000;

/** `listen -u`: bind, then receive (and reply to the last sender); the exit code. */
export async function listenUdp(session: Session, target: SessionTarget): Promise<number> {
  const reuse = session.opts?.reuseAddress === true;
  const rest: Record<string, unknown> = { ...session.opts };
  delete rest.reuseAddress;
  const sock = listenDualStack(
    target,
    (hostname) => bind({ hostname, port: target.port, reuseAddress: reuse, batchSize: BATCH }),
  );
  try {
    applySessionOptions(session, sock, rest as SocketOptions, "socket");
  } catch (e) {
    sock.close();
    throw e;
  }
  session.out.event(
    "listen",
    { transport: "udp", ...addressFields(sock.addr) },
    `listening on udp ${addressText(sock.addr)}`,
  );
  return await udpLoop(session, sock, "listen");
}

/** `connect -u`: send stdin as datagrams, print the replies; the exit code. */
export async function connectUdp(session: Session, target: SessionTarget): Promise<number> {
  const [first] = await lookup(target.hostname, undefined, {
    socktype: "dgram",
    ...(session.family ? { family: session.family } : {}),
  });
  if (first === undefined) {
    throw new Deno.errors.NotFound(
      `Cannot resolve ${target.hostname}: no IPv${session.family} address`,
    );
  }
  const v6 = first.family === 6;
  const loopback = first.address === "::1" || first.address.startsWith("127.");
  // -s/-p: the source address and port, as ncat's.
  const sock = bind({
    hostname: session.source?.hostname ??
      (loopback ? (v6 ? "::1" : "127.0.0.1") : (v6 ? "::" : "0.0.0.0")),
    port: session.source?.port ?? 0,
    batchSize: BATCH,
  });
  try {
    if (session.opts) applySessionOptions(session, sock, session.opts, "socket");
    sock.connect({ hostname: first.address, port: target.port });
  } catch (e) {
    sock.close();
    throw e;
  }
  session.out.event(
    "connect",
    {
      transport: "udp",
      remote: { address: first.address, port: target.port },
      local: addressFields(sock.addr),
    },
    `sending to udp ${
      addressText({ transport: "udp", hostname: first.address, port: target.port })
    }`,
  );
  return await udpLoop(session, sock, "connect");
}
