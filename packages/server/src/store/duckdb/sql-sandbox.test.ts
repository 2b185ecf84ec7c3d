/**
 * The user-SQL sandbox on a real DuckDB store with a spool directory beside the database: no file or URL is
 * readable (the spool and the database file included), no settings, paths or checkpoints; plain reads work.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import { StoreError } from '../store.js';
import { type DuckDBStore, openDuckDBStore } from './duckdb-store.js';

let store: DuckDBStore;
let dir: string;
before(async () => {
  dir = tempDir('telemetry-sandbox-');
  fs.mkdirSync(path.join(dir, 'spool'));
  fs.writeFileSync(path.join(dir, 'spool', 'a.csv'), 'secret\n1\n');
  store = await openDuckDBStore({ file: path.join(dir, 'telemetry.duckdb'), spoolDir: path.join(dir, 'spool') });
});
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (sql: string) => store.readOnlyQuery(sql, { maxRows: 100, deadline: Date.now() + 30_000 });

async function refused(sql: string, code: string): Promise<StoreError> {
  try {
    await run(sql);
  } catch (error) {
    assert.ok(error instanceof StoreError, `not a StoreError: ${error}`);
    assert.equal(error.code, code, `${sql}: ${error.message}`);
    return error;
  }
  assert.fail(`${sql} was answered`);
}

test('file and URL readers are refused as file access, inside the spool too', async () => {
  const spool = path.join(dir, 'spool');
  for (const sql of [
    "SELECT * FROM read_csv('/etc/passwd')",
    `SELECT * FROM read_csv('${spool}/a.csv')`,
    `SELECT * FROM read_blob('${spool}/../telemetry.duckdb')`,
    `SELECT * FROM read_text('${spool}/a.csv')`,
    "SELECT * FROM read_parquet('https://example.com/x.parquet')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    `SELECT * FROM '${spool}/a.csv'`,
    "SELECT * FROM 'https://example.com/data.parquet'",
    `SELECT (SELECT count(*) FROM read_csv_auto('${spool}/a.csv')) AS n`,
    `WITH x AS (SELECT * FROM read_json('${spool}/a.csv')) SELECT * FROM x`,
  ]) {
    const error = await refused(sql, 'STORE_FILE_ACCESS_DISABLED');
    assert.match(error.message, /file access is disabled/);
  }
});

test('settings, paths, checkpoints and SQL-in-a-string are refused', async () => {
  for (const sql of [
    'SELECT * FROM duckdb_settings()',
    'SELECT * FROM duckdb_databases()',
    'SELECT * FROM duckdb_databases',
    'SELECT * FROM pg_settings',
    'SELECT * FROM pg_catalog.pg_settings',
    'SELECT * FROM pragma_database_list',
    "SELECT current_setting('temp_directory')",
    "SELECT getenv('HOME')",
    'SELECT * FROM force_checkpoint()',
    'SELECT * FROM checkpoint()',
    "SELECT * FROM query('SELECT * FROM duckdb_settings()')",
    "SELECT * FROM query_table('events')",
    'SELECT * FROM system.main.events',
    'WITH duckdb_settings AS (SELECT 1) SELECT * FROM duckdb_settings',
  ]) {
    await refused(sql, 'STORE_FUNCTION_NOT_ALLOWED');
  }
});

test('writes and several statements stay refused as not read-only', async () => {
  for (const sql of ['DROP TABLE events', "COPY events TO '/tmp/x.csv'", 'SELECT 1; SELECT 2', 'CHECKPOINT']) {
    await refused(sql, 'STORE_READ_ONLY_VIOLATION');
  }
});

test('plain reads work: tables, CTEs, subqueries, joins, allow-listed table functions, information_schema', async () => {
  const answers = await Promise.all([
    run('SELECT count(*) AS n FROM events'),
    run('WITH t AS (SELECT range AS i FROM range(3)) SELECT sum(i) FROM t'),
    run('SELECT * FROM unnest([1, 2]) u(x) JOIN generate_series(1, 2) g(y) ON x = y::INT ORDER BY x'),
    run("SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'"),
    run("SELECT (SELECT count(*) FROM events e WHERE e.eid = 'X') AS n"),
  ]);
  assert.deepEqual(
    answers.map((a) => a.rows),
    [
      [[0]],
      [[3]],
      [
        [1, 1],
        [2, 2],
      ],
      [[1]],
      [[0]],
    ],
  );
});

test('a constant DuckDB serialises as Infinity or NaN is a plain read, not a parse error of the sandbox', async () => {
  const { rows } = await run("SELECT 1e400 > 0 AS a, 'x:Infinity}' AS b, -1e400 < 0 AS c");
  assert.deepEqual(rows, [[true, 'x:Infinity}', true]]);
});

test('rows and bytes are cut off with truncated and the reason', async () => {
  const rows = await store.readOnlyQuery('SELECT * FROM range(10)', { maxRows: 3 });
  assert.deepEqual(rows, { columns: ['range'], rows: [[0], [1], [2]], truncated: true, truncatedReason: 'rows' });
  const exact = await store.readOnlyQuery('SELECT * FROM range(3)', { maxRows: 3 });
  assert.equal(exact.truncated, false);
  const bytes = await store.readOnlyQuery("SELECT repeat('x', 1000) AS s FROM range(100)", {
    maxRows: 1000,
    maxBytes: 10_500,
  });
  assert.equal(bytes.truncated, true);
  assert.equal(bytes.truncatedReason, 'bytes');
  assert.equal(bytes.rows.length, 10); // each row is ["x…x"] = 1,004 bytes of JSON plus its separator
});

test('a running query is interrupted at its deadline', async () => {
  const error = await store
    .readOnlyQuery('SELECT count(*) FROM range(1000000000000)', { maxRows: 1, deadline: Date.now() + 300 })
    .catch((e: unknown) => e);
  assert.ok(error instanceof StoreError && error.code === 'STORE_TIMEOUT', String(error));
});

test('a bounded internal query refuses an answer over its byte limit instead of cutting it', async () => {
  await assert.rejects(
    store.query("SELECT repeat('x', 1000) FROM range(100)", undefined, { maxBytes: 5000 }),
    (error: StoreError) => error.code === 'STORE_RESULT_TOO_LARGE',
  );
});

test('a query of only comments or whitespace, or of two statements, is refused with a reason', async () => {
  for (const sql of ['-- only a comment', '/* nothing */', '  \n ']) {
    const error = await refused(sql, 'STORE_QUERY_FAILED');
    assert.equal(error.message, 'the query has no statement, only whitespace or comments');
  }
  const two = await refused('SELECT 1; SELECT 2', 'STORE_READ_ONLY_VIOLATION');
  assert.equal(two.message, 'exactly one statement is allowed, got 2');
  assert.deepEqual((await run('SELECT 1 AS one -- trailing comment')).rows, [[1]]);
});
