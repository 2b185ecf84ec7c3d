import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DedupIndex, dedupHash, fastRange } from './dedup-index.js';

test('remembers what was added across growth, forgets what was deleted', () => {
  const index = new DedupIndex(4);
  for (let i = 0; i < 50_000; i++) assert.equal(index.add(`INTERACT:${i}`), true);
  assert.equal(index.size, 50_000);
  for (let i = 0; i < 50_000; i++) assert.equal(index.add(`INTERACT:${i}`), false);
  assert.equal(index.has('INTERACT:50000'), false);
  index.delete('INTERACT:7');
  assert.equal(index.has('INTERACT:7'), false);
  assert.equal(index.has('INTERACT:8'), true, 'another id is still found');
  assert.equal(index.add('INTERACT:7'), true);
  assert.equal(index.size, 50_000);
  index.delete('INTERACT:never-added');
  assert.equal(index.size, 50_000, 'deleting an absent id changes nothing');
});

test('an id stored in the first bucket of the table is found (bucket 0 is a bucket like any other)', () => {
  // The default table has 6,554 buckets of 10 slots: a high half below 2^32 / 6,554 (655,330) has bucket 0 for home.
  let id = '';
  for (let i = 0; id === ''; i++) {
    const [hi] = dedupHash(`home-0-${i}`);
    if (hi >>> 19 === 0) id = `home-0-${i}`;
  }
  const index = new DedupIndex();
  assert.equal(index.add(id), true);
  assert.equal(index.has(id), true);
  assert.equal(index.add(id), false, 'a second add is a duplicate');
  assert.equal(index.size, 1);
});

test('distinguishes near-identical ids (no false duplicates on a million sequential mids)', () => {
  const index = new DedupIndex();
  let collisions = 0;
  for (let i = 0; i < 1_000_000; i++) if (!index.add(`mid-${i}`)) collisions++;
  assert.equal(collisions, 0);
});

test('every id still found after half are deleted, and found again once added again', () => {
  // Nearly 90% full: thousands of ids in their other bucket, whose home then has free slots.
  const index = new DedupIndex(1 << 15);
  const ids = Array.from({ length: 2 * Math.floor(index.capacity * 0.44) }, (_, i) => `IMPRESSION:${i}`);
  for (const id of ids) index.add(id);
  assert.equal(index.growing, false);
  for (let i = 0; i < ids.length; i += 2) index.delete(ids[i]);
  assert.equal(index.size, ids.length / 2);
  const lost = ids.filter((id, i) => i % 2 === 1 && !index.has(id));
  assert.deepEqual(lost, [], 'ids whose buckets lost a neighbour are still present');
  const revived = ids.filter((id, i) => i % 2 === 0 && index.has(id));
  assert.deepEqual(revived, [], 'deleted ids are gone');
  // Re-adding the deleted ids reuses their slots and still finds every other id.
  for (let i = 0; i < ids.length; i += 2) assert.equal(index.add(ids[i]), true);
  assert.equal(index.size, ids.length);
  assert.ok(ids.every((id) => index.has(id)));
});

/** Two ids whose hashes share one 32-bit half (`half`) but not the other, with the same home of 2 buckets. */
function halfCollision(half: 0 | 1): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; i < 2_000_000; i++) {
    const id = `mid-${i}`;
    const [hi, lo] = dedupHash(id);
    const key = (half === 0 ? hi : lo) * 2 + (hi >>> 31);
    const other = seen.get(key);
    if (other !== undefined) return [other, id];
    seen.set(key, id);
  }
  throw new Error('no half collision found');
}

for (const half of [0, 1] as const) {
  test(`ids equal in the ${half === 0 ? 'high' : 'low'} 32 bits of their hash are still told apart (all 64 bits match)`, () => {
    const [a, b] = halfCollision(half);
    const [ha, hb] = [dedupHash(a), dedupHash(b)];
    assert.equal(ha[half], hb[half]);
    assert.notEqual(ha[1 - half], hb[1 - half]);
    // Two buckets and the same home: looking b up reads a's slot first.
    const index = new DedupIndex(2);
    assert.equal(index.add(a), true);
    assert.equal(index.has(b), false, `${b} is not ${a}`);
    assert.equal(index.add(b), true);
    assert.equal(index.size, 2);
  });
}

