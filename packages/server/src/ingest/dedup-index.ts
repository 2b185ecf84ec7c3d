/**
 * A set of 64-bit string hashes (dedupHash) in a bucketized cuckoo table: remembers every stored `mid` (or batch
 * `msgid`) in 7.1–14.2 bytes each instead of a JS string. Each id has two buckets of ten slots, its home (the hash's
 * top bits) and one other; a slot keeps the hash's low half and the high half's bits the home does not say, plus
 * one bit saying which of the two buckets it is in: 6.4 bytes a slot (a bucket is one 64-byte cache line) from 2^17
 * buckets on, and every hash exact (the snapshot and a doubled table get the same 64 bits back). Two choices of ten
 * slots fill a table to 90% before it doubles (Fan et al., "Cuckoo Filter: Practically Better Than Bloom", CoNEXT
 * 2014, §4: 95% already with four-slot buckets). The linear probing it replaced took 8 bytes a slot and doubled at
 * 75%: tables of 2^k slots for up to 0.75 × 2^k ids against 2^b buckets for up to 9 × 2^b, so half the bytes at 1.6–2.4,
 * 3.1–4.7 and 6.3–9.4 million ids (16 MiB instead of 32, 32 instead of 64, 64 instead of 128) and the same between.
 * A false positive needs a 64-bit collision: about 1 in 10^7 at a billion ids.
 */

/** A slot whose `lo` is 0 is empty. */
const EMPTY_LO = 0;
/** Reserved too: the linear-probing table before marked deleted slots with it, and snapshots hold its hashes. */
const DELETED_LO = 1;

/** The 64-bit hash of an id as two unsigned 32-bit halves [hi, lo]; lo is never 0 or 1 (reserved markers). */
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
 * is empty before the new one is full (it has twice the slots and starts at most MAX_LOAD / 2 full).
 */
const MOVE_PER_ADD = 128;

/** Slots per bucket: ten of 6 bytes fill a 64-byte cache line (the last 4 bytes unused). */
const BUCKET_SLOTS = 10;

/** The share of slots in use at which the table doubles. */
const MAX_LOAD = 0.9;

/**
 * Evictions an add tries before it stashes the id it holds (the table then doubles at the next add): a walk this long
 * means the table is nearly full. Fan et al. use 500.
 */
const MAX_KICKS = 500;

/** Bytes a bucket takes: ten `lo` (uint32), then ten `rest` (uint16), then 4 bytes unused: one cache line. */
const BUCKET_BYTES = 64;

/** A bucket's `lo`s start at bucket × 16 in the uint32 view, its `rest`s at bucket × 32 + REST_AT in the uint16 view. */
const LO_PER_BUCKET = BUCKET_BYTES / 4;
const REST_AT = 20;

/** Bits of the high half each slot's `rest` keeps (below them, the bit saying which bucket of two it is in). */
const REST_BITS = 15;
const REST_MASK = (1 << REST_BITS) - 1;

/**
 * One table of 2^bits buckets. A slot keeps the hash's low half (`lo`; 0: empty) and `rest`: the high half's low
 * REST_BITS bits, plus 2^REST_BITS when the slot's bucket is the id's other bucket rather than its home. The home is
 * the high half's top `bits` bits; below 17 bits, `extra` keeps the high half's bits between those and `rest`'s.
 */
class Table {
  /** As int32 (the hash's low half | 0): compared as small integers, not as doubles above 2^31. */
  private readonly lo: Int32Array;
  private readonly rest: Uint16Array;
  private readonly extra: Uint16Array | null;
  /** Bits of the high half below the home's (32 - bits); `lowMask` selects them. */
  private readonly low: number;
  private readonly lowMask: number;
  private readonly bucketMask: number;
  /**
   * Whether any slot was emptied (a delete, or moved out while growing). Until then an id sits in its other bucket
   * only when its home was full when it was put there, and a home is never emptied: a lookup that finds a free slot
   * at home need not read the other bucket (one cache line instead of two for every new id).
   */
  private emptied = false;
  /** The slot of a full bucket the next eviction takes, in turn. */
  private kick = 0;
  readonly buckets: number;
  readonly slots: number;

