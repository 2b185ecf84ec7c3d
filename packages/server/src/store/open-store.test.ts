import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, interact, postBatch, sql, startTestServer } from '../../test/helpers.js';
import { tempDir } from '../../test/temp-dir.js';
import { loadConfig } from '../config.js';
import { lockSpool } from '../spool/spool-lock.js';
import { DATA_DIR_MODE, DATABASE_FILE, openStore, resolveStoreUrl } from './open-store.js';
import { StoreError } from './store.js';

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

test("openStore: a data directory it creates is its user's alone; one that exists keeps its mode", async () => {
  const parent = tempDir('open-store-mode-');
  const created = path.join(parent, 'new', 'data');
  const existing = path.join(parent, 'existing');
  fs.mkdirSync(existing, { mode: 0o755 });
  fs.chmodSync(existing, 0o755); // whatever the umask
  for (const dataDir of [created, existing]) await (await openStore({ url: 'duckdb:', dataDir })).close();
  // The server takes the spool's lock first, which creates the directory too; a store file named elsewhere
  // (TELEMETRY_STORE=duckdb:<path>) gets its folders the same way.
  const locked = path.join(parent, 'locked');
  lockSpool(locked).release();
  const elsewhere = path.join(parent, 'elsewhere', 'sub');
  await (await openStore({ url: `duckdb:${path.join(elsewhere, 'x.duckdb')}` })).close();
  for (const dir of [created, locked, elsewhere, path.dirname(elsewhere)]) {
    assert.equal(fs.statSync(dir).mode & 0o777, DATA_DIR_MODE & ~process.umask(), dir);
    assert.equal(fs.statSync(dir).mode & 0o077, 0, `${dir}: nobody else may list or read it`);
  }
  assert.equal(fs.statSync(existing).mode & 0o777, 0o755);
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
  await assert.rejects(openStore({ url: 'postgres://127.0.0.1:5432/telemetry' }), {
    message: 'unknown store "postgres:" in "postgres://127.0.0.1:5432/telemetry"; known: duckdb:, clickhouse:',
  });
  await assert.rejects(openStore({ url: './data/telemetry.duckdb' }), /has no scheme/);
  assert.deepEqual(resolveStoreUrl('DuckDB:/tmp/x.duckdb'), { scheme: 'duckdb', file: '/tmp/x.duckdb' });
});

test('resolveStoreUrl: a DuckDB location is a local file path, relative to the working directory; nothing else', () => {
  assert.deepEqual(resolveStoreUrl('duckdb:', '/srv/data'), { scheme: 'duckdb', file: `/srv/data/${DATABASE_FILE}` });
  assert.deepEqual(resolveStoreUrl('duckdb:x/t.duckdb'), { scheme: 'duckdb', file: path.resolve('x/t.duckdb') });
  assert.deepEqual(resolveStoreUrl('duckdb::memory:'), { scheme: 'duckdb', file: ':memory:' });
  // DuckDB would read these as remote files, extensions, or paths nobody meant (/x at the root, ./~, a "?" name).
  for (const url of [
    'duckdb://x/t.duckdb',
    'duckdb:~/t.duckdb',
    'duckdb:/tmp/t.duckdb?threads=4',
    'duckdb:md:mydb',
    'duckdb:s3://bucket/t.duckdb',
    'duckdb:file:/tmp/t.duckdb',
    'duckdb:HTTPS://example.org/t.duckdb',
  ])
    assert.throws(() => resolveStoreUrl(url), /is not a local file path/, url);
});

test('resolveStoreUrl: clickhouse://<host>:<port>/<database>, plain HTTP; anything else refused by name', () => {
  assert.deepEqual(resolveStoreUrl('clickhouse://127.0.0.1:8123/telemetry'), {
    scheme: 'clickhouse',
    httpUrl: 'http://127.0.0.1:8123',
    database: 'telemetry',
  });
  assert.deepEqual(resolveStoreUrl('ClickHouse://ch-1.internal:18123/t_2'), {
    scheme: 'clickhouse',
    httpUrl: 'http://ch-1.internal:18123',
    database: 't_2',
  });
  for (const url of [
    'clickhouse:',
    'clickhouse://127.0.0.1/telemetry',
    'clickhouse://user:secret@127.0.0.1:8123/telemetry',
    'clickhouse://127.0.0.1:8123/a/b',
  ])
    assert.throws(
      () => resolveStoreUrl(url),
      /is not \/\/<host>:<port>\/<database>; write e\.g\. clickhouse:\/\//,
      url,
    );
  assert.throws(() => resolveStoreUrl('clickhouse://127.0.0.1:70000/t'), /port .* is not from 1 to 65535/);
  for (const url of ['clickhouse://127.0.0.1:8123/', 'clickhouse://127.0.0.1:8123/x-y', 'clickhouse://h:1/1a'])
    assert.throws(() => resolveStoreUrl(url), /database .* is not a plain name/, url);
});

