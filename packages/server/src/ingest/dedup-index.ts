/**
 * A set of 64-bit string hashes in two typed arrays (open addressing, linear probing): remembers
 * every stored `mid` (or batch `msgid`) in 11–22 bytes each instead of a JS string (8 bytes a slot;
 * the table doubles at three-quarters full: 128 MiB at 10 million ids, where doubling at half full
 * took 256 MiB for no measurable gain in speed; the ids move to the doubled table a slice per add).
 * A false positive needs a 64-bit collision: about 1 in 10^7 at a billion ids.
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

/**
 * Slots of the old table moved into the new one with each add while the table grows. Growing at once held the
 * collector's thread for as long as re-inserting every id takes (0.27 s at 1.6 million ids, 1.8 s at 12.6 million,
 * on the 2-core machine); in slices it adds microseconds to each add until done. At least 2, so that the old table
 * is empty before the new one is three-quarters full (it has twice the slots).
 */
const MOVE_PER_ADD = 128;

export class DedupIndex {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private used = 0; // live + deleted slots of the current table
  /** While growing, the table before: its slots below `moved` are in the current one. Each id is in one table. */
  private old: { hi: Uint32Array; lo: Uint32Array; moved: number } | null = null;
  size = 0;

  /** @param movePerAdd slots moved per add while growing (MOVE_PER_ADD; at least 2) */
  constructor(
    initialCapacity = 1 << 16,
    private readonly movePerAdd = MOVE_PER_ADD,
  ) {
    if (!(movePerAdd >= 2)) throw new RangeError(`movePerAdd must be at least 2, got ${movePerAdd}`);
    let capacity = 1;
    while (capacity < initialCapacity) capacity <<= 1;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
  }

  /** True while the ids of the table before the last doubling are still being moved (a slice per add). */
  get growing(): boolean {
    return this.old !== null;
  }

  has(value: string): boolean {
    const [h1, h2] = dedupHash(value);
    return this.contains(h1, h2);
  }

  /** Adds `value`; false when it was already present. */
  add(value: string): boolean {
    const [h1, h2] = dedupHash(value);
    if (this.contains(h1, h2)) return false;
    if ((this.used + 1) * 4 > this.hi.length * 3) this.grow(this.hi.length * 2);
    this.insert(h1, h2);
    this.size++;
    if (this.old) this.move(this.movePerAdd);
    return true;
  }

  /** The live hashes, `[hi, lo]` pairs side by side (2 × size numbers), for a snapshot (dedup-snapshot.ts). */
  hashes(): Uint32Array {
    const pairs = new Uint32Array(this.size * 2);
    let n = 0;
    for (const { hi, lo } of this.tables()) {
      for (let i = 0; i < lo.length; i++) {
        if (lo[i] <= DELETED_LO) continue;
        pairs[n++] = hi[i];
        pairs[n++] = lo[i];
      }
    }
    return pairs;
  }

  /**
   * Adds hashes as `hashes()` returns them, growing once to fit them all (at once: this runs before the server
   * listens).
   * @throws RangeError when a pair's `lo` is a slot marker (0 or 1): not a hash dedupHash returns
   */
  addHashes(pairs: Uint32Array): void {
    if (this.old) this.move(Number.POSITIVE_INFINITY);
    let capacity = this.hi.length;
    while ((this.used + pairs.length / 2 + 1) * 4 > capacity * 3) capacity <<= 1;
    if (capacity > this.hi.length) {
      this.grow(capacity);
      this.move(Number.POSITIVE_INFINITY);
    }
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const h1 = pairs[i];
      const h2 = pairs[i + 1];
      if (h2 <= DELETED_LO) throw new RangeError(`not a dedup hash: lo ${h2}`);
      if (this.contains(h1, h2)) continue;
      this.insert(h1, h2);
      this.size++;
    }
  }

  delete(value: string): void {
    const [h1, h2] = dedupHash(value);
    for (const { hi, lo } of this.tables()) {
      const slot = find(hi, lo, h1, h2);
      if (slot < 0) continue;
      lo[slot] = DELETED_LO;
      this.size--;
      return;
    }
  }

  /** The current table, then the old one while growing. */
  private tables(): Array<{ hi: Uint32Array; lo: Uint32Array }> {
    const current = { hi: this.hi, lo: this.lo };
    return this.old ? [current, this.old] : [current];
  }

  private contains(h1: number, h2: number): boolean {
    return find(this.hi, this.lo, h1, h2) >= 0 || (this.old !== null && find(this.old.hi, this.old.lo, h1, h2) >= 0);
  }

  private insert(h1: number, h2: number): void {
    const mask = this.hi.length - 1;
    let slot = (h1 ^ h2) & mask;
    while (this.lo[slot] > DELETED_LO) slot = (slot + 1) & mask;
    if (this.lo[slot] === EMPTY_LO) this.used++;
    this.hi[slot] = h1;
    this.lo[slot] = h2;
  }

  /** A new, empty current table of `capacity` slots; the current one becomes `old`, moved over by `move`. */
  private grow(capacity: number): void {
    if (this.old) this.move(Number.POSITIVE_INFINITY);
    this.old = { hi: this.hi, lo: this.lo, moved: 0 };
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.used = 0;
  }

  /** Moves up to `slots` more slots of the old table into the current one; drops the old table once all are. */
  private move(slots: number): void {
    const old = this.old as NonNullable<typeof this.old>;
    const end = Math.min(old.lo.length, old.moved + slots);
    for (let i = old.moved; i < end; i++) {
      if (old.lo[i] <= DELETED_LO) continue;
      this.insert(old.hi[i], old.lo[i]);
      old.lo[i] = DELETED_LO; // moved: found in the current table only (the old probe chains stay whole)
    }
    old.moved = end;
    if (end === old.lo.length) this.old = null;
  }
}

/** The slot holding [h1, h2] in one table (linear probing from its home slot, past deleted slots), or -1. */
function find(hi: Uint32Array, lo: Uint32Array, h1: number, h2: number): number {
  const mask = hi.length - 1;
  for (let slot = (h1 ^ h2) & mask; ; slot = (slot + 1) & mask) {
    const value = lo[slot];
    if (value === EMPTY_LO) return -1;
    if (value === h2 && hi[slot] === h1) return slot;
  }
}
