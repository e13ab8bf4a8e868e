/**
 * One relayed connection of `sockkit relay`: the client (TCP, or TLS with `--tls`) and its own
 * upstream connection (TCP, or TLS with `--upstream-tls`), bytes both ways, a FIN passed on as
 * a half-close and an RST as an RST. Used by the command itself and by each `--workers` worker
 * (`_relay_worker.ts`).
 *
 * @module
 */

import { connect, type ServeProxyProtocol, type TcpConnection } from "../net/mod.ts";
import {
  createFrameCodec,
  type FrameCodec,
  type FrameOptions,
  FrameReader,
  parseFrameSpec,
} from "../codec/mod.ts";
import { encodeProxyHeader } from "../proxy/mod.ts";
import { abortConnection } from "../sockopt/mod.ts";
import { startTls, type TlsClientOptions } from "../tls/mod.ts";
import { addressFields, Output, unmapIPv4 } from "./_output.ts";
import { StdinHub } from "./_stdin_hub.ts";
import {
  addressText,
  connectedTlsFields,
  isConnectionReset,
  type Session,
  type TcpOrUnixConnection,
  tlsFlagHint,
} from "./_session.ts";
import { acceptedTlsFields, unwrapProxy } from "./_stream_session.ts";

/** What a relay does with each client, besides the session's settings. */
export interface RelayPlan {
  /** The target host and port. */
  target: { hostname: string; port: number };
  /** `--send-proxy`: the PROXY header version written upstream first. */
  sendProxy?: 1 | 2;
  /** `--upstream-tls`: connect to the target over TLS with these options. */
  upstreamTls?: TlsClientOptions;
}

/** The relay's settings, as plain data a `--workers` worker can be given. */
export interface RelaySettings {
  /** `--json`. */
  json: boolean;
  /** `-v`. */
  verbose: boolean;
  /** `--frame`, as text. */
  frameSpec?: string;
  /** `--proxy-protocol`. */
  proxyProtocol?: Exclude<ServeProxyProtocol, "off">;
  /** `-m`. */
  maxConns?: number;
  /** `-w`: upstream connect (and handshake) timeout, ms. */
  timeout?: number;
  /** `-i`, ms. */
  idleTimeout?: number;
  /** Where to and how. */
  plan: RelayPlan;
}

/**
 * The session a relay (or one of its workers) runs with.
 *
 * @throws {FrameSpecSyntaxError} for a bad `frameSpec` (the command checks it first).
 */
export function relaySession(settings: RelaySettings): Session {
  return {
    out: new Output({ json: settings.json, verbose: settings.verbose }),
    frame: settings.frameSpec === undefined ? undefined : parseFrameSpec(settings.frameSpec),
    frameSpec: settings.frameSpec,
    proxyProtocol: settings.proxyProtocol,
    echo: false,
    keepOpen: true,
    maxConns: settings.maxConns,
    timeout: settings.timeout,
    idleTimeout: settings.idleTimeout,
    datagramPer: "line",
    stdin: new StdinHub(),
  };
}

let workerSession: Session | undefined;
let workerConnections = 0;

/** Relay one client inside a `relay --workers` worker; events carry the worker's index. */
export function relayWorkerSession(
  conn: TcpConnection,
  settings: RelaySettings,
  worker: number,
): Promise<boolean> {
  workerSession ??= relaySession(settings);
  return relayOne(workerSession, conn, ++workerConnections, settings.plan, { worker });
}

/** What one direction of a relayed connection saw. */
interface Direction {
  bytes: number;
  frames: number;
  /** How the reading side ended: FIN, RST or error. */
  end: string;
}

/**
 * Copy `from` to `to` until `from` ends; pass the end on: a FIN as a half-close of `to`, an
 * RST as an RST on `to`.
 */
async function pump(
  from: TcpOrUnixConnection,
  to: TcpOrUnixConnection,
  name: "up" | "down",
  frame: FrameOptions | undefined,
  out: Output,
  meta: Record<string, unknown>,
): Promise<Direction> {
  const d: Direction = { bytes: 0, frames: 0, end: "FIN" };
  // Frames are inspected with the codec's read driver, fed the bytes as they pass.
  let frames: { codec: FrameCodec; reader: FrameReader } | null = null;
  if (frame) {
    const codec = createFrameCodec(frame);
    frames = { codec, reader: new FrameReader(null, codec) };
  }
  const stopInspecting = () => {
    frames?.reader.free();
    frames?.codec.free();
    frames = null;
  };
  const buf = new Uint8Array(65536);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) break;
      const bytes = buf.subarray(0, n);
      await to.writeAll(bytes);
      d.bytes += n;
      if (!frames) continue;
      try {
        frames.reader.push(bytes);
        for (let f; (f = frames.reader.tryReadFrame()) !== null;) {
          d.frames++;
          if (out.json) out.frame(f, { ...meta, direction: name });
        }
      } catch (e) {
        // Frames are only inspected: a bad one is reported, and the bytes go on uncounted.
        out.error(e, { ...meta, direction: name });
        stopInspecting();
      }
    }
    // A TLS peer's close_notify is its clean end, passed on as a FIN (or close_notify).
    d.end = from.endReason === "RST" ? "RST" : "FIN";
  } catch (e) {
    // `from` closed under us: the other direction passed an RST on and closed it.
    d.end = isConnectionReset(e) ? "RST" : from.closed ? "closed" : "error";
    if (d.end === "error") out.error(e, { ...meta, direction: name });
  } finally {
    stopInspecting();
  }
  try {
    if (d.end === "RST" || d.end === "error") abortConnection(to);
    else if (!to.closed) await to.closeWrite();
  } catch {
    // the other side is already gone
  }
  return d;
}

