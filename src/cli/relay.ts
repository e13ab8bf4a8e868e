/**
 * `sockkit relay LISTEN TARGET`: socat's `TCP-LISTEN:…,fork TCP:…`. One upstream connection
 * per client, bytes both ways, a half-close passed on as a half-close and an RST as an RST,
 * with `--send-proxy v1|v2` writing the real client's address first (HAProxy's
 * `send-proxy`), `--proxy-protocol` reading one from the client side, `--tls` on the client
 * side, `--upstream-tls` towards the target, and `--workers N` accept loops.
 *
 * @module
 */

import { listen } from "../net/mod.ts";
import { parseFrameSpec } from "../codec/mod.ts";
import { listenTls } from "../tls/mod.ts";
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
import { addressFields } from "./_output.ts";
import {
  addressText,
  listenDualStack,
  type SessionTarget,
  type TcpOrUnixConnection,
} from "./_session.ts";
import { relayOne, relaySession, type RelaySettings } from "./_relay_session.ts";
import { runOnWorkers } from "./_worker_session.ts";
import { tlsFlags, tlsFromFlags } from "./_tls_flags.ts";
import { rerunWithoutChainChecks } from "./_insecure.ts";

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
  workers: {
    type: "string",
    arg: "N",
    help: "N worker threads share the port (SO_REUSEPORT), each with its own accept loop; " +
      "stops on SIGINT/SIGTERM or after --max-conns (not with --tls)",
  },
  timeout: {
    type: "string",
    short: "w",
    arg: "DUR",
    help: "upstream connect timeout (and TLS handshake)",
  },
  "idle-timeout": {
    type: "string",
    short: "i",
    arg: "DUR",
    help: "close both sides after DUR without traffic",
  },
  json: { type: "boolean", short: "j", help: "print one JSON event per line on stdout" },
  verbose: { type: "boolean", short: "v", help: "notes on stderr" },
  // The client side: sockkit's and ncat's names, as on listen.
  ...tlsFlags("listen"),
  // The target side: connect's flags with an upstream- prefix.
  ...tlsFlags("connect", "upstream-"),
};

const help = helpText(
  "sockkit relay [options] [HOST:]LISTEN_PORT TARGET_HOST:PORT",
  "Accept clients on LISTEN (dual stack without a host) and relay each one to its own\n" +
    "connection to TARGET: bytes both ways, a FIN passed on as a half-close, an RST as an RST\n" +
    "(needs --allow-ffi). --tls accepts TLS clients; --upstream-tls speaks TLS to TARGET,\n" +
    "verifying it (after the PROXY header, with --send-proxy). Exit: 0, or 1 when a relayed\n" +
    "connection failed (with --max-conns or --workers).",
  FLAGS,
);

/** Accept and relay on one thread until `--max-conns` clients were relayed (or forever). */
async function relayHere(
  settings: RelaySettings,
  listenOn: SessionTarget,
  tls: ReturnType<typeof tlsFromFlags<"listen">>,
  targetText: string,
): Promise<number> {
  const session = relaySession(settings);
  const { out } = session;
  const { target } = settings.plan;
  const server = listenDualStack(
    listenOn,
    (hostname) =>
      tls
        ? listenTls({ hostname, port: listenOn.port, idleTimeout: session.idleTimeout, ...tls })
        : listen({ hostname, port: listenOn.port, idleTimeout: session.idleTimeout }),
  );
  out.event(
    "listen",
    {
      transport: "tcp",
      ...addressFields(server.addr),
      target: { address: target.hostname, port: target.port },
      ...(tls ? { tls: true } : {}),
      ...(settings.plan.upstreamTls ? { upstreamTls: true } : {}),
    },
    `relaying tcp${tls ? " (TLS)" : ""} ${addressText(server.addr)} to ${targetText}` +
      (settings.plan.upstreamTls ? " (TLS)" : ""),
  );
  const active = new Set<Promise<boolean>>();
  let allClean = true;
  let id = 0;
  const limit = session.maxConns ?? Infinity;
  try {
    while (id < limit) {
      let conn: TcpOrUnixConnection;
      try {
        conn = await server.accept();
      } catch (e) {
        if (e instanceof Deno.errors.NotConnected || e instanceof Deno.errors.ConnectionAborted) {
          out.error(e);
          continue;
        }
        throw e;
      }
      const p: Promise<boolean> = relayOne(session, conn, ++id, settings.plan).then((ok) => {
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
    if (spec !== undefined) {
      try {
        parseFrameSpec(spec);
      } catch (e) {
        throw new UsageError(`invalid --frame: ${(e as Error).message}`, "relay");
      }
    }
    const duration = (name: string) => {
      const t = str(parsed, name);
      return t === undefined ? undefined : wrap(() => parseDuration(t, `--${name}`));
    };
    const number = (name: string) => {
      const t = str(parsed, name);
      return t === undefined ? undefined : wrap(() => parseInteger(t, `--${name}`));
    };
    const tls = tlsFromFlags(parsed, "listen", "relay");
    const workers = number("workers");
    if (workers !== undefined && workers > 64) {
      throw new UsageError(`--workers must be 1-64, got ${workers}`, "relay");
    }
    if (tls && pp !== undefined) {
      // The PROXY header comes before TLS, and Deno cannot start TLS on an accepted
      // connection (no server-side upgrade).
      throw new UsageError("--tls cannot be combined with --proxy-protocol", "relay");
    }
    const settings: RelaySettings = {
      json: bool(parsed, "json"),
      verbose: bool(parsed, "verbose"),
      frameSpec: spec,
      proxyProtocol: pp as RelaySettings["proxyProtocol"],
      maxConns: number("max-conns"),
      timeout: duration("timeout"),
      idleTimeout: duration("idle-timeout"),
      plan: {
        target,
        sendProxy: sp === undefined ? undefined : sp === "v1" ? 1 : 2,
        upstreamTls: tlsFromFlags(parsed, "connect", "relay", "upstream-"),
      },
    };
    const upstreamTls = settings.plan.upstreamTls;
    if (upstreamTls?.insecure) {
      const code = await rerunWithoutChainChecks([
        target.hostname,
        upstreamTls.serverName ?? target.hostname,
      ]);
      if (code !== undefined) return code;
    }
    if (workers === undefined) return await relayHere(settings, listenOn, tls, targetText);
    return await runOnWorkers(relaySession(settings), {
      module: new URL("./_relay_worker.ts", import.meta.url),
      settings,
      target: { hostname: listenOn.dualStack ? "::" : listenOn.hostname, port: listenOn.port },
      workers,
      tls,
      listenFields: {
        target: { address: target.hostname, port: target.port },
        ...(settings.plan.upstreamTls ? { upstreamTls: true } : {}),
      },
      listenNote: `, relaying to ${targetText}`,
    });
  },
};
