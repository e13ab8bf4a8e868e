/**
 * A plain TypeScript reference decoder (no Wasm, no buffering tricks), used by the
 * property tests to check the core decoders. Fail policy only: it stops at the first error.
 */
import type { ResolvedFrameOptions } from "../../src/codec/spec.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Decode a whole input; events as in tests/_split_harness.ts. */
export function referenceDecode(o: ResolvedFrameOptions, input: Uint8Array): string[] {
  const ev: string[] = [];
  let p = 0;
  const n = input.length;
  const emit = (a: number, b: number) => ev.push(`frame:${hex(input.subarray(a, b))}`);
  for (;;) {
    if (p === n) return ev;
    switch (o.kind) {
      case "length": {
        const end = o.fieldOffset + o.fieldLength;
        if (n - p < end) return [...ev, "error:IncompleteFrameError"];
        let v = 0n;
        for (let i = 0; i < o.fieldLength; i++) {
          const byte = BigInt(
            input[p + o.fieldOffset + (o.littleEndian ? o.fieldLength - 1 - i : i)],
          );
          v = (v << 8n) | byte;
        }
        const payload = v + BigInt(o.lengthAdjustment);
        if (payload < 0n) return [...ev, "error:FrameCorruptError"];
        if (payload > BigInt(o.maxFrameLength)) return [...ev, "error:FrameTooLongError"];
        const total = end + Number(payload);
        if (o.initialBytesToStrip > total) return [...ev, "error:FrameCorruptError"];
        if (n - p < total) return [...ev, "error:IncompleteFrameError"];
        emit(p + o.initialBytesToStrip, p + total);
        p += total;
        break;
      }
      case "varint": {
        let v = 0n, i = 0, done = false;
        for (; i < 10 && p + i < n; i++) {
          const b = input[p + i];
          if (i === 9 && b > 1) return [...ev, "error:FrameCorruptError"];
          v |= BigInt(b & 0x7f) << BigInt(7 * i);
          if ((b & 0x80) === 0) {
            done = true;
            i++;
            break;
          }
        }
        if (!done) {
          return [...ev, i >= 10 ? "error:FrameCorruptError" : "error:IncompleteFrameError"];
        }
        if (v > BigInt(o.maxFrameLength)) return [...ev, "error:FrameTooLongError"];
        const total = i + Number(v);
        if (n - p < total) return [...ev, "error:IncompleteFrameError"];
        emit(p + i, p + total);
        p += total;
        break;
      }
      case "fixed": {
        if (n - p < o.frameLength) return [...ev, "error:IncompleteFrameError"];
        emit(p, p + o.frameLength);
        p += o.frameLength;
        break;
      }
      case "line": {
        let i = p;
        while (i < n && input[i] !== 10) i++;
        if (i === n) {
          return [
            ...ev,
            n - p > o.maxFrameLength ? "error:FrameTooLongError" : "error:IncompleteFrameError",
          ];
        }
        const content = i - p;
        if (content > o.maxFrameLength) return [...ev, "error:FrameTooLongError"];
        const cr = content > 0 && input[i - 1] === 13;
        if (o.crlf && !cr) {
          ev.push("error:FrameCorruptError");
          p = i + 1;
          break;
        }
        emit(p, o.keepDelimiter ? i + 1 : cr ? i - 1 : i);
        p = i + 1;
        break;
      }
      case "delimiter": {
        let best = -1, bestLen = 0, bestK = 0;
        for (const [dk, d] of o.delimiters.entries()) {
          for (let i = p; i + d.length <= n; i++) {
            if (best >= 0 && i >= best) break;
            let k = 0;
            while (k < d.length && input[i + k] === d[k]) k++;
            if (k === d.length) {
              if (best < 0 || i < best) {
                best = i;
                bestLen = d.length;
                bestK = dk;
              }
              break;
            }
          }
        }
        if (best < 0) {
          const maxDl = Math.max(...o.delimiters.map((d) => d.length));
          return [
            ...ev,
            n - p > o.maxFrameLength + maxDl - 1
              ? "error:FrameTooLongError"
              : "error:IncompleteFrameError",
          ];
        }
        // a delimiter that would win (earlier, or at the same place and listed first) but
        // runs past the end of the input: the stream ends before the frame is known
        let pending = -1;
        o.delimiters.forEach((d, k) => {
          for (let i = Math.max(p, n - d.length + 1); i <= (k < bestK ? best : best - 1); i++) {
            if (n - i < d.length && d.subarray(0, n - i).every((x, j) => input[i + j] === x)) {
              if (pending < 0 || i < pending) pending = i;
              return;
            }
          }
        });
        if (pending >= 0) {
          return [
            ...ev,
            pending - p > o.maxFrameLength
              ? "error:FrameTooLongError"
              : "error:IncompleteFrameError",
          ];
        }
        if (best - p > o.maxFrameLength) return [...ev, "error:FrameTooLongError"];
        emit(p, o.keepDelimiter ? best + bestLen : best);
        p = best + bestLen;
        break;
      }
      case "raw":
        emit(p, Math.min(n, p + o.maxFrameLength));
        p = Math.min(n, p + o.maxFrameLength);
        break;
    }
  }
}
