/**
 * Byte-sequence search shared by the framing adapters (private).
 *
 * @module
 */

/**
 * Index of the first occurrence of `needle` in `hay` at or after `from`, or -1. The search
 * jumps between occurrences of the first byte with the engine's native `indexOf`.
 */
export function indexOfSequence(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = hay.length - needle.length;
  let i = hay.indexOf(first, from);
  while (i >= 0 && i <= last) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
    i = hay.indexOf(first, i + 1);
  }
  return -1;
}
