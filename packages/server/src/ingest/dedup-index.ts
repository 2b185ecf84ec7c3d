/**
 * A set of 64-bit string hashes (dedupHash) in a bucketized cuckoo table: remembers every stored `mid` (or batch
 * `msgid`) in 7.1–10.7 bytes each instead of a JS string. Each id has two buckets of ten slots, its home (picked by the
 * hash's high half, Lemire's multiply-and-shift over any number of buckets) and one other; a slot keeps the hash's
 * low half and the high half's bits the home does not say, plus one bit saying which of the two buckets it is in: 6.4
 * bytes a slot (a bucket is one 64-byte cache line) from 2^17 buckets on, and every hash exact (the snapshot and a
 * grown table get the same 64 bits back). Two choices of ten slots fill a table to 90% before it grows by half
 * (Fan et al., "Cuckoo Filter: Practically Better Than Bloom", CoNEXT 2014, §4: 95% already with four-slot buckets).
 * Tables of powers of two took 7.1–14.2 bytes an id (128 MiB at 10 million ids, now 71–107 MB); linear probing before
 * them, 10.7–21.3. A false positive needs a 64-bit collision: about 1 in 10^7 at a billion ids.
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
 * on the 2-core machine); in slices it adds microseconds to each add until done. From 3 on the old table is empty
 * before the new one reaches MAX_LOAD (it starts at MAX_LOAD / GROWTH, 60% full, and gains an id per 3 slots moved);
 * with fewer, a growth that comes first moves the rest at once.
 */
const MOVE_PER_ADD = 128;

/**
 * A full table grows to this many times its buckets. By half it keeps 7.1–10.7 bytes an id (doubling: 7.1–14.2) and
 * holds 2.5 times the old table while it moves instead of 3, for ~2 moves of each id over its life instead of ~1.
 * By a quarter (7.1–8.9 bytes, ~4 moves) an add at 10 million ids took twice as long (bench:dedup, 1.37 µs against
 * 0.65); by half, 0.68–0.9 µs, the lookups as fast.
 */
const GROWTH = 1.5;

/** Slots per bucket: ten of 6 bytes fill a 64-byte cache line (the last 4 bytes unused). */
const BUCKET_SLOTS = 10;

/** The share of slots in use at which the table grows. */
const MAX_LOAD = 0.9;

/**
 * Evictions an add tries before it stashes the id it holds (the table then grows at the next add): a walk this long
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

/** Buckets from which `rest`'s 15 bits tell a high half from the others with the same home (2^32 / 2^17 = 2^15). */
const EXTRA_BELOW = 2 ** (32 - REST_BITS);
/** The most buckets a table may have: `start` multiplies two numbers below it exactly (below 2^53). */
const MAX_BUCKETS = 2 ** 26;

/**
 * floor(x × n / 2^32) for a uint32 `x` and `n` ≤ 2^32, exactly (Lemire's "fastrange": a fair map of a hash onto
 * n, monotonic in x). From n = 2^21 the product can pass 2^53, so it is taken as two 16-bit halves.
 */
export function fastRange(x: number, n: number): number {
  if (n <= 2 ** 21) return Math.floor((x * n) / 4294967296); // below 2^53: one exact product
  const high = (x >>> 16) * n;
  const whole = Math.floor(high / 65536);
  return whole + Math.floor(((high - whole * 65536) * 65536 + (x & 0xffff) * n) / 4294967296);
}

/**
 * One table of any number of buckets (not only powers of two, so it grows by half instead of doubling). A
 * slot keeps the hash's low half (`lo`; 0: empty) and `rest`: the high half's low REST_BITS bits, plus 2^REST_BITS
 * when the slot's bucket is the id's other bucket rather than its home. The home is fastRange(hi, buckets): the high
 * halves with one home are a run of at most ceil(2^32 / buckets) numbers, so its start and the low 15 bits give the
 * high half back from 2^17 buckets on; below, `extra` keeps 16 more bits (31 in all, enough from 2 buckets on).
 */
