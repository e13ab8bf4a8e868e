/**
 * TLS over sockkit's TCP wrapper: {@linkcode connectTls}, {@linkcode listenTls} and
 * {@linkcode startTls}, giving a {@linkcode TlsConnection} with everything a `TcpConnection`
 * has (connect, read, write, idle and handshake timeouts, byte counters, half-close,
 * {@linkcode TlsConnection.endReason}, streams, linger-aware close) and socket options and
 * `tcpInfo` on the TCP socket underneath.
 *
 * A client connects with sockkit's TCP `connect` (so its timeout, `AbortSignal` and inline
 * socket options apply before the handshake) and upgrades with `Deno.startTls`, which is also
 * how {@linkcode TlsClientOptions.serverName} can differ from the address connected to.
 *
 * Permissions: `--allow-net`; socket options other than the inline `noDelay`/boolean
 * `keepAlive` of a client, `tcpInfo` and a linger-aware close need `--allow-ffi`; the system
 * CA bundle is read only with `--allow-read` on it (see {@linkcode systemCaCerts}).
 *
 * @module
 */

import {
  checkPort,
  connect,
  listenWith,
  type TcpConnection,
  type TcpConnectOptions,
  type TcpListenOptions,
  TcpServer,
} from "../net/tcp.ts";
import { StreamConnection, type StreamTimeouts } from "../net/stream_connection.ts";
import type { EndReason } from "../net/stream_connection.ts";
import { annotateError, SocketStateError, SocketTimeoutError } from "../net/errors.ts";
import { checkTimeout, raceDeadline } from "../net/_deadline.ts";
import { markClosed } from "../_ffi/fd.ts";
import { recordedLinger, setSocketOptions } from "../sockopt/socket_options.ts";
import { handshakeError, type TlsRole } from "./errors.ts";

/** What a finished handshake agreed on. */
export interface TlsHandshakeInfo {
  /** The ALPN protocol both sides chose, or `null` when none was negotiated. */
  alpnProtocol: string | null;
}

/** TLS settings of a {@linkcode TlsConnection} (beyond its timeouts). */
export interface TlsConnectionOptions extends StreamTimeouts {
  /** `"client"` or `"server"`. Default `"client"`. */
  role?: TlsRole;
  /** Client side: the name the server's certificate was checked against (and sent as SNI). */
  serverName?: string;
  /** Client side: `insecure` was asked for (only used in error messages). */
  insecure?: boolean;
  /** Longest wait (ms) for a handshake started implicitly by the first read or write, and the default of {@linkcode TlsConnection.handshake}. Default: none. */
  handshakeTimeout?: number;
  /**
   * When the peer ends the TCP stream without a TLS `close_notify` (a "ragged" EOF, which can
   * hide a truncation; ncat and many HTTP servers do it), reject the read with the runtime's
   * `Deno.errors.UnexpectedEof` instead of returning end of stream. Either way
   * {@linkcode TlsConnection.endReason} is `"FIN"` then, and `"CLOSE_NOTIFY"` after a clean
   * end. Default `false` (as Python's `suppress_ragged_eofs` and Node).
   */
  requireCloseNotify?: boolean;
}

/** The Deno 2.9.6 `startTls` result lacks `transport` on its addresses; sockkit adds it so descriptor discovery, `endReason` and `tcpInfo` see a TCP socket. */
function withTcpTransport(raw: Deno.TlsConn): Deno.TlsConn {
  for (const a of [raw.localAddr, raw.remoteAddr] as Array<Partial<Deno.NetAddr>>) {
    if (a && a.transport === undefined) {
      try {
        a.transport = "tcp";
      } catch { /* a frozen object: leave it */ }
    }
  }
  return raw;
}

const ADDR = (a: Deno.NetAddr) => `${a.hostname}:${a.port}`;

/**
 * A TLS connection over TCP, made by {@linkcode connectTls} or {@linkcode startTls}, or
 * accepted by a {@linkcode TlsServer}. `bytesRead`/`bytesWritten` count the application's
 * bytes (what `read` returned and `write` took), not the TLS records on the wire; `tcpInfo`
 * tells those. `raw` is Deno's `TlsConn`: `setSocketOptions`, `tcpInfo`, `abortConnection`
 * and `closeGracefully` act on the TCP socket under it.
 *
 * The handshake runs on the first read or write (or {@linkcode handshake}); a client made by
 * `connectTls`/`startTls` has finished it already, so a refused certificate fails there.
 */
