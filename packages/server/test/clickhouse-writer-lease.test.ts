/**
 * One process loads into a ClickHouse database at a time (store/clickhouse/writer-lease.ts): a second writer is
 * refused while the first holds the lease, takes it once the first releases it or once a crashed first's heartbeats
 * run out; and a second server on the same database is refused at start while the first runs, where before both
 * loaded and one's acknowledged events were silently marked loaded by the other. Leases with short timings here (the
 * defaults wait 20 s for a crashed writer); the real server, store and ClickHouse (scripts/clickhouse.sh).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CLICKHOUSE_MIGRATIONS, SCHEMA_MIGRATIONS_SQL } from '../src/store/clickhouse/migrations.js';
import { type LeaseDeps, WriterLease } from '../src/store/clickhouse/writer-lease.js';
import { openStore } from '../src/store/open-store.js';
import { postBatch, startTestServer } from './helpers.js';
import { clickHouseService, clickHouseText } from './support/clickhouse.js';

const servers: Awaited<ReturnType<typeof startTestServer>>[] = [];
after(async () => {
  for (const server of servers) await server.close().catch(() => {});
});
const service = clickHouseService();
const skip = 'skip' in service ? service.skip : false;
const target = 'skip' in service ? { storeUrl: '', httpUrl: '', database: '' } : service;

/** The lease's reads and statements over HTTP, in this file's database (migrated by an openStore first). */
const deps: LeaseDeps = {
  database: target.database,
  async rows(sql) {
    const res = await fetch(`${target.httpUrl}/?database=${target.database}`, {
      method: 'POST',
      body: `${sql} FORMAT JSONCompact`,
    });
    if (!res.ok) throw new Error(await res.text());
    return ((await res.json()) as { data: unknown[][] }).data;
  },
  async command(sql) {
    const res = await fetch(`${target.httpUrl}/?database=${target.database}`, { method: 'POST', body: sql });
    if (!res.ok) throw new Error(await res.text());
  },
};
const SHORT = { heartbeatS: 1, ttlS: 3, settleMs: 300 };

test('a second writer is refused while the first holds the lease, and takes it once released', { skip }, async () => {
  await (await openStore({ url: target.storeUrl })).close(); // the schema, migration 6 included
  const first = new WriterLease(deps, 'writer 0', SHORT);
  const second = new WriterLease(deps, 'writer 0', SHORT);
  await first.claim();
  await assert.rejects(second.claim(), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'STORE_LOCKED');
    assert.match(
      error.message,
      /is in use by another collector as writer 0 \(process \d+ on .*\): give each .* TELEMETRY_WRITER_ID/,
    );
    return true;
  });
  await first.claim(); // still its own
  await first.release();
  await second.claim();
  await second.release();
});

test("a crashed writer's lease runs out: the next one waits for it, then takes it", { skip }, async () => {
  const crashed = new WriterLease(deps, 'writer 0', { ...SHORT, heartbeatS: 3_600 }); // claims, then never beats again
  await crashed.claim();
  const started = Date.now();
  const next = new WriterLease(deps, 'writer 0', SHORT);
  await next.claim();
  assert.ok(Date.now() - started >= 2_000, 'it waited for the lease to run out');
  await next.release();
});

test('writers with different numbers hold their leases side by side; one summarizer among them, then the next', {
  skip,
}, async () => {
  const [zero, one] = [new WriterLease(deps, 'writer 10', SHORT), new WriterLease(deps, 'writer 11', SHORT)];
  await zero.claim();
  await one.claim(); // not refused: another number
  const [a, b] = [new WriterLease(deps, 'summarizer', SHORT), new WriterLease(deps, 'summarizer', SHORT)];
  const held = await Promise.all([a.hold(), b.hold()]);
  assert.equal(held.filter(Boolean).length, 1, `one summarizer: ${held}`);
  const [holder, other] = held[0] ? [a, b] : [b, a];
  assert.equal(await other.hold(), false);
  await holder.release();
  assert.equal(await other.hold(), true, 'the next contender takes over once the holder gives up');
  for (const lease of [other, zero, one]) await lease.release();
});