class Table {
  /** As int32 (the hash's low half | 0): compared as small integers, not as doubles above 2^31. */
  private readonly lo: Int32Array;
  private readonly rest: Uint16Array;
  private readonly extra: Uint16Array | null;
  /** 2^32 = perBucket × buckets + remainder: `start` from them. */
  private readonly perBucket: number;
  private readonly remainder: number;
  /**
   * Whether any slot was emptied (a delete, or moved out while growing). Until then an id sits in its other bucket
   * only when its home was full when it was put there, and a home is never emptied: a lookup that finds a free slot
   * at home need not read the other bucket (one cache line instead of two for every new id).
   */
  private emptied = false;
  /** The slot of a full bucket the next eviction takes, in turn. */
  private kick = 0;
  readonly slots: number;

  /** @throws RangeError when `buckets` is below 2 or above MAX_BUCKETS */
  constructor(readonly buckets: number) {
    if (!(Number.isInteger(buckets) && buckets >= 2 && buckets <= MAX_BUCKETS)) {
      throw new RangeError(`a table has 2 to ${MAX_BUCKETS} buckets, not ${buckets}`);
    }
    const buffer = new ArrayBuffer(BUCKET_BYTES * buckets);
    this.lo = new Int32Array(buffer);
    this.rest = new Uint16Array(buffer);
    this.slots = BUCKET_SLOTS * buckets;
    this.extra = buckets < EXTRA_BELOW ? new Uint16Array(this.slots) : null;
    this.perBucket = Math.floor(4294967296 / buckets);
    this.remainder = 4294967296 - this.perBucket * buckets;
  }

  /** Bytes the table holds. */
  get bytes(): number {
    return this.lo.byteLength + (this.extra?.byteLength ?? 0);
  }

  private home(h1: number): number {
    return fastRange(h1, this.buckets);
  }

  /** From an id's home to its other bucket: 1 to buckets - 1 (from `lo` alone, so a slot's other bucket needs no `hi`). */
  private offset(h2: number): number {
    return 1 + fastRange(Math.imul(h2, 0x9e3779b1) >>> 0, this.buckets - 1);
  }

  /** The id's other bucket: its home plus offset(h2), modulo the buckets. */
  private other(home: number, h2: number): number {
    const other = home + this.offset(h2);
    return other < this.buckets ? other : other - this.buckets;
  }

  /** The home of an id in its other bucket `bucket`: other() the other way. */
  private homeFrom(bucket: number, h2: number): number {
    const home = bucket - this.offset(h2);
    return home >= 0 ? home : home + this.buckets;
  }

