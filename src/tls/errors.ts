/**
 * TLS errors: {@linkcode TlsVerifyError} (the peer's certificate was refused) and
 * {@linkcode TlsHandshakeError} (the handshake failed otherwise: an alert, a peer that does not
 * speak TLS). Both are `Deno.errors.InvalidData`, the class Deno throws for them, so code that
 * catches the runtime's error keeps working; the runtime's error is the `cause`.
 *
 * Needs no permissions.
 *
 * @module
 */

/** Which side of the handshake sockkit was on. */
export type TlsRole = "client" | "server";

/** Where a TLS error happened. */
export interface TlsErrorContext {
  /** `"client"` (connectTls, startTls) or `"server"` (an accepted connection). */
  role: TlsRole;
  /** The peer's address, `host:port`. */
  address: string;
  /** The name the certificate was checked against (client side). */
  serverName?: string;
  /** Whether `insecure` was asked for (client side). */
  insecure?: boolean;
}

/** What rustls calls the reasons a certificate is refused, with a line each for people. */
const VERIFY_REASONS: ReadonlyArray<readonly [RegExp, string, string]> = [
  [
    /^UnknownIssuer/,
    "UnknownIssuer",
    "unable to get local issuer certificate: the chain does not lead to a trusted CA (give the CA in caCerts)",
  ],
  [/NotValidForName|not valid for name/, "NotValidForName", "the certificate is not valid for"],
  [/^Expired|certificate expired/, "Expired", "the certificate has expired"],
  [/^NotValidYet|not valid yet/, "NotValidYet", "the certificate is not valid yet"],
  [
    /CaUsedAsEndEntity/,
    "CaUsedAsEndEntity",
    "the server's certificate is a CA certificate (basicConstraints CA:TRUE), which is refused even when trusted: issue it with CA:FALSE",
  ],
  [/BadSignature/, "BadSignature", "a signature in the chain does not verify"],
  [/Revoked/, "Revoked", "the certificate was revoked"],
  [
    /InvalidPurpose/,
    "InvalidPurpose",
    "the certificate is not for this purpose (extendedKeyUsage)",
  ],
  [/BadEncoding/, "BadEncoding", "the certificate cannot be parsed"],
];

const PREFIX = "invalid peer certificate: ";

/**
 * The peer's certificate was refused: unknown issuer, wrong name, expired, and so on. The
 * message reads `Cannot connect over TLS: certificate verify failed: …` (on a server:
 * `Cannot accept TLS connection: …`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TlsVerifyError } from "./errors.ts";
 * const e = new TlsVerifyError("invalid peer certificate: UnknownIssuer", {
 *   role: "client",
 *   address: "127.0.0.1:4433",
 *   serverName: "localhost",
 * });
 * assert.ok(e instanceof Deno.errors.InvalidData);
 * assert.equal(e.reason, "UnknownIssuer");
 * assert.match(e.message, /^Cannot connect over TLS: certificate verify failed: unable to get local issuer/);
 * ```
 */
export class TlsVerifyError extends Deno.errors.InvalidData {
  /** The reason as rustls names it: `UnknownIssuer`, `NotValidForName`, `Expired`, `NotValidYet`, `CaUsedAsEndEntity`, `BadSignature`, … */
  readonly reason: string;
  /** The runtime's own text, e.g. `invalid peer certificate: UnknownIssuer`. */
  readonly detail: string;
  /** The name the certificate was checked against, when sockkit was the client. */
  readonly serverName: string | undefined;
  /** The peer's address, `host:port`. */
  readonly address: string;
  /** Always `"handshake"`. */
  readonly operation = "handshake";
  /** Always `"CERT_VERIFY_FAILED"`. */
  readonly code = "CERT_VERIFY_FAILED";

  /**
   * Build the error from the runtime's message.
   *
   * @param detail The runtime's message (starting `invalid peer certificate: `).
   * @param ctx Where it happened.
   * @param options `cause`: the runtime's error.
   */
  constructor(detail: string, ctx: TlsErrorContext, options?: ErrorOptions) {
    const what = detail.startsWith(PREFIX) ? detail.slice(PREFIX.length) : detail;
    const known = VERIFY_REASONS.find(([re]) => re.test(what));
    const reason = known?.[1] ?? (/^[A-Za-z]+/.exec(what)?.[0] ?? "Other");
    let text = known?.[2] ?? what;
    if (reason === "NotValidForName") text += ` ${ctx.serverName ?? "the name asked for"}`;
    if (ctx.insecure && reason !== "NotValidForName") {
      text += "; insecure skips only the name check here: Deno ignores chain errors only when " +
        "run with --unsafely-ignore-certificate-errors=HOST (the sockkit command does that " +
        "itself for --tls-insecure, except as a compiled binary)";
    }
    const where = ctx.role === "client"
      ? `Cannot connect over TLS: certificate verify failed: ${text} (server name ${
        ctx.serverName ?? "?"
      }, ${ctx.address})`
      : `Cannot accept TLS connection: certificate verify failed: ${text} (${ctx.address})`;
    super(where, options);
    this.name = "TlsVerifyError";
    this.reason = reason;
    this.detail = detail;
    this.serverName = ctx.serverName;
    this.address = ctx.address;
  }
}

