/**
 * Re-sent events on the ClickHouse store: copies of one event fold into the first loaded, whatever the request that
 * carried the copy (docs/clickhouse.md, De-duplication; migration 3). Each case loads its events into DuckDB and into
 * ClickHouse, the copies into ClickHouse only (DuckDB's collector drops them by mid), with merges stopped so only
 * FINAL folds them, and compares the answers whole. Found by a test session: before migration 3, ClickHouse kept the
 * copy loaded last, and a channel from the headers was part of its sorting key.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { formatQueryErrors, type InsightKind, parseInsight } from '@telemetry/query';
import { eventsAfter, listEvents } from '../src/analytics/events-feed.js';
import { runFunnels } from '../src/analytics/funnels.js';
import { runPaths } from '../src/analytics/paths.js';
import { runTrends } from '../src/analytics/trends.js';
import { eventLine, eventLinePrefix, frameGroup, type RequestContext } from '../src/spool/segment-format.js';
import { segmentFile } from '../src/spool/segment-recovery.js';
import { CLICKHOUSE_MIGRATIONS, SCHEMA_MIGRATIONS_SQL } from '../src/store/clickhouse/migrations.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { clickHouseService, clickHouseText } from './support/clickhouse.js';
import { loadBothStores } from './support/parity-stores.js';
import { tempDir } from './temp-dir.js';

const service = clickHouseService();
const skip = 'skip' in service ? service.skip : false;
const NOW = Date.parse('2024-02-01T00:00:00Z');
const T = Date.parse('2024-01-02T10:00:00Z');

/** An event of session s1 on device d1; `channel: null` leaves context.channel out (the header's is used). */
function event(mid: string, ets: number, page: string, channel: string | null = 'school') {
  return {
    eid: 'IMPRESSION',
    ets,
    ver: '3.0',
    mid,
    actor: { id: 'u1', type: 'User' },
    context: { ...(channel ? { channel } : {}), pdata: { id: 'app' }, env: 'home', sid: 's1', did: 'd1' },
    edata: { type: 'view', pageid: page },
  };
}

type Sent = { event: object; request?: Partial<RequestContext> };

/**
 * DuckDB and a ClickHouse database of its own, each segment of `loads` loaded into both, then each of `resent` into
 * ClickHouse only, its merges stopped (support/parity-stores.ts loadBothStores).
 */
async function storesWith(name: string, loads: Sent[][], resent: Sent[][]) {
  if ('skip' in service) throw new Error(service.skip);
  const spoolDir = path.join(tempDir(`clickhouse-resend-${name}-`), 'spool');
  fs.mkdirSync(spoolDir);
  let segment = 0;
  const write = (sent: Sent[]) => {
    const records = sent.map(({ event, request }) =>
      eventLine(eventLinePrefix({ syncts: (event as { ets: number }).ets + 5000, ...request }), JSON.stringify(event)),
    );
    const file = segmentFile(spoolDir, ++segment);
    fs.writeFileSync(file, frameGroup(records.join('')));
    return file;
  };
  const database = `${service.database}_${name}`;
  const target = { storeUrl: `${service.storeUrl}_${name}`, httpUrl: service.httpUrl, database };
  const stores = await loadBothStores(target, spoolDir, loads.map(write), resent.map(write));
  return {
    ...stores,
    async close() {
      await stores.close();
      await clickHouseText(service.httpUrl, `DROP DATABASE IF EXISTS ${database}`);
    },
  };
}

function query(kind: InsightKind, body: object) {
  const parsed = parseInsight(kind, { dateRange: { from: '2024-01-01', to: '2024-01-10' }, ...body }, NOW);
  if (!parsed.ok) throw new Error(formatQueryErrors(parsed.errors));
  return parsed.value.query;
}

const page = (value: string) => ({
  eid: 'IMPRESSION',
  filters: [{ property: 'edata.pageid', operator: 'eq' as const, value }],
});

