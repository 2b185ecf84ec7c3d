// Opening a database written by an older version (issue 10): every later migration runs once, in order, keeping
// the rows; opening it again runs none.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { tempDir } from '../../../test/temp-dir.js';
import { openDuckDBStore } from './duckdb-store.js';
import { MIGRATIONS } from './migrations.js';

/** A database as `version` left it: that version's tables and its schema_migrations rows, open for more rows. */
async function migratedTo(file: string, version: number) {
  const instance = await DuckDBInstance.create(file);
  const c = await instance.connect();
  await c.run('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)');
  for (const m of MIGRATIONS.filter((m) => m.version <= version)) {
    for (const statement of m.sql) await c.run(statement);
    await c.run(`INSERT INTO schema_migrations VALUES (${m.version}, 'old', now())`);
  }
  return { instance, c };
}

test('a version-1 database is migrated to the latest version with its events kept and ets_corrected filled', async () => {
  const file = path.join(tempDir('migrate-'), 'old.duckdb');
  // The database as version 1 left it: its tables, its migration row, one event.
  const instance = await DuckDBInstance.create(file);
  const c = await instance.connect();
  await c.run('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)');
  for (const statement of MIGRATIONS[0].sql) await c.run(statement);
  await c.run("INSERT INTO schema_migrations VALUES (1, 'v1', now())");
  await c.run(`INSERT INTO events (mid, eid, ets, ts, syncts, raw)
    VALUES ('old-1', 'START', 1700000000000, make_timestamp(1700000000000 * 1000), 1700000000500, '{}')`);
  c.closeSync();
  instance.closeSync();

  const latest = MIGRATIONS.at(-1)?.version;
  const store = await openDuckDBStore({ file });
  try {
    const applied = await store.query('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      applied.rows.map((r) => r[0]),
      MIGRATIONS.map((m) => m.version),
    );
    const events = await store.query('SELECT mid, eid, ets, ets_corrected, arrival_seq FROM events');
    assert.deepEqual(events.rows, [['old-1', 'START', 1700000000000, 1700000000000, 1]]);
    const tables = await store.query(
      "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('summaries', 'page_time', 'summary_state')",
    );
    assert.equal(tables.rows[0][0], 3, 'the tables of versions 2 and 3 exist');
  } finally {
    await store.close();
  }
  // Opened again: nothing left to run.
  const again = await openDuckDBStore({ file });
  try {
    const rows = await again.query('SELECT count(*), max(version) FROM schema_migrations');
    assert.deepEqual(rows.rows, [[MIGRATIONS.length, latest]]);
  } finally {
    await again.close();
  }
});

test('migration 10 fills rollup_l1…l4 and object_rollup_l1…l4 of older rows from raw (a PostHog row keeps NULLs)', async () => {
  const file = path.join(tempDir('migrate-'), 'v9.duckdb');
  const { instance, c } = await migratedTo(file, 9);
  const sunbird = JSON.stringify({
    context: { rollup: { l1: 'KA', l2: 'Bengaluru', l4: 7 } },
    object: { id: 'c1', rollup: { l1: 'course-A', l3: 'unit-3' } },
  });
  const posthog = JSON.stringify({ event: 'x', context: { rollup: { l1: 'not read' } } });
  await c.run(`INSERT INTO events (mid, eid, ets, ts, syncts, raw, ingest_format) VALUES
    ('s', 'START', 1, make_timestamp(1000), 1, '${sunbird}', 'sunbird'),
    ('p', 'x', 1, make_timestamp(1000), 1, '${posthog}', 'posthog'),
    ('n', 'END', 1, make_timestamp(1000), 1, '{}', 'sunbird')`);
  c.closeSync();
  instance.closeSync();

  const store = await openDuckDBStore({ file });
  try {
    const rows = await store.query(
      `SELECT mid, rollup_l1, rollup_l2, rollup_l3, rollup_l4, object_rollup_l1, object_rollup_l2, object_rollup_l3,
        object_rollup_l4 FROM events ORDER BY mid`,
    );
    assert.deepEqual(rows.rows, [
      ['n', null, null, null, null, null, null, null, null],
      ['p', null, null, null, null, null, null, null, null],
      ['s', 'KA', 'Bengaluru', null, '7', 'course-A', null, 'unit-3', null],
    ]);
  } finally {
    await store.close();
  }
});

