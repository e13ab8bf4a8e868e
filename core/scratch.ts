// A fixed scratch area in linear memory for small arguments and results (address text,
// address bytes, sockaddr structures, PROXY headers). Static data never moves, but the host
// must still re-read memory.buffer after any call that may grow memory. Its regions are named
// in wasm/scratch.ts, with a test that they do not overlap.

export const SCRATCH_SIZE: i32 = 8192;
const SCRATCH: usize = memory.data(8192, 16);

/** Address of the scratch area. */
export function scratch_ptr(): usize {
  return SCRATCH;
}

/** Size of the scratch area in bytes. */
export function scratch_size(): i32 {
  return SCRATCH_SIZE;
}
