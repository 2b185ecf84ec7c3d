/**
 * Several collectors loading into one ClickHouse database at once (docs/clickhouse.md, "Several collectors"): the
 * suite of support/collectors-suite.ts on one server, and a tail that waits for a load's marker. Runs against the real
 * server (scripts/clickhouse.sh), skipping only where it cannot be installed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventsAfter, tailStart } from '../src/analytics/events-feed.js';
import { openStore } from '../src/store/open-store.js';
import { clickHouseService, clickHouseText } from './support/clickhouse.js';
import { collectorsSuite } from './support/collectors-suite.js';

const { service, skip } = collectorsSuite(clickHouseService);

test('a tail reads a load once it is whole: rows of a load still running (no marker yet) wait', { skip }, async () => {
  if ('skip' in service) return;
  // ClickHouse shows an insert a partition (month) at a time: a load's rows can be visible before all of them are.
  const store = await openStore({ url: service.storeUrl });
  try {
    const start = await tailStart(store);
    const T = Date.parse('2026-10-02T10:00:00Z');
    await clickHouseText(
      service.httpUrl,
      `INSERT INTO ${service.database}.events (mid, eid, ets, ts, ets_corrected, syncts, arrival_seq, writer, ingest_format, raw)
       VALUES ('pending-1', 'START', ${T}, toDateTime(${T / 1000}), ${T}, ${T}, 1, 7, 'sunbird', '{}')`,
    );
    const mids = async () => (await eventsAfter(store, start, {}, 10_000)).map((e) => e.mid);
    assert.deepEqual(await mids(), [], "a row of writer 7's first load, its marker not written");
    await clickHouseText(
      service.httpUrl,
      `INSERT INTO ${service.database}.loaded_segments (segment, events, failed, batches, loaded_at, writer, through_seq)
       VALUES (1, 1, 0, 0, now(), 7, 1)`,
    );
    assert.deepEqual(await mids(), ['pending-1'], 'read once the load is marked');
    assert.equal((await tailStart(store)).get(7), 1);
  } finally {
    await store.close();
  }
});
