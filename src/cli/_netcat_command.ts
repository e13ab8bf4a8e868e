/**
 * The flags and argument checks that `listen` and `connect` share (ncat's model): one
 * function builds either command, and hands the session to the stream, UDP or worker part.
 *
 * @module
 */

import { type FrameOptions, parseFrameSpec } from "../codec/mod.ts";
import {
  bool,
  type Command,
  count,
  type FlagSpec,
  helpText,
  parseDuration,
  parseFlags,
  parseInteger,
  parseOptList,
  parseTarget,
  str,
  UsageError,
} from "./_args.ts";
import { Output } from "./_output.ts";
import { StdinHub } from "./_stdin_hub.ts";
import { checkOptsFit, requireUnstableNet, type Session, type SessionTarget } from "./_session.ts";
import { AccessList } from "./_access_list.ts";
import { SessionLog } from "./_session_log.ts";
import { connectStream, listenStream } from "./_stream_session.ts";
import { connectUdp, listenUdp } from "./_udp_session.ts";
import { listenWorkers } from "./_worker_session.ts";
import { tlsFlags, tlsFromFlags } from "./_tls_flags.ts";
import { rerunWithoutChainChecks } from "./_insecure.ts";

/** Flags both `listen` and `connect` take. Short flags mean what they mean in ncat. */
const COMMON_FLAGS: Record<string, FlagSpec> = {
  udp: {
    type: "boolean",
    short: "u",
    help: "use UDP (each stdin line is one datagram; see --datagram-per)",
  },
  "datagram-per": {
    type: "string",
    arg: "HOW",
    help: "UDP: a datagram per stdin line (line, the default, newline kept), per read " +
      "(read, as socat), or per frame of --frame SPEC (frame)",
  },
  unix: {
    type: "string",
    arg: "PATH",
    help: "use a Unix stream socket at PATH instead of HOST:PORT",
  },
  ipv4: { type: "boolean", short: "4", help: "IPv4 only" },
  ipv6: { type: "boolean", short: "6", help: "IPv6 only" },
  source: {
    type: "string",
    short: "s",
    arg: "ADDR",
    help: "listen: the address to listen on; connect -u: the source address",
  },
  "source-port": {
    type: "string",
    short: "p",
    arg: "PORT",
    help: "listen: the port to listen on; connect -u: the source port",
  },
  exec: {
    type: "string",
    short: "e",
    arg: "CMD",
    help: "run CMD (split on spaces, no shell) for each connection, its stdin and stdout " +
      "joined to the peer",
  },
  "sh-exec": {
    type: "string",
    short: "c",
    arg: "CMD",
    help: "as --exec, but CMD runs through /bin/sh -c",
  },
  echo: { type: "boolean", help: "send back what is received (instead of using stdin)" },
  frame: {
    type: "string",
    short: "f",
    arg: "SPEC",
    help: "frame the stream (len:u32be, line, varint, ...): a stdin line is one frame, a " +
      "frame prints as a line (raw: bytes as they come)",
  },
  "send-only": {
    type: "boolean",
    help: "only send: drop what is received, and end when stdin ends",
  },
  "recv-only": { type: "boolean", help: "only receive: never read stdin, never send" },
  crlf: { type: "boolean", short: "C", help: "send a bare LF of stdin as CRLF" },
  "quit-after-eof": {
    type: "string",
    short: "q",
    arg: "SECS",
    help: "after stdin ends, wait SECS for the peer, then quit (0: at once; -1: no limit, " +
      "the default)",
  },
  output: {
    type: "string",
    short: "o",
    arg: "FILE",
    help: "write every byte of the session, both directions, to FILE",
  },
  "hex-dump": {
    type: "string",
    short: "x",
    arg: "FILE",
    help: "write the session, both directions, to FILE as a hex dump",
  },
  hex: { type: "boolean", help: "print received bytes as a hex dump (frames as hex lines)" },
  opt: {
    type: "string",
    arg: "K=V,...",
    help: "socket options: reuseaddr rcvbuf=1M sndbuf= linger=0|N keepalive=IDLE/INTVL/CNT " +
      "nodelay broadcast ttl=N tos=N user-timeout=MS",
  },
  verbose: {
    type: "boolean",
    short: "v",
    multiple: true,
    help: "notes on stderr and the applied option values; -vv: a note per chunk too",
  },
  timeout: {
    type: "string",
    short: "w",
    arg: "DUR",
    help: "connect: give up connecting after DUR; listen: wait at most DUR for the first peer",
  },
  "idle-timeout": {
    type: "string",
    short: "i",
    arg: "DUR",
    help: "close a connection after DUR without traffic (UDP: stop after DUR of silence)",
  },
  json: { type: "boolean", short: "j", help: "print one JSON event per line on stdout" },
};

