/**
 * The mid index saved at a clean stop is used at the next start only while it describes the store: every mid it
 * remembers is found again, and a store with events deleted, another store, or a damaged file is scanned whole.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { DedupIndex, dedupHash } from './dedup-index.js';
import { loadDedupSnapshot, parseDedupSnapshot, saveDedupSnapshot } from './dedup-snapshot.js';

let store: Store;
let other: Store;
const dir = tempDir();

/** Stores events with these mids, numbered in load order after what is stored. */
async function storeEvents(into: Store, mids: string[]): Promise<void> {
  for (const mid of mids) {
    await into.query(
      `INSERT INTO events (mid, eid, ets, ts, syncts, raw, arrival_seq)
       SELECT $mid, 'INTERACT', 0, epoch_ms(0), 0, '{}', coalesce(max(arrival_seq), 0) + 1 FROM events`,
      { mid },
    );
  }
}

before(async () => {
  store = await openStore({ dataDir: path.join(dir, 'a') });
  other = await openStore({ dataDir: path.join(dir, 'b') });
});
after(async () => {
  await store?.close();
  await other?.close();
});

test('hashes() and addHashes(): an index rebuilt from the hashes holds the same ids, deleted ones not', () => {
  const index = new DedupIndex(4);
  for (let i = 0; i < 5000; i++) index.add(`m${i}`);
  for (let i = 0; i < 5000; i += 7) index.delete(`m${i}`);
  const pairs = index.hashes();
  assert.equal(pairs.length, index.size * 2);
  const rebuilt = new DedupIndex(4);
  rebuilt.add('m0'); // deleted in the original; an index may already hold ids when hashes are added
  rebuilt.addHashes(pairs);
  for (let i = 1; i < 5000; i++) assert.equal(rebuilt.has(`m${i}`), i % 7 !== 0, `m${i}`);
  assert.equal(rebuilt.size, index.size + 1);
  assert.equal(rebuilt.add('m1'), false, 'an id from the hashes is a duplicate');
  assert.throws(() => rebuilt.addHashes(new Uint32Array([5, 1])), RangeError, 'lo 1 marks a deleted slot');
});

test('a snapshot of the store as it is: every mid found again, and the seq it covers', async () => {
  const file = path.join(dir, 'whole.snapshot');
  await storeEvents(store, ['a', 'b', 'c']);
  const index = new DedupIndex();
  for (const mid of ['a', 'b', 'c', 'spooled-only']) index.add(mid);
  await saveDedupSnapshot(store, index, file);
  assert.ok(!fs.existsSync(`${file}.tmp`), 'the temporary file is renamed');

  const loaded = await loadDedupSnapshot(store, file);
  assert.ok(loaded.index, 'used');
  assert.equal(loaded.seq, 3);
  for (const mid of ['a', 'b', 'c', 'spooled-only']) assert.equal(loaded.index.has(mid), true, mid);
  assert.equal(loaded.index.has('d'), false);

  // Events loaded after the save leave it usable; they are the caller's to scan (arrival_seq > seq).
  await storeEvents(store, ['d']);
  const later = await loadDedupSnapshot(store, file);
  assert.ok(later.index);
  assert.equal(later.seq, 3);
});

test('not used once the store no longer holds what it held: an event deleted, or another store', async () => {
  const file = path.join(dir, 'changed.snapshot');
  await storeEvents(other, ['x', 'y']);
  const index = new DedupIndex();
  index.add('x');
  index.add('y');
  await saveDedupSnapshot(other, index, file);
  assert.ok((await loadDedupSnapshot(other, file)).index);

  // Another store with as many events up to the same seq, other mids: the mid at the seq tells them apart.
  const elsewhere = await openStore({ dataDir: path.join(dir, 'c') });
  try {
    await storeEvents(elsewhere, ['p', 'q']);
    const used = await loadDedupSnapshot(elsewhere, file);
    assert.equal(used.index, undefined);
    assert.match(String(used.reason), /store changed/);
  } finally {
    await elsewhere.close();
  }

  await other.query("DELETE FROM events WHERE mid = 'x'");
  const afterDelete = await loadDedupSnapshot(other, file);
  assert.equal(afterDelete.index, undefined, 'a re-sent x must be stored again, not answered duplicate');
});

test('no file: no index and nothing to report; a damaged one: no index, and why', async () => {
  const missing = await loadDedupSnapshot(store, path.join(dir, 'none.snapshot'));
  assert.deepEqual(missing, { seq: 0, reason: undefined });

  const file = path.join(dir, 'damaged.snapshot');
  const index = new DedupIndex();
  index.add('a');
  await saveDedupSnapshot(store, index, file);
  const whole = fs.readFileSync(file);

  fs.writeFileSync(file, whole.subarray(0, whole.length - 3));
  assert.match(String((await loadDedupSnapshot(store, file)).reason), /not a whole snapshot/);
  fs.writeFileSync(file, Buffer.concat([Buffer.from('NOTMAGIC'), whole.subarray(8)]));
  assert.match(String((await loadDedupSnapshot(store, file)).reason), /not a whole snapshot/);
  const slotMarker = Buffer.from(whole);
  slotMarker.writeUInt32LE(1, 44); // the lo of the first pair: a slot marker, not a hash
  fs.writeFileSync(file, slotMarker);
  assert.match(String((await loadDedupSnapshot(store, file)).reason), /not a hash/);
  fs.mkdirSync(path.join(dir, 'a-directory.snapshot'));
  assert.match(String((await loadDedupSnapshot(store, path.join(dir, 'a-directory.snapshot'))).reason), /EISDIR/);
  // What was saved is the hash of the mid: dedupHash is the one hash of both files and the live index.
  assert.deepEqual([whole.readUInt32LE(40), whole.readUInt32LE(44)], dedupHash('a'));
  // Read from bytes off a 4-byte boundary (a buffer inside a larger one): copied, the same hashes.
  const shifted = Buffer.concat([Buffer.from([0]), whole]).subarray(1);
  const parsed = parseDedupSnapshot(shifted);
  assert.ok(typeof parsed !== 'string');
  assert.deepEqual([...parsed.hashes], dedupHash('a'));
  assert.equal(parsed.mark.events, 4);
});
