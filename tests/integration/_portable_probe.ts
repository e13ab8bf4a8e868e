/**
 * The probe of the portable bundle tests (Node and Chromium): plain JavaScript that runs the
 * codecs, addressing, byte order and IOBuffer of a module namespace `m` and returns a JSON-able
 * result, so that the same source runs in Deno, Node and a browser page.
 */
import assert from "node:assert/strict";

// The probe runs as plain JS in both runtimes; `m` is the module namespace.
export const PROBE: string = `(m) => {
  const hex = (b) => b === null ? null : Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const enc = new TextEncoder();
  const err = (f) => { try { f(); return null; } catch (e) { return [e.name, e.position ?? e.frameLength ?? null, e.maxFrameLength ?? null]; } };
  const addrs = ["127.0.0.1", "255.255.255.255", "0x7f.1", "010.0.0.1", "1.2.3", "256.1.1.1", "1.2.3.4 ", ""];
  const v6 = ["::1", "2001:DB8:0:0:1:0:0:1", "::ffff:1.2.3.4", "fe80::1%eth0", "1::2::3"];
  const specs = ["len:u32be", "len:u16le,adj=-2,strip=2", "varint", "line", "delim:\\\\r\\\\n", "fixed:3"];
  const frames = [enc.encode("abc"), new Uint8Array(0), enc.encode("xyz")].filter((_, i, a) => true);
  const codecs = specs.map((s) => {
    const c = m.createCodec(s);
    const payloads = s.startsWith("fixed") ? [enc.encode("abc"), enc.encode("xyz")] : s === "line" || s.startsWith("delim") ? [enc.encode("abc"), enc.encode("xyz")] : frames;
    const wire = c.encoder.encodeAll(payloads);
    c.decoder.push(wire);
    const out = [];
    for (let f; (f = c.decoder.decode()) !== null;) out.push(hex(f));
    c[Symbol.dispose]();
    return [s, hex(wire), out];
  });
  const tooLong = (() => {
    const c = m.createCodec("len:u16be,max=4");
    c.decoder.push(new Uint8Array([0, 9, 1, 2]));
    const r = err(() => c.decoder.decode());
    c[Symbol.dispose]();
    return r;
  })();
  const io = new m.IOBuffer();
  io.append(enc.encode("hello world"));
  const peeked = hex(io.peek(5));
  io.consume(6);
  const rest = hex(io.toBytes());
  io.free();
  return {
    bulk: Array.from(m.toNetworkOrder(new Uint32Array([1, 0x11223344]))),
    bulk16: Array.from(m.fromNetworkOrder(new Uint16Array([0x1234, 0xffff]))),
    parse: [...addrs, ...v6].map((a) => { try { const p = m.parseAddress(a); return [p.family, hex(p.bytes), p.text]; } catch (e) { return [e.name, e.position]; } }),
    hostPort: ["[::1]:80", "10.0.0.1:65535", "[fe80::1%2]:443"].map((t) => { const p = m.parseHostPort(t); return [p.family, p.text, p.port]; }),
    badHostPort: ["[::1]", "1.2.3.4:99999", "::1:80"].map((t) => err(() => m.parseHostPort(t))),
    sockaddr: [{ transport: "tcp", hostname: "127.0.0.1", port: 8080 }, { transport: "udp", hostname: "fe80::1%3", port: 53 }, { transport: "unix", path: "/tmp/s" }]
      .map((a) => hex(m.packSockaddr(a, { layout: "linux" })).slice(0, 80)),
    specs: specs.map((s) => m.parseFrameSpec(s).kind),
    badSpec: err(() => m.parseFrameSpec("len:u99")),
    codecs,
    tooLong,
    io: [peeked, rest],
  };
}`;

/** Spot checks of a probe result, so that two equally wrong answers cannot pass. */
// deno-lint-ignore no-explicit-any
export function checkProbe(r: Record<string, any>): void {
  assert.deepEqual(r.bulk16, [0x3412, 0xffff]);
  assert.deepEqual(r.parse[0], ["IPv4", "7f000001", "127.0.0.1"]);
  assert.deepEqual(r.parse[3], ["AddressSyntaxError", 1]);
  assert.equal(r.sockaddr[0], "02001f907f0000010000000000000000");
  assert.deepEqual(r.tooLong, ["FrameTooLongError", 9, 4]);
  assert.deepEqual(r.io, ["68656c6c6f", "776f726c64"]);
}
