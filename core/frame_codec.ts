// Frame decoders and header encoders (codec contract in shared/STYLE.md).
//
// A decoder is a 384-byte state block from mem_alloc. frame_decode(dec, ptr, len, out, max)
// looks at the unconsumed bytes [ptr, ptr+len), writes up to `max` frames as (start, length)
// u32 pairs (start relative to ptr) into `out`, and returns the count. It records in the
// state block how many bytes it consumed (frame_consumed) and a status (frame_status): OK,
// or an error (FRAME_TOO_LONG, BAD_LENGTH, BAD_VARINT) with its details. After an error the
// frames before it are still returned; nothing after it is looked at.
//
// Decoder state is explicit: HEADER (waiting for a header / a delimiter), BODY (length
// known, waiting for the payload; the cached length survives a change of maximum),
// DISCARDING (skipping a too-long frame under the discard policy).

import { mem_alloc, mem_free } from "./alloc";
import { findByte } from "./scan";
import {
  OK, BAD_ARGUMENT, FRAME_TOO_LONG, BAD_LENGTH, BAD_VARINT,
} from "./status";

const KIND_LEN: i32 = 1;
const KIND_VARINT: i32 = 2;
const KIND_DELIM: i32 = 3;
const KIND_LINE: i32 = 4;
const KIND_FIXED: i32 = 5;
const KIND_RAW: i32 = 6;

const F_LE: i32 = 1;
const F_DISCARD: i32 = 2;
const F_FAILFAST: i32 = 4;
const F_KEEP: i32 = 8;
const F_CRLF: i32 = 16;

const ST_HEADER: i32 = 0;
const ST_BODY: i32 = 1;
const ST_DISCARD: i32 = 2;

// field offsets in the state block
const O_KIND: usize = 0;
const O_FLAGS: usize = 4;
const O_FOFF: usize = 8;
const O_FLEN: usize = 12;
const O_ADJ: usize = 16;
const O_STRIP: usize = 20;
const O_MAX: usize = 24;
const O_STATE: usize = 28;
const O_DREM: usize = 32; // i64 bytes left to discard (length-delimited kinds)
const O_BTOTAL: usize = 40; // cached total bytes of the frame in BODY
const O_BHDR: usize = 44; // header bytes of the frame in BODY
const O_STATUS: usize = 48;
const O_ERROFF: usize = 52; // offset (relative to ptr) of the frame that failed
const O_ERRLEN: usize = 56; // f64 declared / seen length of that frame
const O_SCAN: usize = 64; // bytes already scanned without a delimiter (resume point)
const O_NDELIM: usize = 68;
const O_FIXED: usize = 72;
const O_CONSUMED: usize = 76;
const O_PENDING: usize = 80; // error to report when a fail-slow discard ends
const O_DELIMS: usize = 96; // 8 x (u32 length + 32 bytes)
const DELIM_SLOT: usize = 36;
const MAX_DELIMS: i32 = 8;
const MAX_DELIM_LEN: i32 = 32;
const STATE_SIZE: i32 = 384;

/**
 * Create a decoder. kind: 1 length field, 2 varint, 3 delimiter, 4 line, 5 fixed, 6 raw.
 * flags: 1 little-endian, 2 discard policy, 4 fail fast, 8 keep delimiter, 16 strict CRLF.
 * Returns a handle (pointer) or a status. Delimiters are added with frame_add_delim.
 */