  constructor(readonly bits: number) {
    const buffer = new ArrayBuffer(BUCKET_BYTES * 2 ** bits);
    this.lo = new Int32Array(buffer);
    this.rest = new Uint16Array(buffer);
    this.buckets = 2 ** bits;
    this.slots = BUCKET_SLOTS * this.buckets;
    this.extra = bits < 32 - REST_BITS ? new Uint16Array(this.slots) : null;
    this.low = 32 - bits;
    this.lowMask = 0xffffffff >>> bits;
    this.bucketMask = (1 << bits) - 1;
  }

  /** Bytes the table holds. */
  get bytes(): number {
    return this.lo.byteLength + (this.extra?.byteLength ?? 0);
  }

  private home(h1: number): number {
    return h1 >>> this.low;
  }

  /** The id's other bucket is its bucket xor this (from `lo` alone, so a slot's other bucket needs no `hi`). */
  private offset(h2: number): number {
    return Math.imul(h2, 0x9e3779b1) >>> this.low;
  }

  /**
   * The place in `bucket` (0–9) holding [h1, h2] (in its home: other 0; in its other bucket: other 1); when none,
   * -1 - the bucket's first empty place (-1 - BUCKET_SLOTS: full). Until a slot is emptied a bucket fills in order,
   * so the scan stops at the first empty place.
   */
  private scan(bucket: number, h1: number, h2: number, other: number): number {
    const lo = bucket * LO_PER_BUCKET;
    const low = h2 | 0; // as `lo` holds it
    const rest = (h1 & REST_MASK) + (other << REST_BITS);
    let empty = BUCKET_SLOTS;
    for (let place = 0; place < BUCKET_SLOTS; place++) {
      const value = this.lo[lo + place];
      if (value === EMPTY_LO) {
        if (empty === BUCKET_SLOTS) empty = place;
        if (!this.emptied) break;
      } else if (
        value === low &&
        this.rest[2 * lo + REST_AT + place] === rest &&
        this.extraMatches(bucket, place, h1)
      ) {
        return place;
      }
    }
    return -1 - empty;
  }

  /** Whether the slot keeps the bits of h1 that `extra` keeps (always, from 17 bits on). */
  private extraMatches(bucket: number, place: number, h1: number): boolean {
    return this.extra === null || this.extra[bucket * BUCKET_SLOTS + place] === (h1 & this.lowMask) >>> REST_BITS;
  }

  /** An empty place of `bucket`, or -1. */
  private emptyIn(bucket: number): number {
    const lo = bucket * LO_PER_BUCKET;
    for (let place = 0; place < BUCKET_SLOTS; place++) if (this.lo[lo + place] === EMPTY_LO) return place;
    return -1;
  }

  /** The slot (bucket × 10 + place) holding [h1, h2], or -1. */
  find(h1: number, h2: number): number {
    const home = this.home(h1);
    const found = this.scan(home, h1, h2, 0);
    if (found >= 0) return home * BUCKET_SLOTS + found;
    // An id is in its other bucket only if its home was full then, and stays full until a slot is emptied.
    if (found !== -1 - BUCKET_SLOTS && !this.emptied) return -1;
    const other = (home ^ this.offset(h2)) & this.bucketMask;
    const place = this.scan(other, h1, h2, 1);
    return place < 0 ? -1 : other * BUCKET_SLOTS + place;
  }

