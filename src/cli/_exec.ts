/**
 * `--exec CMD` and `--sh-exec CMD` (ncat's `-e` and `-c`): each connection gets its own child
 * process, whose stdout goes to the peer and whose stdin gets what the peer sends. The peer's
 * end of stream closes the child's stdin; the child's exit (its stdout's end) ends the
 * connection. With `--frame`, a child's stdout line is one frame and a frame reaches the child
 * as a line.
 *
 * @module
 */

import type { Session } from "./_session.ts";
import type { SessionEndpoint } from "./_stream_session.ts";

const NEWLINE = new Uint8Array([10]);

/**
 * Start the session's program for one connection.
 *
 * @param session The session (its `exec`, and `out` for the child's exit note).
 * @param byLine Frames are lines for the child (`--frame` other than `raw`).
 * @param meta Fields for the events.
 * @returns The endpoint that joins the child to the connection.
 */
export function execEndpoint(
  session: Session,
  byLine: boolean,
  meta: Record<string, unknown>,
): SessionEndpoint {
  const { argv } = session.exec!;
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  let stdinClosed = false;
  const closeStdin = () => {
    if (stdinClosed) return;
    stdinClosed = true;
    stdin.close().catch(() => {});
  };
  const status = child.status;
  return {
    endsWithSource: true,
    interactive: false,
    subscribe(fn) {
      let stopped = false;
      (async () => {
        const reader = child.stdout.getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done || stopped) break;
            await fn(value);
          }
        } catch {
          // the child's stdout broke: treat as its end
        }
        if (!stopped) await fn(null);
      })();
      return () => {
        stopped = true;
      };
    },
    async received(bytes, frame) {
      if (stdinClosed) return;
      try {
        await stdin.write(bytes.slice());
        if (frame && byLine) await stdin.write(NEWLINE);
      } catch {
        // The child stopped reading (it exited): the rest of the peer's bytes have nowhere to go.
        stdinClosed = true;
      }
    },
    peerEnded: closeStdin,
    async close() {
      closeStdin();
      // The connection is over: give the child a moment to finish, then stop it.
      const timer = setTimeout(() => {
        try {
          child.kill("SIGTERM");
        } catch {
          // already gone
        }
      }, 2000);
      const { code, signal } = await status;
      clearTimeout(timer);
      session.out.event(
        "exit",
        { ...meta, code, signal },
        `${argv.join(" ")} exited with ${signal ?? code}`,
      );
    },
  };
}
