/**
 * Overhead of sockkit's TCP wrapper (`TcpConnection`) against plain `Deno.TcpConn`, side by
 * side in one run: ping-pong (64-byte request/response, 200 round trips per iteration) and
 * bulk echo (4 MiB through an echo server per iteration). The echo server is the same plain
 * Deno loop for both rows; only the client side differs.
 *
 * Both ends set TCP_NODELAY, as the shared harness does. With Nagle on, the echo's last short
 * write can wait for the client's delayed ACK (40 ms on Linux). Whether it does depends on how
 * the 4 MiB happen to split into reads, which timing decides: with Nagle on, 3-19 % of the bulk
 * iterations stalled for a client whose connect resolved one promise tick later (sockkit's
 * `connect`, or just `Deno.connect` inside one more async function), none for plain
 * `Deno.connect` (200 each, 2026-12-02). That swamps the difference being measured.
 */
import { connect, type TcpConnection } from "../src/net/tcp.ts";

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
(async () => {
  for await (const c of listener) {
    c.setNoDelay(true);
    (async () => {
      const buf = new Uint8Array(65536);
      try {
        for (let n; (n = await c.read(buf)) !== null;) {
          let off = 0;
          while (off < n) off += await c.write(buf.subarray(off, n));
        }
      } catch { /* client went away */ }
      try {
        c.close();
      } catch { /* already closed */ }
    })();
  }
})();
const port = listener.addr.port;

type Client = Pick<TcpConnection, "read" | "write"> & { close(): unknown };
const plain = async (): Promise<Client> => {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  c.setNoDelay(true);
  return c;
};
const wrapped = (): Promise<Client> => connect({ port, noDelay: true });

async function writeAll(c: Client, p: Uint8Array) {
  let off = 0;
  while (off < p.length) off += await c.write(off ? p.subarray(off) : p);
}

async function pingPong(c: Client, rounds: number) {
  const msg = new Uint8Array(64).fill(7);
  const buf = new Uint8Array(64);
  for (let i = 0; i < rounds; i++) {
    await writeAll(c, msg);
    let got = 0;
    while (got < 64) {
      const n = await c.read(buf.subarray(got));
      if (n === null) throw new Error("EOF");
      got += n;
    }
  }
}

async function bulk(c: Client, total: number) {
  const chunk = new Uint8Array(65536).fill(1);
  const buf = new Uint8Array(65536);
  const reading = (async () => {
    let got = 0;
    while (got < total) {
      const n = await c.read(buf);
      if (n === null) throw new Error("EOF");
      got += n;
    }
  })();
  for (let sent = 0; sent < total; sent += chunk.length) await writeAll(c, chunk);
  await reading;
}

for (
  const [name, make, baseline] of [["plain Deno.TcpConn", plain, true], [
    "sockkit TcpConnection",
    wrapped,
    false,
  ]] as const
) {
  Deno.bench({ name: `ping-pong 200x64B: ${name}`, group: "ping-pong", baseline }, async (b) => {
    const c = await make();
    b.start();
    await pingPong(c, 200);
    b.end();
    c.close();
  });
  Deno.bench({ name: `bulk echo 4 MiB: ${name}`, group: "bulk", baseline }, async (b) => {
    const c = await make();
    b.start();
    await bulk(c, 4 << 20);
    b.end();
    c.close();
  });
}

globalThis.addEventListener("unload", () => listener.close());