  /**
   * Adds [h1, h2] unless the table holds it: false when it does. Reads its home once for both (a new id with room
   * at home, the usual case, costs one bucket); an id left without a slot (insert) is pushed to `stash`.
   */
  add(h1: number, h2: number, maxKicks: number, stash: number[]): boolean {
    const home = this.home(h1);
    const found = this.scan(home, h1, h2, 0);
    if (found >= 0) return false;
    const free = -1 - found;
    if (
      (free === BUCKET_SLOTS || this.emptied) &&
      this.scan((home ^ this.offset(h2)) & this.bucketMask, h1, h2, 1) >= 0
    )
      return false;
    if (free < BUCKET_SLOTS) this.put(home, free, h1, h2);
    else this.insert(h1, h2, maxKicks, stash);
    return true;
  }

  /** The high half of the hash in a slot (not empty): the home's number in its top bits, the rest from the slot. */
  private hiIn(bucket: number, place: number): number {
    const lo = bucket * LO_PER_BUCKET;
    const rest = this.rest[2 * lo + REST_AT + place];
    const home = rest >>> REST_BITS ? (bucket ^ this.offset(this.lo[lo + place])) & this.bucketMask : bucket;
    const below =
      this.extra === null
        ? rest & this.lowMask
        : (this.extra[bucket * BUCKET_SLOTS + place] << REST_BITS) | (rest & REST_MASK);
    return ((home << this.low) | below) >>> 0;
  }

  /**
   * Empties the slots from `start` to before `end` (bucket × 10 + place), calling `each` with the hash of every id
   * they held, [hi, lo].
   */
  takeSlots(start: number, end: number, each: (h1: number, h2: number) => void): void {
    for (let slot = start; slot < end; slot++) {
      const bucket = (slot / BUCKET_SLOTS) | 0;
      const place = slot - bucket * BUCKET_SLOTS;
      const lo = this.lo[bucket * LO_PER_BUCKET + place];
      if (lo === EMPTY_LO) continue;
      each(this.hiIn(bucket, place), lo >>> 0);
      this.empty(bucket, place);
    }
  }

  /**
   * Writes the hash of every id in buckets `fromBucket` to `toBucket` (exclusive) into `pairs` ([hi, lo] side by
   * side, from 0); returns how many numbers it wrote.
   */
  hashesInto(pairs: Uint32Array, fromBucket: number, toBucket: number): number {
    let n = 0;
    for (let bucket = fromBucket; bucket < toBucket; bucket++) {
      for (let place = 0; place < BUCKET_SLOTS; place++) {
        const lo = this.lo[bucket * LO_PER_BUCKET + place];
        if (lo === EMPTY_LO) continue;
        pairs[n++] = this.hiIn(bucket, place);
        pairs[n++] = lo >>> 0;
      }
    }
    return n;
  }

  /** Empties `slot` (as find returns it). */
  clear(slot: number): void {
    const bucket = (slot / BUCKET_SLOTS) | 0;
    this.empty(bucket, slot - bucket * BUCKET_SLOTS);
  }

  private empty(bucket: number, place: number): void {
    this.lo[bucket * LO_PER_BUCKET + place] = EMPTY_LO;
    this.emptied = true;
  }

  /** Puts [h1, h2] in `place` of `bucket`, its home or its other bucket. */
  private put(bucket: number, place: number, h1: number, h2: number): void {
    const lo = bucket * LO_PER_BUCKET;
    this.lo[lo + place] = h2 | 0;
    this.rest[2 * lo + REST_AT + place] = (h1 & REST_MASK) + ((bucket === this.home(h1) ? 0 : 1) << REST_BITS);
    if (this.extra !== null) this.extra[bucket * BUCKET_SLOTS + place] = (h1 & this.lowMask) >>> REST_BITS;
  }

