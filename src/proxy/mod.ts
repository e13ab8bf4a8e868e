/**
 * The PROXY protocol, v1 and v2 (HAProxy's `doc/proxy-protocol.txt`): decode the header a load
 * balancer puts in front of a connection or datagram ({@linkcode decodeProxyHeader},
 * {@linkcode readProxyHeader}, {@linkcode decodeProxyDatagram}), encode one as a client
 * ({@linkcode encodeProxyHeader}), and wrap an accepted connection so that it reports the
 * real client's address ({@linkcode acceptProxyConn}, which returns a
 * {@linkcode ProxiedTcpConnection}, the class `serve({ proxyProtocol })` in `./net` hands its
 * handler). The portable bundle (`./portable`) has everything here except that connection
 * part (`acceptProxyConn`, `ProxiedTcpConnection`, `ProxiedConn`), which needs `./net`.
 *
 * The byte work runs in the Wasm core, with every check from the spec's security notes.
 *
 * Permissions: none for decoding and encoding; reading from a connection needs whatever opened
 * it (`--allow-net`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProxyHeader, encodeProxyHeader } from "./mod.ts";
 * const header = encodeProxyHeader({
 *   source: { transport: "tcp", hostname: "192.0.2.1", port: 56324 },
 *   destination: { transport: "tcp", hostname: "198.51.100.7", port: 443 },
 * }, { version: 1 });
 * assert.equal(new TextDecoder().decode(header), "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n");
 * const r = decodeProxyHeader(header);
 * assert.ok(r.status === "complete");
 * assert.deepEqual(r.header.source, { transport: "tcp", hostname: "192.0.2.1", port: 56324 });
 * ```
 *
 * @module
 */
export * from "./header.ts";
export * from "./decode.ts";
export * from "./encode.ts";
export * from "./reader.ts";
export * from "./datagram.ts";
export * from "./crc32c.ts";
export * from "./addresses.ts";
export * from "./conn.ts";
export * from "./errors.ts";
// The codec contract and buffer type ProxyHeaderDecoder implements (from ./codec and ./buffer).
export type { Decoder, DecoderState } from "../codec/decoder.ts";
export type { IOBuffer } from "../buffer/io_buffer.ts";
