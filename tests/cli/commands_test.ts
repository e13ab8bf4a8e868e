/**
 * The other subcommands driven as subprocesses: errno, addr, resolve, ifaces, inspect, bench,
 * `--help` for every subcommand, and `--version`.
 */
import assert from "node:assert/strict";
import { events, sockkit } from "./_run.ts";
import { COMMANDS, VERSION } from "../../src/cli/main.ts";
import { localDns } from "../_local_dns.ts";

Deno.test("errno explains names, errno numbers and Winsock codes; an unknown code is a usage error", async () => {
  const [name, wsa, bad] = await Promise.all([
    sockkit(["errno", "ECONNRESET", "-104"]),
    sockkit(["errno", "--json", "10061"]),
    sockkit(["errno", "EBOGUS"]),
  ]);
  assert.equal(name.code, 0, name.stderr);
  const lines = name.stdout.split("\n");
  assert.match(lines[0], /^ECONNRESET \(Linux 104, macOS 54\) \/ WSAECONNRESET 10054: /);
  assert.equal(lines.filter((l) => l.startsWith("ECONNRESET")).length, 2);
  const [row] = events(wsa.stdout) as unknown as Record<string, unknown>[];
  assert.deepEqual(
    [row.name, row.linuxErrno, row.wsaName, row.wsaCode],
    ["ECONNREFUSED", 111, "WSAECONNREFUSED", 10061],
  );
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^sockkit: unknown error code "EBOGUS"/);
});

Deno.test("addr shows pton bytes, inet_addr, the port in network order and sockaddr bytes", async () => {
  const [v4, v6, legacy, bad] = await Promise.all([
    sockkit(["addr", "127.0.0.1:8080"]),
    sockkit(["addr", "--json", "[fe80::1%2]:443", "::ffff:10.0.0.1"]),
    sockkit(["addr", "--json", "0x7f.1"]),
    sockkit(["addr", "1.2.3.4.5"]),
  ]);
  assert.equal(v4.code, 0, v4.stderr);
  assert.match(v4.stdout, /^pton bytes {3}7f 00 00 01$/m);
  assert.match(v4.stdout, /^inet_addr {4}0x0100007f /m);
  assert.match(v4.stdout, /^port {9}8080 {2}network order 1f 90, htons = 0x901f$/m);
  assert.match(
    v4.stdout,
    /^sockaddr_in {2}02 00 1f 90 7f 00 00 01 00 00 00 00 00 00 00 00 {2}\(16 bytes/m,
  );
  const [a, b] = v6.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(a.text, "fe80::1%2");
  assert.equal(a.sockaddrLength, 28);
  assert.equal(
    a.sockaddr,
    "0a 00 01 bb 00 00 00 00 fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 02 00 00 00",
  );
  assert.equal(b.text, "::ffff:10.0.0.1");
  const l = JSON.parse(legacy.stdout);
  assert.deepEqual([l.text, l.legacy, l.inet_addr], ["127.0.0.1", true, "0x0100007f"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^sockkit: Cannot parse address "1\.2\.3\.4\.5": .* at position 7 /);
});

Deno.test("resolve prints localhost as a hostent and getaddrinfo list; an unknown name exits 1", async () => {
  // The unknown name is asked of a loopback responder, never of the machine's nameserver.
  await using dns = await localDns("resolve of an unknown name");
  const [text, json, missing] = await Promise.all([
    sockkit(["resolve", "localhost"]),
    sockkit(["resolve", "--json", "-4", "--service", "80", "localhost"]),
    dns && sockkit(["resolve", "no-such-host.invalid"], { wrap: dns.wrap }),
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ {2}h_addrtype {2}2 \(AF_INET\)$/m);
  assert.match(text.stdout, /^ {2}h_addr_list .*\b127\.0\.0\.1\b/m);
  const r = JSON.parse(json.stdout);
  assert.equal(r.hostent.h_length, 4);
  assert.ok(r.addrinfo.length > 0);
  for (const a of r.addrinfo) assert.deepEqual([a.family, a.port], [4, 80]);
  assert.ok(r.addrinfo.some((a: { address: string }) => a.address === "127.0.0.1"));
  if (dns && missing) {
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /HOST_NOT_FOUND, WSAHOST_NOT_FOUND 11001\]\n$/);
    assert.ok(dns.queries.includes("no-such-host.invalid"), `asked: ${dns.queries}`);
  }
});

Deno.test("ifaces lists the loopback addresses", async () => {
  const [text, json] = await Promise.all([
    sockkit(["ifaces"]),
    sockkit(["ifaces", "--json", "-4"]),
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^lo +IPv4 +127\.0\.0\.1\/8 {2}\(loopback\)$/m);
  const rows = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(rows.every((r) => r.family === 4));
  assert.ok(rows.some((r) => r.address === "127.0.0.1" && r.internal && r.prefix === 8));
});

Deno.test("inspect applies --opt and prints socket options and TCP_INFO", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const acceptor = (async () => {
    for (let i = 0; i < 2; i++) accepted.push(await listener.accept());
  })();
  const [json, text] = await Promise.all([
    sockkit([
      "inspect",
      "--json",
      "--opt",
      "nodelay,rcvbuf=64K,keepalive=30/5/3",
      `127.0.0.1:${listener.addr.port}`,
    ]),
    sockkit(["inspect", `localhost:${listener.addr.port}`]),
  ]);
  await acceptor;
  for (const c of accepted) c.close();
  assert.equal(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout);
  assert.equal(r.applied.receiveBufferSize.applied, 131072);
  assert.equal(r.options.noDelay, true);
  assert.deepEqual(r.options.keepAlive, { idle: 30, interval: 5, count: 3 });
  assert.equal(r.tcpInfo.state, "ESTABLISHED");
  assert.ok(r.tcpInfo.sendMss > 0);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^TCP_INFO:$/m);
  assert.match(text.stdout, /^ {2}state {17}ESTABLISHED$/m);
  assert.match(text.stdout, /^ {2}reuseAddress {10}(true|false)$/m);
});