  /** The smallest high half whose home is `bucket`: ceil(bucket × 2^32 / buckets), exactly. */
  private start(bucket: number): number {
    // bucket × remainder is below 2^52, exact; the quotient, below 2^26, is off an integer by at least 2^-26 unless
    // it is one, far more than its rounding (2^-27 at most): its ceiling is exact.
    return bucket * this.perBucket + Math.ceil((bucket * this.remainder) / this.buckets);
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

  /** Whether the slot keeps the bits of h1 that `extra` keeps (always, from 2^17 buckets on). */
  private extraMatches(bucket: number, place: number, h1: number): boolean {
    return this.extra === null || this.extra[bucket * BUCKET_SLOTS + place] === ((h1 >>> REST_BITS) & 0xffff);
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
    const other = this.other(home, h2);
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
    if ((free === BUCKET_SLOTS || this.emptied) && this.scan(this.other(home, h2), h1, h2, 1) >= 0) return false;
    if (free < BUCKET_SLOTS) this.put(home, free, h1, h2, 0);
    else this.insert(h1, h2, maxKicks, stash);
    return true;
  }

  /** The high half of the hash in a slot (not empty): within its home's run, the one with the bits the slot keeps. */
  private hiIn(bucket: number, place: number): number {
    const lo = bucket * LO_PER_BUCKET;
    const rest = this.rest[2 * lo + REST_AT + place];
    const start = this.start(rest >>> REST_BITS ? this.homeFrom(bucket, this.lo[lo + place]) : bucket);
    if (this.extra === null) return start + ((rest - start) & REST_MASK);
    const kept = (this.extra[bucket * BUCKET_SLOTS + place] << REST_BITS) | (rest & REST_MASK);
    return start + ((kept - start) & 0x7fffffff);
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

  /** Puts [h1, h2] in `place` of `bucket`, its home (other 0) or its other bucket (other 1). */
  private put(bucket: number, place: number, h1: number, h2: number, other: number): void {
    const lo = bucket * LO_PER_BUCKET;
    this.lo[lo + place] = h2 | 0;
    this.rest[2 * lo + REST_AT + place] = (h1 & REST_MASK) + (other << REST_BITS);
    if (this.extra !== null) this.extra[bucket * BUCKET_SLOTS + place] = (h1 >>> REST_BITS) & 0xffff;
  }

  /**
   * Inserts [h1, h2] (not present), evicting ids to their other bucket up to `maxKicks` times; the id then left
   * without a slot ([h1, h2] or one evicted on the way) is pushed to `stash`.
   */
  insert(h1: number, h2: number, maxKicks: number, stash: number[]): void {
    let bucket = this.home(h1);
    let other = 0;
    let place = this.emptyIn(bucket);
    if (place < 0) {
      bucket = this.other(bucket, h2);
      other = 1;
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
      const evictedOther = this.rest[2 * bucket * LO_PER_BUCKET + REST_AT + this.kick] >>> REST_BITS;
      this.put(bucket, this.kick, h1, h2, other);
      // To its other bucket from its home, to its home from the other.
      bucket = evictedOther ? this.homeFrom(bucket, evictedLo) : this.other(bucket, evictedLo);
      other = 1 - evictedOther;
      h1 = evictedHi;
      h2 = evictedLo;
      place = this.emptyIn(bucket);
    }
    this.put(bucket, place, h1, h2, other);
  }
}

/** Buckets for at least `slots` slots (at least 2). */
function bucketsFor(slots: number): number {
  return Math.max(2, Math.ceil(slots / BUCKET_SLOTS));
}

export class DedupIndex {
  private table: Table;
  /** While growing, the table before: its slots below `moved` are in the current one. Each id is in one place. */
  private old: { table: Table; moved: number } | null = null;
  /** Ids an add could not place (MAX_KICKS evictions in vain), [hi, lo] side by side; the next growth takes them. */
  private stash: number[] = [];
  size = 0;

  /**
   * @param initialCapacity slots of the first table (rounded up to a multiple of ten, at least 20: two buckets)
   * @param movePerAdd slots moved per add while growing (MOVE_PER_ADD; at least 2)
   * @param maxKicks evictions an add tries before it stashes an id (MAX_KICKS; tests lower it to fill the stash)
   */
  constructor(
    initialCapacity = 1 << 16,
    private readonly movePerAdd = MOVE_PER_ADD,
    private readonly maxKicks = MAX_KICKS,
  ) {
    if (!(movePerAdd >= 2)) throw new RangeError(`movePerAdd must be at least 2, got ${movePerAdd}`);
    this.table = new Table(bucketsFor(initialCapacity));
  }

  /** True while the ids of the table before the last growth are still being moved (a slice per add). */
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
    if (this.size > this.table.slots * MAX_LOAD || (this.stash.length > 0 && !this.old)) {
      this.grow(Math.ceil(this.table.buckets * GROWTH));
    }
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

  /**
   * Grows at once (before the server listens) to hold `ids` more ids below MAX_LOAD, e.g. a snapshot's, with a
   * growth's room besides (GROWTH): a table sized to the ids would grow again, the old table held, at the next adds.
   */
  reserve(ids: number): void {
    if (this.old) this.move(Number.POSITIVE_INFINITY);
    const buckets = bucketsFor((this.size + ids + 1) / MAX_LOAD);
    if (buckets > this.table.buckets) {
      this.grow(Math.ceil(buckets * GROWTH));
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

  /** A new, empty current table of `buckets` buckets; the current one becomes `old`, moved over by `move`. */
  private grow(buckets: number): void {
    if (this.old) this.move(Number.POSITIVE_INFINITY);
    this.old = { table: this.table, moved: 0 };
    this.table = new Table(buckets);
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
