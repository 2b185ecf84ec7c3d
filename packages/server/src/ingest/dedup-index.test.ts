import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DedupIndex } from './dedup-index.js';

test('remembers what was added across growth, forgets what was deleted', () => {
  const index = new DedupIndex(4);
  for (let i = 0; i < 50_000; i++) assert.equal(index.add(`INTERACT:${i}`), true);
  assert.equal(index.size, 50_000);
  for (let i = 0; i < 50_000; i++) assert.equal(index.add(`INTERACT:${i}`), false);
  assert.equal(index.has('INTERACT:50000'), false);
  index.delete('INTERACT:7');
  assert.equal(index.has('INTERACT:7'), false);
  assert.equal(index.has('INTERACT:8'), true, 'a deletion does not break the probe chain of others');
  assert.equal(index.add('INTERACT:7'), true);
  assert.equal(index.size, 50_000);
});

test('distinguishes near-identical ids (no false duplicates on a million sequential mids)', () => {
  const index = new DedupIndex();
  let collisions = 0;
  for (let i = 0; i < 1_000_000; i++) if (!index.add(`mid-${i}`)) collisions++;
  assert.equal(collisions, 0);
});
