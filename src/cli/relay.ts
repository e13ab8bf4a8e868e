/**
 * `sockkit relay LISTEN TARGET`: socat's `TCP-LISTEN:…,fork TCP:…`. One upstream connection
 * per client, bytes both ways, a half-close passed on as a half-close and an RST as an RST,
 * with `--send-proxy v1|v2` writing the real client's address first (HAProxy's
 * `send-proxy`), and `--proxy-protocol` reading one from the client side.
 *
 * @module
 */

import { connect, listen, type TcpConnection } from "../net/mod.ts";
import { FrameDecoder, type FrameOptions, parseFrameSpec } from "../codec/mod.ts";
import { encodeProxyHeader } from "../proxy/mod.ts";
import { abortConnection } from "../sockopt/mod.ts";
import {
  bool,
  type Command,
  type FlagSpec,
  helpText,
  parseDuration,
  parseFlags,
  parseInteger,
  parseTarget,
  str,
  UsageError,
} from "./_args.ts";
import { addressFields, Output, unmapIPv4 } from "./_output.ts";
import { StdinHub } from "./_stdin_hub.ts";
import {
  addressText,
  isConnectionReset,
  listenDualStack,
  type Session,
  type SessionTarget,
} from "./_session.ts";
import { unwrapProxy } from "./_stream_session.ts";

const FLAGS: Record<string, FlagSpec> = {
  "send-proxy": {
    type: "string",
    arg: "v1|v2",
    help: "start each upstream connection with a PROXY header naming the real client",
  },
  "proxy-protocol": {
    type: "string",
    arg: "MODE",
    help: "each client connection starts with a PROXY header (v1, v2, auto); its client is " +
      "the real one (and the one --send-proxy passes on)",
  },
  frame: {
    type: "string",
    short: "f",
    arg: "SPEC",
    help: "count (and with --json report) the frames in both directions; bytes pass unchanged",
  },
  "max-conns": {
    type: "string",
    short: "m",
    arg: "N",
    help: "relay N client connections, then exit (default: until stopped)",
  },
  timeout: { type: "string", short: "w", arg: "DUR", help: "upstream connect timeout" },
  "idle-timeout": {
    type: "string",
    short: "i",
    arg: "DUR",
    help: "close both sides after DUR without traffic",
  },
  json: { type: "boolean", short: "j", help: "print one JSON event per line on stdout" },
  verbose: { type: "boolean", short: "v", help: "notes on stderr" },
};

