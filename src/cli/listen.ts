/**
 * `sockkit listen`: accept TCP, UDP or Unix peers and relay stdin and stdout (ncat `-l`).
 *
 * @module
 */

import type { Command } from "./_args.ts";
import { makeNetcatCommand } from "./_netcat_command.ts";

/** `sockkit listen`. */
export const listenCommand: Command = makeNetcatCommand("listen");