test('a copy re-sent later keeps the first copy’s place among events of the same millisecond', { skip }, async () => {
  const a = event('mA', T, 'A');
  const later = { syncts: T + 3_600_000 };
  const stores = await storesWith(
    'tie',
    [[{ event: a }, { event: event('mB', T, 'B') }, { event: event('mC', T + 1000, 'C') }]],
    [[{ event: a, request: later }]],
  );
  try {
    const same = async <T>(run: (store: Store) => Promise<T>) => {
      const expected = await run(stores.duck);
      assert.deepEqual(await run(stores.house), expected);
      return expected;
    };
    const paths = await same((s) => runPaths(s, query('paths', {}) as never, NOW));
    assert.deepEqual(
      paths.links.map((l) => `${l.source}→${l.target}`),
      ['1_A→2_B', '2_B→3_C'],
    );
    const funnel = await same((s) => runFunnels(s, query('funnels', { steps: [page('A'), page('B')] }) as never, NOW));
    assert.deepEqual(
      funnel.steps.map((s) => s.count),
      [1, 1],
    );
    const feed = await same((s) => listEvents(s, { limit: 10 }));
    assert.equal(feed.items.length, 3);
    await same((s) => eventsAfter(s, new Map(), {}, 10));
  } finally {
    await stores.close();
  }
});

test('a copy re-sent through a collector with another header channel is counted once', { skip }, async () => {
  const a = event('mA', T, 'A', null);
  const stores = await storesWith(
    'header',
    [[{ event: a, request: { channel: 'collector-1' } }]],
    [[{ event: a, request: { channel: 'collector-2' } }]],
  );
  try {
    const total = query('trends', { series: [{ eid: '$all' }], aggregate: 'range' });
    const expected = await runTrends(stores.duck, total as never, NOW);
    assert.deepEqual(await runTrends(stores.house, total as never, NOW), expected);
    assert.equal(expected.series[0].aggregated, 1);
    const [[channel]] = (await stores.house.query('SELECT channel FROM events FINAL')).rows;
    assert.equal(channel, 'collector-1', 'the first copy’s header channel');
  } finally {
    await stores.close();
  }
});

test('migration 3 rebuilds a store of migration 1’s table: copies folded into the first loaded', { skip }, async () => {
  if ('skip' in service) return;
  const database = `${service.database}_m3`;
  const run = async (sql: string) => {
    const response = await fetch(`${service.httpUrl}/?database=${database}`, { method: 'POST', body: sql });
    if (!response.ok) throw new Error(`ClickHouse ${response.status}: ${await response.text()}`);
  };
  await clickHouseText(service.httpUrl, `CREATE DATABASE ${database}`);
  try {
    // Migrations 1 and 2 are plain statements (no added columns).
    for (const statement of CLICKHOUSE_MIGRATIONS.filter((m) => m.version < 3).flatMap((m) => m.sql))
      await run(statement as string);
    await run(SCHEMA_MIGRATIONS_SQL);
    await run("INSERT INTO schema_migrations VALUES (1, 'one', now()), (2, 'two', now())");
    await run('SYSTEM STOP MERGES events');
    // One event loaded twice: first with header channel h1 (arrival 1), then, re-sent, with h2 (arrival 2).
    for (const [channel, seq] of [
      ['h1', 1],
      ['h2', 2],
    ]) {
      await run(`INSERT INTO events (mid, eid, ets, ts, ets_corrected, syncts, channel, arrival_seq, ingest_format, raw)
        VALUES ('m1', 'START', ${T}, toDateTime(${T / 1000}), ${T}, ${T + Number(seq)}, '${channel}', ${seq}, 'sunbird', '{}')`);
    }
    const store = await openStore({ url: `${service.storeUrl}_m3` });
    try {
      const { rows } = await store.query('SELECT channel, arrival_seq, syncts FROM events FINAL');
      assert.deepEqual(rows, [['h1', 1, T + 1]]);
      const [[key]] = (
        await store.query(
          `SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'events'`,
        )
      ).rows;
      assert.equal(key, 'eid, ets, mid');
      const [[version]] = (await store.query('SELECT max(version) FROM schema_migrations')).rows;
      assert.equal(Number(version), CLICKHOUSE_MIGRATIONS.length);
    } finally {
      await store.close();
    }
  } finally {
    await clickHouseText(service.httpUrl, `DROP DATABASE IF EXISTS ${database}`);
  }
});