export class TlsConnection extends StreamConnection<Deno.NetAddr, Deno.TlsConn> {
  #role: TlsRole;
  #serverName: string | undefined;
  #insecure: boolean;
  #handshakeTimeout: number | undefined;
  #requireCloseNotify: boolean;
  #handshaking: Promise<TlsHandshakeInfo> | undefined;
  #info: TlsHandshakeInfo | undefined;
  #ragged = false;
  #writeClosed = false;

  /**
   * Wrap a `Deno.TlsConn` you already have (from `Deno.connectTls`, `Deno.startTls` or a
   * `Deno.TlsListener`).
   *
   * @param raw The connection; it is used as is and closed by {@linkcode close}.
   * @param options Timeouts and TLS settings.
   * @throws {RangeError} for a bad timeout.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TlsConnection } from "./tls.ts";
   * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * using tcp = await Deno.connect({ port: l.addr.port });
   * using _peer = await l.accept();
   * const raw = await Deno.startTls(tcp, { hostname: "localhost" });
   * await using c = new TlsConnection(raw, { serverName: "localhost", handshakeTimeout: 50 });
   * assert.equal(c.remoteAddr.transport, "tcp");
   * assert.equal(c.handshakeComplete, false);
   * // The peer never answers the ClientHello: the first read's handshake times out.
   * await assert.rejects(c.read(new Uint8Array(1)), { name: "SocketTimeoutError" });
   * ```
   */
  constructor(raw: Deno.TlsConn, options: TlsConnectionOptions = {}) {
    super(withTcpTransport(raw), options);
    this.#role = options.role ?? "client";
    this.#serverName = options.serverName;
    this.#insecure = options.insecure ?? false;
    this.#handshakeTimeout = checkTimeout("handshakeTimeout", options.handshakeTimeout);
    this.#requireCloseNotify = options.requireCloseNotify ?? false;
  }

  /** `"client"` or `"server"`. */
  get role(): TlsRole {
    return this.#role;
  }
  /** Client side: the name the certificate was checked against and sent as SNI; `undefined` on a server. */
  get serverName(): string | undefined {
    return this.#serverName;
  }
  /** `true` once the handshake has finished. */
  get handshakeComplete(): boolean {
    return this.#info !== undefined;
  }
  /** The ALPN protocol chosen in the handshake; `null` before it finished or when none was. */
  get alpnProtocol(): string | null {
    return this.#info?.alpnProtocol ?? null;
  }

  /**
   * Run the handshake now, or wait for the one running (calling it is optional: the first
   * read or write runs it). Every call returns the same outcome.
   *
   * @param options `timeout` (ms; default the connection's `handshakeTimeout`) and `signal`:
   *   they reject this call; the connection is then left as it is (close it).
   * @returns The ALPN protocol agreed on.
   * @throws {TlsVerifyError} when the peer's certificate is refused (client side).
   * @throws {TlsHandshakeError} when the peer sent an alert or does not speak TLS.
   * @throws {SocketTimeoutError} when `timeout` passes first.
   */
  handshake(options: { timeout?: number; signal?: AbortSignal } = {}): Promise<TlsHandshakeInfo> {
    if (this.#info) return Promise.resolve(this.#info);
    if (this.closed) {
      return Promise.reject(
        new SocketStateError("Cannot handshake: the connection was closed", "EBADF"),
      );
    }
    if (!this.#handshaking) {
      const ctx = {
        role: this.#role,
        address: ADDR(this.remoteAddr),
        serverName: this.#serverName,
        insecure: this.#insecure,
      };
      this.#handshaking = this.raw.handshake().then((info) => {
        this.#info = { alpnProtocol: info.alpnProtocol };
        return this.#info;
      }, (e) => {
        throw handshakeError(e, ctx);
      });
      // Rejections reach whoever awaits; a handshake cut off by close() must not go unhandled.
      this.#handshaking.catch(() => {});
    }
    const timeout = options.timeout !== undefined
      ? checkTimeout("timeout", options.timeout)
      : this.#handshakeTimeout;
    return raceDeadline(this.#handshaking, "handshake", timeout, options.signal);
  }

