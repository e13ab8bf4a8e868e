/**
 * `sockkit connect`: connect to a TCP, UDP or Unix peer and relay stdin and stdout (ncat).
 *
 * @module
 */

import type { Command } from "./_args.ts";
import { makeNetcatCommand } from "./_netcat_command.ts";

/** `sockkit connect`. */
export const connectCommand: Command = makeNetcatCommand("connect");