Deno.test("bench tcp, udp and frames finish within their bounds and print a summary", async () => {
  const [tcp, udp, frames, text] = await Promise.all([
    sockkit(["bench", "tcp", "--json", "--count", "64", "--size", "16K"]),
    sockkit(["bench", "udp", "--json", "--count", "500", "--size", "512"]),
    sockkit(["bench", "frames", "--json", "--count", "5000", "--frame", "varint"]),
    sockkit(["bench", "tcp", "--count", "8", "--time", "5s"]),
  ]);
  const t = JSON.parse(tcp.stdout);
  assert.deepEqual([t.kind, t.messages, t.bytes, t.complete], ["tcp", 64, 64 * 16384, true]);
  assert.ok(t.mibPerSecond > 0);
  const u = JSON.parse(udp.stdout);
  assert.equal(u.messages, 500);
  assert.ok(u.received > 0 && u.received <= 500);
  assert.equal(u.bytes, u.received * 512);
  const f = JSON.parse(frames.stdout);
  assert.deepEqual([f.messages, f.received, f.bytes], [5000, 5000, 5000 * 64]);
  assert.match(text.stdout, /^tcp: 8\/8 messages of 65536 B, 0\.5 MiB in [\d.]+ s: /);
  assert.equal(text.stderr, "", "no progress line when stderr is not a terminal");
});

Deno.test("every subcommand has --help, and --version matches deno.json", async () => {
  const runs = await Promise.all([
    sockkit(["--help"]),
    sockkit(["--version"]),
    sockkit([]),
    ...COMMANDS.map((c) => sockkit([c.name, "--help"])),
  ]);
  const [top, version, none, ...helps] = runs;
  assert.equal(top.code, 0);
  for (const c of COMMANDS) assert.match(top.stdout, new RegExp(`^  ${c.name} +\\S`, "m"));
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(VERSION, config.version);
  assert.equal(version.stdout, `sockkit ${config.version}\n`);
  assert.equal(none.code, 2, "no command is a usage error");
  helps.forEach((h, i) => {
    const name = COMMANDS[i].name;
    assert.equal(h.code, 0, `${name}: ${h.stderr}`);
    assert.match(h.stdout, new RegExp(`^Usage: sockkit ${name} `), name);
    assert.match(h.stdout, /-h, --help/, name);
  });
});
