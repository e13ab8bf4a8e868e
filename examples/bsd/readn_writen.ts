/**
 * The seeds' `_tcp_readn`/`_tcp_writen`, ported line for line to sockkit's Berkeley sockets
 * API, used to send `--bytes N` to an echo peer and read exactly N back (own peer on loopback
 * when `--port` is not given). Compare with examples/readn_writen.ts.
 *
 * Run: deno run --allow-net examples/bsd/readn_writen.ts [--host 127.0.0.1] [--port PORT] [--bytes 1000000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  accept,
  AF_INET,
  bind,
  close,
  connect,
  EINTR_OR_AGAIN,
  getsockname,
  htons,
  inet_addr,
  listen,
  recv,
  send,
  SOCK_STREAM,
  sockaddr_in,
  socket,
} from "./_readn_support.ts";

/** 从sock读N个字节: returns n >= 0 (less than n when the peer closed), -1 on error. */
async function readn(fd: number, vptr: Uint8Array, n: number): Promise<number> {
  let nleft = n;
  let ptr = 0;
  while (nleft > 0) {
    let nread: number;
    try {
      nread = await recv(fd, vptr.subarray(ptr), nleft, 0);
    } catch (e) {
      if (EINTR_OR_AGAIN(e)) continue;
      return -1;
    }
    if (nread === 0) break; // closed
    nleft -= nread;
    ptr += nread;
  }
  return n - nleft;
}

/** 写sock N个字节: returns n, or -1 on error. */
async function writen(fd: number, vptr: Uint8Array, n: number): Promise<number> {
  let nleft = n;
  let ptr = 0;
  while (nleft > 0) {
    let nwritten: number;
    try {
      nwritten = await send(fd, vptr.subarray(ptr), nleft, 0);
    } catch (e) {
      if (EINTR_OR_AGAIN(e)) continue;
      return -1;
    }
    nleft -= nwritten;
    ptr += nwritten;
  }
  return n;
}

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    bytes: { type: "string", default: "1000000" },
  },
});
const n = Number(values.bytes);
const addr = new sockaddr_in();
addr.sin_family = AF_INET;
addr.sin_addr.s_addr = inet_addr(values.host);
addr.sin_port = htons(Number(values.port ?? 0));
let own: Promise<void> | undefined;
if (!values.port) {
  const l = socket(AF_INET, SOCK_STREAM, 0);
  bind(l, addr);
  listen(l, 1);
  getsockname(l, addr);
  own = (async () => {
    const c = await accept(l);
    const buf = new Uint8Array(65536);
    for (let k; (k = await recv(c, buf, buf.length, 0)) > 0;) await writen(c, buf, k);
    await close(c);
    await close(l);
  })();
}
const fd = socket(AF_INET, SOCK_STREAM, 0);
await connect(fd, addr);
const data = new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
const back = new Uint8Array(n);
const [w, r] = await Promise.all([writen(fd, data, n), readn(fd, back, n)]);
console.log(`writen: ${w} bytes`);
console.log(`readn: ${r} bytes, ${back.every((b, i) => b === data[i]) ? "match" : "MISMATCH"}`);
await close(fd);
await own;