const help = helpText(
  "sockkit relay [options] [HOST:]LISTEN_PORT TARGET_HOST:PORT",
  "Accept clients on LISTEN (dual stack without a host) and relay each one to its own\n" +
    "connection to TARGET: bytes both ways, a FIN passed on as a half-close, an RST as an RST\n" +
    "(needs --allow-ffi). Exit: 0, or 1 when a relayed connection failed (with --max-conns).",
  FLAGS,
);

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
  from: TcpConnection,
  to: TcpConnection,
  name: "up" | "down",
  frame: FrameOptions | undefined,
  out: Output,
  meta: Record<string, unknown>,
): Promise<Direction> {
  const d: Direction = { bytes: 0, frames: 0, end: "FIN" };
  let decoder = frame ? new FrameDecoder(frame) : null;
  const buf = new Uint8Array(65536);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) break;
      const bytes = buf.subarray(0, n);
      await to.writeAll(bytes);
      d.bytes += n;
      if (!decoder) continue;
      try {
        decoder.push(bytes);
        for (let f; (f = decoder.decode()) !== null;) {
          d.frames++;
          if (out.json) out.frame(f, { ...meta, direction: name });
        }
      } catch (e) {
        // Frames are only inspected: a bad one is reported, and the bytes go on uncounted.
        out.error(e, { ...meta, direction: name });
        decoder.free();
        decoder = null;
      }
    }
    d.end = from.endReason ?? "FIN";
  } catch (e) {
    // `from` closed under us: the other direction passed an RST on and closed it.
    d.end = isConnectionReset(e) ? "RST" : from.closed ? "closed" : "error";
    if (d.end === "error") out.error(e, { ...meta, direction: name });
  } finally {
    decoder?.free();
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
function proxyHeaderFor(client: TcpConnection, version: 1 | 2): Uint8Array {
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

async function relayOne(
  session: Session,
  accepted: TcpConnection,
  id: number,
  target: SessionTarget,
  sendProxy: 1 | 2 | undefined,
): Promise<boolean> {
  const { out } = session;
  const client = await unwrapProxy(session, accepted, id) as TcpConnection | null;
  if (client === null) return false;
  const meta = { conn: id, remote: addressFields(client.remoteAddr) };
  out.event(
    "accept",
    { ...meta, local: addressFields(client.localAddr) },
    `connection ${id} from ${addressText(client.remoteAddr)}`,
  );
  let upstream: TcpConnection;
  try {
    upstream = await connect({
      hostname: target.hostname,
      port: target.port,
      timeout: session.timeout,
      idleTimeout: session.idleTimeout,
    });
    if (sendProxy) await upstream.writeAll(proxyHeaderFor(client, sendProxy));
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

/** `sockkit relay`. */
export const relayCommand: Command = {
  name: "relay",
  summary: "relay each client on LISTEN to its own connection to TARGET (socat fork)",
  help,
  async run(argv: string[]): Promise<number> {
    const parsed = parseFlags("relay", argv, FLAGS);
    if (bool(parsed, "help")) {
      console.log(help.trimEnd());
      return 0;
    }
    if (parsed.positionals.length !== 2) {
      throw new UsageError("expected LISTEN and TARGET, as 9000 127.0.0.1:8080", "relay");
    }
    const wrap = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        throw e instanceof UsageError ? new UsageError(e.message, "relay") : e;
      }
    };
    const [listenText, targetText] = parsed.positionals;
    const bare = /^\d+$/.test(listenText);
    const listenOn: SessionTarget = {
      ...wrap(() => parseTarget(listenText, "relay", "::")),
      dualStack: bare,
    };
    const target = wrap(() => parseTarget(targetText, "relay"));
    const sp = str(parsed, "send-proxy");
    if (sp !== undefined && sp !== "v1" && sp !== "v2") {
      throw new UsageError(`--send-proxy must be v1 or v2, got "${sp}"`, "relay");
    }
    const pp = str(parsed, "proxy-protocol");
    if (pp !== undefined && pp !== "v1" && pp !== "v2" && pp !== "auto") {
      throw new UsageError(`--proxy-protocol must be v1, v2 or auto, got "${pp}"`, "relay");
    }
    const spec = str(parsed, "frame");
    let frame: FrameOptions | undefined;
    if (spec !== undefined) {
      try {
        frame = parseFrameSpec(spec);
      } catch (e) {
        throw new UsageError(`invalid --frame: ${(e as Error).message}`, "relay");
      }
    }
    const duration = (name: string) => {
      const t = str(parsed, name);
      return t === undefined ? undefined : wrap(() => parseDuration(t, `--${name}`));
    };
    const maxText = str(parsed, "max-conns");
    const session: Session = {
      out: new Output({ json: bool(parsed, "json"), verbose: bool(parsed, "verbose") }),
      frame,
      proxyProtocol: pp as Session["proxyProtocol"],
      echo: false,
      keepOpen: true,
      maxConns: maxText === undefined
        ? undefined
        : wrap(() => parseInteger(maxText, "--max-conns")),
      timeout: duration("timeout"),
      idleTimeout: duration("idle-timeout"),
      datagramPer: "line",
      stdin: new StdinHub(),
    };
    const { out } = session;
    const server = listenDualStack(
      listenOn,
      (hostname) => listen({ hostname, port: listenOn.port, idleTimeout: session.idleTimeout }),
    );
    out.event(
      "listen",
      {
        transport: "tcp",
        ...addressFields(server.addr),
        target: { address: target.hostname, port: target.port },
      },
      `relaying tcp ${addressText(server.addr)} to ${targetText}`,
    );
    const active = new Set<Promise<boolean>>();
    let allClean = true;
    let id = 0;
    const limit = session.maxConns ?? Infinity;
    try {
      while (id < limit) {
        let conn: TcpConnection;
        try {
          conn = await server.accept();
        } catch (e) {
          if (e instanceof Deno.errors.NotConnected || e instanceof Deno.errors.ConnectionAborted) {
            out.error(e);
            continue;
          }
          throw e;
        }
        const p: Promise<boolean> = relayOne(
          session,
          conn,
          ++id,
          target,
          sp === undefined ? undefined : sp === "v1" ? 1 : 2,
        ).then((ok) => {
          if (!ok) allClean = false;
          return ok;
        }).finally(() => active.delete(p));
        active.add(p);
      }
      server.close();
      await Promise.all(active);
    } finally {
      if (!server.closed) server.close();
    }
    return allClean ? 0 : 1;
  },
};
