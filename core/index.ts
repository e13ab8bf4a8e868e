// Entry point of the sockkit Wasm core. Each domain lives in its own file and is
// re-exported here. Exports take and return numbers only (see ../STYLE.md in shared/):
// pointers, lengths and status codes; a negative i32 is a status code from status.ts.

export { scratch_ptr, scratch_size } from "./scratch";