test('migration 11 fills actor_key of older rows by the federated rule and keeps actor_id as sent', async () => {
  const file = path.join(tempDir('migrate-'), 'v10.duckdb');
  const { instance, c } = await migratedTo(file, 10);
  await c.run(`INSERT INTO events (mid, eid, ets, ts, syncts, actor_id, raw) VALUES
    ('a', 'START', 1, make_timestamp(1000), 1, 'f:org1:u1', '{}'),
    ('b', 'START', 1, make_timestamp(1000), 1, 'u1', '{}'),
    ('c', 'START', 1, make_timestamp(1000), 1, 'F:org1:u2', '{}'),
    ('d', 'START', 1, make_timestamp(1000), 1, NULL, '{}')`);
  await c.run(`INSERT INTO page_time VALUES ('d1', '', '', 'f:org9:u7', 's', 'home', 'app', 1, 2, make_timestamp(1000),
    1.0, 1, false)`);
  c.closeSync();
  instance.closeSync();

  const store = await openDuckDBStore({ file });
  try {
    const rows = await store.query('SELECT mid, actor_id, actor_key FROM events ORDER BY mid');
    assert.deepEqual(rows.rows, [
      ['a', 'f:org1:u1', 'u1'],
      ['b', 'u1', 'u1'],
      ['c', 'F:org1:u2', 'F:org1:u2'],
      ['d', null, null],
    ]);
    const pages = await store.query('SELECT actor_id FROM page_time');
    assert.deepEqual(pages.rows, [['u7']], 'a summarized page names its actor by the key');
  } finally {
    await store.close();
  }
});

test("migration 16 records where each stream's open rows start (summaries and page views), NULL with none open", async () => {
  const file = path.join(tempDir('migrate-'), 'v15.duckdb');
  const { instance, c } = await migratedTo(file, 15);
  // d1: an open summary from 300, an open page view from 200 and a closed one from 100; d2: only closed rows.
  const summary = (did: string, start: number, open: boolean) =>
    c.run(`INSERT INTO summaries BY NAME SELECT '${did}' AS did, '' AS channel, '' AS pdata_id, 'u' AS actor_id,
      's' AS sid, 'app' AS type, '' AS mode, 0 AS depth, ${start} AS start_time, ${start} AS end_time,
      make_timestamp(${start * 1000}) AS start_ts, 0 AS time_spent, 0 AS time_diff, 0 AS interact_events_count,
      0 AS interact_events_per_min, 1 AS event_count, MAP {} AS events_summary, ${open} AS is_open`);
  const page = (did: string, start: number, open: boolean) =>
    c.run(`INSERT INTO page_time VALUES ('${did}', '', '', 'u', 's', 'home', 'app', ${start}, ${start},
      make_timestamp(${start * 1000}), 0, 1, ${open})`);
  await summary('d1', 300, true);
  await page('d1', 200, true);
  await page('d1', 100, false);
  await summary('d2', 50, false);
  for (const did of ['d1', 'd2']) await c.run(`INSERT INTO summary_state VALUES ('${did}', '', '', 300, '{}')`);
  c.closeSync();
  instance.closeSync();

  const store = await openDuckDBStore({ file });
  try {
    const rows = await store.query('SELECT did, open_from FROM summary_state ORDER BY did');
    assert.deepEqual(rows.rows, [
      ['d1', 200],
      ['d2', null],
    ]);
  } finally {
    await store.close();
  }
});

/** A database at `version` with the events of `mids` (actor `f:org:<mid>`), as that version left it. */
async function databaseAt(file: string, version: number, mids: string[]): Promise<void> {
  const { instance, c } = await migratedTo(file, version);
  for (const mid of mids) {
    await c.run(
      `INSERT INTO events (mid, eid, ets, ts, syncts, actor_id, raw)
        VALUES ($mid, 'SEARCH', 5, make_timestamp(5000), 5, $actor, $raw)`,
      { mid, actor: `f:org:${mid}`, raw: JSON.stringify({ edata: { size: mid.length } }) },
    );
  }
  c.closeSync();
  instance.closeSync();
}

