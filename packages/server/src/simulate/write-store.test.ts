import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openMemoryStore } from '../../test/support/store.js';
import { tempDir } from '../../test/temp-dir.js';
import { segmentFile } from '../spool/segment-recovery.js';
import type { Store } from '../store/store.js';
import { simulate } from './generate.js';
import { resolveParams } from './params.js';
import { RECEIVE_DELAY_MS, receivedBy, writeToStore } from './write-store.js';

let dir: string;
let spoolDir: string;
let store: Store;

before(async () => {
  dir = tempDir('simulate-write-');
  spoolDir = path.join(dir, 'spool');
  store = await openMemoryStore({ spoolDir });
});
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('loads segments above the checkpoint, stored byte for byte', async () => {
  const params = resolveParams({ users: 10, start: '2024-01-01' });
  const events = [...simulate(params)];
  // onLoaded reports each segment once it is loaded, with the running count.
  const loaded: number[] = [];
  const result = await writeToStore(events, {
    store,
    spoolDir,
    receivedAt: () => 1,
    segmentEvents: 400,
    onLoaded: (n) => loaded.push(n),
  });
  assert.equal(result.events, events.length);
  assert.equal(result.segments, Math.ceil(events.length / 400));
  assert.deepEqual(
    loaded,
    Array.from({ length: result.segments }, (_, i) => Math.min(events.length, 400 * (i + 1))),
  );
  assert.equal(await store.checkpoint(), result.segments);
  const row = (await store.query('SELECT raw, syncts FROM events WHERE mid = $mid', { mid: events[5].mid })).rows[0];
  assert.deepEqual(row, [JSON.stringify(events[5]), 1]);

  const more = await writeToStore(simulate(resolveParams({ users: 2, seed: 9 })), {
    store,
    spoolDir,
    receivedAt: () => 2,
  });
  assert.equal(await store.checkpoint(), result.segments + more.segments);
});

test('receive times are real: a moment after each event, never after the wall clock', async () => {
  // A range that runs a week past the wall clock: events of its last days are later than `now` at any time of
  // day (a range ending today has none after `now` once today's school hours are over).
  const now = Date.now();
  const start = new Date(now - 6 * 86_400_000).toISOString().slice(0, 10);
  const params = resolveParams({ users: 30, seed: 11, days: 14, acquisitionDays: 7, start }, now);
  const events = [...simulate({ ...params, until: now + 7 * 86_400_000 })];
  assert.ok(events.some((e) => e.ets > now));
  await writeToStore(events, { store, spoolDir, receivedAt: receivedBy(now) });
  const [[wrong, late, max]] = (
    await store.query(
      `SELECT count(*) FILTER (syncts <> least(ets + $delay, $now)), count(*) FILTER (syncts > $now), max(syncts)
       FROM events WHERE mid LIKE '%:sim-11-%'`,
      { delay: RECEIVE_DELAY_MS, now },
    )
  ).rows;
  assert.equal(Number(wrong), 0);
  assert.equal(Number(late), 0);
  assert.equal(Number(max), now);
});

test('refuses to load above spool segments the collector has not loaded yet', async () => {
  const pending = segmentFile(spoolDir, (await store.checkpoint()) + 1);
  fs.writeFileSync(pending, '');
  try {
    await assert.rejects(
      writeToStore(simulate(resolveParams({ users: 1 })), { store, spoolDir, receivedAt: () => 1 }),
      /not loaded yet/,
    );
  } finally {
    fs.rmSync(pending);
  }
});
