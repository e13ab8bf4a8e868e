import assert from "node:assert/strict";
import {
  constantsFor,
  DARWIN,
  DARWIN_X86_64,
  LINUX,
  LINUX_AARCH64,
  type SocketConstants,
} from "../../src/_ffi/constants.ts";
import { decodeTcpInfo } from "../../src/sockopt/tcp_info.ts";
import { UnsupportedPlatformError } from "../../src/sockopt/errors.ts";

Deno.test("constantsFor picks the table for each OS and CPU and refuses Windows", () => {
  assert.equal(constantsFor("linux", "x86_64"), LINUX);
  assert.equal(constantsFor("linux", "aarch64"), LINUX_AARCH64);
  assert.equal(constantsFor("darwin", "aarch64"), DARWIN);
  assert.equal(constantsFor("darwin", "x86_64"), DARWIN_X86_64);
  assert.throws(
    () => constantsFor("windows", "x86_64"),
    (e: unknown) =>
      e instanceof UnsupportedPlatformError && e instanceof Deno.errors.NotSupported &&
      e.os === "windows",
  );
  assert.throws(() => constantsFor("freebsd"), UnsupportedPlatformError);
});

Deno.test("the macOS table holds the Darwin header values", () => {
  const d = DARWIN;
  assert.equal(d.SOL_SOCKET, 0xffff);
  assert.equal(d.AF_INET6, 30);
  assert.deepEqual(
    [d.SO_REUSEADDR, d.SO_KEEPALIVE, d.SO_BROADCAST, d.SO_LINGER, d.SO_REUSEPORT],
    [0x4, 0x8, 0x20, 0x1080, 0x200],
  );
  assert.deepEqual([d.SO_SNDBUF, d.SO_RCVBUF, d.SO_SNDTIMEO, d.SO_RCVTIMEO], [
    0x1001,
    0x1002,
    0x1005,
    0x1006,
  ]);
  assert.deepEqual([d.TCP_NODELAY, d.TCP_KEEPIDLE, d.TCP_KEEPINTVL, d.TCP_KEEPCNT], [
    1,
    0x10,
    0x101,
    0x102,
  ]);
  assert.equal(d.TCP_QUICKACK, null);
  assert.equal(d.TCP_USER_TIMEOUT, null);
  assert.equal(d.SIOCOUTQ, null);
  assert.deepEqual([d.IP_TOS, d.IP_TTL, d.IP_MULTICAST_TTL, d.IP_MULTICAST_LOOP], [3, 4, 10, 11]);
  assert.deepEqual(d.sockaddr, { hasLen: true, familyOffset: 1, familyWidth: 1, storageSize: 128 });
  assert.equal(d.tcpInfo.option, 0x106);
  assert.equal(d.tcpInfo.size, 112);
  assert.equal(d.errnoLocation, "__error");
  assert.deepEqual([d.ECONNRESET, d.ENOTCONN, d.ENOTSOCK], [54, 57, 38]);
  assert.equal(DARWIN_X86_64.fstatSymbol, "fstat$INODE64");
  assert.equal(DARWIN.fstatSymbol, "fstat");
});

Deno.test("a macOS tcp_connection_info struct decodes with its layout", () => {
  const raw = new Uint8Array(112);
  const v = new DataView(raw.buffer);
  raw[0] = 4; // TCPS_ESTABLISHED
  v.setUint32(12, 200, true); // tcpi_rto ms
  v.setUint32(16, 16344, true); // tcpi_maxseg
  v.setUint32(24, 65536, true); // tcpi_snd_cwnd bytes
  v.setUint32(32, 10, true); // tcpi_snd_sbbytes
  v.setUint32(44, 3, true); // tcpi_srtt ms
  v.setUint32(48, 1, true); // tcpi_rttvar ms
  v.setBigUint64(64, 1234n, true); // tcpi_txbytes
  v.setBigUint64(72, 5n, true); // tcpi_txretransmitbytes
  v.setBigUint64(88, 999n, true); // tcpi_rxbytes
  v.setBigUint64(104, 2n, true); // tcpi_txretransmitpackets
  const info = decodeTcpInfo(raw, DARWIN.tcpInfo);
  assert.deepEqual(info, {
    state: "ESTABLISHED",
    rtt: 3000,
    rttVar: 1000,
    rto: 200000,
    sendCwnd: 65536,
    sendMss: 16344,
    retransmits: null,
    totalRetrans: 2,
    unacked: 10,
    bytesAcked: null,
    bytesReceived: 999,
    bytesSent: 1234,
    bytesRetrans: 5,
    notSentBytes: null,
  });
  raw[0] = 5;
  assert.equal(decodeTcpInfo(raw, DARWIN.tcpInfo).state, "CLOSE_WAIT");
  raw[0] = 10;
  assert.equal(decodeTcpInfo(raw, DARWIN.tcpInfo).state, "TIME_WAIT");
  raw[0] = 99;
  assert.throws(() => decodeTcpInfo(raw, DARWIN.tcpInfo), RangeError);
});

Deno.test("a short tcp_info from an older kernel leaves the missing fields null", () => {
  const raw = new Uint8Array(104);
  raw[0] = 10; // TCP_LISTEN
  const info = decodeTcpInfo(raw, LINUX.tcpInfo);
  assert.equal(info.state, "LISTEN");
  assert.equal(info.bytesAcked, null);
  assert.equal(info.bytesSent, null);
});

