/**
 * Timeout and abort helpers shared by the TCP, UDP and Unix wrappers. Deno cannot cancel a
 * pending `read()`/`receive()` without closing the socket, so a timed-out operation stays
 * pending: {@linkcode PendingOp} keeps it, and the next call of the same kind resumes it instead
 * of starting a second one, so no received byte is lost.
 *
 * @module
 */

import { SocketTimeoutError, type TimeoutOperation } from "./errors.ts";

/** Resolve or reject with `p`, or reject with a {@linkcode SocketTimeoutError} after `ms`, or with the signal's reason when it aborts. `ms` of `undefined`, `0` or `Infinity` means no timeout. */
export function raceDeadline<T>(
  p: Promise<T>,
  operation: TimeoutOperation,
  ms: number | undefined,
  signal?: AbortSignal,
): Promise<T> {
  const timed = ms !== undefined && ms > 0 && Number.isFinite(ms);
  if (!timed && !signal) return p;
  signal?.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      cleanup();
      reject(signal!.reason);
    };
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    if (timed) {
      timer = setTimeout(() => {
        cleanup();
        reject(new SocketTimeoutError(operation, ms!));
      }, ms);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e) => {
        cleanup();
        reject(e);
      },
    );
  });
}

/** Validate a timeout option: `undefined`, or a finite number ≥ 0 (0 disables). */
export function checkTimeout(name: string, ms: number | undefined): number | undefined {
  if (ms === undefined) return undefined;
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) {
    throw new RangeError(`Cannot set ${name}: expected a number of milliseconds >= 0, got ${ms}`);
  }
  return ms === 0 || ms === Infinity ? undefined : ms;
}

/**
 * A single in-flight operation that may outlive the call that started it (after a timeout).
 * `run(start)` reuses the pending promise when there is one.
 */
export class PendingOp<T> {
  #pending: Promise<T> | undefined;
  /** The in-flight promise, if any. */
  get pending(): Promise<T> | undefined {
    return this.#pending;
  }
  /** Start (or resume) the operation. The promise is forgotten once it settles. */
  run(start: () => Promise<T>): { promise: Promise<T>; resumed: boolean } {
    if (this.#pending) return { promise: this.#pending, resumed: true };
    const p = start();
    this.#pending = p;
    const clear = () => {
      if (this.#pending === p) this.#pending = undefined;
    };
    p.then(clear, clear);
    return { promise: p, resumed: false };
  }
}

/**
 * An idle timer that costs one timestamp write per activity: the timer only re-arms when it
 * fires and finds recent activity.
 */
export class IdleTimer {
  #ms: number;
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onIdle: () => void;
  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
    this.#last = performance.now();
    this.#arm(ms);
  }
  #arm(delay: number) {
    this.#timer = setTimeout(() => {
      const idle = performance.now() - this.#last;
      if (idle >= this.#ms - 1) {
        this.#timer = undefined;
        this.#onIdle();
      } else this.#arm(this.#ms - idle);
    }, Math.max(1, delay));
  }
  /** Record activity. */
  touch(): void {
    this.#last = performance.now();
  }
  /** Stop the timer for good. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
