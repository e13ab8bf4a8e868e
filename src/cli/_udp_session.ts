/**
 * UDP for `listen -u` and `connect -u`: stdin cut into datagrams (`--datagram-per`), received
 * datagrams on stdout or as `datagram` events, and the reply grace after stdin ends.
 *
 * @module
 */

import { bind, type UdpSocket } from "../net/mod.ts";
import { FrameDecoder, type FrameOptions } from "../codec/mod.ts";
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
 * Cut stdin into datagrams: one per line (the newline kept, as `nc -u` sends it), one per
 * read (as socat, cut at {@linkcode MAX_DATAGRAM}), or one per frame of `--frame SPEC` (stdin
 * is then a framed byte stream, so a datagram may hold any bytes, newlines included).
 */
function datagramCutter(
  per: DatagramPer,
  frame: FrameOptions | undefined,
): (chunk: Uint8Array | null) => Uint8Array[] {
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
    const decoder = new FrameDecoder(frame!);
    return (chunk) => {
      if (chunk === null) {
        decoder.finish(); // leftover bytes of a partial frame are an IncompleteFrameError
        decoder.free();
        return [];
      }
      // Push at most what the decoder can take between decodes.
      const out: Uint8Array[] = [];
      for (let off = 0; off < chunk.length;) {
        const n = Math.min(chunk.length - off, Math.max(decoder.writable, 1));
        decoder.push(chunk.subarray(off, off + n));
        off += n;
        for (let f; (f = decoder.decode()) !== null;) out.push(f.slice());
      }
      return out;
    };
  }
  const lines = new LineSplitter(true);
  return (chunk) => lines.push(chunk);
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
  const cut = datagramCutter(session.datagramPer, session.frame);
  const crlf = session.crlf ? new CrlfConverter() : null;
  // Aborted once stdin has ended and everything from it was sent: the client then waits the
  // grace for replies instead of forever.
  const stdinEnded = new AbortController();
  const subscribe = () => {
    unsubscribe = session.stdin.subscribe((chunk) => {
      sendChain = sendChain.then(async () => {
        for (const datagram of cut(chunk && crlf ? crlf.convert(chunk) : chunk)) {
          try {
            await sock.sendTo(datagram, peer!);
            session.log?.sent(datagram);
          } catch (e) {
            // EMSGSIZE, ECONNREFUSED from an earlier ICMP: reported, the exit is 1.
            code = 1;
            out.error(e, { length: datagram.length });
          }
        }
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
      let d;
      try {
        d = await sock.recvFrom({
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
      const refused = role === "listen" ? refusal(session, d.remoteAddr) : null;
      if (refused !== null) {
        out.event(
          "refuse",
          { remote: addressFields(d.remoteAddr), reason: refused },
          `dropped a datagram from ${addressText(d.remoteAddr)}: ${refused}`,
        );
        continue;
      }
      received++;
      session.log?.received(d.data);
      const from = addressFields(d.remoteAddr);
      if (session.echo) await sock.sendTo(d.data, d.remoteAddr);
      if (session.sendOnly) continue;
      if (out.json) out.datagram(d.data, { from });
      else if (!session.echo) out.data(d.data);
      if (role === "listen" && !session.echo) {
        peer = { hostname: d.remoteAddr.hostname, port: d.remoteAddr.port };
        if (!unsubscribe) subscribe();
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

/** How long `connect -u` waits for replies after stdin ended, without `--idle-timeout`. */
const UDP_REPLY_GRACE = 1000;

/** `listen -u`: bind, then receive (and reply to the last sender); the exit code. */
export async function listenUdp(session: Session, target: SessionTarget): Promise<number> {
  const reuse = session.opts?.reuseAddress === true;
  const rest: Record<string, unknown> = { ...session.opts };
  delete rest.reuseAddress;
  const sock = listenDualStack(
    target,
    (hostname) => bind({ hostname, port: target.port, reuseAddress: reuse }),
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
