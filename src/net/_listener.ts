/**
 * Pieces shared by the socket wrappers' servers and sockets (TcpServer, UnixServer, UdpSocket):
 * the accept loop behind `for await (const conn of server)`, and a close that tolerates a
 * resource Deno already closed.
 *
 * @module
 */

/**
 * Accept connections until the owner is closed; the loop then ends without an error.
 *
 * @param isClosed Whether the owner has been closed (checked before each accept and on error).
 * @param accept The owner's `accept()`.
 * @returns An iterator of accepted connections. A `BadResource` or `Interrupted` error (the
 *   listener was closed under a pending accept) ends it quietly; any other error is thrown.
 */
export async function* acceptUntilClosed<T>(
  isClosed: () => boolean,
  accept: () => Promise<T>,
): AsyncIterableIterator<T> {
  while (!isClosed()) {
    try {
      yield await accept();
    } catch (e) {
      if (
        isClosed() || e instanceof Deno.errors.BadResource ||
        e instanceof Deno.errors.Interrupted
      ) return;
      throw e;
    }
  }
}

/**
 * Close a Deno listener or socket, ignoring `BadResource` (it was closed already).
 *
 * @param raw The Deno resource.
 * @throws Whatever else `close()` throws.
 */
export function closeIgnoringBadResource(raw: { close(): void }): void {
  try {
    raw.close();
  } catch (e) {
    if (!(e instanceof Deno.errors.BadResource)) throw e;
  }
}