  /** Reads wait for the handshake, and a ragged EOF ends the stream unless `requireCloseNotify`. */
  protected override rawRead(p: Uint8Array): Promise<number | null> {
    if (this.#info) return this.#read(p);
    return this.handshake().then(() => this.#read(p));
  }
  /** Writes wait for the handshake; after `closeWrite()` they reject with `BrokenPipe`, as on TCP. */
  protected override rawWrite(p: Uint8Array): Promise<number> {
    if (this.#writeClosed) {
      // Deno's TlsConn says NotConnected here; TCP says BrokenPipe (EPIPE).
      const e = new Deno.errors.BrokenPipe("Cannot write: the connection was half-closed");
      return Promise.reject(Object.assign(e, { code: "EPIPE" }));
    }
    if (this.#info) return this.raw.write(p);
    return this.handshake().then(() => this.raw.write(p));
  }
  /**
   * Half-close: send TLS `close_notify`, then FIN (`shutdown(SHUT_WR)`); keep reading. Later
   * writes reject with `Deno.errors.BrokenPipe`.
   */
  override async closeWrite(): Promise<void> {
    await super.closeWrite();
    this.#writeClosed = true;
  }
  #read(p: Uint8Array): Promise<number | null> {
    const r = this.raw.read(p);
    return this.#requireCloseNotify ? r : r.catch(this.#raggedEof);
  }
  #raggedEof = (e: unknown): null => {
    if (!(e instanceof Deno.errors.UnexpectedEof)) throw e;
    this.#ragged = true;
    return null;
  };
  /** `"CLOSE_NOTIFY"` after the peer's clean TLS end, `"FIN"` after a ragged EOF. No FFI needed. */
  protected override endReasonAtEof(): EndReason {
    return this.#ragged ? "FIN" : "CLOSE_NOTIFY";
  }
  /** A reset ends the stream with `"RST"`; with `requireCloseNotify`, a ragged EOF with `"FIN"`. */
  protected override endReasonOnError(e: unknown): EndReason | undefined {
    if (e instanceof Deno.errors.ConnectionReset) return "RST";
    if (e instanceof Deno.errors.UnexpectedEof) return "FIN";
    return undefined;
  }

  /**
   * How the peer ended the stream, known once a read returned `null` or failed because of it:
   * `"CLOSE_NOTIFY"` (a clean TLS end: everything the peer sent arrived), `"FIN"` (the TCP
   * stream ended without `close_notify`: possibly truncated), `"RST"` (reset), or `null`.
   * Unlike TCP, this needs no FFI.
   */
  override get endReason(): EndReason | null {
    return super.endReason;
  }

  /**
   * Turn Nagle's algorithm off (`true`) or on. Deno's `TlsConn` has no `setNoDelay`, so this
   * goes through `setSocketOptions` on the TCP socket: it needs `--allow-ffi` (a client can
   * pass `noDelay` to `connectTls` instead, which needs no FFI).
   *
   * @throws {FfiPermissionError} without `--allow-ffi`.
   */
  setNoDelay(noDelay = true): void {
    setSocketOptions(this.raw, { noDelay });
  }
  /** Turn `SO_KEEPALIVE` on or off, through `setSocketOptions` (needs `--allow-ffi`, as {@linkcode setNoDelay}). */
  setKeepAlive(keepAlive = true): void {
    setSocketOptions(this.raw, { keepAlive });
  }
}

/** Client-side TLS options of {@linkcode connectTls} and {@linkcode startTls}. */
export interface TlsClientOptions {
  /**
   * The name to check the server's certificate against, sent as SNI. Default: the `hostname`
   * connected to (`connectTls`), or the peer's IP address (`startTls`). An IP address is
   * checked against the certificate's IP entries and sends no SNI.
   */
  serverName?: string;
  /** Extra trusted CA certificates, PEM (each may hold several). A self-signed server certificate can be given here if it has `basicConstraints CA:FALSE`. Default: none. */
  caCerts?: string[];
  /**
   * Also trust the operating system's CA bundle ({@linkcode systemCaCerts}), besides Deno's
   * built-in roots (Mozilla's, or the system's when Deno runs with
   * `DENO_TLS_CA_STORE=system`). It is read once per process, and only when `--allow-read`
   * (and `--allow-env` for `SSL_CERT_FILE`) is granted; otherwise only Deno's roots are used.
   * Default `true`.
   */
  systemCa?: boolean;
  /** ALPN protocols to offer, most preferred first (`["h2", "http/1.1"]`). Default: no ALPN. */
  alpnProtocols?: string[];
  /**
   * Accept a certificate whose names do not match {@linkcode serverName} (Deno's
   * `unsafelyDisableHostnameVerification`). What it cannot do: accept a chain that does not
   * lead to a trusted CA (self-signed, unknown issuer), an expired certificate or a bad
   * signature. Deno 2.9.6 has no per-connection switch for those; only running Deno with
   * `--unsafely-ignore-certificate-errors` (all hosts) or `=HOST,...` skips them, process-wide
   * (and then, for the hosts not listed, `caCerts` are not used). Prefer `caCerts` with the
   * server's CA. Default `false`.
   */
  insecure?: boolean;
  /** See {@linkcode TlsConnectionOptions.requireCloseNotify}. Default `false`. */
  requireCloseNotify?: boolean;
}

/** Options of {@linkcode connectTls}: sockkit's TCP `connect` options plus the TLS ones. `timeout` covers the TCP connect and the handshake together. */
export interface TlsConnectOptions extends TcpConnectOptions, TlsClientOptions {}

/** Options of {@linkcode startTls}. */
export interface StartTlsOptions extends TlsClientOptions, StreamTimeouts {
  /** Give up the handshake after this many ms with a {@linkcode SocketTimeoutError}. Default: none. */
  timeout?: number;
  /** Abort the handshake; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

let systemBundle: string[] | null | undefined;
const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine, Arch
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL
  "/etc/ssl/cert.pem", // macOS, OpenBSD
  "/etc/ssl/ca-bundle.pem", // openSUSE
];

function granted(desc: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(desc).state === "granted";
  } catch {
    return false;
  }
}

/**
 * The operating system's CA bundle, as PEM text for `caCerts`: the file named by
 * `SSL_CERT_FILE` (OpenSSL's variable) when set, else the first of the usual bundle paths
 * (Debian's `/etc/ssl/certs/ca-certificates.crt`, Fedora's, macOS's, openSUSE's). Read once
 * per process and cached. Never prompts: without `--allow-read` for the file (or
 * `--allow-env` for `SSL_CERT_FILE`), that source is skipped.
 *
 * @returns The bundle (one PEM string), or an empty array when none can be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemCaCerts } from "./tls.ts";
 * const pems = systemCaCerts();
 * assert.ok(pems.every((p) => p.includes("-----BEGIN CERTIFICATE-----")));
 * ```
 */
export function systemCaCerts(): string[] {
  if (systemBundle !== undefined) return systemBundle ?? [];
  const paths = [...SYSTEM_BUNDLES];
  if (granted({ name: "env", variable: "SSL_CERT_FILE" })) {
    const env = Deno.env.get("SSL_CERT_FILE");
    if (env) paths.unshift(env);
  }
  systemBundle = null;
  for (const path of paths) {
    if (!granted({ name: "read", path })) continue;
    try {
      const text = Deno.readTextFileSync(path);
      if (text.includes("-----BEGIN CERTIFICATE-----")) {
        systemBundle = [text];
        break;
      }
    } catch { /* missing or unreadable: try the next */ }
  }
  return systemBundle ?? [];
}

function checkPemList(name: string, list: unknown): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    throw new TypeError(`Cannot use ${name}: expected an array of PEM strings`);
  }
  list.forEach((pem, i) => {
    if (typeof pem !== "string" || !pem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new TypeError(
        `Cannot use ${name}[${i}]: expected a PEM certificate ("-----BEGIN CERTIFICATE-----")`,
      );
    }
  });
  return list;
}

