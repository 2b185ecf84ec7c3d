/**
 * User SQL on ClickHouse as a user of its own (TELEMETRY_CLICKHOUSE_SQL_USER; docs/clickhouse.md, "User SQL"): the
 * test service's `telemetry_sql` (scripts/clickhouse.sh: a read-only profile with limits, and only the database
 * `sql_user_test`). /api/sql reads the store's events; another database on the server is refused
 * (SQL_ACCESS_DENIED), where the store's own user, without it, reads it; writes stay refused and rows capped; a user
 * without a read-only profile with limits is refused at start.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openStore } from '../src/store/open-store.js';
import { eventually, postBatch, startTestServer } from './helpers.js';
import { clickHouseService, clickHouseText } from './support/clickhouse.js';
import { settled } from './support/server-reads.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let limited: Server;
let unlimited: Server;
after(async () => {
  await limited?.close();
  await unlimited?.close();
});
const service = clickHouseService();
const skip = 'skip' in service ? service.skip : false;
/** The one database scripts/clickhouse.sh lets `telemetry_sql` read. */
const DATABASE = 'sql_user_test';
const sqlUser = { username: 'telemetry_sql', password: '' };

async function sql(server: Server, query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/api/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

before(async () => {
  if ('skip' in service) return;
  // Another database on the same server, holding a row the SQL user must not read.
  await clickHouseText(service.httpUrl, `CREATE DATABASE IF NOT EXISTS ${service.database}`);
  await clickHouseText(service.httpUrl, `CREATE TABLE ${service.database}.secrets (s String) ENGINE = Memory`);
  await clickHouseText(service.httpUrl, `INSERT INTO ${service.database}.secrets VALUES ('hidden')`);
  await clickHouseText(service.httpUrl, `DROP DATABASE IF EXISTS ${DATABASE}`);
  const store = service.storeUrl.replace(/[^/]*$/, DATABASE);
  limited = await startTestServer({ store, clickhouseSqlUser: sqlUser, sqlMaxRows: 5 });
  unlimited = await startTestServer({ store, writerId: 1 });
  const events = Array.from({ length: 12 }, (_, i) => ({
    eid: 'START',
    ets: Date.UTC(2026, 9, 1, 10, i),
    ver: '3.0',
    mid: `sql-user-${i}`,
    actor: { id: `teacher-${i % 3}`, type: 'User' },
    context: { channel: 'esamwad', pdata: { id: 'esamwad.app', ver: '1' }, env: 'home', did: 'device-1' },
    edata: { type: 'app' },
  }));
  const body = { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: 'sql-user-1' }, events };
  assert.equal((await postBatch(limited, body)).status, 200);
  await eventually(() => settled(limited));
});
after(async () => {
  if (!('skip' in service)) await clickHouseText(service.httpUrl, `DROP DATABASE IF EXISTS ${DATABASE}`);
});

test("the SQL user reads the store's events, rows capped by the store", { skip }, async () => {
  const count = await sql(limited, 'SELECT count() FROM events FINAL');
  assert.equal(count.status, 200, JSON.stringify(count.body));
  assert.deepEqual(count.body.rows, [[12]]);
  const many = await sql(limited, 'SELECT mid FROM events FINAL ORDER BY mid');
  assert.equal(many.status, 200, JSON.stringify(many.body));
  assert.equal((many.body.rows as unknown[]).length, 5);
  assert.equal(many.body.truncated, true);
});

test('another database on the server: refused as the SQL user, read as the store user without one', {
  skip,
}, async () => {
  if ('skip' in service) return;
  const query = `SELECT s FROM ${service.database}.secrets`;
  const refused = await sql(limited, query);
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  const params = refused.body.params as { err: string; errmsg: string };
  assert.equal(params.err, 'SQL_ACCESS_DENIED');
  assert.match(params.errmsg, new RegExp(`Access denied to database ${service.database} for user telemetry_sql`));
  assert.deepEqual((await sql(unlimited, query)).body.rows, [['hidden']], 'the risk the SQL user removes');
});

test('writes and settings stay refused as the SQL user', { skip }, async () => {
  const write = await sql(limited, `SELECT 1; INSERT INTO events (mid) VALUES ('x')`);
  assert.equal(write.status, 400);
  const insert = await sql(limited, `INSERT INTO cohorts (id) VALUES ('x')`);
  assert.equal(insert.status, 400, JSON.stringify(insert.body));
  assert.match((insert.body.params as { err: string }).err, /^SQL_/);
});

test('a SQL user without a read-only profile with limits is refused at start, naming what it lacks', {
  skip,
}, async () => {
  if ('skip' in service) return;
  await assert.rejects(
    openStore({
      url: service.storeUrl.replace(/[^/]*$/, DATABASE),
      writer: 2,
      sqlUser: { username: 'default', password: '' },
    }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.match(error.message, /the SQL user's profile lacks readonly=1, max_result_rows, max_execution_time/);
      return true;
    },
  );
});
