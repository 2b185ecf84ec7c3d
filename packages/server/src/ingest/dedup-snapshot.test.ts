/**
 * The mid index saved at a clean stop is used at the next start only while it describes the store, and then answers
 * as a full scan would: every mid it remembers is found again, a mid the store refused to load is forgotten, and a
 * store with events deleted, another store, an empty store at the save or a damaged file is scanned whole (the file
 * deleted, so no later start takes it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { tempDir } from '../../test/temp-dir.js';
import { openStore } from '../store/open-store.js';
import { type Store, StoreError } from '../store/store.js';
import { DedupIndex, dedupHash } from './dedup-index.js';
import { loadDedupSnapshot, saveDedupSnapshot } from './dedup-snapshot.js';

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

/** Saves an index of `mids` for `from` to a new file; its path. */
async function saved(from: Store, name: string, mids: string[]): Promise<string> {
  const file = path.join(dir, name);
  const index = new DedupIndex();
  for (const mid of mids) index.add(mid);
  await saveDedupSnapshot(from, index, file);
  return file;
}

/** The file's bytes changed by `edit`, with the CRC-32 made right again (the format's: header's 48 bytes, pairs). */
function resealed(file: string, edit: (bytes: Buffer) => void): Buffer {
  const bytes = fs.readFileSync(file);
  edit(bytes);
  bytes.writeUInt32LE(crc32(bytes.subarray(56), crc32(bytes.subarray(0, 48))), 48);
  return bytes;
}

before(async () => {
  store = await openStore({ dataDir: path.join(dir, 'a') });
  other = await openStore({ dataDir: path.join(dir, 'b') });
  await storeEvents(store, ['a', 'b', 'c']);
});
after(async () => {
  await store?.close();
  await other?.close();
});

test('hashChunks() and addHashes(): an index rebuilt from the hashes holds the same ids, deleted ones not', () => {
  const index = new DedupIndex(4);
  for (let i = 0; i < 5000; i++) index.add(`m${i}`);
  for (let i = 0; i < 5000; i += 7) index.delete(`m${i}`);
  const rebuilt = new DedupIndex(4);
  rebuilt.add('m0'); // deleted in the original; an index may already hold ids when hashes are added
  let pairs = 0;
  for (const chunk of index.hashChunks(100)) {
    assert.ok(chunk.length <= 200, 'at most maxPairs a chunk');
    pairs += chunk.length / 2;
    rebuilt.addHashes(chunk);
  }
  assert.equal(pairs, index.size);
  for (let i = 1; i < 5000; i++) assert.equal(rebuilt.has(`m${i}`), i % 7 !== 0, `m${i}`);
  assert.equal(rebuilt.size, index.size + 1);
  assert.equal(rebuilt.add('m1'), false, 'an id from the hashes is a duplicate');
  assert.throws(() => rebuilt.addHashes(new Uint32Array([5, 1])), RangeError, 'lo 1 marks a deleted slot');
});

test('a snapshot of the store as it is: every mid found again, and the seq it covers', async () => {
  const file = await saved(store, 'whole.snapshot', ['a', 'b', 'c', 'spooled-only']);
  assert.deepEqual(
    fs.readdirSync(dir).filter((name) => name.endsWith('.tmp')),
    [],
    'the temporary file is renamed',
  );
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
  assert.ok(fs.existsSync(file), 'a snapshot used is kept: a crash before the next clean stop starts from it again');
});

test('a mid the store refused to load (failed_events, load_error) and does not hold is forgotten', async () => {
  const quarantine = (mid: string) =>
    store.query(
      `INSERT INTO failed_events (syncts, mid, eid, reason, errors, raw) VALUES (0, $mid, 'INTERACT', 'load_error', [], '{}')`,
      { mid },
    );
  await quarantine('refused');
  await quarantine('a'); // refused once, stored from another copy: still a duplicate
  const file = await saved(store, 'quarantine.snapshot', ['a', 'b', 'refused']);
  const loaded = await loadDedupSnapshot(store, file);
  assert.ok(loaded.index);
  assert.deepEqual(
    ['a', 'b', 'refused'].map((mid) => loaded.index?.has(mid)),
    [true, true, false],
  );
  await store.query("DELETE FROM failed_events WHERE mid IN ('refused', 'a')");
});