function checkAlpn(list: unknown): string[] | undefined {
  if (list === undefined) return undefined;
  if (
    !Array.isArray(list) ||
    list.some((p) => typeof p !== "string" || p.length === 0 || p.length > 255)
  ) {
    throw new TypeError(
      "Cannot use alpnProtocols: expected an array of protocol names of 1-255 characters",
    );
  }
  return list.length ? list : undefined;
}

function checkServerName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`Cannot use serverName: expected a host name or IP address, got ${name}`);
  }
  return name.startsWith("[") && name.endsWith("]") ? name.slice(1, -1) : name;
}

/** The TLS parameters Deno's startTls takes, checked. */
function clientParams(o: TlsClientOptions, defaultName: string) {
  const serverName = checkServerName(o.serverName ?? defaultName);
  const caCerts = checkPemList("caCerts", o.caCerts);
  const roots = o.systemCa === false ? caCerts : [...systemCaCerts(), ...caCerts];
  return {
    serverName,
    deno: {
      hostname: serverName,
      caCerts: roots,
      alpnProtocols: checkAlpn(o.alpnProtocols),
      unsafelyDisableHostnameVerification: o.insecure === true,
    } satisfies Deno.StartTlsOptions,
  };
}

/** Upgrade a Deno TCP connection (already detached from any wrapper) and finish the handshake. */
async function upgrade(
  tcp: Deno.TcpConn,
  params: ReturnType<typeof clientParams>,
  o: TlsClientOptions & StreamTimeouts,
  handshake: { timeout: number | undefined; signal?: AbortSignal; onTimeout: () => Error },
): Promise<TlsConnection> {
  const address = ADDR(tcp.remoteAddr);
  const linger = recordedLinger(tcp);
  let raw: Deno.TlsConn;
  try {
    raw = await Deno.startTls(tcp, params.deno);
  } catch (e) {
    try {
      tcp.close();
    } catch { /* consumed or closed already */ }
    throw annotateError(e, { operation: "handshake", address });
  } finally {
    // The TCP object is spent: its cached descriptor must not claim the socket any more.
    markClosed(tcp);
  }
  const conn = new TlsConnection(raw, {
    ...o,
    role: "client",
    serverName: params.serverName,
    insecure: o.insecure,
  });
  try {
    // A linger set on the TCP socket still holds for the TLS connection's close.
    if (linger !== undefined) setSocketOptions(conn, { linger });
    await conn.handshake({ timeout: handshake.timeout, signal: handshake.signal });
  } catch (e) {
    await conn.close().catch(() => {});
    if (e instanceof SocketTimeoutError && e.operation === "handshake") throw handshake.onTimeout();
    throw e;
  }
  return conn;
}

