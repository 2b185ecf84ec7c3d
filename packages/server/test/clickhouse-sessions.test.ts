/**
 * Sessions and time spent on the ClickHouse store against DuckDB's: the parity data set (test/support/parity-segments.ts)
 * loaded segment by segment into both, each store drained after each load (so later drains resume from saved states),
 * then a re-sent copy of segment 1 into ClickHouse only, whose drain recomputes the streams it touches from the one copy
 * FINAL keeps. The `summaries` and `page_time` rows, and the sessions insight's answers to a table of queries, must be
 * DuckDB's. A drain cut short (its rows written, its commit not) must change nothing. Runs against the real server
 * (scripts/clickhouse.sh), skipping only where it cannot be installed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { SessionsAnswer, SessionsQuery } from '@telemetry/query';
import { createCohort } from '../src/analytics/cohorts.js';
import { runWithCohorts } from '../src/analytics/cohorts-insights.js';
import { drainSummaryQueue } from '../src/analytics/sessions/index.js';
import { runSessions } from '../src/analytics/sessions-insight.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { clickHouseService, clickHouseText } from './support/clickhouse.js';
import { writeParitySegments } from './support/parity-segments.js';
import { openMemoryStore } from './support/store.js';
import { tempDir } from './temp-dir.js';

const service = clickHouseService();
const skip = 'skip' in service ? service.skip : false;
/** This file's database (unused where the tests skip). */
const target = 'skip' in service ? { storeUrl: '', httpUrl: '', database: '' } : service;
let duck: Store;
let house: Store;
let segments: string[];
/** Cohort ids by name, saved in both stores under the same definitions. */
const cohorts: Record<string, { duck: string; house: string }> = {};
/** The parity data set's days, with a margin; a fixed clock, so no answer depends on when the test runs. */
const dateRange = { from: '2023-12-30', to: '2024-01-14' };
const NOW = Date.parse('2024-02-01T00:00:00Z');

before(async () => {
  if (skip) return;
  const spoolDir = path.join(tempDir('clickhouse-sessions-'), 'spool');
  fs.mkdirSync(spoolDir);
  segments = writeParitySegments(spoolDir);
  duck = await openMemoryStore({ spoolDir });
  house = await openStore({ url: target.storeUrl });
  for (const [i, file] of segments.entries()) {
    for (const store of [duck, house]) {
      await store.loadSegment(file, i + 1);
      await drainSummaryQueue(store);
    }
  }
  // A re-send of segment 1 through another collector: unfolded copies (merges stopped) only FINAL folds.
  await clickHouseText(target.httpUrl, `SYSTEM STOP MERGES ${target.database}.events`);
  await house.loadSegment(segments[0], segments.length + 1);
  await drainSummaryQueue(house);
  for (const [name, eid] of [
    ['interacted', 'INTERACT'],
    ['started', 'START'],
  ]) {
    const definition = { criteria: [{ type: 'behaviour' as const, eid, atLeast: 3 }] };
    cohorts[name] = {
      duck: await createCohort(duck, { name, definition }),
      house: await createCohort(house, { name, definition }),
    };
  }
});
after(async () => {
  await duck?.close();
  await house?.close();
});

/** Runs `text` on the service, `DB.` naming this file's database. */
const sql = (text: string) => clickHouseText(target.httpUrl, text.replaceAll('DB.', `${target.database}.`));

/** Every row of `table` in one order, its columns read alike on both engines (is_open as 0/1). */
async function rowsOf(store: Store, table: 'summaries' | 'page_time'): Promise<unknown[][]> {
  const columns =
    table === 'summaries'
      ? 'did, channel, pdata_id, actor_id, sid, type, mode, depth, start_time, end_time, time_spent, time_diff, interact_events_count, interact_events_per_min, event_count, object_id, object_type'
      : 'did, channel, pdata_id, actor_id, sid, pageid, env, start_time, end_time, time_spent, event_count';
  const { rows } = await store.query(
    `SELECT ${columns}, CASE WHEN is_open THEN 1 ELSE 0 END AS open FROM ${table} ORDER BY ${columns}`,
  );
  return rows;
}

test('summaries and page times: the rows DuckDB keeps, after resumed drains and a recomputation for re-sent copies', {
  skip,
}, async () => {
  for (const table of ['summaries', 'page_time'] as const) {
    const expected = await rowsOf(duck, table);
    assert.ok(expected.length > 20, `the data set has ${table} (${expected.length})`);
    // Open rows (a page view the stream's last event has not closed) are replaced by each later drain.
    if (table === 'page_time')
      assert.ok(
        expected.some((r) => r[r.length - 1] === 1),
        'some page views are open',
      );
    assert.deepEqual(await rowsOf(house, table), expected, table);
  }
});

test('the drains resumed: a later drain continued streams from their saved states', { skip }, async () => {
  const [[resumed]] = (await house.query("SELECT count() FROM summary_state WHERE base < drain AND state != ''")).rows;
  assert.ok(Number(resumed) > 0, 'some stream was resumed rather than recomputed');
});

