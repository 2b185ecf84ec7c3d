// Opening a database written by an older version (issue 10): every later migration runs once, in order, keeping
// the rows; opening it again runs none.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDBStore } from './duckdb-store.js';
import { MIGRATIONS } from './migrations.js';

test('a version-1 database is migrated to the latest version with its events kept and ets_corrected filled', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-')), 'old.duckdb');
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