/** Flags only `listen` takes. */
const LISTEN_FLAGS: Record<string, FlagSpec> = {
  "keep-open": {
    type: "boolean",
    short: "k",
    help: "keep accepting connections; stdin goes to every client connected when it is " +
      "read, and what arrives while none is goes to the next (as ncat -k)",
  },
  "max-conns": {
    type: "string",
    short: "m",
    arg: "N",
    help: "serve N connections (UDP: N datagrams), then exit",
  },
  allow: {
    type: "string",
    arg: "LIST",
    help: "let in only these addresses and CIDR blocks (127.0.0.0/8,::1); others are closed",
  },
  deny: { type: "string", arg: "LIST", help: "turn these addresses and CIDR blocks away" },
  "proxy-protocol": {
    type: "string",
    arg: "MODE",
    help: "TCP: each connection starts with a PROXY header, v1, v2 or auto (either); " +
      "the real client's address is reported",
  },
  workers: {
    type: "string",
    arg: "N",
    help: "TCP, with --echo: N worker threads share the port (SO_REUSEPORT), " +
      "each with its own accept loop; stops on SIGINT/SIGTERM or after --max-conns",
  },
};

const FOOTER = `
Durations take ms, s or m (a bare number is seconds). Exit codes: 0 ok, 1 network error or a
connection that did not end cleanly (RST, failed send), 2 usage. JSON events (docs/events.md):
listen, accept, refuse, connect, options, data, frame, datagram, half-close, close (reason
FIN, CLOSE_NOTIFY, RST, EOF, local, idle-timeout, error), exit, stats, error.`;

/**
 * A length field of 1–3 bytes cannot carry the default 8 MiB maximum: without `max=`, the
 * maximum becomes the largest length the field holds, so errors report the real limit.
 */
function fitLengthField(o: FrameOptions): FrameOptions {
  if (o.kind !== "length" || o.maxFrameLength !== undefined || o.lengthAdjustment) return o;
  const field = o.fieldLength ?? 4;
  return field >= 4 ? o : { ...o, maxFrameLength: 2 ** (8 * field) - 1 };
}

/**
 * Turn the positionals (and `-s`/`-p`) into the target: `HOST:PORT`, `HOST PORT`, and for
 * listen `PORT` or nothing with `-p`. A listen without a host and without `-4`/`-6` is
 * dual stack.
 */
function parseSessionTarget(
  role: "listen" | "connect",
  positionals: string[],
  family: 4 | 6 | undefined,
  source: string | undefined,
  sourcePort: string | undefined,
): SessionTarget {
  let text: string | undefined;
  if (positionals.length === 2 && /^\d+$/.test(positionals[1])) {
    const host = positionals[0].replace(/^\[|\]$/g, "");
    text = `${host.includes(":") ? `[${host}]` : host}:${positionals[1]}`;
  } else if (positionals.length > 1) {
    throw new UsageError(`unexpected argument "${positionals.at(-1)}"`, role);
  } else text = positionals[0];
  if (role === "listen") {
    if (text === undefined) {
      if (sourcePort === undefined) {
        throw new UsageError("missing [HOST:]PORT (or -p PORT, or --unix PATH)", role);
      }
      text = sourcePort;
    } else if (sourcePort !== undefined) {
      throw new UsageError("give the port once: as an argument or with -p", role);
    }
    const anyHost = family === 4 ? "0.0.0.0" : "::";
    const bare = /^\d+$/.test(text);
    const target = parseTarget(text, role, anyHost);
    if (source !== undefined) {
      if (!bare) throw new UsageError("give the host once: in the argument or with -s", role);
      return { hostname: source.replace(/^\[|\]$/g, ""), port: target.port };
    }
    return bare && family === undefined ? { ...target, dualStack: true } : target;
  }
  if (text === undefined) throw new UsageError("missing HOST:PORT (or --unix PATH)", role);
  return parseTarget(text, role);
}

/** The `-e`/`-c` program: split on spaces (no shell) or run through `/bin/sh -c`. */
function parseExec(
  exec: string | undefined,
  shExec: string | undefined,
  role: string,
): Session["exec"] {
  if (exec !== undefined && shExec !== undefined) {
    throw new UsageError("--exec and --sh-exec cannot be combined", role);
  }
  if (shExec !== undefined) return { argv: ["/bin/sh", "-c", shExec], shell: true };
  if (exec === undefined) return undefined;
  const argv = exec.trim().split(/\s+/).filter(Boolean);
  if (argv.length === 0) throw new UsageError("--exec needs a program", role);
  return { argv, shell: false };
}

