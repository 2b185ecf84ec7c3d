import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DedupIndex, dedupHash } from './dedup-index.js';

test('remembers what was added across growth, forgets what was deleted', () => {
  const index = new DedupIndex(4);
  for (let i = 0; i < 50_000; i++) assert.equal(index.add(`INTERACT:${i}`), true);
  assert.equal(index.size, 50_000);
  for (let i = 0; i < 50_000; i++) assert.equal(index.add(`INTERACT:${i}`), false);
  assert.equal(index.has('INTERACT:50000'), false);
  index.delete('INTERACT:7');
  assert.equal(index.has('INTERACT:7'), false);
  assert.equal(
    index.has('INTERACT:8'),
    true,
    'another id is still found (probe chains across deleted slots: the next test)',
  );
  assert.equal(index.add('INTERACT:7'), true);
  assert.equal(index.size, 50_000);
  index.delete('INTERACT:never-added');
  assert.equal(index.size, 50_000, 'deleting an absent id changes nothing');
});

test('distinguishes near-identical ids (no false duplicates on a million sequential mids)', () => {
  const index = new DedupIndex();
  let collisions = 0;
  for (let i = 0; i < 1_000_000; i++) if (!index.add(`mid-${i}`)) collisions++;
  assert.equal(collisions, 0);
});

test('a probe chain stays whole across deleted slots: every id still found after half are deleted', () => {
  // At a load of up to one half, thousands of probe chains run through slots whose ids are then deleted.
  const index = new DedupIndex(1 << 15);
  const ids = Array.from({ length: 16_000 }, (_, i) => `IMPRESSION:${i}`);
  for (const id of ids) index.add(id);
  for (let i = 0; i < ids.length; i += 2) index.delete(ids[i]);
  assert.equal(index.size, 8_000);
  const lost = ids.filter((id, i) => i % 2 === 1 && !index.has(id));
  assert.deepEqual(lost, [], 'ids behind a deleted slot in their probe chain are still present');
  const revived = ids.filter((id, i) => i % 2 === 0 && index.has(id));
  assert.deepEqual(revived, [], 'deleted ids are gone');
  // Re-adding the deleted ids reuses tombstones and still finds every other id.
  for (let i = 0; i < ids.length; i += 2) assert.equal(index.add(ids[i]), true);
  assert.equal(index.size, 16_000);
  assert.ok(ids.every((id) => index.has(id)));
});

/** Two ids whose hashes share one 32-bit half (`half`) but not the other, starting at the same slot of 2. */
function halfCollision(half: 0 | 1): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; i < 2_000_000; i++) {
    const id = `mid-${i}`;
    const [hi, lo] = dedupHash(id);
    const key = (half === 0 ? hi : lo) * 2 + ((hi ^ lo) & 1);
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
    // Capacity 2 and the same start slot: looking b up reads a's slot first.
    const index = new DedupIndex(2);
    assert.equal(index.add(a), true);
    assert.equal(index.has(b), false, `${b} is not ${a}`);
    assert.equal(index.add(b), true);
    assert.equal(index.size, 2);
  });
}
