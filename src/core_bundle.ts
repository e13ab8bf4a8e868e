/**
 * The runtime-neutral part of sockkit: addressing (`inet_pton`, `inet_addr`, `parseHostPort`,
 * `packSockaddr`), byte order (`htons`, `htonll`, bulk conversion), frame codecs
 * (`parseFrameSpec`, `createCodec`, `FrameDecoder`, `FrameEncoder`), `IOBuffer`, and the error
 * classes. Nothing here touches `Deno.*` when loaded, so this module is what
 * `deno task bundle` turns into `dist/sockkit_core.js`, one ES module with the Wasm core
 * embedded, which runs in Node, Bun and browsers.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import { htons, inet_pton, AF_INET, createCodec } from "./core_bundle.ts";
 * console.assert(htons(0x1234) === 0x3412);
 * console.assert(inet_pton(AF_INET, "10.0.0.1")!.join(".") === "10.0.0.1");
 * using codec = createCodec("len:u16be");
 * const wire = codec.encoder!.encode(new TextEncoder().encode("hi"));
 * console.assert(wire.length === 4 && wire[1] === 2);
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./address.ts";
export * from "./sockaddr.ts";
export * from "./byte_order.ts";
export * from "./io_buffer.ts";
export * from "./framing/spec.ts";
export * from "./framing/codec.ts";
export * from "./framing/io.ts";
