/**
 * Checksummed frames for the load and fault tests, and a framed echo client that verifies
 * every frame it gets back (order, content, checksum).
 *
 * Frame payload: `u32 connection id | u32 sequence | u32 FNV-1a of the rest | filler bytes`,
 * carried in `len:u32be` frames.
 *
 * @module
 */
import { connect, type TcpConnection } from "../../src/net/tcp.ts";
import { FrameDecoder, FrameEncoder } from "../../src/codec/codec.ts";
import { mulberry32 } from "./fault_proxy.ts";
import { SPEC } from "./_framed_echo_handler.ts";

/** FNV-1a over `b`. */
export function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

/** Build payload `seq` of connection `id`, `size` bytes (at least 12), filler from `rand`. */
export function makePayload(id: number, seq: number, size: number, rand: () => number) {
  const p = new Uint8Array(Math.max(12, size));
  const v = new DataView(p.buffer);
  v.setUint32(0, id);
  v.setUint32(4, seq);
  for (let i = 12; i < p.length; i++) p[i] = (rand() * 256) | 0;
  v.setUint32(8, fnv1a(p.subarray(12)));
  return p;
}

/** Check a payload: `"ok"`, or what is wrong with it. */
export function checkPayload(p: Uint8Array, id: number, seq: number): "ok" | string {
  if (p.length < 12) return `short frame of ${p.length} bytes`;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (v.getUint32(0) !== id) return `frame of connection ${v.getUint32(0)} on ${id}`;
  if (v.getUint32(4) !== seq) return `frame ${v.getUint32(4)} where ${seq} was due`;
  if (v.getUint32(8) !== fnv1a(p.subarray(12))) return `checksum mismatch in frame ${seq}`;
  return "ok";
}

/** What one client connection saw. */
export interface ClientResult {
  /** Frames echoed back intact, in order. */
  ok: number;
  /** First corruption found (wrong order, content or checksum), if any. */
  corrupt?: string;
  /** The error that ended the connection early, if any (name: message). */
  error?: string;
  /** The error's class name. */
  errorName?: string;
}

/** Options of {@linkcode runFramedClient}. */
export interface FramedClientOptions {
  port: number;
  hostname?: string;
  id: number;
  frames: number;
  size: number;
  /** Frames in flight at most. Default 8. */
  window?: number;
  /** Give up after this long (ms). Default 60000. */
  timeout?: number;
}

/**
 * Connect, send `frames` checksummed frames (at most `window` unanswered), and verify each echo.
 *
 * @returns What happened; never throws for connection errors (they go in `error`).
 */
export async function runFramedClient(o: FramedClientOptions): Promise<ClientResult> {
  const res: ClientResult = { ok: 0 };
  const window = o.window ?? 8;
  const rand = mulberry32(o.id + 1);
  let conn: TcpConnection | undefined;
  const dec = new FrameDecoder(SPEC);
  const enc = new FrameEncoder(SPEC);
  const timer = setTimeout(() => conn?.close(), o.timeout ?? 60000);
  try {
    conn = await connect({ hostname: o.hostname ?? "127.0.0.1", port: o.port, noDelay: true });
    const c = conn;
    let next = 0;
    let wake: () => void = () => {};
    let waitRead = new Promise<void>((r) => (wake = r));
    const writer = (async () => {
      while (next < o.frames) {
        while (next - res.ok >= window && !res.corrupt) await waitRead;
        if (res.corrupt || c.closed) return;
        const p = makePayload(o.id, next, o.size, rand);
        next++;
        await c.writeAll(enc.encode(p));
      }
    })();
    const buf = new Uint8Array(8192);
    writer.catch(() => {});
    while (res.ok < o.frames) {
      const n = await c.read(buf);
      if (n === null) throw new Deno.errors.UnexpectedEof(`stream ended after ${res.ok} frames`);
      dec.push(buf.subarray(0, n));
      for (let f; (f = dec.decode()) !== null;) {
        const verdict = checkPayload(f, o.id, res.ok);
        if (verdict !== "ok") {
          res.corrupt = verdict;
          wake();
          return res;
        }
        res.ok++;
      }
      const w = wake;
      waitRead = new Promise<void>((r) => (wake = r));
      w();
    }
    await writer;
  } catch (e) {
    res.error = `${(e as Error).name}: ${(e as Error).message}`;
    res.errorName = (e as Error).name;
  } finally {
    clearTimeout(timer);
    dec.free();
    enc.free();
    await conn?.close().catch(() => {});
  }
  return res;
}