export function frame_new(kind: i32, flags: i32, fieldOffset: i32, fieldLength: i32,
  adjustment: i32, strip: i32, maxFrame: i32, fixedLen: i32): i32 {
  if (kind < KIND_LEN || kind > KIND_RAW) return BAD_ARGUMENT;
  if (maxFrame < 0 || fieldOffset < 0 || strip < 0) return BAD_ARGUMENT;
  if (kind == KIND_LEN) {
    if (fieldLength != 1 && fieldLength != 2 && fieldLength != 3 && fieldLength != 4 &&
      fieldLength != 8) return BAD_ARGUMENT;
    if (fieldOffset > 0x10000 || strip > 0x40000000) return BAD_ARGUMENT;
    if (adjustment < -0x40000000 || adjustment > 0x40000000) return BAD_ARGUMENT;
  }
  if (kind == KIND_FIXED && (fixedLen <= 0 || fixedLen > 0x40000000)) return BAD_ARGUMENT;
  if (kind == KIND_RAW && maxFrame == 0) return BAD_ARGUMENT;
  const d = mem_alloc(STATE_SIZE);
  if (d < 0) return d;
  const p = <usize>d;
  memory.fill(p, 0, <usize>STATE_SIZE);
  store<i32>(p, kind, O_KIND);
  store<i32>(p, flags, O_FLAGS);
  store<i32>(p, fieldOffset, O_FOFF);
  store<i32>(p, fieldLength, O_FLEN);
  store<i32>(p, adjustment, O_ADJ);
  store<i32>(p, strip, O_STRIP);
  store<i32>(p, maxFrame, O_MAX);
  store<i32>(p, fixedLen, O_FIXED);
  return d;
}

/** Add a delimiter (copied from [ptr, ptr+len), 1..32 bytes, at most 8). */
export function frame_add_delim(dec: i32, ptr: i32, len: i32): i32 {
  const p = <usize>dec;
  const n = load<i32>(p, O_NDELIM);
  if (n >= MAX_DELIMS || len < 1 || len > MAX_DELIM_LEN) return BAD_ARGUMENT;
  const slot = p + O_DELIMS + <usize>n * DELIM_SLOT;
  store<i32>(slot, len);
  memory.copy(slot + 4, <usize>ptr, <usize>len);
  store<i32>(p, n + 1, O_NDELIM);
  return OK;
}

/** Free a decoder. */
export function frame_free(dec: i32): i32 {
  return mem_free(dec);
}

/** Forget any partial frame and discard state (after the caller dropped its buffer). */
export function frame_reset(dec: i32): void {
  const p = <usize>dec;
  store<i32>(p, ST_HEADER, O_STATE);
  store<i64>(p, 0, O_DREM);
  store<i32>(p, 0, O_SCAN);
  store<i32>(p, OK, O_PENDING);
  store<i32>(p, OK, O_STATUS);
}

/** Change the maximum frame length; a frame already in BODY keeps the old limit. */
export function frame_set_max(dec: i32, maxFrame: i32): i32 {
  if (maxFrame < 0) return BAD_ARGUMENT;
  store<i32>(<usize>dec, maxFrame, O_MAX);
  return OK;
}

export function frame_consumed(dec: i32): i32 { return load<i32>(<usize>dec, O_CONSUMED); }
export function frame_status(dec: i32): i32 { return load<i32>(<usize>dec, O_STATUS); }
export function frame_state(dec: i32): i32 { return load<i32>(<usize>dec, O_STATE); }
export function frame_err_offset(dec: i32): i32 { return load<i32>(<usize>dec, O_ERROFF); }
export function frame_err_length(dec: i32): f64 { return load<f64>(<usize>dec, O_ERRLEN); }

@inline function fail(p: usize, status: i32, at: i32, length: f64): void {
  store<i32>(p, status, O_STATUS);
  store<i32>(p, at, O_ERROFF);
  store<f64>(p, length, O_ERRLEN);
}

// Read an unsigned field of `n` bytes at q.
@inline function readField(q: usize, n: i32, le: bool): u64 {
  if (n == 4) {
    const v = load<u32>(q);
    return <u64>(le ? v : bswap<u32>(v));
  }
  if (n == 1) return <u64>load<u8>(q);
  if (n == 2) {
    const v = load<u16>(q);
    return <u64>(le ? v : bswap<u16>(v));
  }
  if (n == 8) {
    const v = load<u64>(q);
    return le ? v : bswap<u64>(v);
  }
  // 3 bytes
  const a = <u64>load<u8>(q), b = <u64>load<u8>(q, 1), c = <u64>load<u8>(q, 2);
  return le ? (a | (b << 8) | (c << 16)) : ((a << 16) | (b << 8) | c);
}

