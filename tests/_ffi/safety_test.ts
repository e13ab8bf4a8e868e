/**
 * The FFI-safety cases of `shared/reference/anchors-reliability.md` §2.11, by ID. The cases
 * tested elsewhere:
 *
 * - FFI-01, a closed connection: `fd_test.ts` "a closed descriptor reports closed…",
 *   `socket_options_test.ts` "options on a closed connection throw BadResource…".
 * - FFI-04, a reused number: `fd_test.ts` "a reused descriptor number is detected and the new
 *   socket is left untouched" and "a number reused by a fresh connection…".
 * - FFI-05, the discovery matrix against `ss`: `fd_test.ts` "fd discovery matches ss…",
 *   "fifty connections sharing one local port…", "UDP and Unix sockets are found too".
 * - FFI-08, struct sizes: `socket_options_test.ts` "a 4-byte linger struct is rejected…", "raw
 *   getSocketOption returns the bytes the kernel wrote, truncated when short".
 * - FFI-09, no `--allow-ffi`: `fd_test.ts` "without --allow-ffi, mod.ts imports…".
 * - FFI-11, calls racing a close: `fd_test.ts` "concurrent option calls racing a close…".
 *
 * Not applicable: FFI-06 (sockkit never parses `/proc/net/tcp`; it asks the kernel with
 * `getsockname`/`getpeername`) and FFI-12 (sockkit sends nothing through FFI; data goes through
 * Deno's own sockets, which ignore SIGPIPE).
 *
 * @module
 */
import assert from "node:assert/strict";
import * as bsd from "../../src/bsd/mod.ts";
import {
  getSocketOption,
  LibcNotFoundError,
  setSocketOption,
  socketConstants,
  StaleDescriptorError,
} from "../../src/sockopt/mod.ts";
import { getSocketOptions, setSocketOptions, tcpInfo } from "../../mod.ts";
import { libc, openLibc } from "../../src/_ffi/libc.ts";
import { jsonChild } from "../_child.ts";
import { tcpPair } from "../_tcp_pair.ts";

const C = socketConstants();

Deno.test("FFI-02/03: descriptor numbers, files and look-alike objects get typed errors, and live sockets stay as they were", async () => {
  using p = await tcpPair();
  setSocketOptions(p.client, { keepAlive: { idle: 17, interval: 3, count: 4 } });
  const before = getSocketOptions(p.client, ["keepAlive", "noDelay"]);
  using file = Deno.openSync("/dev/null");
  const notSockets: unknown[] = [-1, 2 ** 31, 1.5, NaN, null, {}, file, { raw: 5 }];
  for (const s of notSockets) {
    for (
      const call of [
        () => setSocketOptions(s as Deno.TcpConn, { noDelay: true }),
        () => setSocketOption(s as Deno.TcpConn, C.SOL_SOCKET, C.SO_KEEPALIVE, 0),
        () => getSocketOption(s as Deno.TcpConn, C.SOL_SOCKET, C.SO_TYPE),
        () => tcpInfo(s as Deno.TcpConn),
      ]
    ) {
      assert.throws(call, TypeError, `${String(s)} was not refused`);
    }
  }
  // An object that only looks like a socket: its addresses match no open descriptor.
  const fake = {
    localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 2 },
  };
  assert.throws(
    () => setSocketOptions(fake as unknown as Deno.TcpConn, { noDelay: true }),
    (e: unknown) => e instanceof StaleDescriptorError && e instanceof Deno.errors.BadResource,
  );
  assert.deepEqual(getSocketOptions(p.client, ["keepAlive", "noDelay"]), before);
  // The BSD facade takes numbers, as C does: unknown ones are EBADF, non-integers ENOTSOCK.
  for (const s of [-1, 2 ** 31, 0x7fffffff]) {
    assert.throws(() => bsd.setsockopt(s, bsd.SOL_SOCKET, bsd.SO_KEEPALIVE, 1), {
      code: "EBADF",
      wsaCode: 10009,
    });
  }
  for (const s of [1.5, NaN]) {
    assert.throws(() => bsd.getsockopt(s, bsd.SOL_SOCKET, bsd.SO_TYPE), {
      code: "ENOTSOCK",
      wsaCode: 10038,
    });
  }
});

Deno.test("FFI-10: a libc that will not load gives LibcNotFoundError naming what was tried, and nothing breaks", () => {
  const names = ["libsockkit-missing.so.0", "/nonexistent/libc.so.6"];
  const cached = libc();
  assert.throws(
    () => openLibc(libc().C, names),
    (e: unknown) =>
      e instanceof LibcNotFoundError && e.tried.join() === names.join() &&
      /libsockkit-missing\.so\.0, \/nonexistent\/libc\.so\.6/.test(e.message) &&
      /glibc/.test(e.message) && e.cause instanceof Error,
  );
  // The real one still opens, and the cached instance is unaffected.
  assert.equal(typeof openLibc(libc().C).symbols.setsockopt, "function");
  assert.equal(libc(), cached);
});

Deno.test("FFI-07/13: errno and the resolver's non-blocking buffers survive forced garbage collection", async () => {
  const r = await jsonChild<{
    gc: boolean;
    errnoCalls: number;
    errnoWrong: number;
    resolverCalls: number;
    addrinfoWrong: number;
    nameinfoWrong: number;
    wrongSamples: string[];
  }>(new URL("./_gc_child.ts", import.meta.url), [
    "--allow-ffi",
    "--allow-net=127.0.0.1",
    "--v8-flags=--expose-gc",
  ]);
  assert.equal(r.gc, true, "the child must run with gc() exposed");
  assert.deepEqual(
    {
      errnoCalls: r.errnoCalls,
      errnoWrong: r.errnoWrong,
      resolverCalls: r.resolverCalls,
      addrinfoWrong: r.addrinfoWrong,
      nameinfoWrong: r.nameinfoWrong,
    },
    {
      errnoCalls: 10_000,
      errnoWrong: 0,
      resolverCalls: 256,
      addrinfoWrong: 0,
      nameinfoWrong: 0,
    },
    r.wrongSamples.join("\n"),
  );
});
