/**
 * Typed wrappers over the core's sockaddr exports (`core/sockaddr.ts`), through the scratch
 * area. `src/addr/sockaddr.ts` builds `packSockaddr`/`unpackSockaddr` on these.
 *
 * @module
 */
import { bytes, core, dataView } from "./loader.ts";
import { SCRATCH } from "./scratch.ts";
import { Status } from "./status.ts";

/** Layout codes of the core: 0 Linux, 1 Darwin (macOS, with the length byte). */
export type LayoutCode = 0 | 1;

// The scratch regions this file uses (wasm/scratch.ts).
const STRUCT = SCRATCH.sockaddrStruct.ptr;
const STRUCT_MAX = SCRATCH.sockaddrStruct.size;
const RECORD = SCRATCH.sockaddrRecord.ptr;
const ADDR = SCRATCH.sockaddrAddress.ptr;
const PATH = SCRATCH.sockaddrPath.ptr;
const PATH_MAX = SCRATCH.sockaddrPath.size;

/** sockaddr_in from 4 address bytes: the 16 bytes, or a negative status (bad port). */
export function packIn(addr: Uint8Array, port: number, layout: LayoutCode): Uint8Array | number {
  bytes().set(addr.subarray(0, 4), ADDR);
  const n = core.sockaddr_pack_in(STRUCT, ADDR, port, layout);
  return n < 0 ? n : bytes().slice(STRUCT, STRUCT + n);
}

/** sockaddr_in6 from 16 address bytes: the 28 bytes, or a negative status (bad port). */
export function packIn6(
  addr: Uint8Array,
  port: number,
  flowInfo: number,
  scopeId: number,
  layout: LayoutCode,
): Uint8Array | number {
  bytes().set(addr.subarray(0, 16), ADDR);
  const n = core.sockaddr_pack_in6(STRUCT, ADDR, port, flowInfo, scopeId, layout);
  return n < 0 ? n : bytes().slice(STRUCT, STRUCT + n);
}

/**
 * sockaddr_un from path bytes: the structure, or a negative status (NO_SPACE: too long;
 * BAD_ARGUMENT: NUL in a file name, or an abstract name in the Darwin layout).
 */
export function packUn(path: Uint8Array, layout: LayoutCode): Uint8Array | number {
  if (path.length > PATH_MAX) return Status.NO_SPACE;
  bytes().set(path, PATH);
  const n = core.sockaddr_pack_un(STRUCT, PATH, path.length, layout);
  return n < 0 ? n : bytes().slice(STRUCT, STRUCT + n);
}

/** The fields of an unpacked sockaddr. */
export interface UnpackedSockaddr {
  /** Linux family number: 2 (AF_INET), 10 (AF_INET6) or 1 (AF_UNIX), whatever the layout. */
  family: number;
  /** Port (IP families). */
  port: number;
  /** sin6_flowinfo, as a number. */
  flowInfo: number;
  /** sin6_scope_id. */
  scopeId: number;
  /** 4 or 16 address bytes (IP families), empty for AF_UNIX. */
  addr: Uint8Array;
  /** sun_path bytes up to the NUL (a Linux abstract name keeps its leading NUL). */
  path: Uint8Array;
}

/** Reads a sockaddr: its fields, or a negative status (NEED_MORE: too short; BAD_ARGUMENT). */
export function unpack(struct: Uint8Array, layout: LayoutCode): UnpackedSockaddr | number {
  const len = Math.min(struct.length, STRUCT_MAX);
  bytes().set(struct.subarray(0, len), STRUCT);
  const family = core.sockaddr_unpack(STRUCT, len, layout, RECORD);
  if (family < 0) return family;
  const dv = dataView();
  const mem = bytes();
  const pathPtr = dv.getUint32(RECORD + 12, true);
  const pathLen = dv.getUint32(RECORD + 16, true);
  const addrLen = family === 2 ? 4 : family === 10 ? 16 : 0;
  return {
    family,
    port: dv.getUint32(RECORD, true),
    flowInfo: dv.getUint32(RECORD + 4, true),
    scopeId: dv.getUint32(RECORD + 8, true),
    addr: mem.slice(RECORD + 20, RECORD + 20 + addrLen),
    path: family === 1 ? mem.slice(pathPtr, pathPtr + pathLen) : new Uint8Array(0),
  };
}