// Whether a delimiter that would beat the match (at, delimiter bk) could still complete:
// one starting at or before `at` (at `at` only if listed before bk) that runs past the end
// of the `avail` bytes at q, with every byte it has so far matching.
// Returns the earliest such start, or -1.
function delimPending(p: usize, nd: i32, q: usize, avail: i32, at: i32, bk: i32): i32 {
  let first: i32 = -1;
  for (let k = 0; k < nd; k++) {
    const slot = p + O_DELIMS + <usize>k * DELIM_SLOT;
    const dl = load<i32>(slot);
    let start = avail - dl + 1;
    if (start < 0) start = 0;
    const last = k < bk ? at : at - 1;
    for (let s = start; s <= last; s++) {
      const have = avail - s;
      if (have <= 0 || have >= dl) continue;
      if (memory.compare(q + <usize>s, slot + 4, <usize>have) == 0) {
        if (first < 0 || s < first) first = s;
        break;
      }
    }
  }
  return first;
}

/** Decode frames; see the file comment. */
export function frame_decode(dec: i32, ptr: i32, len: i32, out: i32, max: i32): i32 {
  const p = <usize>dec;
  store<i32>(p, OK, O_STATUS);
  const kind = load<i32>(p, O_KIND);
  let pos: i32 = 0;
  let n: i32 = 0;
  let o = <usize>out;
  const flags = load<i32>(p, O_FLAGS);
  const maxFrame = load<i32>(p, O_MAX);
  const base = <usize>ptr;

  if (kind == KIND_LEN || kind == KIND_VARINT) {
    const foff = load<i32>(p, O_FOFF);
    const flen = load<i32>(p, O_FLEN);
    const adj = <i64>load<i32>(p, O_ADJ);
    const strip = load<i32>(p, O_STRIP);
    const le = (flags & F_LE) != 0;
    if (kind == KIND_LEN && load<i32>(p, O_STATE) == ST_HEADER) {
      // Fast path: whole frames with in-range lengths. Anything else (short input, bad or
      // too-long length) falls through to the general loop below at the same position.
      const hdr = foff + flen;
      const maxPayload = <i64>maxFrame;
      if (flen == 4 && !le && strip <= hdr && adj == 0 && foff == 0) {
        // the common `len:u32be` shape: u32 arithmetic only, one bounds check per frame
        const maxP = <u32>maxFrame;
        const oEnd = o + (<usize>(max - n) << 3);
        let q = base + <usize>pos;
        const qEnd = base + <usize>len;
        // Value speculation for runs of equal-sized frames: the inner loop advances by the
        // last frame's size `step` and only compares the next header with it, so the next
        // position does not wait for the load and the byte swap (the loop's dependency
        // chain is one add). A frame of another size leaves the inner loop through a
        // branch (never a select, which would bring the chain back) and is decoded by the
        // plain step below, which sets the new `step`. When runs are short (sizes vary),
        // `plain` frames are decoded without speculation before it is tried again, so a
        // missed guess costs at most once per 32 frames.
        let step: usize = 0; // 0: no guess yet
        let plain: i32 = 0;
        while (o < oEnd) {
          if (plain == 0 && step != 0) {
            // frames that fit both the table and the bytes left, if all are `step` long
            let k = <usize>((oEnd - o) >> 3);
            const fit = (qEnd - q) / step;
            if (fit < k) k = fit;
            const expect = bswap<u32>(<u32>step - 4); // the header as it sits in memory
            const dataU = <u32>step - <u32>strip;
            const k0 = k;
            let rel = <u32>(q - base);
            while (k != 0) {
              if (load<u32>(base + <usize>rel) != expect) break;
              store<u32>(o, rel + <u32>strip);
              store<u32>(o, dataU, 4);
              o += 8;
              rel += <u32>step;
              k--;
            }
            q = base + <usize>rel;
            if (k0 - k < 8) plain = 32; // a run of fewer than 8 frames: stop guessing
            if (o >= oEnd) break;
          }
          if (q + 4 > qEnd) break;
          const payload = bswap<u32>(load<u32>(q));
          if (payload > maxP) break;
          const next = q + 4 + <usize>payload;
          if (next > qEnd) break;
          store<u32>(o, <u32>(q - base) + <u32>strip);
          store<u32>(o, payload + 4 - <u32>strip, 4);
          o += 8;
          q = next;
          step = <usize>payload + 4;
          if (plain > 0) plain--;
        }
        n = max - <i32>((oEnd - o) >> 3);
        pos = <i32>(q - base);
      } else if (flen == 4 && !le) {
        while (n < max && len - pos >= hdr) {
          const payload = <i64>bswap<u32>(load<u32>(base + <usize>(pos + foff))) + adj;
          if (payload < 0 || payload > maxPayload) break;
          const total = hdr + <i32>payload;
          if (strip > total || len - pos < total) break;
          store<u32>(o, <u32>(pos + strip));
          store<u32>(o, <u32>(total - strip), 4);
          o += 8;
          n++;
          pos += total;
        }
      } else {
        while (n < max && len - pos >= hdr) {
          const v = readField(base + <usize>(pos + foff), flen, le);
          if (v > 0x40000000) break;
          const payload = <i64>v + adj;
          if (payload < 0 || payload > maxPayload) break;
          const total = hdr + <i32>payload;
          if (strip > total || len - pos < total) break;
          store<u32>(o, <u32>(pos + strip));
          store<u32>(o, <u32>(total - strip), 4);
          o += 8;
          n++;
          pos += total;
        }
      }
    }
    while (n < max) {
      const state = load<i32>(p, O_STATE);
      if (state == ST_DISCARD) {
        const rem = load<i64>(p, O_DREM);
        const avail = <i64>(len - pos);
        if (rem > avail) {
          store<i64>(p, rem - avail, O_DREM);
          pos = len;
          break;
        }
        pos += <i32>rem;
        store<i64>(p, 0, O_DREM);
        store<i32>(p, ST_HEADER, O_STATE);
        const pend = load<i32>(p, O_PENDING);
        if (pend != OK) { // fail-slow: report now that the frame is gone
          store<i32>(p, OK, O_PENDING);
          store<i32>(p, pend, O_STATUS);
          store<i32>(p, pos, O_ERROFF);
          break;
        }
        continue;
      }
      let total: i32;
      let hdr: i32;
      if (state == ST_BODY) {
        total = load<i32>(p, O_BTOTAL);
        hdr = load<i32>(p, O_BHDR);
        if (len - pos < total) break;
        store<i32>(p, ST_HEADER, O_STATE);
      } else {
        const avail = len - pos;
        let payload: i64;
        let declared: f64;
        if (kind == KIND_LEN) {
          hdr = foff + flen;
          if (avail < hdr) break;
          const v = readField(base + <usize>(pos + foff), flen, le);
          declared = <f64>v;
          if (v > 0x4000000000000000) {
            payload = 0x4000000000000000;
          } else {
            payload = <i64>v + adj;
          }
          if (payload < 0) { fail(p, BAD_LENGTH, pos, <f64>payload); break; }
        } else {
          // protobuf varint, at most 10 bytes, must fit 64 bits
          let v: u64 = 0;
          let shift: u64 = 0;
          let i: i32 = 0;
          let done = false;
          let bad = false;
          while (i < avail && i < 10) {
            const b = <u64>load<u8>(base + <usize>(pos + i));
            if (i == 9 && b > 1) { bad = true; break; }
            v |= (b & 0x7f) << shift;
            shift += 7;
            i++;
            if ((b & 0x80) == 0) { done = true; break; }
          }
          if (bad || (!done && i >= 10)) { fail(p, BAD_VARINT, pos, 0); break; }
          if (!done) break;
          hdr = i;
          declared = <f64>v;
          payload = v > 0x4000000000000000 ? 0x4000000000000000 : <i64>v;
        }
        if (payload > <i64>maxFrame) {
          // too long: fail fast (policy "error"), or discard the whole frame
          const wholeFrame = <i64>hdr + payload;
          const errLen: f64 = payload >= 0x4000000000000000 ? declared : <f64>payload;
          if ((flags & F_DISCARD) == 0) { fail(p, FRAME_TOO_LONG, pos, errLen); break; }
          store<i32>(p, ST_DISCARD, O_STATE);
          store<i64>(p, wholeFrame, O_DREM);
          store<f64>(p, errLen, O_ERRLEN);
          if ((flags & F_FAILFAST) != 0) {
            fail(p, FRAME_TOO_LONG, pos, errLen);
            break;
          }
          store<i32>(p, FRAME_TOO_LONG, O_PENDING);
          continue;
        }
        total = hdr + <i32>payload;
        if (kind == KIND_LEN && strip > total) { fail(p, BAD_LENGTH, pos, <f64>total); break; }
        if (len - pos < total) {
          // header known, body incomplete: remember the length (it keeps the old maximum)
          store<i32>(p, ST_BODY, O_STATE);
          store<i32>(p, total, O_BTOTAL);
          store<i32>(p, hdr, O_BHDR);
          break;
        }
      }
      const skip = kind == KIND_LEN ? strip : hdr;
      store<u32>(o, <u32>(pos + skip));
      store<u32>(o, <u32>(total - skip), 4);
      o += 8;
      n++;
      pos += total;
    }
  } else if (kind == KIND_FIXED) {
    const f = load<i32>(p, O_FIXED);
    while (n < max && len - pos >= f) {
      store<u32>(o, <u32>pos);
      store<u32>(o, <u32>f, 4);
      o += 8;
      n++;
      pos += f;
    }
  } else if (kind == KIND_RAW) {
    if (len > 0 && max > 0) {
      const take = len < maxFrame ? len : maxFrame;
      store<u32>(o, 0);
      store<u32>(o, <u32>take, 4);
      n = 1;
      pos = take;
    }
  } else {
    // delimiter / line
    const keep = (flags & F_KEEP) != 0;
    const isLine = kind == KIND_LINE;
    const crlf = (flags & F_CRLF) != 0;
    const nd = isLine ? 1 : load<i32>(p, O_NDELIM);
    let scan = load<i32>(p, O_SCAN); // already scanned bytes from `pos` (first frame only)
    if (isLine && !crlf && load<i32>(p, O_STATE) == ST_HEADER) {
      // Fast path for LF lines: one SIMD search per line, no per-line state traffic. It
      // stops at a too-long line or the end of the input; the general loop below then does
      // the bound check and the error handling from the same position.
      let from = pos + scan;
      // 64 bytes per step: one 64-bit mask of the LFs, then one line per set bit (ctz), so
      // a short line costs a few instructions instead of a search call of its own.
      const nl = i8x16.splat(10);
      let stop = false;
      while (from + 64 <= len) {
        const q = base + <usize>from;
        let m = <u64>i8x16.bitmask(i8x16.eq(v128.load(q), nl)) |
          (<u64>i8x16.bitmask(i8x16.eq(v128.load(q, 16), nl)) << 16) |
          (<u64>i8x16.bitmask(i8x16.eq(v128.load(q, 32), nl)) << 32) |
          (<u64>i8x16.bitmask(i8x16.eq(v128.load(q, 48), nl)) << 48);
        while (m != 0) {
          const at = from + <i32>ctz<u64>(m);
          const content = at - pos;
          // a too-long line or a full table: the search loop below redoes it from `pos`
          if (content > maxFrame || n >= max) { stop = true; break; }
          let fl = content;
          if (keep) fl = content + 1;
          else if (content > 0 && load<u8>(base + <usize>(at - 1)) == 13) fl = content - 1;
          store<u32>(o, <u32>pos);
          store<u32>(o, <u32>fl, 4);
          o += 8;
          n++;
          pos = at + 1;
          scan = 0;
          m &= m - 1;
        }
        if (stop) break;
        from += 64;
      }
      if (stop) from = pos;
      while (n < max) {
        const i = findByte(base + <usize>from, len - from, 10);
        if (i < 0) { scan = len - pos; break; }
        const at = from + i;
        const content = at - pos;
        if (content > maxFrame) { scan = 0; break; }
        let fl = content;
        if (keep) fl = content + 1;
        else if (content > 0 && load<u8>(base + <usize>(at - 1)) == 13) fl = content - 1;
        store<u32>(o, <u32>pos);
        store<u32>(o, <u32>fl, 4);
        o += 8;
        n++;
        pos = at + 1;
        from = pos;
        scan = 0;
      }
    }
    while (n < max) {
      const state = load<i32>(p, O_STATE);
      const avail = len - pos;
      // find the earliest delimiter in [pos+scan, len)
      let best: i32 = -1;
      let bestLen: i32 = 0;
      let bestK: i32 = 0;
      if (isLine) {
        const i = findByte(base + <usize>(pos + scan), avail - scan, 10);
        if (i >= 0) { best = scan + i; bestLen = 1; }
      } else {
        for (let k = 0; k < nd; k++) {
          const slot = p + O_DELIMS + <usize>k * DELIM_SLOT;
          const dl = load<i32>(slot);
          const first = <i32>load<u8>(slot, 4);
          let from = scan - (dl - 1);
          if (from < 0) from = 0;
          const limit = best >= 0 ? best : avail; // a later match can't beat `best`
          while (from + dl <= avail && from <= limit) {
            const i = findByte(base + <usize>(pos + from), avail - from - dl + 1, first);
            if (i < 0) break;
            const at = from + i;
            if (best >= 0 && at > best) break;
            if (memory.compare(base + <usize>(pos + at), slot + 4, <usize>dl) == 0) {
              if (best < 0 || at < best) { best = at; bestLen = dl; bestK = k; }
              break;
            }
            from = at + 1;
          }
        }
      }
      if (best >= 0 && !isLine) {
        // A delimiter that would win over this match may still complete with the next
        // bytes: wait, so that the frames do not depend on how the input was chunked.
        const ps = delimPending(p, nd, base + <usize>pos, avail, best, bestK);
        if (ps >= 0) {
          if (state == ST_DISCARD || ps <= maxFrame) { scan = best; break; }
          // every frame that can end here is too long: as if no delimiter had been seen
          if ((flags & F_DISCARD) == 0) { fail(p, FRAME_TOO_LONG, pos, <f64>avail); break; }
          store<i32>(p, ST_DISCARD, O_STATE);
          store<f64>(p, <f64>avail, O_ERRLEN);
          if ((flags & F_FAILFAST) != 0) {
            scan = best;
            fail(p, FRAME_TOO_LONG, pos, <f64>avail);
            break;
          }
          store<i32>(p, FRAME_TOO_LONG, O_PENDING);
          continue;
        }
      }
      if (best < 0) {
        // no delimiter in what we have
        if (state == ST_DISCARD) {
          // keep the last (longest delimiter - 1) bytes: they may start a delimiter
          let keepTail: i32 = 0;
          for (let k = 0; k < nd; k++) {
            const dl = isLine ? 1 : load<i32>(p + O_DELIMS + <usize>k * DELIM_SLOT);
            if (dl - 1 > keepTail) keepTail = dl - 1;
          }
          const drop = avail - keepTail;
          if (drop > 0) pos += drop;
          scan = len - pos;
          break;
        }
        // longest possible delimiter must still fit after maxFrame content bytes
        let maxDl: i32 = 1;
        if (!isLine) {
          for (let k = 0; k < nd; k++) {
            const dl = load<i32>(p + O_DELIMS + <usize>k * DELIM_SLOT);
            if (dl > maxDl) maxDl = dl;
          }
        }
        if (avail > maxFrame + maxDl - 1) {
          if ((flags & F_DISCARD) == 0) { fail(p, FRAME_TOO_LONG, pos, <f64>avail); break; }
          store<i32>(p, ST_DISCARD, O_STATE);
          store<f64>(p, <f64>avail, O_ERRLEN);
          if ((flags & F_FAILFAST) != 0) {
            store<i32>(p, avail, O_SCAN);
            scan = avail;
            fail(p, FRAME_TOO_LONG, pos, <f64>avail);
            break;
          }
          store<i32>(p, FRAME_TOO_LONG, O_PENDING);
          continue;
        }
        scan = avail;
        break;
      }
      // found a delimiter at pos+best
      if (state == ST_DISCARD) {
        pos += best + bestLen;
        scan = 0;
        store<i32>(p, ST_HEADER, O_STATE);
        const pend = load<i32>(p, O_PENDING);
        if (pend != OK) {
          store<i32>(p, OK, O_PENDING);
          store<i32>(p, pend, O_STATUS);
          store<i32>(p, pos, O_ERROFF);
          break;
        }
        continue;
      }
      // content length counts a line's CR (tokio's rule)
      if (best > maxFrame) {
        if ((flags & F_DISCARD) == 0) { fail(p, FRAME_TOO_LONG, pos, <f64>best); break; }
        const at = pos;
        pos += best + bestLen; // the whole too-long frame is here: skip it, report once
        scan = 0;
        fail(p, FRAME_TOO_LONG, at, <f64>best);
        break;
      }
      let flen = best;
      if (isLine) {
        const hasCr = best > 0 && load<u8>(base + <usize>(pos + best - 1)) == 13;
        if (crlf && !hasCr) {
          // strict CRLF: a bare LF is corrupt; consume the line so the caller can go on
          const at = pos;
          pos += best + 1;
          scan = 0;
          fail(p, BAD_LENGTH, at, <f64>best);
          break;
        }
        if (keep) flen = best + 1;
        else if (hasCr) flen = best - 1;
      } else if (keep) {
        flen = best + bestLen;
      }
      store<u32>(o, <u32>pos);
      store<u32>(o, <u32>flen, 4);
      o += 8;
      n++;
      pos += best + bestLen;
      scan = 0;
    }
    store<i32>(p, scan, O_SCAN);
  }
  store<i32>(p, pos, O_CONSUMED);
  return n;
}

