/** A fixed list of 256 datagrams of 0–1400 bytes (xorshift32 content), shared by the batch tests. */
export function exchangeDatagrams(count = 256): Uint8Array[] {
  let x = 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const d = new Uint8Array(i === 7 ? 0 : next() % 1401);
    for (let k = 0; k < d.length; k++) d[k] = next() & 0xff;
    if (d.length >= 2) new DataView(d.buffer).setUint16(0, i);
    out.push(d);
  }
  return out;
}
