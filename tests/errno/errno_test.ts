import assert from "node:assert/strict";
import {
  errnoName,
  errnoNumber,
  ERROR_TABLE,
  explainError,
  formatExplanation,
} from "../../src/errno/error_table.ts";

// Every Winsock code named in the seeds' error tables (001 socket/connect/send/recv/bind/listen
// tables, 000 WSAStartup), and every errno the Linux notes (004) name, with the numbers the
// seeds print (errno[32] Broken pipe, errno[104] Connection reset by peer, errno 11 EAGAIN,
// errno 4 EINTR).
const SEED_WSA_CODES: Record<string, number> = {
  WSAEACCES: 10013,
  WSAEADDRINUSE: 10048,
  WSAEADDRNOTAVAIL: 10049,
  WSAEAFNOSUPPORT: 10047,
  WSAEALREADY: 10037,
  WSAECONNABORTED: 10053,
  WSAECONNREFUSED: 10061,
  WSAECONNRESET: 10054,
  WSAEFAULT: 10014,
  WSAEHOSTUNREACH: 10065,
  WSAEINPROGRESS: 10036,
  WSAEINTR: 10004,
  WSAEINVAL: 10022,
  WSAEISCONN: 10056,
  WSAEMFILE: 10024,
  WSAEMSGSIZE: 10040,
  WSAENETDOWN: 10050,
  WSAENETRESET: 10052,
  WSAENETUNREACH: 10051,
  WSAENOBUFS: 10055,
  WSAENOTCONN: 10057,
  WSAENOTSOCK: 10038,
  WSAEOPNOTSUPP: 10045,
  WSAEPROTONOSUPPORT: 10043,
  WSAEPROTOTYPE: 10041,
  WSAESHUTDOWN: 10058,
  WSAESOCKTNOSUPPORT: 10044,
  WSAETIMEDOUT: 10060,
  WSAEWOULDBLOCK: 10035,
  WSANOTINITIALISED: 10093,
  WSASYSNOTREADY: 10091,
  WSAVERNOTSUPPORTED: 10092,
};
const SEED_ERRNO_LINUX: Record<string, number> = {
  EAGAIN: 11,
  EWOULDBLOCK: 11,
  EINTR: 4,
  EINPROGRESS: 115,
  EPIPE: 32,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  EHOSTUNREACH: 113,
};

Deno.test("explainError covers every Winsock code in the seeds' tables with its number", () => {
  for (const [name, code] of Object.entries(SEED_WSA_CODES)) {
    const byName = explainError(name);
    assert.ok(byName, `${name} is missing`);
    assert.equal(byName.wsaName, name);
    assert.equal(byName.wsaCode, code);
    assert.ok(byName.meaning.length > 10, `${name} has no meaning`);
    assert.equal(explainError(code), byName, `${code} does not map back to ${name}`);
  }
});

Deno.test("explainError covers every errno the seeds' Linux notes name, with Linux numbers", () => {
  for (const [name, n] of Object.entries(SEED_ERRNO_LINUX)) {
    const e = explainError(name);
    assert.ok(e, `${name} is missing`);
    assert.equal(e.linuxErrno, n);
    assert.equal(explainError(n, "linux"), e);
  }
});

Deno.test("explainError gives Linux and macOS numbers and the Winsock pair for ECONNRESET", () => {
  const e = explainError("ECONNRESET")!;
  assert.deepEqual(
    [e.name, e.linuxErrno, e.macosErrno, e.wsaName, e.wsaCode, e.denoError],
    ["ECONNRESET", 104, 54, "WSAECONNRESET", 10054, "ConnectionReset"],
  );
  assert.equal(explainError(54, "darwin"), e);
  assert.equal(explainError(-104, "linux"), e, "Node-style negative errno");
  assert.equal(explainError("wsaeconnreset"), e, "names are case-insensitive");
  assert.equal(explainError("104", "linux"), e, "numeric strings are numbers");
});