/** Every Linux number and offset, printed by a C program compiled against this machine's headers. */
const C_PROBE = `
#include <stdio.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* the kernel's struct tcp_info: glibc's copy lacks newer fields */
#include <sys/ioctl.h> /* TIOCOUTQ, which SIOCOUTQ is defined as */
#include <linux/sockios.h>
#include <errno.h>
#define P(n) printf("%s %ld\\n", #n, (long)(n));
#define O(name, s, f) printf("%s %ld\\n", name, (long)offsetof(s, f));
int main(void) {
  P(AF_UNSPEC) P(AF_UNIX) P(AF_INET) P(AF_INET6) P(SOCK_STREAM) P(SOCK_DGRAM) P(SOCK_SEQPACKET)
  P(SOL_SOCKET) P(SO_DEBUG) P(SO_REUSEADDR) P(SO_TYPE) P(SO_ERROR) P(SO_BROADCAST) P(SO_SNDBUF)
  P(SO_RCVBUF) P(SO_KEEPALIVE) P(SO_LINGER) P(SO_REUSEPORT) P(SO_RCVTIMEO) P(SO_SNDTIMEO)
  P(SO_ACCEPTCONN) P(IPPROTO_IP) P(IPPROTO_TCP) P(IPPROTO_IPV6) P(TCP_NODELAY) P(TCP_KEEPIDLE)
  P(TCP_KEEPINTVL) P(TCP_KEEPCNT) P(TCP_CORK) P(TCP_QUICKACK) P(TCP_USER_TIMEOUT) P(IP_TOS)
  P(IP_TTL) P(IP_MULTICAST_TTL) P(IP_MULTICAST_LOOP) P(IPV6_UNICAST_HOPS) P(IPV6_MULTICAST_HOPS)
  P(IPV6_MULTICAST_LOOP) P(IPV6_TCLASS) P(SIOCOUTQ) P(EBADF) P(EINVAL) P(ENOTCONN) P(ENOTSOCK)
  P(ECONNRESET) P(S_IFMT) P(S_IFSOCK) P(RLIMIT_NOFILE) P(TCP_INFO)
  printf("linger.size %ld\\n", (long)sizeof(struct linger));
  O("linger.onoff", struct linger, l_onoff) O("linger.linger", struct linger, l_linger)
  printf("timeval.size %ld\\n", (long)sizeof(struct timeval));
  O("timeval.sec", struct timeval, tv_sec) O("timeval.usec", struct timeval, tv_usec)
  printf("stat.size %ld\\n", (long)sizeof(struct stat));
  O("stat.ino", struct stat, st_ino) O("stat.mode", struct stat, st_mode)
  printf("sockaddr.storageSize %ld\\n", (long)sizeof(struct sockaddr_storage));
  O("tcpInfo.state", struct tcp_info, tcpi_state) O("tcpInfo.retransmits", struct tcp_info, tcpi_retransmits)
  O("tcpInfo.rto", struct tcp_info, tcpi_rto) O("tcpInfo.sendMss", struct tcp_info, tcpi_snd_mss)
  O("tcpInfo.unacked", struct tcp_info, tcpi_unacked) O("tcpInfo.rtt", struct tcp_info, tcpi_rtt)
  O("tcpInfo.rttVar", struct tcp_info, tcpi_rttvar) O("tcpInfo.sendCwnd", struct tcp_info, tcpi_snd_cwnd)
  O("tcpInfo.totalRetrans", struct tcp_info, tcpi_total_retrans)
  O("tcpInfo.bytesAcked", struct tcp_info, tcpi_bytes_acked)
  O("tcpInfo.bytesReceived", struct tcp_info, tcpi_bytes_received)
  O("tcpInfo.notSentBytes", struct tcp_info, tcpi_notsent_bytes)
  O("tcpInfo.bytesSent", struct tcp_info, tcpi_bytes_sent)
  O("tcpInfo.bytesRetrans", struct tcp_info, tcpi_bytes_retrans)
  return 0;
}
`;

function flatten(t: SocketConstants): Map<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(t)) if (typeof v === "number") m.set(k, v);
  for (const s of ["linger", "timeval", "stat", "sockaddr"] as const) {
    for (const [k, v] of Object.entries(t[s])) if (typeof v === "number") m.set(`${s}.${k}`, v);
  }
  m.set("TCP_INFO", t.tcpInfo.option);
  for (const [k, v] of Object.entries(t.tcpInfo.fields)) if (v) m.set(`tcpInfo.${k}`, v.offset);
  return m;
}

Deno.test({
  name: "the Linux table matches the C headers of this machine, number by number",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/probe.c`, C_PROBE);
      let cc: Deno.CommandOutput;
      try {
        cc = await new Deno.Command("gcc", {
          args: ["-o", `${dir}/probe`, `${dir}/probe.c`],
          stderr: "piped",
        }).output();
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        console.warn("SKIP header probe: gcc is not installed");
        return;
      }
      // A probe that does not compile is a failure (a missing header, a name the table uses
      // that this libc lacks), not a reason to skip.
      assert.ok(cc.success, new TextDecoder().decode(cc.stderr));
      const out = await new Deno.Command(`${dir}/probe`).output();
      const table = flatten(constantsFor());
      let checked = 0;
      for (const line of new TextDecoder().decode(out.stdout).trim().split("\n")) {
        const [name, value] = line.split(" ");
        assert.ok(table.has(name), `table lacks ${name}`);
        assert.equal(table.get(name), Number(value), name);
        checked++;
      }
      assert.ok(checked >= 70, `checked ${checked} values`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
