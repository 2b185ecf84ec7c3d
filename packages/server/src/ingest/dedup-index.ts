/**
 * A set of 64-bit string hashes in two typed arrays (open addressing, linear probing): remembers
 * every stored `mid` (or batch `msgid`) in 11–22 bytes each instead of a JS string (8 bytes a slot;
 * the table doubles at three-quarters full: 128 MiB at 10 million ids, where doubling at half full
 * took 256 MiB for no measurable gain in speed). A false positive needs a 64-bit collision: about
 * 1 in 10^7 at a billion ids.
 */

const EMPTY_LO = 0;
const DELETED_LO = 1;

/** The 64-bit hash of an id as two unsigned 32-bit halves [hi, lo]; lo is never 0 or 1 (slot markers). */
export function dedupHash(value: string): [number, number] {
  // Two independent 32-bit FNV-1a style hashes.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 >>>= 0;
  h2 >>>= 0;
  if (h2 <= DELETED_LO) h2 += 2; // reserve 0 (empty) and 1 (deleted)
  return [h1, h2];
}

export class DedupIndex {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private used = 0; // live + deleted slots
  size = 0;

  constructor(initialCapacity = 1 << 16) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity <<= 1;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
  }

  has(value: string): boolean {
    const [h1, h2] = dedupHash(value);
    return this.find(h1, h2) >= 0;
  }

  /** Adds `value`; false when it was already present. */
  add(value: string): boolean {
    const [h1, h2] = dedupHash(value);
    if (this.find(h1, h2) >= 0) return false;
    if ((this.used + 1) * 4 > this.hi.length * 3) this.resize(this.hi.length * 2);
    this.insert(h1, h2);
    this.size++;
    return true;
  }

  /** The live hashes, `[hi, lo]` pairs side by side (2 × size numbers), for a snapshot (dedup-snapshot.ts). */
  hashes(): Uint32Array {
    const pairs = new Uint32Array(this.size * 2);
    let n = 0;
    for (let i = 0; i < this.lo.length; i++) {
      if (this.lo[i] <= DELETED_LO) continue;
      pairs[n++] = this.hi[i];
      pairs[n++] = this.lo[i];
    }
    return pairs;
  }

  /**
   * Adds hashes as `hashes()` returns them, growing once to fit them all.
   * @throws RangeError when a pair's `lo` is a slot marker (0 or 1): not a hash dedupHash returns
   */
  addHashes(pairs: Uint32Array): void {
    let capacity = this.hi.length;
    while ((this.used + pairs.length / 2 + 1) * 4 > capacity * 3) capacity <<= 1;
    if (capacity > this.hi.length) this.resize(capacity);
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const h1 = pairs[i];
      const h2 = pairs[i + 1];
      if (h2 <= DELETED_LO) throw new RangeError(`not a dedup hash: lo ${h2}`);
      if (this.find(h1, h2) >= 0) continue;
      this.insert(h1, h2);
      this.size++;
    }
  }

  delete(value: string): void {
    const [h1, h2] = dedupHash(value);
    const slot = this.find(h1, h2);
    if (slot < 0) return;
    this.lo[slot] = DELETED_LO;
    this.size--;
  }

  private find(h1: number, h2: number): number {
    const mask = this.hi.length - 1;
    for (let slot = (h1 ^ h2) & mask; ; slot = (slot + 1) & mask) {
      const lo = this.lo[slot];
      if (lo === EMPTY_LO) return -1;
      if (lo === h2 && this.hi[slot] === h1) return slot;
    }
  }

  private insert(h1: number, h2: number): void {
    const mask = this.hi.length - 1;
    let slot = (h1 ^ h2) & mask;
    while (this.lo[slot] > DELETED_LO) slot = (slot + 1) & mask;
    if (this.lo[slot] === EMPTY_LO) this.used++;
    this.hi[slot] = h1;
    this.lo[slot] = h2;
  }

  private resize(capacity: number): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.used = 0;
    for (let i = 0; i < hi.length; i++) if (lo[i] > DELETED_LO) this.insert(hi[i], lo[i]);
  }
}