Deno.test("explainError returns undefined for codes that are not in the table", () => {
  assert.equal(explainError("ENOTACODE"), undefined);
  assert.equal(explainError(99999), undefined);
  assert.equal(explainError(1.5), undefined);
  assert.equal(explainError(null), undefined);
  assert.equal(explainError({}), undefined);
});

Deno.test("explainError reads a refused Deno.connect error as ECONNREFUSED / WSAECONNREFUSED", async () => {
  // Bind a port, then close it so nothing listens there.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const err = await Deno.connect({ hostname: "127.0.0.1", port }).then(
    (c) => {
      c.close();
      throw new Error("connect unexpectedly succeeded");
    },
    (e) => e,
  );
  assert.ok(err instanceof Deno.errors.ConnectionRefused);
  const e = explainError(err)!;
  assert.equal(e.name, "ECONNREFUSED");
  assert.equal(e.wsaName, "WSAECONNREFUSED");
  assert.equal(e.wsaCode, 10061);
});

Deno.test("explainError maps Deno.errors classes without a code to their errno", () => {
  assert.equal(explainError(new Deno.errors.BrokenPipe("x"))?.name, "EPIPE");
  assert.equal(explainError(new Deno.errors.TimedOut("x"))?.wsaName, "WSAETIMEDOUT");
  assert.equal(explainError(new Deno.errors.AddrInUse("x"))?.name, "EADDRINUSE");
  assert.equal(explainError(new Deno.errors.ConnectionReset("x"))?.wsaCode, 10054);
  assert.equal(explainError(new Deno.errors.BadResource("x"))?.name, "EBADF");
  assert.equal(explainError(new Deno.errors.PermissionDenied("x"))?.name, "EACCES");
  // A message with "(os error N)" is read too.
  assert.equal(explainError(new Error("boom (os error 32)"), "linux")?.name, "EPIPE");
  // An error carrying a numeric errno (as FFI errors do).
  assert.equal(explainError({ errno: 111 }, "linux")?.name, "ECONNREFUSED");
});

Deno.test("errnoName and errnoNumber are inverse on both platforms", () => {
  for (const row of ERROR_TABLE) {
    if (row.name === null) continue;
    if (row.linuxErrno !== null) {
      assert.equal(errnoName(row.linuxErrno, "linux"), row.name);
      assert.equal(errnoNumber(row.name, "linux"), row.linuxErrno);
    }
    if (row.macosErrno !== null) {
      assert.equal(errnoName(row.macosErrno, "darwin"), row.name);
      assert.equal(errnoNumber(row.name, "darwin"), row.macosErrno);
    }
  }
  assert.equal(errnoName(11, "linux"), "EAGAIN");
  assert.equal(errnoNumber("EWOULDBLOCK", "linux"), 11);
  assert.equal(errnoNumber("WSANOTINITIALISED"), undefined, "Winsock-only codes have no errno");
});

Deno.test("the error table has no duplicate numbers on any platform", () => {
  for (const key of ["linuxErrno", "macosErrno", "wsaCode"] as const) {
    const seen = new Map<number, string>();
    for (const row of ERROR_TABLE) {
      const n = row[key];
      if (n === null) continue;
      assert.ok(!seen.has(n), `${key} ${n} used by ${seen.get(n)} and ${row.name ?? row.wsaName}`);
      seen.set(n, String(row.name ?? row.wsaName));
    }
  }
});

Deno.test("formatExplanation prints both numberings and the meaning on one line", () => {
  const line = formatExplanation(explainError("ECONNRESET")!);
  assert.equal(
    line.split(":")[0],
    "ECONNRESET (Linux 104, macOS 54) / WSAECONNRESET 10054",
  );
  assert.ok(!line.includes("\n"));
  assert.equal(formatExplanation(explainError(10091)!).split(":")[0], "WSASYSNOTREADY 10091");
});
