import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { segmentFile } from '../spool/segment-log.js';
import { type DuckDBStore, openDuckDBStore } from '../store/duckdb/duckdb-store.js';
import { simulate } from './generate.js';
import { resolveParams } from './params.js';
import { writeToStore } from './write-store.js';

let dir: string;
let spoolDir: string;
let store: DuckDBStore;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simulate-write-'));
  spoolDir = path.join(dir, 'spool');
  store = await openDuckDBStore({ file: ':memory:', spoolDir });
});
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('loads segments above the checkpoint, stored byte for byte', async () => {
  const params = resolveParams({ users: 10 });
  const events = [...simulate(params)];
  const result = await writeToStore(events, { store, spoolDir, syncts: 1, segmentEvents: 400 });
  assert.equal(result.events, events.length);
  assert.equal(result.segments, Math.ceil(events.length / 400));
  assert.equal(await store.checkpoint(), result.segments);
  const row = (await store.query('SELECT raw, syncts FROM events WHERE mid = $mid', { mid: events[5].mid })).rows[0];
  assert.deepEqual(row, [JSON.stringify(events[5]), 1]);

  const more = await writeToStore(simulate(resolveParams({ users: 2, seed: 9 })), { store, spoolDir, syncts: 2 });
  assert.equal(await store.checkpoint(), result.segments + more.segments);
});

test('refuses to load above spool segments the collector has not loaded yet', async () => {
  const pending = segmentFile(spoolDir, (await store.checkpoint()) + 1);
  fs.writeFileSync(pending, '');
  try {
    await assert.rejects(
      writeToStore(simulate(resolveParams({ users: 1 })), { store, spoolDir, syncts: 1 }),
      /not loaded yet/,
    );
  } finally {
    fs.rmSync(pending);
  }
});
