/**
 * A connection handler module: a framed echo server (`len:u32be`, frames up to 64 KiB). It
 * reads a batch of frames, writes them back, and only then reads again, so a client that
 * stops reading stalls it on TCP backpressure instead of growing its buffers.
 *
 * @module
 */
import type { TcpConnection } from "../../src/net/tcp.ts";
import { FramedConn } from "../../src/codec/framed_conn.ts";

/** The codec every stress test uses. */
export const SPEC = "len:u32be,max=64KiB";

/** Largest number of bytes the decoder held at once, over all connections of this module. */
export const peak = { buffered: 0 };

/** Echo frames until end of stream. */
export default async function framedEcho(conn: TcpConnection): Promise<void> {
  const fc = new FramedConn(conn, SPEC);
  try {
    for (;;) {
      // Decode and copy in one synchronous run: a batch views Wasm memory, which another
      // connection may grow (detaching the view) as soon as this function awaits.
      const b = fc.decoder.decodeBatch();
      if (b.count === 0) {
        if (!(await fc.fill())) {
          fc.decoder.finish();
          return;
        }
        continue;
      }
      if (fc.decoder.buffered > peak.buffered) peak.buffered = fc.decoder.buffered;
      const frames: Uint8Array[] = [];
      for (let i = 0; i < b.count; i++) frames.push(b.frame(i).slice());
      await fc.writeFrames(frames);
    }
  } finally {
    fc.close(); // frees the decoder and encoder; serve finishes closing the connection
  }
}
