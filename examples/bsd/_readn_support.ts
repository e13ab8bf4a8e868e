/**
 * The bsd calls readn_writen.ts uses, plus the seed's "retry on EINTR, EAGAIN or EWOULDBLOCK"
 * test as a function.
 *
 * @module
 */
export * from "../../src/bsd/mod.ts";
import { BsdError } from "../../src/bsd/mod.ts";

/**
 * True for the errors the seed's loops retry: `EINTR`, `EAGAIN`/`EWOULDBLOCK`.
 *
 * @param e A thrown value.
 * @returns Whether to retry.
 */
export function EINTR_OR_AGAIN(e: unknown): boolean {
  return e instanceof BsdError && ["EINTR", "EAGAIN", "EWOULDBLOCK"].includes((e as BsdError).code);
}
