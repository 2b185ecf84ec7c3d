/** Integration: events loaded through the real DuckDB store and spool format, then drained into `summaries`. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openTestStore, T0, v3 } from '../../../test/sessions-fixtures.js';
import { eventLine, eventLinePrefix } from '../../spool/segment-format.js';
import { type DuckDBStore, openDuckDBStore } from '../../store/duckdb/duckdb-store.js';
import { drainSummaryQueue } from './drain.js';

async function rows(store: DuckDBStore, sql: string) {
  return (await store.query(sql)).rows;
}

test('drain: summaries and page times from loaded events, redone when a late event arrives', async () => {
  const { store, load } = await openTestStore();
  try {
    await load([
      v3('d1', 'START', 0, { type: 'app' }),
      v3('d1', 'IMPRESSION', 10, { type: 'view', pageid: 'home' }),
      v3('d1', 'INTERACT', 20),
      v3('d1', 'LOG', 25, { type: 'api_call', level: 'INFO', message: 'x' }),
      v3('d1', 'END', 100, { type: 'app' }),
      v3('d2', 'INTERACT', 0),
      v3('d2', 'INTERACT', 700), // idle: counts zero, so d2 has no time and no summary
    ]);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 2,
      summaries: 1,
      resumed: 0,
      eventsRead: 6,
      readFrom: T0,
    });
    assert.deepEqual(
      await rows(
        store,
        `SELECT did, channel, pdata_id, actor_id, sid, type, mode, depth, start_time - ${T0}, end_time - ${T0},
        time_spent, interact_events_count, event_count, events_summary['INTERACT'], events_summary['LOG'] FROM summaries`,
      ),
      [['d1', 'ch1', 'app.web', 'u-d1', 's-d1', 'app', '', 0, 0, 100000, 100, 1, 4, 1, null]],
    );
    assert.deepEqual(await rows(store, 'SELECT pageid, time_spent FROM page_time'), [['home', 90]]);
    assert.deepEqual(await rows(store, 'SELECT count(*) FROM summary_queue'), [[0]]);

    // Draining again does nothing; a late event in the middle of d1 is summarized in place.
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 0,
      summaries: 0,
      resumed: 0,
      eventsRead: 0,
      readFrom: null,
    });
    await load([v3('d1', 'INTERACT', 50), v3('d1', 'INTERACT', 5)]);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 1,
      summaries: 1,
      resumed: 0,
      eventsRead: 6,
      readFrom: T0, // a late event: d1 is read from its first event
    });
    assert.deepEqual(await rows(store, 'SELECT time_spent, interact_events_count, event_count FROM summaries'), [
      [100, 3, 6],
    ]);

    // Events after the last one resume the saved state and read only themselves.
    await load([v3('d1', 'INTERACT', 130), v3('d1', 'INTERACT', 160)]);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 1,
      summaries: 1,
      resumed: 1,
      eventsRead: 2,
      readFrom: T0 + 100_001, // after the last event summarized
    });
    assert.deepEqual(
      await rows(
        store,
        'SELECT type, time_spent, interact_events_count, event_count, is_open FROM summaries ORDER BY 1',
      ),
      [
        ['app', 100, 3, 6, false],
        ['app', 30, 2, 2, true], // implicit app summary after the END, left open for the next events
      ],
    );
    assert.deepEqual(await rows(store, 'SELECT pageid, time_spent, is_open FROM page_time'), [['home', 150, true]]);

    // A new device next to a resumed one: both are read from where they begin, not from the oldest event.
    await load([v3('d1', 'INTERACT', 170), v3('d3', 'INTERACT', 1000), v3('d3', 'INTERACT', 1010)]);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 2,
      summaries: 2,
      resumed: 1,
      eventsRead: 3,
      readFrom: T0 + 160_001,
    });
    assert.deepEqual(await rows(store, `SELECT did, first_ets - ${T0} FROM summary_state ORDER BY did`), [
      ['d1', 0],
      ['d2', 0],
      ['d3', 1_000_000],
    ]);
  } finally {
    await store.close();
  }
});

test('drain: a failed drain leaves the queue for the next one', async () => {
  const { store, load } = await openTestStore();
  try {
    await load([v3('d1', 'START', 0, { type: 'app' }), v3('d1', 'END', 30, { type: 'app' })]);
    await store.writeConnection.run('ALTER TABLE summaries RENAME TO summaries_away');
    await assert.rejects(drainSummaryQueue(store));
    assert.deepEqual(await rows(store, 'SELECT count(*) FROM summary_queue'), [[1]]);
    await store.writeConnection.run('ALTER TABLE summaries_away RENAME TO summaries');
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 1,
      summaries: 1,
      resumed: 0,
      eventsRead: 2,
      readFrom: T0,
    });
  } finally {
    await store.close();
  }
});

test('drain: after migration 4, streams keep their first event time and a stream without state is recomputed whole', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drain-migrate-'));
  const file = path.join(dir, 'telemetry.duckdb');
  const events = [
    v3('d1', 'START', 0, { type: 'app' }),
    v3('d1', 'INTERACT', 20),
    v3('d2', 'START', 5, { type: 'app' }),
    v3('d2', 'INTERACT', 50),
  ];
  const summaries = 'SELECT did, type, time_spent, is_open FROM summaries ORDER BY did';
  let store = await openDuckDBStore({ file, spoolDir: dir });
  const segment = path.join(dir, 'seg-1.log');
  fs.writeFileSync(segment, events.map((e) => eventLine(eventLinePrefix({ syncts: T0 }), JSON.stringify(e))).join(''));
  await store.loadSegment(segment, 1);
  await drainSummaryQueue(store);
  const before = await rows(store, summaries);
  // Back to a version 3 database: no first_ets, and d2 summarized before summary_state existed.
  const c = store.writeConnection;
  await c.run('ALTER TABLE summary_state DROP COLUMN first_ets');
  await c.run("DELETE FROM summary_state WHERE did = 'd2'");
  await c.run('DELETE FROM schema_migrations WHERE version = 4');
  await store.close();

  store = await openDuckDBStore({ file, spoolDir: dir });
  try {
    assert.deepEqual(await rows(store, `SELECT did, first_ets - ${T0} FROM summary_state`), [['d1', 0]]);
    assert.deepEqual(await rows(store, `SELECT did, from_ets - ${T0} FROM summary_queue`), [['d2', 5000]]);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 1,
      summaries: 1,
      resumed: 0,
      eventsRead: 2,
      readFrom: T0 + 5000,
    });
    assert.deepEqual(await rows(store, summaries), before);
  } finally {
    await store.close();
  }
});
