import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, interact, postBatch, sql, startTestServer } from '../../test/helpers.js';
import { tempDir } from '../../test/temp-dir.js';
import { loadConfig } from '../config.js';
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

test('TELEMETRY_STORE: the server keeps its events in the store it names; a bad one is refused at start by name', async () => {
  assert.equal(loadConfig({}).store, 'duckdb:');
  assert.throws(() => loadConfig({ TELEMETRY_STORE: 'clickhouse://127.0.0.1:8123/telemetry' }), {
    message: 'TELEMETRY_STORE: unknown store "clickhouse:" in "clickhouse://127.0.0.1:8123/telemetry"; known: duckdb:',
  });
  assert.throws(() => loadConfig({ TELEMETRY_STORE: 'telemetry.duckdb' }), /^Error: TELEMETRY_STORE: .*has no scheme/);

  const elsewhere = path.join(tempDir('open-store-elsewhere-'), 'events.duckdb');
  const config = loadConfig({ TELEMETRY_STORE: `duckdb:${elsewhere}` });
  const server = await startTestServer({ store: config.store });
  try {
    assert.equal(
      (await postBatch(server, { id: 'api.sunbird.telemetry', ver: '3.0', events: [interact()] })).status,
      200,
    );
    await eventually(async () => (await sql(server, 'SELECT count(*) FROM events'))[0][0] === 1);
  } finally {
    await server.close();
  }
  assert.ok(!fs.existsSync(path.join(server.dataDir, DATABASE_FILE)), 'nothing in the data directory');
  const store = await openStore({ url: config.store });
  try {
    assert.deepEqual((await store.query('SELECT eid, count(*) FROM events GROUP BY eid')).rows, [['INTERACT', 1]]);
  } finally {
    await store.close();
  }
});