  /**
   * Inserts [h1, h2] (not present), evicting ids to their other bucket up to `maxKicks` times; the id then left
   * without a slot ([h1, h2] or one evicted on the way) is pushed to `stash`.
   */
  insert(h1: number, h2: number, maxKicks: number, stash: number[]): void {
    let bucket = this.home(h1);
    let place = this.emptyIn(bucket);
    if (place < 0) {
      bucket = (bucket ^ this.offset(h2)) & this.bucketMask;
      place = this.emptyIn(bucket);
    }
    for (let kicks = 0; place < 0; kicks++) {
      if (kicks === maxKicks) {
        stash.push(h1, h2);
        return;
      }
      // Evict one of the bucket's ids to its other bucket, where it may find room; the bucket stays full.
      this.kick = (this.kick + 1) % BUCKET_SLOTS;
      const evictedHi = this.hiIn(bucket, this.kick);
      const evictedLo = this.lo[bucket * LO_PER_BUCKET + this.kick] >>> 0;
      this.put(bucket, this.kick, h1, h2);
      h1 = evictedHi;
      h2 = evictedLo;
      bucket = (bucket ^ this.offset(h2)) & this.bucketMask;
      place = this.emptyIn(bucket);
    }
    this.put(bucket, place, h1, h2);
  }
}

/** The table's bits for at least `slots` slots (at least 2 buckets). */
function bitsFor(slots: number): number {
  let bits = 1;
  while (BUCKET_SLOTS * 2 ** bits < slots) bits++;
  return bits;
}

export class DedupIndex {
  private table: Table;
  /** While growing, the table before: its slots below `moved` are in the current one. Each id is in one place. */
  private old: { table: Table; moved: number } | null = null;
  /** Ids an add could not place (MAX_KICKS evictions in vain), [hi, lo] side by side; the next doubling takes them. */
  private stash: number[] = [];
  size = 0;

  /**
   * @param initialCapacity slots of the first table (rounded up to ten times a power of two, at least 20: two buckets)
   * @param movePerAdd slots moved per add while growing (MOVE_PER_ADD; at least 2)
   * @param maxKicks evictions an add tries before it stashes an id (MAX_KICKS; tests lower it to fill the stash)
   */
  constructor(
    initialCapacity = 1 << 16,
    private readonly movePerAdd = MOVE_PER_ADD,
    private readonly maxKicks = MAX_KICKS,
  ) {
    if (!(movePerAdd >= 2)) throw new RangeError(`movePerAdd must be at least 2, got ${movePerAdd}`);
    this.table = new Table(bitsFor(initialCapacity));
  }

  /** True while the ids of the table before the last doubling are still being moved (a slice per add). */
  get growing(): boolean {
    return this.old !== null;
  }

  /** Slots of the current table. */
  get capacity(): number {
    return this.table.slots;
  }

  /** Bytes the tables hold (both while growing). */
  get bytes(): number {
    return this.table.bytes + (this.old?.table.bytes ?? 0);
  }

  has(value: string): boolean {
    const [h1, h2] = dedupHash(value);
    return this.contains(h1, h2);
  }

  /** Adds `value`; false when it was already present. */
  add(value: string): boolean {
    const [h1, h2] = dedupHash(value);
    if (this.old !== null && this.old.table.find(h1, h2) >= 0) return false;
    if (this.stash.length > 0 && this.stashed(h1, h2) >= 0) return false;
    if (!this.table.add(h1, h2, this.maxKicks, this.stash)) return false;
    this.size++;
    if (this.size > this.table.slots * MAX_LOAD || (this.stash.length > 0 && !this.old)) this.grow(this.table.bits + 1);
    if (this.old) this.move(this.movePerAdd);
    return true;
  }

  /**
   * The live hashes, `[hi, lo]` pairs side by side, in chunks of at most `maxPairs` pairs (and at least one bucket's
   * ten), for a snapshot (dedup-snapshot.ts): in bucket order, the order `addHashes` takes fastest. Every chunk is a
   * view of one buffer, overwritten by the next: a snapshot of 10 million ids needs no 80 MB copy.
   * The index must not change until the last chunk is read.
   */
  *hashChunks(maxPairs: number): Generator<Uint32Array> {
    const perChunk = Math.max(1, Math.floor(maxPairs / BUCKET_SLOTS));
    const chunk = new Uint32Array(perChunk * BUCKET_SLOTS * 2);
    for (const table of this.tables()) {
      for (let from = 0; from < table.buckets; from += perChunk) {
        const n = table.hashesInto(chunk, from, Math.min(from + perChunk, table.buckets));
        if (n > 0) yield chunk.subarray(0, n);
      }
    }
    if (this.stash.length > 0) yield Uint32Array.from(this.stash);
  }

