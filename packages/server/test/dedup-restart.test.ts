/**
 * The mid index across restarts of the server (ingest/dedup-snapshot.ts): after a clean stop the next start uses the
 * saved index, and an event sent before the stop is still a duplicate; events loaded by a later run that crashed
 * (so saved no snapshot) are found by the scan after the snapshot; a store whose events were deleted while the
 * server was stopped is scanned whole, so a deleted event sent again is stored again. (Ids still in the spool at a
 * stop are added at every start from the spool itself; dedup-snapshot.test.ts covers a snapshot holding one.)
 * While it runs, an event the store refused to load (quarantined) is forgotten at once, as a restart would.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEDUP_SNAPSHOT_FILE } from '../src/ingest/dedup-snapshot.js';
import { segmentFile } from '../src/spool/segment-recovery.js';
import { openStore } from '../src/store/open-store.js';
import { eventually, interact, startTestServer, tempDir } from './helpers.js';
import { writePoisonSegment } from './poison-segment.js';

/** Posts one batch; the counts of the answer. */
async function send(url: string, events: Record<string, unknown>[]) {
  const response = await fetch(`${url}/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'api.sunbird.telemetry', ver: '3.0', params: {}, events }),
  });
  assert.equal(response.status, 200);
  const { result } = (await response.json()) as { result: { stored: number; duplicates: number } };
  return [result.stored, result.duplicates];
}

const stored = async (server: Awaited<ReturnType<typeof startTestServer>>) =>
  Number((await server.store.query('SELECT count(*) FROM events')).rows[0][0]);

test('after a clean stop, the next start uses the saved index: events sent before it are duplicates', async () => {
  const dataDir = tempDir();
  const sent = [interact(), interact(), interact()];
  const first = await startTestServer({ dataDir });
  assert.deepEqual(await send(first.url, sent), [3, 0]);
  await eventually(async () => (await stored(first)) === 3);
  await first.close();
  const file = path.join(dataDir, DEDUP_SNAPSHOT_FILE);
  assert.equal(fs.statSync(file).size, 56 + 3 * 8, 'the clean stop saved the three mids');

  const second = await startTestServer({ dataDir });
  try {
    assert.deepEqual(await send(second.url, sent), [0, 3]);
    assert.deepEqual(await send(second.url, [interact()]), [1, 0], 'a new event is stored');
    await eventually(async () => (await stored(second)) === 4);
  } finally {
    await second.close();
  }
});

test('events loaded after the snapshot (a start that crashed) and events deleted while stopped', async () => {
  const dataDir = tempDir();
  const before = [interact(), interact()];
  const first = await startTestServer({ dataDir });
  await send(first.url, before);
  await eventually(async () => (await stored(first)) === 2);
  await first.close();
  const saved = fs.readFileSync(path.join(dataDir, DEDUP_SNAPSHOT_FILE));

  // A run that loaded more, then died without saving: the old snapshot is back in place.
  const later = interact();
  const second = await startTestServer({ dataDir });
  await send(second.url, [later]);
  await eventually(async () => (await stored(second)) === 3);
  await second.close();
  fs.writeFileSync(path.join(dataDir, DEDUP_SNAPSHOT_FILE), saved);

  const third = await startTestServer({ dataDir });
  try {
    assert.deepEqual(await send(third.url, [later, ...before]), [0, 3], 'the scan after the snapshot found it');
  } finally {
    await third.close();
  }

  // Deleted while stopped (by hand in the store): the saved index no longer describes the store.
  const store = await openStore({ dataDir });
  await store.query('DELETE FROM events WHERE mid = $mid', { mid: before[0].mid });
  await store.close();
  const fourth = await startTestServer({ dataDir });
  try {
    assert.deepEqual(await send(fourth.url, before), [1, 1], 'the deleted event is stored again');
  } finally {
    await fourth.close();
  }
});

test('an event the store refused to load is not a duplicate while the server runs: sent again, it is stored', async () => {
  const dataDir = tempDir();
  fs.mkdirSync(path.join(dataDir, 'spool'));
  // In the spool at start (so in the index), refused by the store when loaded: its ets is in nanoseconds.
  const { mids, poisonMids } = writePoisonSegment(segmentFile(path.join(dataDir, 'spool'), 1), 50, 2);
  const server = await startTestServer({ dataDir });
  try {
    await eventually(async () => (await stored(server)) === mids.length);
    const quarantined = await server.store.query(
      "SELECT mid FROM failed_events WHERE reason = 'load_error' ORDER BY mid",
      {},
    );
    assert.deepEqual(quarantined.rows.flat(), [...poisonMids].sort());
    // Sent again, corrected: stored, not answered "duplicate"; a loaded event sent again still is one. The pipeline
    // forgets the refused mids when the load's result reaches it, just after the commit the query above saw; until
    // then a re-send is answered duplicate and stores nothing (seen once in CI on a one-core machine), so it is sent
    // until the corrected events are accepted.
    const corrected = poisonMids.map((mid) => interact({ mid }));
    let answer: number[] = [];
    await eventually(async () => {
      answer = await send(server.url, [...corrected, interact({ mid: mids[0] })]);
      return answer[0] !== 0;
    });
    assert.deepEqual(answer, [2, 1]);
    await eventually(async () => (await stored(server)) === mids.length + 2);
    assert.deepEqual(await send(server.url, corrected), [0, 2], 'stored now, so a duplicate');
  } finally {
    await server.close();
  }
});