test('the high half of the hash is 32-bit FNV-1a (its published test vectors)', () => {
  // Test vectors of the FNV reference (Fowler/Noll/Vo, FNV-1a 32-bit): "" , "a", "foobar".
  assert.deepEqual(
    ['', 'a', 'foobar'].map((id) => dedupHash(id)[0]),
    [0x811c9dc5, 0xe40c292c, 0xbf9cf968],
  );
});

// Ids whose low hash half comes out of the mixing as 0 and 1 (the empty and deleted slot markers) and as the two
// largest 32-bit values; found by inverting the last mixing step (the multiplier is odd, the xor-shift invertible).
const MARKER_IDS = ['mid-250451-\u1241', 'mid-28949-\u27f5', 'mid-31645-\uf8c7', 'mid-25375-\ub0a4'];

test('ids whose hash would equal a slot marker are moved off it; the largest low halves stay as they are', () => {
  assert.deepEqual(
    MARKER_IDS.map((id) => dedupHash(id)[1]),
    [2, 3, 0xfffffffe, 0xffffffff],
    'these ids were found for this hash: a changed hash needs new ones',
  );
  const index = new DedupIndex(4);
  for (let i = 0; i < 20; i++) index.add(`other-${i}`);
  for (const id of MARKER_IDS) assert.equal(index.add(id), true, id);
  for (const id of MARKER_IDS) assert.equal(index.has(id), true, `${id} is found`);
  for (const id of MARKER_IDS) assert.equal(index.add(id), false, `${id} is a duplicate`);
  assert.equal(index.size, 24);
  for (const id of MARKER_IDS) index.delete(id);
  assert.deepEqual(
    MARKER_IDS.filter((id) => index.has(id)),
    [],
  );
  assert.equal(index.size, 20);
  assert.ok(Array.from({ length: 20 }, (_, i) => `other-${i}`).every((id) => index.has(id)));
});

test('the table grows by half, a slice per add: the add that crosses 90% full does not move every id', () => {
  const index = new DedupIndex(1 << 16); // 6,554 buckets, 65,540 slots: grows past 58,986 ids, moving 128 slots an add
  assert.equal(index.capacity, 65_540);
  for (let i = 0; i < 58_986; i++) index.add(`mid-${i}`);
  assert.equal(index.growing, false);
  index.add('mid-58986');
  assert.equal(index.growing, true, 'the ids are still being moved after the add that grew the table');
  assert.equal(index.capacity, 98_310, '6,554 × 1.5 = 9,831 buckets');
  let adds = 0;
  while (index.growing) index.add(`next-${adds++}`);
  assert.equal(adds, Math.ceil(65_540 / 128) - 1, 'the old table emptied 128 slots an add');
  for (let i = 0; i <= 58_986; i++) assert.ok(index.has(`mid-${i}`), `mid-${i}`);
  assert.equal(index.size, 58_987 + adds);
});

test('6.4 bytes a slot from 2^17 buckets on (ten in 64 bytes), filled to 90% before the table grows', () => {
  const slots = 10 << 17;
  const index = new DedupIndex(slots);
  assert.equal(index.capacity, slots);
  const full = Math.floor(slots * 0.9);
  for (let i = 0; i < full; i++) assert.equal(index.add(`mid-${i}`), true);
  assert.equal(index.growing, false, `${full} ids fit in ${slots} slots`);
  assert.equal(index.bytes, 64 * (slots / 10));
  assert.ok(index.bytes / index.size < 7.2, `${index.bytes / index.size} bytes an id`);
  index.add('one-more');
  assert.equal(index.growing, true);
  const grown = Math.ceil(1.5 * (slots / 10));
  assert.equal(index.bytes, 64 * (slots / 10 + grown), 'the old table and the grown one while the ids move');
  while (index.growing) index.add(`next-${index.size}`);
  assert.equal(index.bytes, 64 * grown);
  assert.equal(
    [...index.hashChunks(1 << 16)].reduce((n, pairs) => n + pairs.length, 0),
    2 * index.size,
  );
  for (let i = 0; i < full; i++) assert.ok(index.has(`mid-${i}`), `mid-${i}`);
});

