/**
 * Stickiness and lifecycle on the ClickHouse store against DuckDB's: the parity data set (test/support/parity-stores.ts,
 * with a re-sent copy that only FINAL folds) in both, then a table of queries and shapes drawn by fast-check (interval ×
 * series × filter × time zone), each answered by runStickiness / runLifecycle on both and compared whole with deepEqual.
 * Runs against the real server (scripts/clickhouse.sh), skipping only where it cannot be installed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatQueryErrors,
  INTERVALS,
  type LifecycleQuery,
  PERIODS,
  parseInsight,
  type StickinessQuery,
  type TrendsQuery,
} from '@telemetry/query';
import fc from 'fast-check';
import { lifecycleActors, stickinessActors, trendActors } from '../src/analytics/actors-behind.js';
import { runLifecycle } from '../src/analytics/lifecycle.js';
import { runStickiness } from '../src/analytics/stickiness.js';
import type { Store } from '../src/store/store.js';
import { parityStoresForFile } from './support/parity-stores.js';

let duck: Store;
let house: Store;
const skip = parityStoresForFile('clickhouse-stickiness-', (stores) => {
  ({ duck, house } = stores);
});

/** The simulated traffic's days (2024-01-01 to 2024-01-10) and the edge records' (2024-01-01, 02), with a margin. */
const dateRange = { from: '2023-12-30', to: '2024-01-14' };
/** A fixed clock: no answer depends on when the test runs. */
const NOW = Date.parse('2024-02-01T00:00:00Z');

/** A query body as a client sends it, parsed as the server parses it (a refusal is a mistake in this file). */
function parsed<K extends 'stickiness' | 'lifecycle' | 'trends'>(kind: K, body: object) {
  const result = parseInsight(kind, { dateRange, ...body }, NOW);
  if (!result.ok) throw new Error(`not a ${kind} query: ${formatQueryErrors(result.errors)}`);
  return result.value.query;
}

/** Both stores' stickiness answers to `body`, asserted equal; gives DuckDB's. */
async function sameStickiness(body: object) {
  const query = parsed('stickiness', body) as StickinessQuery;
  const expected = await runStickiness(duck, query, NOW);
  assert.deepEqual(await runStickiness(house, query, NOW), expected, JSON.stringify(body));
  return expected;
}

/** Both stores' lifecycle answers to `body`, asserted equal; gives DuckDB's. */
async function sameLifecycle(body: object) {
  const query = parsed('lifecycle', body) as LifecycleQuery;
  const expected = await runLifecycle(duck, query, NOW);
  assert.deepEqual(await runLifecycle(house, query, NOW), expected, JSON.stringify(body));
  return expected;
}

const total = (data: number[]) => data.reduce((a, x) => a + x, 0);

test('stickiness counts each actor once though its events are stored twice, as DuckDB does', {
  skip,
}, async () => {
  const answer = await sameStickiness({ series: [{ eid: '$all' }] });
  const [[actors]] = (await duck.query('SELECT count(DISTINCT actor_key) FROM events')).rows;
  assert.equal(total(answer.series[0].data), Number(actors));
  assert.ok(
    answer.series[0].data.slice(1).some((n) => n > 0),
    'some actors come back on other days',
  );
});

const FILTER_ENV = { property: 'context.env', operator: 'neq', value: 'home' };
const FILTER_TAGS = { property: 'tags', operator: 'is_not_set' };
const FILTER_CLICK = { property: 'edata.type', operator: 'eq', value: 'CLICK' };

/** Each a stickiness query body (without its date range); every one answered alike by both stores. */
const STICKINESS: [string, object][] = [
  ['by day, several series', { series: [{ eid: '$all' }, { eid: 'INTERACT' }, { eid: 'START' }] }],
  ['by week', { interval: 'week', series: [{ eid: '$all' }, { eid: 'IMPRESSION' }] }],
  ['by month', { interval: 'month', series: [{ eid: 'END' }] }],
  ['devices', { aggregateBy: 'device', series: [{ eid: '$all' }, { eid: 'INTERACT' }] }],
  ['filters', { series: [{ eid: 'INTERACT', filters: [FILTER_CLICK] }, { eid: '$all' }], filters: [FILTER_ENV] }],
  [
    'no tags, cdata set',
    {
      series: [{ eid: '$all', filters: [{ property: 'cdata.UserSession', operator: 'is_set' }] }],
      filters: [FILTER_TAGS],
    },
  ],
  [
    'a time zone',
    { series: [{ eid: '$all' }], dateRange: { from: '2024-01-02', to: '2024-01-09', timezone: 'Asia/Kolkata' } },
  ],
  [
    'a zone with a DST change',
    {
      interval: 'week',
      series: [{ eid: '$all' }],
      dateRange: { from: '2023-12-25', to: '2024-01-15', timezone: 'America/Santiago' },
    },
  ],
  ['no events', { series: [{ eid: 'INTERACT' }], dateRange: { from: '2023-06-01', to: '2023-06-10' } }],
];

