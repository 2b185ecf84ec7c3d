/**
 * A store spread over a cluster's two shards (docs/clickhouse.md, "A cluster"): two ClickHouse servers of this file's
 * own, a Distributed table over them, and two collectors writing through it, with retries crossing collectors; every
 * read equals a single DuckDB server's (support/collectors-suite.ts). Here besides: both shards hold events, each
 * event on one shard only (its copies folded there), and a URL without the cluster is refused for that database.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../src/store/open-store.js';
import { sql } from './helpers.js';
import { clickHouseCluster, clickHouseText } from './support/clickhouse.js';
import { collectorsSuite } from './support/collectors-suite.js';

const { service, skip, collectors } = collectorsSuite(clickHouseCluster);

test('the events are spread over both shards, every copy of an event on one', { skip }, async () => {
  if ('skip' in service) return;
  const perShard = await Promise.all(
    service.shardUrls.map(async (url) =>
      (await clickHouseText(url, `SELECT mid FROM ${service.database}_shard.events FINAL FORMAT TabSeparated`))
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