test('property: fastRange(x, n) is floor(x × n / 2^32), exactly, for any uint32 x and n up to 2^26', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 2 ** 26 }), (x, n) => {
      assert.equal(fastRange(x, n), Number((BigInt(x) * BigInt(n)) >> 32n));
    }),
    { numRuns: 5000 },
  );
  assert.equal(fastRange(0xffffffff, 2 ** 26), 2 ** 26 - 1);
});

test('tables of any number of buckets, nearly full, give every hash back exact (with and without the extra bits)', () => {
  // 3 and 6,553 buckets keep 31 bits of the high half; 131,101 (past 2^17) keep 15, the home's run telling the rest.
  for (const buckets of [3, 6_553, 131_101]) {
    const index = new DedupIndex(buckets * 10);
    const ids = Array.from({ length: Math.floor(buckets * 10 * 0.88) }, (_, i) => `any-${buckets}-${i}`);
    for (const id of ids) index.add(id);
    assert.equal(index.capacity, buckets * 10, 'not grown');
    for (let i = 0; i < ids.length; i += 7) index.delete(ids[i]);
    // Read back into a table of another size: each high half rebuilt from its slot, then homed anew.
    const rebuilt = new DedupIndex(1 << 16);
    rebuilt.reserve(index.size);
    for (const chunk of index.hashChunks(1000)) rebuilt.addHashes(chunk);
    assert.equal(rebuilt.size, index.size);
    assert.ok(
      ids.every((id, i) => rebuilt.has(id) === (i % 7 !== 0)),
      `${buckets} buckets`,
    );
  }
});

test('property: while growing a slice at a time, the index answers as a Set does (add, has, delete, snapshot)', () => {
  type Op = { kind: 'add' | 'has' | 'delete'; id: number } | { kind: 'snapshot' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), id: fc.nat(400) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('has' as const), id: fc.nat(400) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: fc.nat(400) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'snapshot' as const }) },
  );
  fc.assert(
    // No evictions at all (maxKicks 0) sends an id whose two buckets are full to the stash; 1 and 500 walk.
    fc.property(
      fc.array(op, { maxLength: 600 }),
      fc.constantFrom(2, 3, 16),
      fc.constantFrom(0, 1, 500),
      fc.constantFrom(1, 25, 1000),
      (ops, movePerAdd, maxKicks, maxPairs) => {
        let index = new DedupIndex(2, movePerAdd, maxKicks);
        const reference = new Set<string>();
        for (const o of ops) {
          if (o.kind === 'snapshot') {
            // A snapshot taken mid-growth holds every id once; an index started from it knows the same ids.
            // Read in chunks as a snapshot is: each chunk overwrites the one before.
            const rebuilt = new DedupIndex(2, movePerAdd, maxKicks);
            rebuilt.reserve(index.size);
            let pairs = 0;
            for (const chunk of index.hashChunks(maxPairs)) {
              pairs += chunk.length / 2;
              rebuilt.addHashes(chunk);
            }
            assert.equal(pairs, reference.size);
            index = rebuilt;
          } else {
            const id = `mid-${o.id}`;
            if (o.kind === 'add') assert.equal(index.add(id), !reference.has(id));
            if (o.kind === 'add') reference.add(id);
            if (o.kind === 'has') assert.equal(index.has(id), reference.has(id));
            if (o.kind === 'delete') index.delete(id);
            if (o.kind === 'delete') reference.delete(id);
          }
          assert.equal(index.size, reference.size);
        }
        for (let id = 0; id <= 400; id++) assert.equal(index.has(`mid-${id}`), reference.has(`mid-${id}`));
      },
    ),
    { numRuns: 300 },
  );
});
