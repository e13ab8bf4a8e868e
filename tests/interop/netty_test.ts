/**
 * Interop (issue 15 item 1, Netty part): sockkit's codecs against Netty 4.1's own
 * (`libnetty-java`, compiled against at test time), over loopback TCP.
 *
 * - Length field, both directions: sockkit encodes with a spec, Netty's
 *   `LengthFieldBasedFrameDecoder` with the same parameters decodes; Netty's
 *   `LengthFieldPrepender` encodes, sockkit decodes. 1-, 2-, 3-, 4- and 8-byte fields, both byte
 *   orders, adjustments and "length includes the header".
 * - Line and delimiter: sockkit writes the bytes in random pieces, Netty's
 *   `LineBasedFrameDecoder`/`DelimiterBasedFrameDecoder` decode, and sockkit's own decoder, fed
 *   the same bytes in other random pieces, must give the same frames.
 * - PROXY: sockkit's v1 and v2 headers through Netty's `HAProxyMessageDecoder` (addresses; the TLV
 *   of the v2 case is not compared, see that case).
 *
 * Seeded (the seed is in each failure message). Not covered here: frames over the maximum
 * (Netty closes the connection on `TooLongFrameException`, which the peer does not report), and
 * EOF inside a frame, where sockkit reports `IncompleteFrameError` and Netty drops the bytes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createCodec, FramedConn, type Reader } from "../../src/codec/mod.ts";
import { encodeProxyHeader, PROXY_TLV } from "../../src/proxy/mod.ts";

const JARS = ["buffer", "codec", "codec-haproxy", "common", "transport", "resolver"]
  .map((j) => `/usr/share/java/netty-${j}.jar`).join(":");

function have(cmd: string): boolean {
  try {
    new Deno.Command(cmd, { args: ["-version"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

const skip = !have("javac") || !have("java") ? "no JDK (javac, java)" : (() => {
  try {
    for (const jar of JARS.split(":")) Deno.statSync(jar);
    return null;
  } catch {
    return "no Netty jars in /usr/share/java (Debian's libnetty-java)";
  }
})();
if (skip) console.log(`SKIP: Netty interop: ${skip}`);

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Peer {
  port: number;
  [Symbol.asyncDispose](): Promise<void>;
}

async function startPeer(dir: string): Promise<Peer> {
  const src = new URL("./NettyPeer.java", import.meta.url).pathname;
  const c = await new Deno.Command("javac", {
    args: ["-cp", JARS, "-d", dir, src],
    stderr: "piped",
  }).output();
  assert.equal(c.code, 0, new TextDecoder().decode(c.stderr));
  const child = new Deno.Command("java", {
    args: ["-cp", `${JARS}:${dir}`, "NettyPeer"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Netty peer ended before its port: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const port = Number(/PORT (\d+)/.exec(text)![1]);
  return {
    port,
    async [Symbol.asyncDispose]() {
      await child.stdin.close();
      await child.stdout.cancel();
      await child.status;
    },
  };
}

/** `p`, or an assertion failure naming `what` when it takes more than `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new assert.AssertionError({ message: `timed out: ${what}` })),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A reader that hands out at most a random 1..max bytes per read. */
function choppy(conn: Deno.Conn, next: () => number, max = 7): Reader {
  return {
    read(p: Uint8Array): Promise<number | null> {
      const n = Math.min(p.length, 1 + Math.floor(next() * max));
      return conn.read(p.subarray(0, n));
    },
  };
}

/** Write `bytes` in random pieces of 1..max bytes. */
async function writeChoppy(conn: Deno.Conn, bytes: Uint8Array, next: () => number, max = 9) {
  for (let i = 0; i < bytes.length;) {
    const n = Math.min(bytes.length - i, 1 + Math.floor(next() * max));
    let off = 0;
    while (off < n) off += await conn.write(bytes.subarray(i + off, i + n));
    i += n;
  }
}

function payloads(next: () => number, count: number, maxLen: number): Uint8Array[] {
  return Array.from({ length: count }, () => {
    const p = new Uint8Array(Math.floor(next() * (maxLen + 1)));
    for (let i = 0; i < p.length; i++) p[i] = Math.floor(next() * 256);
    return p;
  });
}

/** One Netty length-field parameter set, and the sockkit spec that means the same. */
interface LengthCase {
  order: "BE" | "LE";
  field: 1 | 2 | 3 | 4 | 8;
  adj: number;
}

function specOf(c: LengthCase): string {
  const bits = c.field * 8;
  return `len:u${bits}${c.order === "BE" ? "be" : "le"}${c.adj ? `,adj=${c.adj}` : ""}`;
}

const LENGTH_CASES: LengthCase[] = [];
for (const field of [1, 2, 3, 4, 8] as const) {
  for (const order of ["BE", "LE"] as const) {
    // adj 0: the field counts the body; adj -field: it counts itself too (Netty's
    // "lengthIncludesLengthFieldLength" on the prepender).
    for (const adj of [0, -field]) LENGTH_CASES.push({ order, field, adj });
  }
}

