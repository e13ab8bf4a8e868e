/**
 * `WSAStartup` / `WSACleanup`, and the rule that decides when a bsd call needs them.
 *
 * The bsd module follows one of two rule sets, chosen with {@linkcode setWinsockRules}:
 *
 * - `"posix"` (the default): no start-up is needed, as on Linux. But a program that calls
 *   `WSAStartup` once is a Winsock program from then on: after its last `WSACleanup`, every
 *   socket call fails with `WSANOTINITIALISED` (10093), as on Windows.
 * - `"winsock"`: Windows' rules from the start: any socket call before a successful
 *   `WSAStartup` (or after the last `WSACleanup`) fails with `WSANOTINITIALISED`.
 *
 * `WSAStartup` accepts only `MAKEWORD(2,2)` (the seeds' `WINSOCK_VERSION`) and fails with
 * `WSAVERNOTSUPPORTED` (10092) for anything else. Calls are reference counted: each successful
 * `WSAStartup` needs its own `WSACleanup`, and the last one closes every socket still open.
 *
 * Needs no permissions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSACleanup, WSADATA, WSAStartup } from "./winsock.ts";
 * import { MAKEWORD } from "./constants.ts";
 * const wsa = new WSADATA();
 * assert.equal(WSAStartup(MAKEWORD(2, 2), wsa), 0);
 * assert.equal(wsa.wVersion, 0x0202);
 * assert.equal(await WSACleanup(), 0);
 * ```
 *
 * @module
 */

import { fail } from "./errors.ts";
import { HIBYTE, LOBYTE, WINSOCK_VERSION } from "./constants.ts";

/** Which start-up rules the bsd calls follow (see the module docs). */
export type WinsockRules = "posix" | "winsock";

let rules: WinsockRules = "posix";
let refs = 0;
let everStarted = false;
let cleanupHook: (() => Promise<void>) | undefined;

/** Winsock's `WSADATA`, filled in by {@linkcode WSAStartup}. */
export class WSADATA {
  /** The version the program will use: `MAKEWORD(2,2)`. */
  wVersion = 0;
  /** The highest version supported: `MAKEWORD(2,2)`. */
  wHighVersion = 0;
  /** A description of the implementation. */
  szDescription = "";
  /** Status text. */
  szSystemStatus = "";
  /** Largest number of sockets (0 in Winsock 2: no fixed limit). */
  iMaxSockets = 0;
  /** Largest UDP datagram payload (65507 over IPv4). */
  iMaxUdpDg = 0;
}

/**
 * Choose the start-up rules (see the module docs). Affects the whole process, like Winsock
 * itself.
 *
 * @param r `"posix"` or `"winsock"`.
 * @returns The previous rules.
 * @throws {TypeError} For anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setWinsockRules } from "./winsock.ts";
 * const before = setWinsockRules("winsock");
 * assert.equal(setWinsockRules(before), "winsock");
 * ```
 */
export function setWinsockRules(r: WinsockRules): WinsockRules {
  if (r !== "posix" && r !== "winsock") {
    throw new TypeError(`Cannot set Winsock rules: expected "posix" or "winsock", got ${r}`);
  }
  const prev = rules;
  rules = r;
  return prev;
}

/**
 * Winsock's `WSAStartup(wVersionRequested, lpWSAData)`.
 *
 * @param wVersionRequested Must be `MAKEWORD(2,2)` (`WINSOCK_VERSION`, 0x0202).
 * @param lpWSAData Filled in when given.
 * @returns 0.
 * @throws {BsdError} `WSAVERNOTSUPPORTED` (10092) for any other version; the reference count
 *   is not changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSAStartup } from "./winsock.ts";
 * import { BsdError } from "./errors.ts";
 * import { MAKEWORD } from "./constants.ts";
 * assert.throws(() => WSAStartup(MAKEWORD(1, 1)), (e: BsdError) => e.wsaCode === 10092);
 * ```
 */
export function WSAStartup(wVersionRequested: number, lpWSAData?: WSADATA): number {
  if (wVersionRequested !== WINSOCK_VERSION) {
    fail(
      "WSAStartup",
      "WSAVERNOTSUPPORTED",
      `Cannot start Winsock: version ${LOBYTE(wVersionRequested)}.${
        HIBYTE(wVersionRequested)
      } requested, only 2.2 (MAKEWORD(2,2)) is supported`,
    );
  }
  refs++;
  everStarted = true;
  if (lpWSAData) {
    lpWSAData.wVersion = WINSOCK_VERSION;
    lpWSAData.wHighVersion = WINSOCK_VERSION;
    lpWSAData.szDescription = "sockkit bsd (Berkeley sockets on Deno)";
    lpWSAData.szSystemStatus = "Running";
    lpWSAData.iMaxSockets = 0;
    lpWSAData.iMaxUdpDg = 65507;
  }
  return 0;
}

/**
 * Winsock's `WSACleanup()`: undo one `WSAStartup`. The last one closes every open socket.
 *
 * @returns 0.
 * @throws {BsdError} `WSANOTINITIALISED` (10093) when there was no matching `WSAStartup`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSACleanup } from "./winsock.ts";
 * import { BsdError } from "./errors.ts";
 * await assert.rejects(WSACleanup(), (e: BsdError) => e.wsaName === "WSANOTINITIALISED");
 * ```
 */
export async function WSACleanup(): Promise<number> {
  if (refs === 0) {
    fail("WSACleanup", "WSANOTINITIALISED", "Cannot clean up Winsock: WSAStartup was not called");
  }
  refs--;
  if (refs === 0 && cleanupHook) await cleanupHook();
  return 0;
}

/**
 * Throw `WSANOTINITIALISED` when the rules require a start-up that has not happened.
 *
 * @param call The calling function.
 */
export function checkStarted(call: string): void {
  if (refs > 0) return;
  if (rules === "winsock" || everStarted) {
    fail(
      call,
      "WSANOTINITIALISED",
      `Cannot ${call}: WSAStartup has not been called${everStarted ? " (or WSACleanup ran)" : ""}`,
    );
  }
}

/**
 * Register what the last `WSACleanup` runs (the socket table's close-all).
 *
 * @param hook The hook.
 */
export function onLastCleanup(hook: () => Promise<void>): void {
  cleanupHook = hook;
}

/**
 * Forget every `WSAStartup` and return to the default rules (`"posix"`, never started).
 * For tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStarted, resetWinsock, setWinsockRules } from "./winsock.ts";
 * setWinsockRules("winsock"); // now every call needs WSAStartup first
 * assert.throws(() => checkStarted("socket"), { code: "WSANOTINITIALISED" });
 * resetWinsock();
 * checkStarted("socket"); // POSIX rules again: no WSAStartup needed
 * ```
 */
export function resetWinsock(): void {
  refs = 0;
  everStarted = false;
  rules = "posix";
}