test('backfills fill every row a slice at a time (slices of 2 over 7 rows) and record the version after them', async () => {
  const file = path.join(tempDir('migrate-'), 'v5.duckdb');
  const mids = ['a', 'bb', 'ccc', 'dddd', 'e', 'ff', 'ggg'];
  // Version 5: the backfills of versions 6 (arrival_seq), 10, 11 (actor_key), 13 (edata_size) and 18 (actor_hash,
  // after actor_key) run.
  await databaseAt(file, 5, mids);
  const store = await openDuckDBStore({ file, backfillRows: 2 });
  try {
    const rows = await store.query(
      'SELECT mid, actor_key, edata_size, arrival_seq, actor_hash = md5_number(mid) FROM events ORDER BY arrival_seq',
    );
    assert.deepEqual(
      rows.rows,
      mids.map((mid, i) => [mid, mid, mid.length, i + 1, true]),
    );
    const versions = await store.query('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      versions.rows.map((r) => r[0]),
      MIGRATIONS.map((m) => m.version),
    );
  } finally {
    await store.close();
  }
});

test('a migration cut short during its backfill runs again whole at the next open (its statements are idempotent)', async () => {
  const file = path.join(tempDir('migrate-'), 'v12.duckdb');
  const mids = ['a', 'bb', 'ccc', 'dddd', 'e'];
  await databaseAt(file, 12, mids);
  // Migration 13 as a crash would leave it: its statements committed, two slices filled, the version not recorded.
  const instance = await DuckDBInstance.create(file);
  const c = await instance.connect();
  const thirteen = MIGRATIONS.find((m) => m.version === 13);
  assert.ok(thirteen?.backfill);
  for (const statement of thirteen.sql) await c.run(statement);
  await c.run("UPDATE events SET edata_size = -1 WHERE mid IN ('a', 'bb')");
  c.closeSync();
  instance.closeSync();

  const store = await openDuckDBStore({ file, backfillRows: 3 });
  try {
    const rows = await store.query('SELECT mid, edata_size FROM events ORDER BY mid');
    assert.deepEqual(
      rows.rows,
      mids.map((mid) => [mid, mid.length]),
    );
    const versions = await store.query('SELECT version FROM schema_migrations WHERE version >= 12 ORDER BY version');
    assert.deepEqual(
      versions.rows.map((r) => r[0]),
      MIGRATIONS.filter((m) => m.version >= 12).map((m) => m.version),
    );
  } finally {
    await store.close();
  }
});

test('changing the actor-key rule recomputes every key a slice at a time, both ways', async () => {
  const file = path.join(tempDir('migrate-'), 'latest.duckdb');
  const mids = ['a', 'bb', 'ccc', 'dddd', 'e'];
  await databaseAt(file, 10, mids);
  const keys = async (actorKey: 'as-sent' | 'federated') => {
    const store = await openDuckDBStore({ file, backfillRows: 2, actorKey });
    try {
      const rows = await store.query('SELECT actor_key, actor_hash = md5_number(actor_id) FROM events ORDER BY mid');
      // The hash follows the key (actor_id: the as-sent key).
      for (const [key, sameAsSent] of rows.rows) assert.equal(sameAsSent, actorKey === 'as-sent', String(key));
      return rows.rows.map((r) => r[0]);
    } finally {
      await store.close();
    }
  };
  assert.deepEqual(
    await keys('as-sent'),
    mids.map((mid) => `f:org:${mid}`),
  );
  assert.deepEqual(await keys('federated'), mids);
});

/** The events table's columns as the catalog has them: name, type, nullable, default, in order. */
async function eventsColumns(file: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(file);
  try {
    const c = await instance.connect();
    return (
      await c.runAndReadAll(`SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns()
        WHERE table_name = 'events' ORDER BY column_index`)
    ).getRowsJS();
  } finally {
    instance.closeSync();
  }
}

