/**
 * The link between the socket wrappers and src/close.ts (close semantics, owned by the
 * options engineer). Kept in one place so the wrappers never import FFI code at module load.
 *
 * @module
 */

/** Functions from src/close.ts used by the wrappers, when present. */
export const closeHooks: {
  closeSocket?: (conn: Deno.Conn | Deno.Listener | Deno.DatagramConn) => void;
  endReason?: (conn: Deno.Conn) => string | null;
} = {};
