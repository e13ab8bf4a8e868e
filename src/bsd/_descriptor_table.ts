/**
 * The bsd descriptor table: one {@linkcode SocketEntry} per socket number (3 and up, like file
 * descriptors), the lookup every call starts with, and the "something changed" signal that
 * `select` and blocking calls wait on.
 *
 * @module
 */

import { SOCK_STREAM } from "./constants.ts";
import { fail } from "./errors.ts";
import { AF_INET6 } from "./inet.ts";
import type { OptionValue } from "./structs.ts";
import { checkStarted } from "./winsock.ts";

/** A datagram waiting in a UDP socket's receive queue, with its sender. */
export interface ReceivedDatagram {
  data: Uint8Array;
  hostname: string;
  port: number;
}

/** Everything the bsd layer knows about one socket descriptor. */
export interface SocketEntry {
  fd: number;
  family: number;
  type: number;
  protocol: number;
  nonBlocking: boolean;
  closed: boolean;
  /** Address given to bind (TCP before listen) or the bound UDP address. */
  bound?: { hostname: string; port: number };
  listener?: Deno.TcpListener;
  acceptQueue: Deno.TcpConn[];
  accepting?: Promise<void>;
  acceptError?: unknown;
  conn?: Deno.TcpConn;
  connecting?: Promise<void>;
  /** Cancels a connect in progress (closesocket). */
  connectAbort?: AbortController;
  /** The pending error `SO_ERROR` reports (a failed non-blocking connect). */
  pendingError?: unknown;
  chunks: Uint8Array[];
  eof: boolean;
  readError?: unknown;
  reading?: Promise<void>;
  readShut: boolean;
  writeShut: boolean;
  udp?: Deno.DatagramConn;
  peer?: { hostname: string; port: number };
  datagrams: ReceivedDatagram[];
  receiving?: Promise<void>;
  receiveError?: unknown;
  /** Options recorded by setsockopt (key "level/name"). */
  options: Map<string, OptionValue>;
  receiveTimeoutMs: number;
  sendTimeoutMs: number;
}

/** The open sockets by descriptor number. */
export const descriptors = new Map<number, SocketEntry>();

/** Callbacks waiting for any socket's state to change (`select`). */
export const stateWaiters = new Set<() => void>();

/** Wake every waiter: a read, accept, receive or connect finished, or a socket closed. */
export function notifyStateChanged(): void {
  for (const w of [...stateWaiters]) w();
}

/** A promise that settles at the next state change, or after `ms` (undefined: no limit). */
export function nextStateChange(
  ms: number | undefined,
): { promise: Promise<void>; cancel: () => void } {
  let done!: () => void;
  const promise = new Promise<void>((r) => (done = r));
  let id: ReturnType<typeof setTimeout> | undefined;
  const w = () => {
    stateWaiters.delete(w);
    if (id !== undefined) clearTimeout(id);
    done();
  };
  stateWaiters.add(w);
  if (ms !== undefined) id = setTimeout(w, Math.max(0, ms));
  return { promise, cancel: w };
}

/** The entry of open socket `s`; fails with `EBADF` (`ENOTSOCK` for a non-integer) otherwise. */
export function openSocketEntry(call: string, s: number): SocketEntry {
  checkStarted(call);
  const e = descriptors.get(s);
  if (!e || e.closed) {
    fail(
      call,
      typeof s === "number" && Number.isInteger(s) ? "EBADF" : "ENOTSOCK",
      `Cannot ${call}: ${s} is not an open socket`,
    );
  }
  return e;
}

/** Whether the socket is `SOCK_STREAM` (TCP). */
export function isStreamSocket(e: SocketEntry): boolean {
  return e.type === SOCK_STREAM;
}

/** The wildcard address of a family: `0.0.0.0` or `::`. */
export function wildcardAddress(family: number): string {
  return family === AF_INET6 ? "::" : "0.0.0.0";
}

/** Fail with `EAFNOSUPPORT` when an address's family is not the socket's. */
export function checkFamily(call: string, e: SocketEntry, family: number): void {
  if (family !== e.family) {
    fail(
      call,
      "EAFNOSUPPORT",
      `Cannot ${call}: address family ${family} does not match the socket's ${e.family}`,
    );
  }
}

/** Whether a recorded option value means "on" (TRUE or a non-zero int). */
export function isOptionOn(v: OptionValue | undefined): boolean {
  return v === true || (typeof v === "number" && v !== 0);
}

/** The Deno object that holds the kernel socket, once it exists. */
export function kernelSocketOf(
  e: SocketEntry,
): Deno.TcpConn | Deno.TcpListener | Deno.DatagramConn | undefined {
  return e.conn ?? e.listener ?? e.udp;
}

/** The key of a recorded option: `"level/name"`. */
export function optionKey(level: number, name: number): string {
  return `${level}/${name}`;
}