Deno.test({
  name:
    "Netty: length-field frames both ways (1-8 byte fields, both orders, adjustment), random sizes and reads",
  ignore: skip !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sockkit-netty-" });
    try {
      await using peer = await startPeer(dir);
      for (const [i, c] of LENGTH_CASES.entries()) {
        const seed = 1000 + i;
        const next = rng(seed);
        const spec = specOf(c);
        const header = c.field;
        // Netty decodes with the same parameters, strips the header, and re-encodes each frame
        // with a LengthFieldPrepender of the same shape.
        const config =
          `len:${c.order}:1048576:0:${c.field}:${c.adj}:${header} prep:${c.order}:${c.field}:0:${
            c.adj === 0 ? 0 : 1
          }\n`;
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
        await conn.write(new TextEncoder().encode(config));
        const max = c.field === 1 ? 200 : 3000;
        const sent = payloads(next, 40, max);
        using codec = createCodec(spec);
        const wire = codec.encoder!.encodeAll(sent);
        const writing = writeChoppy(conn, wire, next);
        using fc = new FramedConn(choppy(conn, next, 4096) as unknown as Deno.Conn, spec);
        for (const [k, p] of sent.entries()) {
          const got = await within(fc.readFrame(), 5000, `${spec} frame ${k} (seed ${seed})`);
          assert.deepEqual(got, p, `${spec} frame ${k} (seed ${seed})`);
        }
        await writing;
        conn.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Netty: line and delimiter frames decode alike in Netty and sockkit under random chunking",
  ignore: skip !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sockkit-netty-" });
    try {
      await using peer = await startPeer(dir);
      const cases = [
        { netty: "line:64", spec: "line,max=64", ends: [[10], [13, 10]] },
        { netty: "delim:64:0d0a,0a", spec: "delim:\\r\\n|\\n,max=64", ends: [[10], [13, 10]] },
        { netty: "delim:64:2c", spec: "delim:\\x2c,max=64", ends: [[44]] },
      ];
      for (const [i, c] of cases.entries()) {
        const seed = 2000 + i;
        const next = rng(seed);
        // Frames within the maximum, each ended by one of the case's endings at random.
        const ends = c.ends;
        const parts: number[] = [];
        for (let k = 0; k < 60; k++) {
          const len = Math.floor(next() * 50);
          for (let j = 0; j < len; j++) parts.push(97 + Math.floor(next() * 26));
          parts.push(...ends[Math.floor(next() * ends.length)]);
        }
        const bytes = new Uint8Array(parts);
        // sockkit's own decoder over the same bytes, in pieces.
        using codec = createCodec(c.spec);
        const ours: string[] = [];
        for (let off = 0; off < bytes.length;) {
          const n = 1 + Math.floor(next() * 11);
          codec.decoder.push(bytes.subarray(off, off + n));
          off += n;
          for (let f = codec.decoder.decode(); f !== null; f = codec.decoder.decode()) {
            ours.push(new TextDecoder().decode(f));
          }
        }
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
        await conn.write(new TextEncoder().encode(`${c.netty} u32\n`));
        const writing = writeChoppy(conn, bytes, next);
        using fc = new FramedConn(conn, "len:u32be");
        const theirs: string[] = [];
        for (let k = 0; k < ours.length; k++) {
          theirs.push(
            new TextDecoder().decode(
              (await within(fc.readFrame(), 5000, `${c.spec} frame ${k} (seed ${seed})`))!,
            ),
          );
        }
        await writing;
        assert.deepEqual(theirs, ours, `${c.spec} (seed ${seed})`);
        assert.ok(ours.length >= 60, `${c.spec}: ${ours.length} frames`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Netty: HAProxyMessageDecoder reads the addresses of sockkit's PROXY v1 and v2 headers",
  ignore: skip !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sockkit-netty-" });
    try {
      await using peer = await startPeer(dir);
      const source = { transport: "tcp" as const, hostname: "192.0.2.7", port: 40000 };
      const destination = { transport: "tcp" as const, hostname: "198.51.100.1", port: 443 };
      const source6 = { transport: "tcp" as const, hostname: "2001:db8::1", port: 5555 };
      const destination6 = { transport: "tcp" as const, hostname: "2001:db8::2", port: 80 };
      const authority = new TextEncoder().encode("example.com");
      const cases: [Uint8Array, string][] = [
        [
          encodeProxyHeader({ source, destination }, { version: 1 }),
          "V1 PROXY TCP4 192.0.2.7 40000 198.51.100.1 443",
        ],
        [
          encodeProxyHeader({ source: source6, destination: destination6 }, { version: 1 }),
          "V1 PROXY TCP6 2001:db8::1 5555 2001:db8::2 80",
        ],
        [
          encodeProxyHeader({
            source,
            destination,
            tlvs: [{ type: PROXY_TLV.AUTHORITY, value: authority }],
          }, { version: 2 }),
          // Netty 4.1.48 reported this header's addresses but no TLV (checked by hand, cause not
          // found yet; sockkit's and HAProxy's decoders read the TLV): the TLV is not compared.
          "V2 PROXY TCP4 192.0.2.7 40000 198.51.100.1 443",
        ],
      ];
      for (const [bytes, expected] of cases) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
        await conn.write(new TextEncoder().encode("haproxy u32\n"));
        await conn.write(bytes);
        using fc = new FramedConn(conn, "len:u32be");
        const report = new TextDecoder().decode((await within(fc.readFrame(), 5000, expected))!);
        // Netty writes IPv6 addresses in full; compare the fields, not the spelling.
        assert.deepEqual(normalize(report), normalize(expected), report);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function normalize(report: string): string[] {
  return report.split(" ").map((f) => (f.includes(":") && !f.includes("=") ? expand(f) : f));
}

function expand(ip6: string): string {
  const [head, tail] = ip6.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined ? (tail ? tail.split(":") : []) : [];
  const fill = tail !== undefined ? Array(8 - h.length - t.length).fill("0") : [];
  return [...h, ...fill, ...t].map((x) => parseInt(x, 16).toString(16)).join(":");
}
