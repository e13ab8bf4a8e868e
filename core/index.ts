// Entry point of the sockkit Wasm core. Each domain lives in its own file and is
// re-exported here. Exports take and return numbers only (see ../STYLE.md in shared/):
// pointers, lengths and status codes; a negative i32 is a status code from status.ts.

export { scratch_ptr, scratch_size } from "./scratch";
export { byteorder_buffer_ptr, byteorder_buffer_size, byteorder_swap_u16, byteorder_swap_u32, byteorder_swap_u64, byteorder_swap16, byteorder_swap32, byteorder_swap64 } from "./byteorder";