/**
 * Write the header for a payload of `payloadLen` bytes at `out` (length-field and varint
 * decoders). Returns the header length, or FRAME_TOO_LONG (over the maximum, or the field
 * cannot hold the value), BAD_LENGTH (negative after adjustment), BAD_ARGUMENT (field
 * offset other than 0, or a kind without a header). Writes nothing on failure.
 */
export function frame_encode_header(dec: i32, payloadLen: f64, out: i32): i32 {
  const p = <usize>dec;
  const kind = load<i32>(p, O_KIND);
  const q = <usize>out;
  if (payloadLen < 0 || payloadLen > <f64>load<i32>(p, O_MAX)) return FRAME_TOO_LONG;
  if (kind == KIND_VARINT) {
    let v = <u64>payloadLen;
    let i: i32 = 0;
    while (v >= 0x80) {
      store<u8>(q + <usize>i, <u8>((v & 0x7f) | 0x80));
      v >>= 7;
      i++;
    }
    store<u8>(q + <usize>i, <u8>v);
    return i + 1;
  }
  if (kind != KIND_LEN || load<i32>(p, O_FOFF) != 0) return BAD_ARGUMENT;
  const flen = load<i32>(p, O_FLEN);
  const value = <i64>payloadLen - <i64>load<i32>(p, O_ADJ);
  if (value < 0) return BAD_LENGTH;
  if (flen < 8 && value >= (<i64>1 << (<i64>flen * 8))) return FRAME_TOO_LONG;
  const le = (load<i32>(p, O_FLAGS) & F_LE) != 0;
  const v = <u64>value;
  for (let i = 0; i < flen; i++) {
    const shift = <u64>(le ? i : flen - 1 - i) * 8;
    store<u8>(q + <usize>i, <u8>(v >> shift));
  }
  return flen;
}
