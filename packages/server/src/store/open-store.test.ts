import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { DATABASE_FILE, openStore, parseStoreUrl } from './open-store.js';

test('openStore: duckdb: alone is telemetry.duckdb in the data directory', async () => {
  const dataDir = tempDir('open-store-');
  const store = await openStore({ url: 'duckdb:', dataDir });
  try {
    assert.equal(store.dialect, 'duckdb');
    assert.equal(await store.checkpoint(), 0);
    assert.ok(fs.existsSync(path.join(dataDir, DATABASE_FILE)));
  } finally {
    await store.close();
  }
});

test('openStore: duckdb::memory: leaves no file', async () => {
  const store = await openStore({ url: 'duckdb::memory:' });
  try {
    await store.ping();
    assert.deepEqual((await store.query('SELECT count(*) FROM events')).rows, [[0]]);
  } finally {
    await store.close();
  }
});

test('openStore: a URL without a scheme, or with one no adapter serves, is refused by name', async () => {
  await assert.rejects(openStore({ url: 'clickhouse://127.0.0.1:8123/telemetry' }), {
    message: 'unknown store "clickhouse:" in "clickhouse://127.0.0.1:8123/telemetry"; known: duckdb:',
  });
  await assert.rejects(openStore({ url: './data/telemetry.duckdb' }), /has no scheme/);
  assert.deepEqual(parseStoreUrl('DuckDB:/tmp/x.duckdb'), { scheme: 'duckdb', location: '/tmp/x.duckdb' });
});
