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
import { checkOptsFit, requireUnstableNet, type Session } from "./_session.ts";
import { connectStream, listenStream } from "./_stream_session.ts";
import { connectUdp, listenUdp } from "./_udp_session.ts";
import { listenWorkers } from "./_worker_session.ts";

/** Flags both `listen` and `connect` take. */
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
  echo: {
    type: "boolean",
    short: "e",
    help: "send back what is received (instead of using stdin)",
  },
  frame: {
    type: "string",
    short: "f",
    arg: "SPEC",
    help: "frame the stream (len:u32be, line, varint, ...): a stdin line is one frame, a " +
      "frame prints as a line (raw: bytes as they come)",
  },
  hex: {
    type: "boolean",
    short: "x",
    help: "print received bytes as a hex dump (frames as hex lines)",
  },
  opt: {
    type: "string",
    short: "o",
    arg: "K=V,...",
    help: "socket options: reuseaddr rcvbuf=1M sndbuf= linger=0|N keepalive=IDLE/INTVL/CNT " +
      "nodelay broadcast ttl=N tos=N user-timeout=MS",
  },
  verbose: { type: "boolean", short: "v", help: "notes on stderr, and the applied option values" },
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
Durations take ms, s or m (a bare number is seconds). Exit codes: 0 ok, 1 network error,
2 usage. JSON events: listen, accept, connect, options, data, frame, datagram, half-close,
close (reason FIN, RST, local, idle-timeout, error), error (type, errno, wsa, fields).`;

/**
 * A length field of 1–3 bytes cannot carry the default 8 MiB maximum: without `max=`, the
 * maximum becomes the largest length the field holds, so errors report the real limit.
 */
function fitLengthField(o: FrameOptions): FrameOptions {
  if (o.kind !== "length" || o.maxFrameLength !== undefined || o.lengthAdjustment) return o;
  const field = o.fieldLength ?? 4;
  return field >= 4 ? o : { ...o, maxFrameLength: 2 ** (8 * field) - 1 };
}

export function makeNetcatCommand(role: "listen" | "connect"): Command {
  const usage = role === "listen"
    ? "sockkit listen [options] [HOST:]PORT\n       sockkit listen --unix PATH [options]"
    : "sockkit connect [options] HOST:PORT\n       sockkit connect --unix PATH [options]";
  const summary = role === "listen"
    ? "Listen on PORT (default host 0.0.0.0; use [::]:PORT for IPv6). stdin goes to the peer,\n" +
      "the peer goes to stdout. Without --keep-open or --max-conns, one connection is served."
    : "Connect to HOST:PORT. stdin goes to the peer and the peer goes to stdout; when stdin\n" +
      "ends, the write side is shut down (FIN) and output continues until the peer closes.";
  const flags = role === "listen" ? { ...COMMON_FLAGS, ...LISTEN_FLAGS } : COMMON_FLAGS;
  const help = helpText(usage, summary, flags) + FOOTER + "\n";
  return {
    name: role,
    summary: role === "listen"
      ? "listen on [HOST:]PORT (TCP, --udp, --unix) and relay stdin/stdout"
      : "connect to HOST:PORT (TCP, --udp, --unix) and relay stdin/stdout",
    help,
    async run(argv: string[]): Promise<number> {
      const parsed = parseFlags(role, argv, flags);
      if (bool(parsed, "help")) {
        console.log(help.trimEnd());
        return 0;
      }
      const unixPath = str(parsed, "unix");
      const udp = bool(parsed, "udp");
      if (udp && unixPath !== undefined) {
        throw new UsageError("--udp and --unix cannot be combined", role);
      }
      if (parsed.positionals.length > (unixPath === undefined ? 1 : 0)) {
        throw new UsageError(`unexpected argument "${parsed.positionals.at(-1)}"`, role);
      }
      if (unixPath === undefined && parsed.positionals.length === 0) {
        throw new UsageError(
          `missing ${role === "listen" ? "[HOST:]PORT" : "HOST:PORT"} (or --unix PATH)`,
          role,
        );
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
      const wrap = <T>(fn: () => T): T => {
        try {
          return fn();
        } catch (e) {
          if (e instanceof UsageError) throw new UsageError(e.message, role);
          throw e;
        }
      };
      const optText = str(parsed, "opt");
      const session: Session = {
        out: new Output({
          json: bool(parsed, "json"),
          hex: bool(parsed, "hex"),
          verbose: bool(parsed, "verbose"),
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
      if (unixPath !== undefined) {
        return role === "listen"
          ? await listenStream(session, unixPath)
          : await connectStream(session, unixPath);
      }
      const target = wrap(() =>
        parseTarget(parsed.positionals[0], role, role === "listen" ? "0.0.0.0" : undefined)
      );
      if (udp) {
        return role === "listen"
          ? await listenUdp(session, target)
          : await connectUdp(session, target);
      }
      if (workers !== undefined) return await listenWorkers(session, target, workers);
      return role === "listen"
        ? await listenStream(session, target)
        : await connectStream(session, target);
    },
  };
}