for (const [name, body] of STICKINESS)
  test(`stickiness, ${name}: the same on both stores`, { skip }, async () => {
    await sameStickiness(body);
  });

test('lifecycle counts each actor once though its events are stored twice, as DuckDB does', {
  skip,
}, async () => {
  const answer = await sameLifecycle({ event: { eid: '$all' } });
  const [[actors]] = (await duck.query('SELECT count(DISTINCT actor_key) FROM events')).rows;
  assert.equal(total(answer.series.new), Number(actors));
  for (const status of ['returning', 'resurrecting', 'dormant'] as const)
    assert.ok(total(answer.series[status]) > 0, `some ${status}`);
});

/** Each a lifecycle query body (without its date range); every one answered alike by both stores. */
const LIFECYCLE: [string, object][] = [
  ['by hour', { interval: 'hour', event: { eid: 'INTERACT' }, dateRange: { from: '2024-01-02', to: '2024-01-04' } }],
  ['by week', { interval: 'week', event: { eid: '$all' } }],
  ['by month', { interval: 'month', event: { eid: 'IMPRESSION' } }],
  [
    'a range after the first events (resurrecting, new from history)',
    { event: { eid: '$all' }, dateRange: { from: '2024-01-05', to: '2024-01-09' } },
  ],
  ['filters', { event: { eid: 'INTERACT', filters: [FILTER_CLICK] }, filters: [FILTER_ENV] }],
  ['no tags', { event: { eid: '$all' }, filters: [FILTER_TAGS] }],
  [
    'a time zone',
    { event: { eid: '$all' }, dateRange: { from: '2024-01-02', to: '2024-01-09', timezone: 'Asia/Kolkata' } },
  ],
  [
    'a zone with a DST change',
    {
      interval: 'day',
      event: { eid: 'START' },
      dateRange: { from: '2023-12-25', to: '2024-01-15', timezone: 'America/Santiago' },
    },
  ],
  ['no events', { event: { eid: 'INTERACT' }, dateRange: { from: '2023-06-01', to: '2023-06-10' } }],
];

for (const [name, body] of LIFECYCLE)
  test(`lifecycle, ${name}: the same on both stores`, { skip }, async () => {
    await sameLifecycle(body);
  });

const EIDS = ['$all', 'INTERACT', 'IMPRESSION', 'START', 'END', 'SEARCH'];
const FILTERS = [
  FILTER_CLICK,
  FILTER_ENV,
  FILTER_TAGS,
  { property: 'edata.duration', operator: 'lte', value: 60 },
  { property: 'edata.id', operator: 'contains', value: 'e' },
  { property: 'context.pdata.id', operator: 'in', value: ['p', 'web'] },
];
const ZONES = ['UTC', 'Asia/Kolkata', 'America/New_York', 'Pacific/Chatham'];
/** A date range inside the traffic's days and around them: from day `start` of January 2024, `days` long. */
const RANGE = fc.record({
  start: fc.integer({ min: -3, max: 10 }),
  days: fc.integer({ min: 1, max: 16 }),
  timezone: fc.constantFrom(...ZONES),
});
const rangeOf = ({ start, days, timezone }: { start: number; days: number; timezone: string }) => {
  const day = (n: number) => new Date(Date.UTC(2024, 0, n)).toISOString().slice(0, 10);
  return { from: day(start), to: day(start + days), timezone };
};