/**
 * Connect to a TLS server: sockkit's TCP `connect` (timeout, signal, inline socket options),
 * then the handshake, verifying the server's certificate against `serverName` (default
 * `hostname`) with Deno's roots, the system bundle and `caCerts`.
 *
 * Permissions: `--allow-net`; `--allow-ffi` for socket options other than `noDelay` and
 * boolean `keepAlive`; `--allow-read` on the system bundle to use it (see `systemCa`).
 *
 * @param options Where to connect, TLS settings, timeouts, socket options.
 * @returns The connection, handshake done (`alpnProtocol` is set).
 * @throws {TlsVerifyError} when the certificate is refused: `Cannot connect over TLS:
 *   certificate verify failed: …`, with `reason` (`UnknownIssuer`, `NotValidForName`, …).
 * @throws {TlsHandshakeError} when the server sent an alert or does not speak TLS.
 * @throws {SocketTimeoutError} when `timeout` passes before the handshake finished.
 * @throws {TypeError} for malformed `caCerts`, `alpnProtocols` or `serverName`.
 * @throws the TCP `connect` errors (`Deno.errors.ConnectionRefused`, …), annotated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectTls } from "./tls.ts";
 * import { TlsHandshakeError } from "./errors.ts";
 * // A plain TCP server that answers the ClientHello with text is not a TLS server.
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const plain = (async () => {
 *   using c = await l.accept();
 *   await c.write(new TextEncoder().encode("220 plain SMTP here\r\n"));
 *   await c.read(new Uint8Array(1024)).catch(() => null);
 * })();
 * const err = await connectTls({ port: l.addr.port, serverName: "localhost", timeout: 2000 })
 *   .then(() => null, (e) => e);
 * assert.ok(err instanceof TlsHandshakeError);
 * assert.match(err.message, /^Cannot connect over TLS: handshake failed: the peer does not speak TLS/);
 * await plain;
 * ```
 */
