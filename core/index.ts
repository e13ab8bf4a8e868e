// Entry point of the sockkit Wasm core. Each domain lives in its own file and is
// re-exported here. Exports take and return numbers only (see ../STYLE.md in shared/):
// pointers, lengths and status codes; a negative i32 is a status code from status.ts.

export { scratch_ptr, scratch_size } from "./scratch";
export { mem_alloc, mem_free, mem_realloc, mem_usable_size, mem_heap_size, mem_free_bytes, mem_used_bytes, mem_used_blocks, mem_largest_free } from "./alloc";
export { iobuf_grow, iobuf_compact } from "./iobuf";
export { proxy_result_ptr, proxy_result_size, proxy_tlv_table_ptr, proxy_tlv_max, proxy_decode, proxy_crc32c, proxy_encode_v1, proxy_encode_v2, proxy_format_ip, proxy_parse_ip } from "./proxy";
export { byteorder_buffer_ptr, byteorder_buffer_size, byteorder_swap_u16, byteorder_swap_u32, byteorder_swap_u64, byteorder_swap16, byteorder_swap32, byteorder_swap64 } from "./byteorder";
export { addr_error_position, addr_pton4, addr_pton6, addr_aton_begin, addr_aton_feed, addr_aton_finish, addr_aton, addr_aton_exact, addr_looks_numeric, addr_scope_id, addr_aton_many, addr_ntop4, addr_ntop6 } from "./addr";
export { sockaddr_pack_in, sockaddr_pack_in6, sockaddr_pack_un, sockaddr_unpack } from "./sockaddr";
export { scan_byte, scan_all } from "./scan";
export { frame_new, frame_add_delim, frame_free, frame_reset, frame_set_max, frame_consumed, frame_status, frame_state, frame_err_offset, frame_err_length, frame_decode, frame_encode_header } from "./frame_codec";