test('a second server on the same ClickHouse database is refused at start; the first keeps loading', {
  skip,
}, async () => {
  const first = await startTestServer({ store: target.storeUrl });
  servers.push(first);
  await assert.rejects(startTestServer({ store: target.storeUrl }), { code: 'STORE_LOCKED' });
  const event = {
    eid: 'INTERACT',
    ets: Date.now(),
    ver: '3.0',
    mid: 'lease-1',
    actor: { id: 'u', type: 'User' },
    context: { channel: 'c', pdata: { id: 'p', ver: '1', pid: 'w' }, env: 'e' },
    edata: { type: 'CLICK', id: 'x' },
  };
  assert.equal((await postBatch(first, { events: [event] })).status, 200);
});

/** The last migration's version, as schema_migrations records it (a line of text). */
const LATEST = `${CLICKHOUSE_MIGRATIONS[CLICKHOUSE_MIGRATIONS.length - 1].version}\n`;

/** A database of its own at migration 6 (before several writers), with rows in the tables migration 7 rebuilds. */
async function storeAtVersion6(database: string): Promise<(sql: string) => Promise<string>> {
  const run = (sql: string) => clickHouseText(target.httpUrl, sql.replaceAll('DB.', `${database}.`));
  await run(`CREATE DATABASE ${database}`);
  const inDb = async (sql: string) => {
    const res = await fetch(`${target.httpUrl}/?database=${database}`, { method: 'POST', body: sql });
    if (!res.ok) throw new Error(await res.text());
  };
  await inDb(SCHEMA_MIGRATIONS_SQL);
  for (const migration of CLICKHOUSE_MIGRATIONS.filter((m) => m.version <= 6)) {
    for (const statement of migration.sql) await inDb(statement as string); // 1–6 are plain statements
    await inDb(`INSERT INTO schema_migrations VALUES (${migration.version}, 'v', now())`);
  }
  await run("INSERT INTO DB.batches VALUES ('b1', 1700000000000, 3, 1, 1), ('b2', 1700000000000, 2, 2, 1)");
  await run('INSERT INTO DB.loaded_segments VALUES (1, 5, 0, 1, now()), (2, 0, 0, 1, now())');
  return run;
}

test('stores opened at once on a database that needs migrating: one migrates, the other waits; rows kept once', {
  skip,
}, async () => {
  const database = `${target.database}_race`;
  const run = await storeAtVersion6(database);
  try {
    const url = `${target.storeUrl}_race`;
    const stores = await Promise.all([openStore({ url }), openStore({ url, writer: 1 })]);
    for (const store of stores) await store.close();
    assert.equal(await run('SELECT max(version) FROM DB.schema_migrations'), LATEST);
    assert.equal(await run('SELECT count() FROM DB.batches FINAL'), '2\n');
    assert.equal(
      await run('SELECT groupArray(segment) FROM (SELECT segment FROM DB.loaded_segments FINAL ORDER BY segment)'),
      '[1,2]\n',
    );
  } finally {
    await clickHouseText(target.httpUrl, `DROP DATABASE IF EXISTS ${database}`);
  }
});

test('the upgrade to several writers is refused while a collector of an earlier version is loading', {
  skip,
}, async () => {
  const database = `${target.database}_old`;
  const run = await storeAtVersion6(database);
  try {
    // An earlier collector's heartbeat: its rows have no role.
    await run("INSERT INTO DB.store_writers VALUES ('old', 'vm-old', 4242, 1, now(), 0)");
    const url = `${target.storeUrl}_old`;
    await assert.rejects(openStore({ url }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STORE_LOCKED');
      assert.match(
        error.message,
        /a collector of an earlier version .* \(process 4242 on vm-old\): stop every collector/,
      );
      return true;
    });
    assert.equal(await run('SELECT max(version) FROM DB.schema_migrations'), '6\n', 'nothing migrated');
    await run(
      "INSERT INTO DB.store_writers (holder, host, pid, claimed_ms, heartbeat_at, released) VALUES ('old', 'vm-old', 4242, 1, now(), 1)",
    );
    await (await openStore({ url })).close(); // it stopped: the upgrade goes on
    assert.equal(await run('SELECT max(version) FROM DB.schema_migrations'), LATEST);
  } finally {
    await clickHouseText(target.httpUrl, `DROP DATABASE IF EXISTS ${database}`);
  }
});