export async function connectTls(options: TlsConnectOptions): Promise<TlsConnection> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = checkPort(options.port, 1);
  const timeout = checkTimeout("timeout", options.timeout);
  const params = clientParams(options, hostname);
  const start = performance.now();
  const tcp = await connect(options);
  const { raw } = tcp.detach("upgraded to TLS");
  const left = timeout === undefined
    ? undefined
    : Math.max(1, timeout - (performance.now() - start));
  return upgrade(raw, params, options, {
    timeout: left,
    signal: options.signal,
    onTimeout: () => new SocketTimeoutError("connect", timeout!, `over TLS to ${hostname}:${port}`),
  });
}

/**
 * Upgrade a connected TCP connection to TLS as the client (STARTTLS in SMTP, IMAP, XMPP,
 * PostgreSQL): the protocol's plaintext part is done, and the next bytes are the handshake.
 * The TCP connection is used up: a sockkit `TcpConnection` rejects later calls with
 * `Cannot read: the connection was upgraded to TLS`. The new connection keeps its timeouts
 * (unless given here) and a `linger` set on it; its byte counters start at 0.
 *
 * Deno has no server-side upgrade: a server that speaks STARTTLS cannot be written with Deno's
 * public API (only `listenTls`, TLS from the first byte).
 *
 * Permissions: `--allow-net`.
 *
 * @param conn A sockkit `TcpConnection` or a `Deno.TcpConn`, with no read or write pending.
 * @param options TLS settings, the handshake `timeout`, and the new connection's timeouts.
 * @returns The TLS connection, handshake done.
 * @throws {SocketStateError} when `conn` is closed or has a read or write pending.
 * @throws {TlsVerifyError} / {TlsHandshakeError} / {SocketTimeoutError} as {@linkcode connectTls}.
 *
 * @example STARTTLS after a plaintext greeting
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, listen } from "../net/tcp.ts";
 * import { startTls } from "./tls.ts";
 * await using server = listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = server.accept();
 * await using tcp = await connect({ port: server.addr.port });
 * await using peer = await accepted;
 * await peer.writeAll(new TextEncoder().encode("220 ready\r\n"));
 * assert.equal(await tcp.read(new Uint8Array(64)), 11);
 * // The peer is no TLS server: it closes instead of answering the ClientHello.
 * const upgraded = startTls(tcp, { serverName: "localhost", timeout: 2000 });
 * await peer.read(new Uint8Array(1024));
 * await peer.close();
 * await assert.rejects(upgraded, Deno.errors.UnexpectedEof);
 * await assert.rejects(tcp.read(new Uint8Array(1)), /the connection was upgraded to TLS/);
 * ```
 */