/**
 * A TLS handshake failed for a reason other than the certificate: the peer sent an alert
 * (it refused our certificate, no common ALPN protocol or version), or it does not speak TLS.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TlsHandshakeError } from "./errors.ts";
 * const e = new TlsHandshakeError("received fatal alert: UnknownCA", {
 *   role: "server",
 *   address: "127.0.0.1:50000",
 * });
 * assert.ok(e instanceof Deno.errors.InvalidData);
 * assert.equal(e.alert, "UnknownCA");
 * assert.equal(
 *   e.message,
 *   "Cannot accept TLS connection: handshake failed: the peer refused our certificate (received fatal alert: UnknownCA, 127.0.0.1:50000)",
 * );
 * ```
 */
export class TlsHandshakeError extends Deno.errors.InvalidData {
  /** The TLS alert the peer sent (`UnknownCA`, `HandshakeFailure`, `NoApplicationProtocol`, …), or `undefined` when none was. */
  readonly alert: string | undefined;
  /** The runtime's own text. */
  readonly detail: string;
  /** The peer's address, `host:port`. */
  readonly address: string;
  /** Always `"handshake"`. */
  readonly operation = "handshake";
  /** Always `"TLS_HANDSHAKE_FAILED"`. */
  readonly code = "TLS_HANDSHAKE_FAILED";

  /**
   * Build the error from the runtime's message.
   *
   * @param detail The runtime's message.
   * @param ctx Where it happened.
   * @param options `cause`: the runtime's error.
   */
  constructor(detail: string, ctx: TlsErrorContext, options?: ErrorOptions) {
    const alert = /received fatal alert: (\w+)/.exec(detail)?.[1];
    const meaning = alert === undefined
      ? /corrupt message|InvalidContentType|InvalidMessage/.test(detail)
        ? "the peer does not speak TLS"
        : undefined
      : ["UnknownCA", "BadCertificate", "CertificateUnknown", "UnsupportedCertificate"]
          .includes(alert)
      ? "the peer refused our certificate"
      : alert === "NoApplicationProtocol"
      ? "no ALPN protocol in common"
      : alert === "ProtocolVersion"
      ? "no TLS version in common"
      : alert === "HandshakeFailure"
      ? "no cipher suite or parameters in common"
      : alert === "UnrecognisedName"
      ? "the peer does not know the server name (SNI)"
      : undefined;
    const text = meaning ? `${meaning} (${detail}, ${ctx.address})` : `${detail} (${ctx.address})`;
    super(
      `${
        ctx.role === "client" ? "Cannot connect over TLS" : "Cannot accept TLS connection"
      }: handshake failed: ${text}`,
      options,
    );
    this.name = "TlsHandshakeError";
    this.alert = alert;
    this.detail = detail;
    this.address = ctx.address;
  }
}

/**
 * Turn an error from a TLS handshake into sockkit's: `TlsVerifyError` for a refused
 * certificate, `TlsHandshakeError` for the runtime's other `InvalidData`; any other runtime
 * error (the peer closed or reset during the handshake) becomes a new error of the same class
 * with a message that says so, the original as `cause`.
 *
 * @param e What the handshake rejected with.
 * @param ctx Where it happened.
 * @returns The error to throw.
 */
export function handshakeError(e: unknown, ctx: TlsErrorContext): unknown {
  if (!(e instanceof Error) || e instanceof TlsVerifyError || e instanceof TlsHandshakeError) {
    return e;
  }
  if (e instanceof Deno.errors.InvalidData) {
    return e.message.startsWith(PREFIX)
      ? new TlsVerifyError(e.message, ctx, { cause: e })
      : new TlsHandshakeError(e.message, ctx, { cause: e });
  }
  const Ctor = e.constructor as new (message: string, options?: ErrorOptions) => Error;
  if (!Object.values(Deno.errors).includes(Ctor as never)) return e;
  const what = e instanceof Deno.errors.UnexpectedEof
    ? "the peer closed the connection during the handshake"
    : e.message;
  const out = new Ctor(
    `${
      ctx.role === "client" ? "Cannot connect over TLS" : "Cannot accept TLS connection"
    }: handshake failed: ${what} (${ctx.address})`,
    { cause: e },
  ) as Error & { operation?: string; address?: string; code?: string };
  out.operation = "handshake";
  out.address = ctx.address;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") out.code = code;
  return out;
}