/** The sessions answer to `query` on both stores (cohort filters by name), asserted equal; gives DuckDB's. */
async function sameSessions(query: SessionsQuery & { cohortFilters?: [string, 'in' | 'not_in'][] }) {
  const { cohortFilters, ...rest } = query;
  const run = (store: Store, which: 'duck' | 'house') =>
    runWithCohorts(
      'sessions',
      runSessions,
      store,
      {
        dateRange,
        ...rest,
        ...(cohortFilters
          ? { filters: cohortFilters.map(([name, operator]) => ({ cohort: cohorts[name][which], operator })) }
          : {}),
      },
      NOW,
    ) as Promise<SessionsAnswer>;
  const expected = await run(duck, 'duck');
  assert.deepEqual(await run(house, 'house'), expected, JSON.stringify(query));
  return expected;
}

const QUERIES: [string, SessionsQuery & { cohortFilters?: [string, 'in' | 'not_in'][] }][] = [
  ['the whole range', {}],
  ['one day', { dateRange: { from: '2024-01-03', to: '2024-01-03' } }],
  ['a channel and an app', { channel: ['sunbird-ch-1', 'c1'], pdataId: ['sunbird.app', 'p'] }],
  ['no channel at all', { channel: [] }],
  ['player summaries, by type', { type: 'PLAYER' }],
  ['a mode', { type: 'app', mode: 'play' }],
  ['other buckets, top 3', { buckets: [5, 60, 120.5], limit: 3 }],
  ['in a cohort', { cohortFilters: [['interacted', 'in']] }],
  [
    'in one cohort and not in another',
    {
      cohortFilters: [
        ['interacted', 'in'],
        ['started', 'not_in'],
      ],
    },
  ],
  ['a range with no sessions', { dateRange: { from: '2025-01-01', to: '2025-01-02' } }],
];

for (const [name, query] of QUERIES) {
  test(`the sessions insight: ${name}, as DuckDB answers`, { skip }, async () => {
    await sameSessions(query);
  });
}

test('the whole-range answer is not empty', { skip }, async () => {
  const answer = await sameSessions({});
  assert.ok(answer.sessions.count > 5 && answer.byPage.length > 0 && answer.byActor.length > 0);
});

test('a drain cut short before its commit changes nothing, and the next drain does not show its rows', {
  skip,
}, async () => {
  const before = await runSessions(house, { dateRange }, NOW);
  const beforeRows = [await rowsOf(house, 'summaries'), await rowsOf(house, 'page_time')];
  // A drain that took its number and wrote its rows (here: a copy of every current row) but stopped before its commit.
  const cut = Number(await sql('SELECT max(drain) + 1 FROM DB.summary_drains'));
  await sql(`INSERT INTO DB.summary_drains (drain, through_seq, committed, at) VALUES (${cut}, 0, 0, now())`);
  for (const [table, view] of [
    ['summary_rows', 'summaries'],
    ['page_time_rows', 'page_time'],
  ])
    await sql(`INSERT INTO DB.${table} SELECT *, ${cut} AS drain FROM DB.${view}`);
  const now = async () => [await rowsOf(house, 'summaries'), await rowsOf(house, 'page_time')];
  assert.deepEqual(await now(), beforeRows);
  // The next drain (another re-sent copy, of segment 2) takes a later number and commits; the cut rows stay hidden.
  await house.loadSegment(segments[1], segments.length + 2);
  await drainSummaryQueue(house);
  assert.equal(Number(await sql(`SELECT count() FROM DB.summary_drains WHERE committed = 1 AND drain > ${cut}`)), 1);
  assert.deepEqual(await now(), beforeRows);
  assert.deepEqual(await runSessions(house, { dateRange }, NOW), before);
});

test('a merge between a drain reading its queue and its events (re-sent copies folded) leaves every stream as it was', {
  skip,
}, async () => {
  const before = [await rowsOf(house, 'summaries'), await rowsOf(house, 'page_time')];
  // Copies of segment 3 only: the drain queues their streams, and a merge folding the copies into the first loaded
  // (which ClickHouse runs when it likes) lands after the drain took its queue and before it reads the events.
  await sql('SYSTEM STOP MERGES DB.events');
  await house.loadSegment(segments[2], segments.length + 3);
  const merging = {
    drainSummaryQueue: (summarize: Parameters<Store['drainSummaryQueue']>[0]) =>
      house.drainSummaryQueue(async (drain) => {
        await sql('SYSTEM START MERGES DB.events');
        await sql('OPTIMIZE TABLE DB.events FINAL');
        return summarize(drain);
      }),
  } as Store;
  const drained = await drainSummaryQueue(merging);
  assert.ok(drained.streams > 0, 'the copies queued their streams');
  assert.equal(Number(await sql('SELECT count() - uniqExact(mid) FROM DB.events')), 0, 'the merge folded the copies');
  assert.deepEqual([await rowsOf(house, 'summaries'), await rowsOf(house, 'page_time')], before);
});