  /** Grows at once (before the server listens) to hold `ids` more ids below MAX_LOAD, e.g. a snapshot's. */
  reserve(ids: number): void {
    if (this.old) this.move(Number.POSITIVE_INFINITY);
    let bits = this.table.bits;
    while (this.size + ids + 1 > BUCKET_SLOTS * 2 ** bits * MAX_LOAD) bits++;
    if (bits > this.table.bits) {
      this.grow(bits);
      this.move(Number.POSITIVE_INFINITY);
    }
  }

  /**
   * Adds hashes as `hashChunks` yields them; grows at once to fit them unless `reserve` made room before.
   * @throws RangeError when a pair's `lo` is 0 or 1: not a hash dedupHash returns
   */
  addHashes(pairs: Uint32Array): void {
    this.reserve(pairs.length / 2);
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const h1 = pairs[i];
      const h2 = pairs[i + 1];
      if (h2 <= DELETED_LO) throw new RangeError(`not a dedup hash: lo ${h2}`);
      if (this.stash.length > 0 && this.stashed(h1, h2) >= 0) continue;
      if (this.table.add(h1, h2, this.maxKicks, this.stash)) this.size++;
    }
  }

  delete(value: string): void {
    const [h1, h2] = dedupHash(value);
    for (const table of this.tables()) {
      const slot = table.find(h1, h2);
      if (slot < 0) continue;
      table.clear(slot);
      this.size--;
      return;
    }
    const stashed = this.stashed(h1, h2);
    if (stashed < 0) return;
    this.stash.splice(stashed, 2);
    this.size--;
  }

  /** The current table, then the old one while growing. */
  private tables(): Table[] {
    return this.old ? [this.table, this.old.table] : [this.table];
  }

  private contains(h1: number, h2: number): boolean {
    return (
      this.table.find(h1, h2) >= 0 ||
      (this.old !== null && this.old.table.find(h1, h2) >= 0) ||
      (this.stash.length > 0 && this.stashed(h1, h2) >= 0)
    );
  }

  /** The index of [h1, h2] in the stash, or -1. */
  private stashed(h1: number, h2: number): number {
    for (let i = 0; i < this.stash.length; i += 2) if (this.stash[i] === h1 && this.stash[i + 1] === h2) return i;
    return -1;
  }

  /** Inserts [h1, h2] (not present) into the current table; an id left without a slot goes to the stash. */
  private insert(h1: number, h2: number): void {
    this.table.insert(h1, h2, this.maxKicks, this.stash);
  }

  /** A new, empty current table of 2^bits buckets; the current one becomes `old`, moved over by `move`. */
  private grow(bits: number): void {
    if (this.old) this.move(Number.POSITIVE_INFINITY);
    this.old = { table: this.table, moved: 0 };
    this.table = new Table(bits);
    const stash = this.stash;
    this.stash = [];
    for (let i = 0; i < stash.length; i += 2) this.insert(stash[i], stash[i + 1]);
  }

  /** Moves up to `slots` more slots of the old table into the current one; drops the old table once all are. */
  private move(slots: number): void {
    const old = this.old as NonNullable<typeof this.old>;
    const end = Math.min(old.table.slots, old.moved + slots);
    // Moved ids are found in the current table only.
    old.table.takeSlots(old.moved, end, (h1, h2) => this.insert(h1, h2));
    old.moved = end;
    if (end === old.table.slots) this.old = null;
  }
}