/** Build `sockkit listen` or `sockkit connect`. */
export function makeNetcatCommand(role: "listen" | "connect"): Command {
  const usage = role === "listen"
    ? "sockkit listen [options] [HOST:]PORT | HOST PORT | -p PORT\n" +
      "       sockkit listen --unix PATH [options]"
    : "sockkit connect [options] HOST:PORT | HOST PORT\n" +
      "       sockkit connect --unix PATH [options]";
  const summary = role === "listen"
    ? "Listen on PORT: without a host, on :: and 0.0.0.0 both (dual stack; -4 or -6 for one\n" +
      "family). stdin goes to the peer, the peer goes to stdout. Without --keep-open or\n" +
      "--max-conns, one connection is served."
    : "Connect to HOST:PORT. stdin goes to the peer and the peer goes to stdout; when stdin\n" +
      "ends, the write side is shut down (FIN) and output continues until the peer closes.";
  const flags = role === "listen"
    ? { ...COMMON_FLAGS, ...LISTEN_FLAGS, ...tlsFlags("listen") }
    : { ...COMMON_FLAGS, ...tlsFlags("connect") };
  const help = helpText(usage, summary, flags) + FOOTER + "\n";
  return {
    name: role,
    summary: role === "listen"
      ? "listen on [HOST:]PORT (TCP, --udp, --unix) and relay stdin/stdout or --exec"
      : "connect to HOST:PORT (TCP, --udp, --unix) and relay stdin/stdout or --exec",
    help,
    async run(argv: string[]): Promise<number> {
      const parsed = parseFlags(role, argv, flags);
      if (bool(parsed, "help")) {
        console.log(help.trimEnd());
        return 0;
      }
      const wrap = <T>(fn: () => T): T => {
        try {
          return fn();
        } catch (e) {
          if (e instanceof UsageError) throw new UsageError(e.message, role);
          throw e;
        }
      };
      const unixPath = str(parsed, "unix");
      const udp = bool(parsed, "udp");
      if (udp && unixPath !== undefined) {
        throw new UsageError("--udp and --unix cannot be combined", role);
      }
      if (bool(parsed, "ipv4") && bool(parsed, "ipv6")) {
        throw new UsageError("-4 and -6 cannot be combined", role);
      }
      const family = bool(parsed, "ipv4") ? 4 : bool(parsed, "ipv6") ? 6 : undefined;
      if (unixPath !== undefined && parsed.positionals.length > 0) {
        throw new UsageError(`unexpected argument "${parsed.positionals.at(-1)}"`, role);
      }
      const per = str(parsed, "datagram-per") ?? "line";
      if (per !== "line" && per !== "read" && per !== "frame") {
        throw new UsageError(`--datagram-per must be line, read or frame, got "${per}"`, role);
      }
      if (str(parsed, "datagram-per") !== undefined && !udp) {
        throw new UsageError("--datagram-per applies to UDP (--udp)", role);
      }
      let frame: FrameOptions | undefined;
      const spec = str(parsed, "frame");
      if (spec !== undefined) {
        if (udp && per !== "frame") {
          throw new UsageError(
            "--frame applies to stream sockets: a UDP datagram is already one message " +
              "(with --datagram-per frame, stdin is read as frames)",
            role,
          );
        }
        try {
          frame = fitLengthField(parseFrameSpec(spec));
        } catch (e) {
          throw new UsageError(`invalid --frame: ${(e as Error).message}`, role);
        }
      } else if (per === "frame") {
        throw new UsageError("--datagram-per frame needs --frame SPEC", role);
      }
      if (bool(parsed, "send-only") && bool(parsed, "recv-only")) {
        throw new UsageError("--send-only and --recv-only cannot be combined", role);
      }
      const quitText = str(parsed, "quit-after-eof");
      const exec = parseExec(str(parsed, "exec"), str(parsed, "sh-exec"), role);
      if (exec && bool(parsed, "echo")) {
        throw new UsageError("--exec/--sh-exec and --echo cannot be combined", role);
      }
      const optText = str(parsed, "opt");
      const allow = str(parsed, "allow");
      const deny = str(parsed, "deny");
      const access = allow === undefined && deny === undefined
        ? undefined
        : wrap(() => new AccessList(allow, deny));
      const source = str(parsed, "source");
      const sourcePort = str(parsed, "source-port");
      const outputFiles = [str(parsed, "output"), str(parsed, "hex-dump")] as const;
      const session: Session = {
        out: new Output({
          json: bool(parsed, "json"),
          hex: bool(parsed, "hex"),
          verbosity: count(parsed, "verbose"),
        }),
        frame,
        frameSpec: spec,
        proxyProtocol: wrap(() => {
          const m = str(parsed, "proxy-protocol");
          if (m === undefined || m === "off") return undefined;
          if (m !== "v1" && m !== "v2" && m !== "auto") {
            throw new UsageError(`--proxy-protocol must be v1, v2, auto or off, got "${m}"`);
          }
          return m;
        }),
        echo: bool(parsed, "echo"),
        keepOpen: bool(parsed, "keep-open"),
        maxConns: wrap(() => {
          const m = str(parsed, "max-conns");
          return m === undefined ? undefined : parseInteger(m, "--max-conns");
        }),
        opts: optText === undefined ? undefined : wrap(() => parseOptList(optText)),
        timeout: wrap(() => {
          const t = str(parsed, "timeout");
          return t === undefined ? undefined : parseDuration(t, "--timeout");
        }),
        idleTimeout: wrap(() => {
          const t = str(parsed, "idle-timeout");
          return t === undefined ? undefined : parseDuration(t, "--idle-timeout");
        }),
        datagramPer: per,
        stdin: new StdinHub(),
        sendOnly: bool(parsed, "send-only"),
        recvOnly: bool(parsed, "recv-only"),
        crlf: bool(parsed, "crlf"),
        quitAfterEof: quitText === undefined || /^-\d+$/.test(quitText)
          ? undefined
          : wrap(() => parseDuration(quitText, "-q")),
        access,
        family,
        exec,
        source: role === "connect" && (source !== undefined || sourcePort !== undefined)
          ? {
            hostname: source,
            port: sourcePort === undefined
              ? undefined
              : wrap(() => parseInteger(sourcePort, "-p", 0)),
          }
          : undefined,
      };
      if (session.opts) {
        checkOptsFit(session.opts, udp ? "udp" : unixPath !== undefined ? "unix" : "tcp", role);
      }
      if (udp) requireUnstableNet();
      const workersText = str(parsed, "workers");
      const workers = workersText === undefined
        ? undefined
        : wrap(() => parseInteger(workersText, "--workers"));
      if ((udp || unixPath !== undefined) && (workers !== undefined || session.proxyProtocol)) {
        throw new UsageError("--workers and --proxy-protocol apply to TCP", role);
      }
      if (workers !== undefined && (workers < 1 || workers > 64)) {
        throw new UsageError(`--workers must be 1-64, got ${workers}`, role);
      }
      if (workers !== undefined && !session.echo) {
        throw new UsageError(
          "--workers needs --echo (workers cannot share stdin and stdout)",
          role,
        );
      }
      if (exec && udp) throw new UsageError("--exec/--sh-exec apply to TCP and Unix", role);
      if (role === "connect") session.tlsConnect = tlsFromFlags(parsed, "connect", role);
      else session.tlsListen = tlsFromFlags(parsed, "listen", role);
      if (session.tlsConnect || session.tlsListen) {
        if (udp || unixPath !== undefined) {
          throw new UsageError("--tls applies to TCP (not --udp, nor --unix)", role);
        }
        if (session.proxyProtocol) {
          // The PROXY header comes before TLS, and Deno cannot start TLS on an accepted
          // connection (no server-side upgrade).
          throw new UsageError("--tls cannot be combined with --proxy-protocol", role);
        }
      }
      const target = unixPath === undefined
        ? wrap(() => parseSessionTarget(role, parsed.positionals, family, source, sourcePort))
        : unixPath;
      if (session.tlsConnect?.insecure && typeof target !== "string") {
        const code = await rerunWithoutChainChecks([
          target.hostname,
          session.tlsConnect.serverName ?? target.hostname,
        ]);
        if (code !== undefined) return code;
      }
      if (outputFiles.some((f) => f !== undefined)) {
        session.log = new SessionLog(...outputFiles);
      }
      try {
        if (typeof target === "string") {
          return role === "listen"
            ? await listenStream(session, target)
            : await connectStream(session, target);
        }
        if (udp) {
          return role === "listen"
            ? await listenUdp(session, target)
            : await connectUdp(session, target);
        }
        if (workers !== undefined) {
          return await listenWorkers(
            session,
            { hostname: target.dualStack ? "::" : target.hostname, port: target.port },
            workers,
          );
        }
        return role === "listen"
          ? await listenStream(session, target)
          : await connectStream(session, target);
      } finally {
        session.log?.close();
      }
    },
  };
}
