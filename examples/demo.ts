/**
 * The main demo (`deno task demo`): a tour of what sockkit does. Each section is a runnable
 * example of its own; add new ones to {@linkcode SECTIONS}.
 *
 * @module
 */
import { addressTour } from "./address_tour.ts";
import { seedDemo } from "./seed_demo.ts";

/** One part of the demo: a title and a function that prints its lines. */
export interface DemoSection {
  /** Shown as a heading. */
  title: string;
  /** The example it runs (`examples/<file>.ts`). */
  source: string;
  /** Runs the section, writing with `log`. */
  run(log: (line: string) => void): void | Promise<void>;
}

/** The sections, in order. */
export const SECTIONS: DemoSection[] = [
  {
    title: "Addresses and byte order",
    source: "examples/address_tour.ts",
    run: addressTour,
  },
  {
    title: "The seeds' TCP and UDP programs on loopback",
    source: "examples/seed_demo.ts",
    run: seedDemo,
  },
];

if (import.meta.main) {
  for (const section of SECTIONS) {
    console.log(`\n== ${section.title} (${section.source}) ==\n`);
    await section.run((line) => console.log(line));
  }
}