export function startTls(
  conn: TcpConnection | Deno.TcpConn,
  options: StartTlsOptions = {},
): Promise<TlsConnection> {
  try {
    const timeout = checkTimeout("timeout", options.timeout);
    const peer = conn.remoteAddr as Deno.NetAddr;
    const params = clientParams(options, peer.hostname);
    options.signal?.throwIfAborted();
    let raw: Deno.TcpConn;
    let timeouts: StreamTimeouts = {};
    if (conn instanceof StreamConnection) ({ raw, timeouts } = conn.detach("upgraded to TLS"));
    else raw = conn;
    const pick = (k: keyof StreamTimeouts) => k in options ? options[k] : timeouts[k];
    return upgrade(raw, params, {
      ...options,
      readTimeout: pick("readTimeout"),
      writeTimeout: pick("writeTimeout"),
      idleTimeout: pick("idleTimeout"),
    }, {
      timeout,
      signal: options.signal,
      onTimeout: () => new SocketTimeoutError("handshake", timeout!, `with ${ADDR(peer)}`),
    });
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Options of {@linkcode TlsServer}: timeouts and TLS settings each accepted connection gets. */
export interface TlsServerOptions extends StreamTimeouts {
  /** See {@linkcode TlsConnectionOptions.handshakeTimeout}. Default: none (an `idleTimeout` still closes a silent client). */
  handshakeTimeout?: number;
  /** See {@linkcode TlsConnectionOptions.requireCloseNotify}. Default `false`. */
  requireCloseNotify?: boolean;
}

/**
 * A TLS listener: a `TcpServer` whose `accept()` gives {@linkcode TlsConnection}s. Accepting
 * does not wait for the handshake (a slow client would hold up the others): it runs on the
 * connection's first read or write, or `conn.handshake()`, within `handshakeTimeout`.
 */
export class TlsServer extends TcpServer<TlsConnection, Deno.TlsListener> {
  #tls: TlsServerOptions;
  /**
   * Wrap a `Deno.TlsListener` you already have.
   *
   * @param raw The listener.
   * @param options Timeouts and TLS settings for accepted connections.
   */
  constructor(raw: Deno.TlsListener, options: TlsServerOptions = {}) {
    super(raw, options);
    checkTimeout("handshakeTimeout", options.handshakeTimeout);
    this.#tls = {
      handshakeTimeout: options.handshakeTimeout,
      requireCloseNotify: options.requireCloseNotify,
    };
  }
  /** Wrap an accepted connection as a server-side {@linkcode TlsConnection}. */
  protected override wrap(raw: Deno.Conn<Deno.NetAddr>, timeouts: StreamTimeouts): TlsConnection {
    return new TlsConnection(raw as Deno.TlsConn, { ...timeouts, ...this.#tls, role: "server" });
  }
}

/** Options of {@linkcode listenTls}. */
export interface TlsListenOptions extends TcpListenOptions, TlsServerOptions {
  /** The certificate chain, PEM: the server's certificate first, then intermediates. */
  cert: string;
  /** The private key, PEM (PKCS#8, RSA or EC). */
  key: string;
  /** ALPN protocols to accept, most preferred first. Default: no ALPN. */
  alpnProtocols?: string[];
}

/**
 * Listen for TLS connections. The certificate and key are PEM text (read files with
 * `Deno.readTextFileSync`, or use `tlsOptionsFromFlags`). Deno's public API has no client
 * certificate verification and no SNI callback: one certificate serves every name.
 *
 * Permissions: `--allow-net`; `--allow-ffi` too when socket options are given.
 *
 * @param options Address, port, certificate and key, ALPN, socket options (set on the
 *   listener; Linux copies most to accepted connections), timeouts for accepted connections.
 * @returns The server; `server.addr.port` is the bound port.
 * @throws {TypeError} when `cert` or `key` is missing or unusable (`Cannot listen over TLS: …`).
 * @throws {RangeError} for a bad port or timeout.
 * @throws `Deno.errors.AddrInUse` etc., annotated as by `listen`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenTls } from "./tls.ts";
 * assert.throws(
 *   () => listenTls({ hostname: "127.0.0.1", port: 0, cert: "not PEM", key: "not PEM" }),
 *   /^TypeError: Cannot listen over TLS: cert is not a PEM certificate chain/,
 * );
 * ```
 */
export function listenTls(options: TlsListenOptions): TlsServer {
  const port = checkPort(options.port ?? 0, 0);
  const hostname = options.hostname ?? "0.0.0.0";
  const { cert, key } = options;
  if (typeof cert !== "string" || !cert.includes("-----BEGIN CERTIFICATE-----")) {
    throw new TypeError("Cannot listen over TLS: cert is not a PEM certificate chain");
  }
  if (typeof key !== "string" || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw new TypeError("Cannot listen over TLS: key is not a PEM private key");
  }
  const alpnProtocols = checkAlpn(options.alpnProtocols);
  return listenWith(
    (o) => {
      try {
        return Deno.listenTls({ ...o, cert, key, ...(alpnProtocols ? { alpnProtocols } : {}) });
      } catch (e) {
        // The runtime reports unusable key material as InvalidData or a plain Error.
        if (e instanceof Deno.errors.InvalidData || (e as Error)?.constructor === Error) {
          throw new TypeError(
            `Cannot listen over TLS: the certificate or key is not usable: ${(e as Error).message}`,
            { cause: e },
          );
        }
        throw e;
      }
    },
    (raw) => new TlsServer(raw, options),
    { ...options, hostname, port },
  );
}
