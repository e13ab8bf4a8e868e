/**
 * Preloaded into `deno run` children under coverage (see `_coverage.ts`): SIGTERM and SIGINT
 * end the process with `Deno.exit(128 + signal)`, so Deno writes its coverage profile first.
 * A program that listens for the signal itself (a server draining on SIGTERM) keeps it: then
 * this does nothing, and the program's own exit writes the profile.
 *
 * @module
 */

const SIGNALS = { SIGTERM: 15, SIGINT: 2 } as const;
const handledByProgram = new Set<string>();
const addSignalListener = Deno.addSignalListener;

Deno.addSignalListener = (signal: Deno.Signal, handler: () => void) => {
  handledByProgram.add(signal);
  addSignalListener(signal, handler);
};

for (const [signal, number] of Object.entries(SIGNALS)) {
  addSignalListener(signal as Deno.Signal, () => {
    if (!handledByProgram.has(signal)) Deno.exit(128 + number);
  });
}
