/**
 * The runtime-neutral part of sockkit, for Node, Bun and browsers: addressing and byte order
 * (`./addr`), the frame codecs and stream readers (`./codec`, without the Deno connection
 * adapters), {@linkcode IOBuffer} (`./buffer`) and the PROXY protocol codec (`./proxy`, without `acceptProxyConn` and its connection
 * class, which need `./net`), with
 * their error classes. Nothing here touches `Deno.*` when loaded. `deno task bundle` turns
 * this module into `dist/sockkit_portable.js`: one ES module with the Wasm core embedded.
 *
 * Permissions: none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCodec, parseAddress } from "./mod.ts";
 * assert.deepEqual(parseAddress("10.0.0.1").bytes, new Uint8Array([10, 0, 0, 1]));
 * using codec = createCodec("len:u16be");
 * const wire = codec.encoder!.encode(new TextEncoder().encode("hi"));
 * assert.deepEqual(wire, new Uint8Array([0, 2, 104, 105]));
 * ```
 *
 * @module
 */
export * from "../addr/mod.ts";
export * from "../buffer/mod.ts";
export * from "../codec/spec.ts";
export * from "../codec/codec.ts";
export * from "../codec/io.ts";
export * from "../codec/errors.ts";
// ./proxy without its connection part (src/proxy/conn.ts imports ./net).
export * from "../proxy/header.ts";
export * from "../proxy/decode.ts";
export * from "../proxy/encode.ts";
export * from "../proxy/reader.ts";
export * from "../proxy/datagram.ts";
export * from "../proxy/crc32c.ts";
export * from "../proxy/addresses.ts";
export * from "../proxy/errors.ts";
