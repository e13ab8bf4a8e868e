/**
 * Resolve a codec's options and check that they are of the class's kind (private).
 *
 * @module
 */
import type { FrameOptions, ResolvedFrameOptions } from "./spec.ts";

/** Resolve `options` (a spec text, or options whose `kind` may be left out) as `kind`. */
export function resolveKind<K extends ResolvedFrameOptions["kind"]>(
  resolve: (o: string | FrameOptions) => ResolvedFrameOptions,
  options: unknown,
  kind: K,
  className: string,
): Extract<ResolvedFrameOptions, { kind: K }> {
  const input = typeof options === "string"
    ? options
    : { ...(options as object), kind: (options as { kind?: string })?.kind ?? kind };
  const o = resolve(input as string | FrameOptions);
  if (o.kind !== kind) {
    throw new TypeError(
      `Cannot create ${className}: spec is of kind "${o.kind}", expected "${kind}"`,
    );
  }
  return o as Extract<ResolvedFrameOptions, { kind: K }>;
}
