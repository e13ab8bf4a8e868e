/**
 * The seed's `CNetIOBuffer` usage on sockkit's `IOBuffer`: copy data in, concatenate,
 * read lengths and remaining room, and the typed error where the C++ class returned FALSE.
 *
 * ```sh
 * deno run examples/io_buffer.ts
 * ```
 *
 * @module
 */
import { BufferOverflowError, IOBuffer } from "../mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

// CNetIOBuffer buf; buf.CopyData((LPBYTE)"Hello", 5);
using buf = new IOBuffer(); // default maximum: 1 MiB, like MAX_BUFFER_LENGTH; nothing allocated yet
buf.replace(enc.encode("Hello"));
// buf.ConcatData((LPBYTE)", world", 7);
buf.append(enc.encode(", world"));
// buf.GetLength(), buf.GetRemainLen(), buf.IsEmpty()
console.log(`length=${buf.length} remaining=${buf.remaining} empty=${buf.isEmpty}`);
// (LPBYTE)buf -- a zero-copy view
console.log(`content="${dec.decode(buf.view())}"`);

// recv(s, buf.GetCurPos(), buf.GetRemainLen(), 0); buf.SetLength(buf.GetLength() + n);
const w = buf.writableView(1);
const n = enc.encodeInto("!", w).written;
buf.commit(n);
console.log(`after commit: "${dec.decode(buf.view())}"`);

// CNetIOBuffer copy(buf); copy = buf;
using copy = buf.clone();
buf.reset(); // ResetIoBuffer
console.log(`copy="${dec.decode(copy.view())}" original empty=${buf.isEmpty}`);

// What CNetIOBuffer lacked: a read cursor, peek, and an error instead of FALSE.
copy.consume(7); // drop "Hello, "
console.log(`peek(5)="${dec.decode(copy.peek(5))}" length=${copy.length}`);
using small = new IOBuffer({ maxCapacity: 8 });
try {
  small.append(enc.encode("more than eight bytes"));
} catch (e) {
  if (!(e instanceof BufferOverflowError)) throw e;
  console.log(`${e.name}: ${e.message} (requested=${e.requested}, max=${e.maxCapacity})`);
}
