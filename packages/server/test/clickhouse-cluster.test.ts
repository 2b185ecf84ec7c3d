/**
 * A store spread over a cluster's two shards (docs/clickhouse.md, "A cluster"): two ClickHouse servers of this file's
 * own, a Distributed table over them, and two collectors writing through it, with retries crossing collectors; every
 * read equals a single DuckDB server's (support/collectors-suite.ts). Here besides: both shards hold events, each
 * event on one shard only (its copies folded there), in a shard database of the store's own; answers 18.16 got wrong
 * through shards (a DISTINCT beside an IN subquery); a shard that stops is told by /health and by reads; and URLs
 * that do not match the cluster, or a store that holds events already, are refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../src/store/open-store.js';
import { sql } from './helpers.js';
import { clickHouseCluster, clickHouseText, startShard, stopShard } from './support/clickhouse.js';
import { collectorsSuite } from './support/collectors-suite.js';
import { readOk, withoutReceiveTimes } from './support/server-reads.js';

const { service, skip, collectors, duck } = collectorsSuite(clickHouseCluster);
const dateRange = { from: '2026-10-01', to: '2026-10-08' };

/** The shards' database of this file's store (cluster.ts: a name of the store's own, in its store_settings). */
async function shardDatabase(): Promise<string> {
  if ('skip' in service) return '';
  return (
    await clickHouseText(
      service.shardUrls[0],
      `SELECT argMax(value, updated_at) FROM ${service.database}.store_settings WHERE name = 'cluster_shard_database'`,
    )
  ).trim();
}

test('the events are spread over both shards, every copy of an event on one', { skip }, async () => {
  if ('skip' in service) return;
  const shardDb = await shardDatabase();
  assert.match(shardDb, new RegExp(`^${service.database}_shard_[0-9a-f]{8}$`));
  const perShard = await Promise.all(
    service.shardUrls.map(async (url) =>
      (await clickHouseText(url, `SELECT mid FROM ${shardDb}.events FINAL FORMAT TabSeparated`))
        .split('\n')
        .filter((mid) => mid !== ''),
    ),
  );
  for (const [shard, mids] of perShard.entries()) assert.ok(mids.length > 100, `shard ${shard + 1}: ${mids.length}`);
  const all = perShard.flat();
  assert.equal(new Set(all).size, all.length, 'no mid on both shards');
  const [[stored]] = await sql(collectors()[0], 'SELECT count() FROM events');
  assert.equal(all.length, Number(stored), 'the store reads both shards, folded');
});

test('a store URL without the cluster is refused for a database spread over one', { skip }, async () => {
  if ('skip' in service) return;
  const single = service.storeUrl.replace(/\?.*$/, '');
  await assert.rejects(openStore({ url: single }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'STORE_UNAVAILABLE');
    assert.match(error.message, /spread over a cluster .*shards/);
    return true;
  });
});

test('a cluster the config lacks, another number of shards, or a store already holding events: refused by name', {
  skip,
}, async () => {
  if ('skip' in service) return;
  const [first] = service.shardUrls.map((url) => url.replace(/^http:\/\//, ''));
  const refused = async (url: string, code: string, message: RegExp) =>
    assert.rejects(openStore({ url }), (error: Error & { code?: string }) => {
      assert.equal(error.code, code, error.message);
      assert.match(error.message, message);
      return true;
    });
  const elsewhere = `${service.database}_other`;
  await refused(
    `clickhouse://${first}/${elsewhere}?cluster=nope&shards=${first}`,
    'STORE_UNAVAILABLE',
    /config has no cluster "nope"/,
  );
  await refused(
    `clickhouse://${first}/${elsewhere}?cluster=shards&shards=${first}`,
    'STORE_UNAVAILABLE',
    /"shards" has 2 shards in the server's config, the store URL names 1/,
  );
  // One server named twice: the other shard never gets the tables.
  await refused(
    `clickhouse://${first}/${elsewhere}_twice?cluster=shards&shards=${first},${first}`,
    'STORE_UNAVAILABLE',
    /a shard of the cluster "shards" does not answer or lacks this store's tables.*There is no table .* on server/,
  );
  // A store on one server, holding an event: its events are not moved to the shards.
  const single = await openStore({ url: `clickhouse://${first}/${elsewhere}` });
  await single.close();
  await clickHouseText(
    service.shardUrls[0],
    `INSERT INTO ${elsewhere}.events (mid, eid, ets, ts, ets_corrected, syncts, arrival_seq, ingest_format, raw)
     VALUES ('m-1', 'START', 1, toDateTime(0), 1, 1, 1, 'sunbird', '{}')`,
  );
  await refused(
    service.storeUrl.replace(`/${service.database}?`, `/${elsewhere}?`),
    'STORE_UNSUPPORTED',
    /spreading a database's stored events \(1\) over a cluster/,
  );
});

test('a DISTINCT beside an IN subquery, and retention within a cohort, answer as on one server', { skip }, async () => {
  // 18.16 applied a DISTINCT over the shards' streams to each alone when the query had an IN subquery or a JOIN:
  // every returning actor was counted once per shard.
  for (const query of [
    `SELECT count() FROM (SELECT DISTINCT eid FROM events WHERE eid IN (SELECT 'IMPRESSION'))`,
    `SELECT DISTINCT eid FROM events WHERE actor_key IN (SELECT actor_key FROM events WHERE eid = 'END') ORDER BY eid`,
  ])
    assert.deepEqual(
      (await sql(collectors()[0], query)).map((row) => row.map(String)),
      (await sql(duck(), query)).map((row) => row.map(String)),
      query,
    );
  const cohort = {
    name: 'started',
    definition: { criteria: [{ type: 'behaviour', eid: 'START', period: dateRange }] },
  };
  const retention = async (server: { url: string }) => {
    const { id } = (await readOk(server, '/api/cohorts', cohort)) as { id: string };
    const body = {
      startEvent: { eid: 'START' },
      returnEvent: { eid: 'INTERACT' },
      dateRange,
      filters: [{ cohort: id }],
    };
    return withoutReceiveTimes(await readOk(server, '/api/insights/retention', body));
  };
  assert.deepEqual(await retention(collectors()[0]), await retention(duck()));
});

test('a shard that stops: /health and reads say the store is unavailable, naming the shard', { skip }, async () => {
  if ('skip' in service) return;
  const [, second] = service.shardEnvs;
  stopShard(second);
  try {
    const health = await fetch(`${collectors()[0].url}/health`);
    const body = (await health.json()) as { result: { reasons: string[] } };
    assert.equal(health.status, 503, JSON.stringify(body));
    assert.ok(body.result.reasons.includes('store_unavailable'), JSON.stringify(body));
    const res = await fetch(`${collectors()[0].url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'SELECT count() FROM events' }),
    });
    const answer = (await res.json()) as { params: { err: string; errmsg: string } };
    assert.equal(res.status, 503, JSON.stringify(answer));
    assert.equal(answer.params.err, 'STORE_UNAVAILABLE');
    assert.match(answer.params.errmsg, new RegExp(`shard does not answer: .*${second.TELEMETRY_CLICKHOUSE_TCP_PORT}`));
  } finally {
    startShard(second);
  }
});