test('stickiness of any shape drawn from a bounded space (interval × series × filter × range) agrees', {
  skip,
}, async () => {
  const shape = fc.record({
    interval: fc.constantFrom(...PERIODS),
    eids: fc.array(fc.constantFrom(...EIDS), { minLength: 1, maxLength: 3 }),
    aggregateBy: fc.constantFrom('actor', 'device'),
    filter: fc.option(fc.constantFrom(...FILTERS)),
    range: RANGE,
  });
  await fc.assert(
    fc.asyncProperty(shape, async ({ interval, eids, aggregateBy, filter, range }) => {
      const body = {
        interval,
        aggregateBy,
        series: eids.map((eid) => ({ eid })),
        dateRange: rangeOf(range),
        ...(filter ? { filters: [filter] } : {}),
      };
      fc.pre(parseInsight('stickiness', body, NOW).ok);
      await sameStickiness(body);
    }),
    { numRuns: 30, seed: 14 },
  );
});

test('lifecycle of any shape drawn from a bounded space (interval × event × filter × range) agrees', {
  skip,
}, async () => {
  const shape = fc.record({
    interval: fc.constantFrom(...INTERVALS),
    eid: fc.constantFrom(...EIDS),
    filter: fc.option(fc.constantFrom(...FILTERS)),
    eventFilter: fc.option(fc.constantFrom(...FILTERS)),
    range: RANGE,
  });
  await fc.assert(
    fc.asyncProperty(shape, async ({ interval, eid, filter, eventFilter, range }) => {
      const body = {
        interval,
        event: { eid, ...(eventFilter ? { filters: [eventFilter] } : {}) },
        dateRange: rangeOf(range),
        ...(filter ? { filters: [filter] } : {}),
      };
      fc.pre(parseInsight('lifecycle', body, NOW).ok);
      await sameLifecycle(body);
    }),
    { numRuns: 30, seed: 14 },
  );
});

test('the actors behind every stickiness bar, lifecycle bar and trend point are the same on both stores', {
  skip,
}, async () => {
  const same = async (what: string, read: (store: Store) => Promise<unknown>) =>
    assert.deepEqual(await read(house), await read(duck), what);
  let actors = 0;
  for (const body of [
    { series: [{ eid: '$all' }, { eid: 'INTERACT' }] },
    { interval: 'week', aggregateBy: 'device', series: [{ eid: 'IMPRESSION' }], filters: [FILTER_ENV] },
  ]) {
    const query = parsed('stickiness', body) as StickinessQuery;
    const answer = await runStickiness(duck, query, NOW);
    for (const [series, line] of answer.series.entries())
      for (const intervals of answer.intervals) {
        const at = { series, intervals, limit: 7 };
        await same(`stickiness ${JSON.stringify({ body, at })}`, (store) => stickinessActors(store, query, at, NOW));
        actors += line.data[intervals - 1];
      }
  }
  for (const body of [
    { event: { eid: '$all' }, dateRange: { from: '2024-01-01', to: '2024-01-11' } },
    { interval: 'week', event: { eid: 'INTERACT', filters: [FILTER_CLICK] } },
    {
      interval: 'hour',
      event: { eid: 'START' },
      dateRange: { from: '2024-01-03', to: '2024-01-04', timezone: 'Asia/Kolkata' },
    },
  ]) {
    const query = parsed('lifecycle', body) as LifecycleQuery;
    const answer = await runLifecycle(duck, query, NOW);
    for (const status of ['new', 'returning', 'resurrecting', 'dormant'] as const)
      for (const bucket of answer.buckets.keys()) {
        const at = { status, bucket, limit: 5 };
        const expected = await lifecycleActors(duck, query, at, NOW);
        assert.equal(expected.count, answer.series[status][bucket], "a bar's actors are its value");
        await same(`lifecycle ${JSON.stringify({ body, at })}`, (store) => lifecycleActors(store, query, at, NOW));
      }
  }
  for (const body of [
    { series: [{ eid: '$all', math: 'unique_actors' }], breakdown: { property: 'context.env', limit: 2 } },
    { series: [{ eid: 'START', math: 'wau' }] },
  ]) {
    const query = parsed('trends', body) as TrendsQuery;
    for (const bucket of [0, 3, 6, 9])
      for (const breakdownValue of query.breakdown ? ['home', null] : [undefined]) {
        const at = { series: 0, bucket, breakdownValue, limit: 4 };
        await same(`trends ${JSON.stringify({ body, at })}`, (store) => trendActors(store, query, at, NOW));
      }
  }
  assert.ok(actors > 10, `actors behind the stickiness bars (${actors})`);
});