test('not used, and deleted, once the store no longer holds what it held: an event deleted, or another store', async () => {
  await storeEvents(other, ['x', 'y']);
  const file = await saved(other, 'changed.snapshot', ['x', 'y']);
  assert.ok((await loadDedupSnapshot(other, file)).index);

  // Another store with as many events up to the same seq, other mids: the mid at the seq tells them apart.
  const elsewhere = await openStore({ dataDir: path.join(dir, 'c') });
  try {
    await storeEvents(elsewhere, ['p', 'q']);
    const used = await loadDedupSnapshot(elsewhere, file);
    assert.equal(used.index, undefined);
    assert.match(String(used.reason), /store changed/);
    assert.ok(!fs.existsSync(file), 'deleted: a later start cannot take it for a store that came to match it');
  } finally {
    await elsewhere.close();
  }

  const again = await saved(other, 'deleted.snapshot', ['x', 'y']);
  await other.query("DELETE FROM events WHERE mid = 'x'");
  const afterDelete = await loadDedupSnapshot(other, again);
  assert.equal(afterDelete.index, undefined, 'a re-sent x must be stored again, not answered duplicate');
});

test('saved when the store was empty: matches every store, so never used', async () => {
  const empty = await openStore({ dataDir: path.join(dir, 'd') });
  try {
    // A file such a save once wrote (older versions): the header's mark says empty, with a CRC that matches.
    const file = await saved(store, 'empty.snapshot', ['spooled']);
    const bytes = resealed(file, (b) => b.writeDoubleLE(0, 8));
    fs.writeFileSync(file, bytes);
    const used = await loadDedupSnapshot(store, file);
    assert.equal(used.index, undefined);
    assert.match(String(used.reason), /empty/);
    // Now nothing is saved for an empty store, and an older file is removed: a restart has nothing to report.
    fs.writeFileSync(file, bytes);
    await saveDedupSnapshot(empty, new DedupIndex(), file);
    assert.equal(fs.existsSync(file), false);
    assert.deepEqual(await loadDedupSnapshot(empty, file), { seq: 0, reason: undefined });
  } finally {
    await empty.close();
  }
});

test('a snapshot with no ids (a store whose mids are all forgotten) passes its own CRC check', async () => {
  const file = await saved(store, 'no-ids.snapshot', []);
  const loaded = await loadDedupSnapshot(store, file);
  assert.equal(loaded.reason, undefined);
  assert.equal(loaded.index?.size, 0);
});

test('an index of many chunks (64K pairs each): saved and read back a chunk at a time, a damaged last chunk refused', async () => {
  const mids = Array.from({ length: 150_000 }, (_, i) => `many-${i}`);
  const file = await saved(store, 'many.snapshot', mids);
  assert.equal(fs.statSync(file).size, 56 + 8 * mids.length);
  const loaded = await loadDedupSnapshot(store, file);
  assert.equal(loaded.index?.size, mids.length);
  assert.ok(mids.every((mid) => loaded.index?.has(mid)));
  // The CRC-32 is checked after the last chunk is read: a flip there still refuses the file.
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 5] ^= 0x10;
  fs.writeFileSync(file, bytes);
  const damaged = await loadDedupSnapshot(store, file);
  assert.equal(damaged.index, undefined);
  assert.match(String(damaged.reason), /CRC-32/);
});

