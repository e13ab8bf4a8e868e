/**
 * A userspace UDP relay that loses, duplicates and reorders datagrams on purpose (the
 * catalogue's §3 R4: this kernel has no netem). Datagrams from a client go to `target`;
 * replies from `target` go back to the last client. Faults are drawn from a seeded generator,
 * so a run is repeatable, and each is logged by the datagram's first 4 bytes (a u32 BE
 * sequence number) so a test can compare what arrived with what the relay did. Loopback only.
 */

import { mulberry32 } from "../stress/fault_proxy.ts";

/** How often each fault happens, per datagram (0-1), in the client-to-target direction. */
export interface Faults {
  /** Dropped. */
  drop: number;
  /** Sent twice. */
  duplicate: number;
  /** Held back and sent after the next datagram. */
  reorder: number;
  /** Replies from the target dropped (0-1). Default 0. */
  dropReplies?: number;
}

/** What the relay did, by sequence number. */
export interface FaultLog {
  forwarded: number;
  dropped: number[];
  duplicated: number[];
  reordered: number[];
  repliesDropped: number;
}

/** A running relay: its address, its log, and `close()`. */
export interface FaultRelay extends Disposable {
  addr: Deno.NetAddr;
  log: FaultLog;
  /** Send what is held back, stop, and close the sockets. */
  close(): Promise<void>;
}

/**
 * Start a relay on 127.0.0.1 towards `target`.
 *
 * @param target Where the client's datagrams go (loopback).
 * @param faults The fault rates.
 * @param seed The generator's seed.
 */
export function udpFaultRelay(target: Deno.NetAddr, faults: Faults, seed = 1): FaultRelay {
  const front = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const back = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const next = mulberry32(seed);
  const log: FaultLog = {
    forwarded: 0,
    dropped: [],
    duplicated: [],
    reordered: [],
    repliesDropped: 0,
  };
  let client: Deno.Addr | undefined;
  let held: Uint8Array | undefined;
  const seq = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset).getUint32(0);
  const send = async (d: Uint8Array) => {
    await back.send(d, target);
    log.forwarded++;
  };
  let closed = false;
  const forward = (async () => {
    try {
      for (;;) {
        const [d, from] = await front.receive();
        client = from;
        const r = next();
        if (r < faults.drop) {
          log.dropped.push(seq(d));
          continue;
        }
        if (r < faults.drop + faults.duplicate) {
          log.duplicated.push(seq(d));
          await send(d);
          await send(d);
        } else if (r < faults.drop + faults.duplicate + faults.reorder && held === undefined) {
          log.reordered.push(seq(d));
          held = d;
          continue;
        } else {
          await send(d);
        }
        if (held) {
          const h = held;
          held = undefined;
          await send(h);
        }
      }
    } catch (e) {
      if (!closed) throw e;
    }
  })();
  const replies = (async () => {
    try {
      for (;;) {
        const [d] = await back.receive();
        if (next() < (faults.dropReplies ?? 0)) log.repliesDropped++;
        else if (client) await front.send(d, client);
      }
    } catch (e) {
      if (!closed) throw e;
    }
  })();
  const close = async () => {
    if (closed) return;
    if (held) {
      await send(held);
      held = undefined;
    }
    closed = true;
    front.close();
    back.close();
    await Promise.all([forward, replies]);
  };
  return {
    addr: front.addr as Deno.NetAddr,
    log,
    close,
    [Symbol.dispose]: () => void close(),
  };
}