/**
 * Rows whose mid and raw take three values: DuckDB alone would store them with dictionary compression. Returns the
 * compressions of the mid, raw and eid columns after a checkpoint (pragma_storage_info).
 */
async function compressionsAfterCheckpoint(file: string): Promise<Record<string, string[]>> {
  const instance = await DuckDBInstance.create(file);
  try {
    const c = await instance.connect();
    await c.run(`INSERT INTO events (mid, eid, ets, ts, syncts, raw)
      SELECT 'm' || (i % 3), 'START', i, make_timestamp(i * 1000), i, '{"n":' || (i % 3) || '}' FROM range(10000) r(i)`);
    await c.run('CHECKPOINT');
    const rows = (
      await c.runAndReadAll(`SELECT column_name, list(DISTINCT compression ORDER BY compression)
        FROM pragma_storage_info('events') WHERE column_name IN ('mid', 'raw', 'eid') AND segment_type = 'VARCHAR'
        GROUP BY ALL`)
    ).getRowsJS();
    return Object.fromEntries(rows.map(([column, methods]) => [column as string, methods as string[]]));
  } finally {
    instance.closeSync();
  }
}

test('migration 20: a new store declares mid and raw FSST, with the columns the migrations before it left', async () => {
  const dir = tempDir('migrate-');
  // The schema as version 19 left it, on a store that never held an event.
  const old = path.join(dir, 'v19.duckdb');
  (await migratedTo(old, 19)).instance.closeSync();
  const created = path.join(dir, 'new.duckdb');
  await (await openDuckDBStore({ file: created })).close();

  assert.deepEqual(await eventsColumns(created), await eventsColumns(old));
  assert.deepEqual(await compressionsAfterCheckpoint(created), { eid: ['Dictionary'], mid: ['FSST'], raw: ['FSST'] });
  assert.deepEqual(await compressionsAfterCheckpoint(old), {
    eid: ['Dictionary'],
    mid: ['Dictionary'],
    raw: ['Dictionary'],
  });
});

test('migration 20 leaves a store that holds events as it was, and an event of 2 MB is stored whole in a new one', async () => {
  const file = path.join(tempDir('migrate-'), 'v19-with-events.duckdb');
  const { instance, c } = await migratedTo(file, 19);
  await c.run(`INSERT INTO events (mid, eid, ets, ts, syncts, raw, arrival_seq)
    VALUES ('kept', 'START', 1700000000000, make_timestamp(1700000000000 * 1000), 1700000000500, '{}', 1)`);
  instance.closeSync();
  const store = await openDuckDBStore({ file });
  try {
    assert.deepEqual((await store.query('SELECT mid, raw FROM events')).rows, [['kept', '{}']]);
    assert.deepEqual((await store.query('SELECT max(version) FROM schema_migrations')).rows, [[20]]);
  } finally {
    await store.close();
  }
  assert.deepEqual((await compressionsAfterCheckpoint(file)).raw, ['Dictionary'], 'DuckDB still chooses');

  const created = path.join(tempDir('migrate-'), 'large.duckdb');
  await (await openDuckDBStore({ file: created })).close();
  const fresh = await DuckDBInstance.create(created);
  try {
    const f = await fresh.connect();
    await f.run(`INSERT INTO events (mid, eid, ets, ts, syncts, raw)
      SELECT 'big', 'LOG', 0, make_timestamp(0), 0, '{"edata":"' || repeat('abcdefghij', 200000) || '"}'`);
    await f.run('CHECKPOINT');
    // FSST takes no string over a block: DuckDB falls back to storing this one uncompressed, whole.
    const [[length, hash]] = (await f.runAndReadAll('SELECT length(raw), md5(raw) FROM events')).getRowsJS();
    assert.equal(Number(length), 2_000_000 + 12);
    const expected = (
      await f.runAndReadAll(`SELECT md5('{"edata":"' || repeat('abcdefghij', 200000) || '"}')`)
    ).getRowsJS();
    assert.equal(hash, expected[0][0]);
  } finally {
    fresh.closeSync();
  }
});