test('resolveStoreUrl: a ClickHouse cluster by name and its shards, each <host>:<port>; other settings refused', () => {
  assert.deepEqual(resolveStoreUrl('clickhouse://10.0.0.1:8123/t?cluster=events&shards=10.0.0.1:8123,[::1]:8124'), {
    scheme: 'clickhouse',
    httpUrl: 'http://10.0.0.1:8123',
    database: 't',
    cluster: { name: 'events', shards: ['http://10.0.0.1:8123', 'http://[::1]:8124'] },
  });
  const refused: [string, RegExp][] = [
    ['?secure=1', /settings it does not know \(secure\); known: cluster, shards/],
    ['?cluster=events&shards=a:1&user=x', /does not know \(user\)/],
    ['?cluster=events', /needs both cluster=<plain name> and shards=/],
    ['?shards=a:1', /needs both cluster=<plain name> and shards=/],
    ['?cluster=x-y&shards=a:1', /needs both cluster=<plain name>/],
    ['?cluster=events&shards=a', /the shard "a" .* is not <host>:<port>/],
    ['?cluster=events&shards=a:1,b:0', /the shard "b:0" .* is not <host>:<port>/],
    ['?cluster=events&shards=http://a:1', /the shard "http:\/\/a:1"/],
  ];
  for (const [query, message] of refused)
    assert.throws(() => resolveStoreUrl(`clickhouse://127.0.0.1:8123/telemetry${query}`), message, query);
});

test('openStore: a ClickHouse server that does not answer is STORE_UNAVAILABLE', async () => {
  // Port 1 on loopback: nothing listens there.
  await assert.rejects(openStore({ url: 'clickhouse://127.0.0.1:1/telemetry' }), (error) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, 'STORE_UNAVAILABLE');
    assert.match(error.message, /^ClickHouse does not answer: /);
    return true;
  });
});

test('openStore with mustExist: no store there is STORE_UNAVAILABLE, and nothing is created', async () => {
  const missing = path.join(tempDir('open-store-missing-'), 'nope', DATABASE_FILE);
  await assert.rejects(openStore({ url: `duckdb:${missing}`, mustExist: true }), (error) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, 'STORE_UNAVAILABLE');
    assert.equal(error.message, `no store at ${missing} (start the server once, or load data into it)`);
    return true;
  });
  assert.ok(!fs.existsSync(path.dirname(missing)));
});

test('TELEMETRY_STORE: the server keeps its events in the store it names; a bad one is refused at start by name', async () => {
  assert.equal(loadConfig({}).store, 'duckdb:');
  assert.throws(() => loadConfig({ TELEMETRY_STORE: 'mysql://127.0.0.1:3306/telemetry' }), {
    message:
      'TELEMETRY_STORE: unknown store "mysql:" in "mysql://127.0.0.1:3306/telemetry"; known: duckdb:, clickhouse:',
  });
  // A ClickHouse URL is checked as one (docs/clickhouse.md).
  assert.throws(
    () => loadConfig({ TELEMETRY_STORE: 'clickhouse://127.0.0.1:8123' }),
    /^Error: TELEMETRY_STORE: the ClickHouse location/,
  );
  assert.throws(() => loadConfig({ TELEMETRY_STORE: 'clickhouse://127.0.0.1:8123/system' }), {
    message:
      'TELEMETRY_STORE: the ClickHouse database in "clickhouse://127.0.0.1:8123/system" is the server\'s own (system); name one for the store',
  });
  assert.equal(
    loadConfig({ TELEMETRY_STORE: 'clickhouse://127.0.0.1:8123/telemetry' }).store,
    'clickhouse://127.0.0.1:8123/telemetry',
  );
  assert.throws(
    () =>
      loadConfig({
        TELEMETRY_STORE: 'clickhouse://127.0.0.1:8123/telemetry',
        TELEMETRY_FORWARD_POSTHOG_HOST: 'https://us.i.posthog.com',
        TELEMETRY_FORWARD_POSTHOG_KEY: 'phc_x',
      }),
    { message: 'TELEMETRY_FORWARD_POSTHOG_HOST: the PostHog forwarder does not run on a ClickHouse store yet' },
  );
  assert.throws(() => loadConfig({ TELEMETRY_STORE: 'telemetry.duckdb' }), /^Error: TELEMETRY_STORE: .*has no scheme/);
  assert.throws(
    () => loadConfig({ TELEMETRY_STORE: 'duckdb:md:x' }),
    /^Error: TELEMETRY_STORE: .*not a local file path/,
  );
  assert.throws(() => loadConfig({ TELEMETRY_STORE: 'duckdb::memory:' }), {
    message: 'TELEMETRY_STORE: duckdb::memory: loses every event at exit (tests only)',
  });

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