/** The header `--send-proxy` writes: the real client and the address it connected to. */
function proxyHeaderFor(client: TcpOrUnixConnection, version: 1 | 2): Uint8Array {
  const source = client.remoteAddr as Deno.NetAddr;
  const destination = client.localAddr as Deno.NetAddr;
  const s = unmapIPv4(source.hostname);
  const d = unmapIPv4(destination.hostname);
  // Both IPv4 (seen through a dual-stack socket): TCP4, as HAProxy writes it.
  const same = s.includes(":") === d.includes(":");
  return encodeProxyHeader({
    source: { ...source, hostname: same ? s : source.hostname },
    destination: { ...destination, hostname: same ? d : destination.hostname },
  }, { version });
}

/**
 * Relay one accepted client to its own upstream connection until both directions ended.
 *
 * @param session The relay's settings (frame inspection, timeouts, output).
 * @param accepted The client connection.
 * @param id The connection number for events.
 * @param plan Where to and how.
 * @param extra More fields for every event (`worker`).
 * @returns `true` when both directions ended with a FIN (or `close_notify`).
 */
export async function relayOne(
  session: Session,
  accepted: TcpOrUnixConnection,
  id: number,
  plan: RelayPlan,
  extra: Record<string, unknown> = {},
): Promise<boolean> {
  const { out } = session;
  const { target, sendProxy } = plan;
  const client = await unwrapProxy(session, accepted, id);
  if (client === null) return false;
  const meta = { conn: id, ...extra, remote: addressFields(client.remoteAddr) };
  const tls = await acceptedTlsFields(session, client, meta);
  if (tls === null) return false;
  out.event(
    "accept",
    { ...meta, local: addressFields(client.localAddr), ...tls },
    `connection ${id} from ${addressText(client.remoteAddr)}`,
  );
  let upstream: TcpOrUnixConnection;
  try {
    const where = {
      hostname: target.hostname,
      port: target.port,
      timeout: session.timeout,
      idleTimeout: session.idleTimeout,
    };
    const tcp = await connect(where);
    // The PROXY header goes first, in the clear, and TLS starts after it (as HAProxy's
    // `send-proxy` with `ssl` does).
    if (sendProxy) await tcp.writeAll(proxyHeaderFor(client, sendProxy));
    upstream = plan.upstreamTls
      ? await startTls(tcp, {
        ...plan.upstreamTls,
        serverName: plan.upstreamTls.serverName ?? target.hostname,
        timeout: session.timeout,
      }).catch(async (e) => {
        await tcp.close().catch(() => {});
        throw tlsFlagHint(e, "--upstream-tls-ca");
      })
      : tcp;
  } catch (e) {
    out.error(e, meta);
    // The client learns that the target is not there as ncat/socat tell it: the connection closes.
    await client.close().catch(() => {});
    out.event("close", { ...meta, reason: "error", bytesUp: 0, bytesDown: 0 });
    return false;
  }
  out.event(
    "connect",
    {
      ...meta,
      upstream: addressFields(upstream.remoteAddr),
      local: addressFields(upstream.localAddr),
      ...connectedTlsFields(upstream),
    },
    `connection ${id}: relaying to ${addressText(upstream.remoteAddr)}`,
  );
  const [up, down] = await Promise.all([
    pump(client, upstream, "up", session.frame, out, meta),
    pump(upstream, client, "down", session.frame, out, meta),
  ]);
  await Promise.all([client.close().catch(() => {}), upstream.close().catch(() => {})]);
  const ends = [up.end, down.end];
  const reason = ends.includes("RST") ? "RST" : ends.includes("error") ? "error" : "FIN";
  out.event(
    "close",
    {
      ...meta,
      reason,
      bytesUp: up.bytes,
      bytesDown: down.bytes,
      ...(session.frame ? { framesUp: up.frames, framesDown: down.frames } : {}),
    },
    `connection ${id} closed (${reason}), ${up.bytes} bytes up, ${down.bytes} bytes down`,
  );
  return reason === "FIN";
}
