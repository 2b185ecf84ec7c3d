/**
 * User SQL (`readOnlyQuery`, behind POST /api/sql) refused alike by both stores: the same text gives the same
 * StoreError code on DuckDB and on ClickHouse (one catalog, store/user-sql.ts), and what one answers the other answers.
 * Several statements, no statement at all, table functions that read files or URLs and those that do not, writes.
 * Runs against the real server (scripts/clickhouse.sh), skipping only where it cannot be installed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openStore } from '../src/store/open-store.js';
import { type Store, StoreError } from '../src/store/store.js';
import { clickHouseService } from './support/clickhouse.js';
import { openMemoryStore } from './support/store.js';

const service = clickHouseService();
const skip = 'skip' in service ? service.skip : false;

let duck: Store;
let house: Store;
before(async () => {
  if (skip) return;
  duck = await openMemoryStore();
  house = await openStore({ url: 'skip' in service ? '' : service.storeUrl });
});
after(async () => {
  await duck?.close();
  await house?.close();
});

/** The code `store` refuses `sql` with, or 'answered' and the rows. */
async function outcome(store: Store, sql: string): Promise<{ code: string; message?: string; rows?: unknown[][] }> {
  try {
    const { rows } = await store.readOnlyQuery(sql, { maxRows: 10 });
    return { code: 'answered', rows };
  } catch (error) {
    assert.ok(error instanceof StoreError, `${sql}: not a StoreError: ${error}`);
    return { code: error.code, message: error.message };
  }
}

/** Each: the SQL a user sends, and the code both stores give (DuckDB's, the reference). */
const REFUSED: [string, string][] = [
  ['SELECT 1; SELECT 2', 'STORE_READ_ONLY_VIOLATION'],
  ['SELECT 1; DROP TABLE events', 'STORE_READ_ONLY_VIOLATION'],
  ["SELECT ';'; SELECT 2 -- two, the first with a semicolon in a string", 'STORE_READ_ONLY_VIOLATION'],
  ["SELECT * FROM file('/etc/passwd', 'CSV', 'a String'); SELECT 2", 'STORE_READ_ONLY_VIOLATION'],
  ['DROP TABLE events', 'STORE_READ_ONLY_VIOLATION'],
  ['INSERT INTO batches VALUES (1)', 'STORE_READ_ONLY_VIOLATION'],
  ['-- only a comment', 'STORE_QUERY_FAILED'],
  ['/* nothing */', 'STORE_QUERY_FAILED'],
  ['  \n ', 'STORE_QUERY_FAILED'],
  ['SELECT nosuch(1)', 'STORE_QUERY_FAILED'],
  // Table functions that read no file: not allowed (DuckDB: outside its allowlist; ClickHouse: none under readonly).
  ['SELECT * FROM numbers(10)', 'STORE_FUNCTION_NOT_ALLOWED'],
  ["SELECT * FROM remote('127.0.0.1', system.one)", 'STORE_FUNCTION_NOT_ALLOWED'],
  ['SELECT count(*) FROM (SELECT * FROM numbers(3)) AS t', 'STORE_FUNCTION_NOT_ALLOWED'],
  ["SELECT * FROM merge('telemetry', 'events')", 'STORE_FUNCTION_NOT_ALLOWED'],
  // Those that read a file or a URL, whichever engine has them.
  ["SELECT * FROM file('/etc/passwd', 'CSV', 'a String')", 'STORE_FILE_ACCESS_DISABLED'],
  ["SELECT * FROM url('http://127.0.0.1:1/', 'CSV', 'a String')", 'STORE_FILE_ACCESS_DISABLED'],
  ["SELECT * FROM read_csv('/etc/passwd')", 'STORE_FILE_ACCESS_DISABLED'],
  ["SELECT * FROM numbers(1) AS n, url('http://127.0.0.1:1/', 'CSV', 'a String') AS u", 'STORE_FILE_ACCESS_DISABLED'],
];

for (const [sql, code] of REFUSED) {
  test(`the same code on both stores: ${JSON.stringify(sql)} is ${code}`, { skip }, async () => {
    const [d, c] = [await outcome(duck, sql), await outcome(house, sql)];
    assert.equal(d.code, code, `DuckDB: ${d.message}`);
    assert.equal(c.code, code, `ClickHouse: ${c.message}`);
  });
}

test('several statements and no statement have the same message on both stores', { skip }, async () => {
  for (const sql of ['SELECT 1; SELECT 2', '-- only a comment']) {
    const [d, c] = [await outcome(duck, sql), await outcome(house, sql)];
    assert.equal(c.message, d.message, sql);
  }
});

test('one statement is answered alike: a trailing semicolon or comment, a semicolon in a string', {
  skip,
}, async () => {
  for (const sql of [
    'SELECT 1 AS one;',
    'SELECT 1 AS one; -- done',
    "SELECT ';' AS s",
    'SELECT 1 AS one -- trailing',
  ]) {
    const [d, c] = [await outcome(duck, sql), await outcome(house, sql)];
    assert.equal(d.code, 'answered', `DuckDB ${sql}: ${d.message}`);
    assert.deepEqual(c, d, sql);
  }
});