test('a store that cannot answer the check: no index, the reason, no throw; the file kept only while it is unavailable', async () => {
  const file = await saved(store, 'unanswered.snapshot', ['a']);
  const failing: Store = { ...store, dialect: store.dialect, query: () => Promise.reject(new Error('store gone')) };
  const used = await loadDedupSnapshot(failing, file);
  assert.equal(used.index, undefined);
  assert.match(String(used.reason), /not used \(deleted\): store gone/);
  assert.equal(fs.existsSync(file), false, "a check the store refused: the snapshot is not the store's");
  // Unavailable (a server or a shard down): the snapshot is kept for the next start.
  const kept = await saved(store, 'unavailable.snapshot', ['a']);
  const down: Store = {
    ...store,
    dialect: store.dialect,
    query: () => Promise.reject(new StoreError('STORE_UNAVAILABLE', 'a ClickHouse shard does not answer')),
  };
  const later = await loadDedupSnapshot(down, kept);
  assert.equal(later.index, undefined);
  assert.match(String(later.reason), /not used \(kept\): a ClickHouse shard does not answer/);
  assert.equal(fs.existsSync(kept), true);
  assert.ok((await loadDedupSnapshot(store, kept)).index, 'used once the store answers');
});

test('no file: no index and nothing to report; a damaged one: no index, why, and the file deleted', async () => {
  assert.deepEqual(await loadDedupSnapshot(store, path.join(dir, 'none.snapshot')), { seq: 0, reason: undefined });

  const file = await saved(store, 'damaged.snapshot', ['a']);
  const whole = fs.readFileSync(file);
  const cases: [string, Buffer, RegExp][] = [
    ['cut short', whole.subarray(0, whole.length - 3), /not a whole snapshot/],
    ['a byte after it', Buffer.concat([whole, Buffer.from([0])]), /not a whole snapshot/],
    ['another format', Buffer.concat([Buffer.from('TLMIDX01'), whole.subarray(8)]), /not a snapshot of this version/],
    ['a bit flipped in a hash', resealed(file, () => {}).fill(0x55, 60, 61), /CRC-32/],
    ['a bit flipped in the seq', Buffer.from(whole).fill(0x7f, 15, 16), /header/],
    ['seq 2^77, CRC right', resealed(file, (b) => b.writeDoubleLE(2 ** 77, 8)), /header/],
    ['pairs 0.5, CRC right', resealed(file, (b) => b.writeDoubleLE(0.5, 32)), /header/],
    ['another hash function', resealed(file, (b) => b.writeUInt32LE(7, 40)), /another hash function/],
    ['a slot marker as a hash, CRC right', resealed(file, (b) => b.writeUInt32LE(1, 60)), /not a dedup hash/],
  ];
  for (const [name, bytes, reason] of cases) {
    fs.writeFileSync(file, bytes);
    const used = await loadDedupSnapshot(store, file);
    assert.equal(used.index, undefined, name);
    assert.match(String(used.reason), reason, name);
    assert.ok(!fs.existsSync(file), `${name}: deleted`);
  }
  fs.mkdirSync(path.join(dir, 'a-directory.snapshot'));
  assert.match(String((await loadDedupSnapshot(store, path.join(dir, 'a-directory.snapshot'))).reason), /EISDIR/);

  // What was saved is the hash of the mid: dedupHash is the one hash of both files and the live index.
  assert.deepEqual([whole.readUInt32LE(56), whole.readUInt32LE(60)], dedupHash('a'));
});

test('a save that fails leaves no temporary file and the last snapshot as it was', async () => {
  const file = path.join(dir, 'blocked.snapshot');
  fs.mkdirSync(file);
  fs.writeFileSync(path.join(file, 'inside'), 'x'); // a non-empty directory: the rename over it fails
  const index = new DedupIndex();
  index.add('a');
  await assert.rejects(saveDedupSnapshot(store, index, file));
  assert.deepEqual(
    fs.readdirSync(dir).filter((name) => name.startsWith('blocked.snapshot.')),
    [],
  );
  assert.ok(fs.statSync(file).isDirectory());
});
