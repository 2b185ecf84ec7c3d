/**
 * Trends on the ClickHouse store against DuckDB's: one simulated data set (test/support/parity-stores.ts) loaded
 * into both, then every query below, and queries fast-check draws from a bounded space of shapes (series math ×
 * interval × breakdown or not × filter), each answered by runTrends on both stores and compared whole with deepEqual.
 * Runs against the real server (scripts/clickhouse.sh), skipping only where it cannot be installed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatQueryErrors, PROPERTY_MATH, parseInsight, TRENDS_MATH, type TrendsQuery } from '@telemetry/query';
import fc from 'fast-check';
import { eventsAfter, listEvents, tailStart } from '../src/analytics/events-feed.js';
import { runTrends } from '../src/analytics/trends.js';
import type { Store } from '../src/store/store.js';
import { parityStoresForFile } from './support/parity-stores.js';

let duck: Store;
let house: Store;
// The parity data set, with a re-sent copy of segment 1 left unmerged: only FINAL folds it, keeping the first loaded
// (its arrival_seq: the live tail's load order is DuckDB's).
const skip = parityStoresForFile('clickhouse-insights-', (stores) => {
  ({ duck, house } = stores);
});

/** The simulated traffic's days (2024-01-01 to 2024-01-10) and the edge records' (2024-01-01, 02), with a margin. */
const dateRange = { from: '2023-12-30', to: '2024-01-14' };
/** A fixed clock: no answer depends on when the test runs. */
const NOW = Date.parse('2024-02-01T00:00:00Z');

/** A query body as a client sends it, parsed as the server parses it (a refusal is a mistake in this file). */
function trendsQuery(body: object): TrendsQuery {
  const parsed = parseInsight('trends', { dateRange, ...body }, NOW);
  if (!parsed.ok) throw new Error(`not a trends query: ${formatQueryErrors(parsed.errors)}`);
  return parsed.value.query;
}

/**
 * Every fractional number in `answer` to 12 significant digits. Sums and averages of fractional values only: each
 * engine adds in its own scan order (DuckDB in insertion order, ClickHouse in its parts' order), so the last bits of
 * such a sum may differ (docs/clickhouse.md); everything else is compared bit for bit.
 */
function to12Digits<T>(answer: T): T {
  return JSON.parse(JSON.stringify(answer), (_, v) =>
    typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v,
  );
}

/** Both stores' answers to `body`, asserted equal (`near`: after to12Digits); gives DuckDB's. */
async function sameTrends(body: object, near = false) {
  const query = trendsQuery(body);
  const expected = await runTrends(duck, query, NOW);
  const actual = await runTrends(house, query, NOW);
  if (near) assert.deepEqual(to12Digits(actual), to12Digits(expected), JSON.stringify(body));
  else assert.deepEqual(actual, expected, JSON.stringify(body));
  return expected;
}

test('the re-sent copies are stored twice, and trends count them once, as DuckDB does', { skip }, async () => {
  const [[stored]] = (await house.query('SELECT count() FROM events')).rows;
  const [[folded]] = (await house.query('SELECT count() FROM events FINAL')).rows;
  const [[expected]] = (await duck.query('SELECT count(*) FROM events')).rows;
  assert.equal(Number(folded), Number(expected));
  assert.ok(Number(stored) > Number(folded), `copies unfolded (${stored} stored, ${folded} events)`);
  const answer = await sameTrends({ series: [{ eid: '$all' }], aggregate: 'range' });
  assert.equal(answer.series[0].aggregated, Number(expected));
});

const ALL_INTERVALS = ['hour', 'day', 'week', 'month'] as const;

test('totals and unique actors, devices and sessions, per interval, are the same on both stores', {
  skip,
}, async () => {
  for (const interval of ALL_INTERVALS) {
    const answer = await sameTrends({
      interval,
      series: [
        { eid: '$all' },
        { eid: 'INTERACT' },
        { eid: '$all', math: 'unique_actors' },
        { eid: 'IMPRESSION', math: 'unique_devices' },
        { eid: '$all', math: 'unique_sessions' },
      ],
    });
    const total = answer.series[0].total ?? 0;
    assert.ok(total > 500, `the traffic has events (${total})`);
  }
});

/** Each a query body (without its date range); every one answered alike by both stores. */
const TABLE: [string, object][] = [
  [
    'min and max of a duration',
    { series: ['min', 'max'].map((math) => ({ eid: 'END', math, property: 'edata.duration' })) },
  ],
  [
    'median and percentiles of a duration',
    { series: ['median', 'p90', 'p95', 'p99'].map((math) => ({ eid: '$all', math, property: 'edata.duration' })) },
  ],
  [
    'count per actor',
    {
      series: TRENDS_MATH.filter((math) => math.endsWith('_count_per_actor')).map((math) => ({
        eid: 'INTERACT',
        math,
      })),
    },
  ],
  ['DAU, WAU, MAU', { series: ['dau', 'wau', 'mau'].map((math) => ({ eid: '$all', math })) }],
  ['a breakdown by eid', { series: [{ eid: '$all' }], breakdown: { property: 'eid', limit: 3 } }],
  [
    'a breakdown by edata.type, unique actors',
    { series: [{ eid: 'INTERACT', math: 'unique_actors' }], breakdown: { property: 'edata.type' } },
  ],
  ['a breakdown by tags', { series: [{ eid: '$all' }], breakdown: { property: 'tags' } }],
  [
    'a breakdown with count per actor',
    { series: [{ eid: '$all', math: 'median_count_per_actor' }], breakdown: { property: 'context.env', limit: 2 } },
  ],
  [
    'a breakdown with a percentile',
    { series: [{ eid: 'END', math: 'p90', property: 'edata.duration' }], breakdown: { property: 'context.pdata.id' } },
  ],
  [
    'filters',
    {
      series: [
        { eid: '$all', filters: [{ property: 'edata.type', operator: 'eq', value: 'CLICK' }] },
        { eid: 'END', filters: [{ property: 'edata.duration', operator: 'gt', value: 5 }] },
      ],
      filters: [{ property: 'context.env', operator: 'neq', value: 'home' }],
    },
  ],
  [
    // A JSON body may hold a lone surrogate ("\\ud800"): both stores bind it as U+FFFD (store/clickhouse/literal.ts).
    'filter values with a lone surrogate',
    {
      series: [
        { eid: '$all', filters: [{ property: 'edata.id', operator: 'neq', value: '\uD800' }] },
        { eid: '$all', filters: [{ property: 'edata.id', operator: 'in', value: ['next', 'x\uDC00'] }] },
      ],
    },
  ],
  [
    'negative filters',
    {
      series: [
        { eid: '$all', filters: [{ property: 'edata.id', operator: 'not_in', value: ['x', 'next'] }] },
        { eid: '$all', filters: [{ property: 'tags', operator: 'not_contains', value: 't1' }] },
      ],
    },
  ],
  [
    'the previous period and the whole range',
    {
      interval: 'week',
      compare: true,
      aggregate: 'range',
      series: [
        { eid: '$all' },
        { eid: 'START', math: 'unique_actors' },
        { eid: 'END', math: 'median', property: 'edata.duration' },
      ],
    },
  ],
  [
    'a number column is set or not, cdata and rollups',
    {
      series: [
        { eid: '$all', filters: [{ property: 'edata.duration', operator: 'is_set' }] },
        { eid: '$all', filters: [{ property: 'edata.duration', operator: 'is_not_set' }] },
        { eid: '$all', filters: [{ property: 'cdata.UserSession', operator: 'is_set' }] },
      ],
      breakdown: { property: 'context.rollup.l1' },
    },
  ],
  ['a formula', { series: [{ eid: 'INTERACT' }, { eid: '$all', math: 'unique_actors' }], formula: 'A / B' }],
  [
    'day buckets in a time zone',
    { series: [{ eid: '$all' }], dateRange: { from: '2024-01-01', to: '2024-01-12', timezone: 'Asia/Kolkata' } },
  ],
];

for (const [name, body] of TABLE)
  test(`trends, ${name}: the same on both stores`, { skip }, async () => {
    await sameTrends(body);
  });

test('sum and avg of a duration: the same to 12 significant digits (each engine adds in its own order)', {
  skip,
}, async () => {
  const answer = await sameTrends(
    {
      series: ['sum', 'avg'].map((math) => ({ eid: 'END', math, property: 'edata.duration' })),
      breakdown: { property: 'context.env' },
    },
    true,
  );
  assert.ok(
    answer.series.some((line) => line.data.some((v) => v !== null && !Number.isInteger(v))),
    'fractional values',
  );
});

test('what ClickHouse cannot answer as DuckDB does yet is refused by name, not answered differently', {
  skip,
}, async () => {
  const refused = async (body: object, what: RegExp) => {
    await runTrends(duck, trendsQuery(body), NOW);
    await assert.rejects(runTrends(house, trendsQuery(body), NOW), (error: Error) => {
      assert.equal(error.name, 'StoreError');
      assert.match(error.message, /^not yet supported on the ClickHouse store: /);
      assert.match(error.message, what);
      return true;
    });
  };
  await refused(
    { series: [{ eid: '$all' }], breakdown: { property: 'edata.extra.pos' } },
    /edata\.extra\.pos, read from the raw JSON/,
  );
  await refused({ series: [{ eid: 'END', math: 'sum', property: 'edata.extra.size' }] }, /edata\.extra\.size/);
  await refused(
    { series: [{ eid: '$all' }], filters: [{ property: 'edata.extra.pos', operator: 'eq', value: 'x' }] },
    /edata\.extra\.pos/,
  );
  await refused(
    { series: [{ eid: 'END' }], breakdown: { property: 'edata.duration' } },
    /number property edata\.duration as text/,
  );
});

const MATHS = [...TRENDS_MATH];
const EIDS = ['$all', 'INTERACT', 'IMPRESSION', 'START', 'END'];
const BREAKDOWNS = ['eid', 'context.env', 'edata.type', 'tags', 'context.pdata.id', 'cdata.UserSession'];
const FILTERS = [
  { property: 'edata.type', operator: 'eq', value: 'CLICK' },
  { property: 'edata.duration', operator: 'lte', value: 60 },
  { property: 'context.env', operator: 'not_in', value: ['home', 'player'] },
  { property: 'tags', operator: 'is_not_set' },
  { property: 'edata.id', operator: 'contains', value: 'e' },
];

test('trends of any shape drawn from a bounded space (math × interval × breakdown × filter) agree', {
  skip,
}, async () => {
  const shape = fc.record({
    math: fc.constantFrom(...MATHS),
    eid: fc.constantFrom(...EIDS),
    interval: fc.constantFrom(...ALL_INTERVALS),
    breakdown: fc.option(
      fc.record({ property: fc.constantFrom(...BREAKDOWNS), limit: fc.integer({ min: 1, max: 4 }) }),
    ),
    filter: fc.option(fc.constantFrom(...FILTERS)),
  });
  await fc.assert(
    fc.asyncProperty(shape, async ({ math, eid, interval, breakdown, filter }) => {
      const body = {
        interval,
        series: [{ eid, math, ...(PROPERTY_MATH.includes(math) ? { property: 'edata.duration' } : {}) }],
        ...(breakdown ? { breakdown } : {}),
        ...(filter ? { filters: [filter] } : {}),
      };
      fc.pre(parseInsight('trends', { dateRange, ...body }, NOW).ok);
      await sameTrends(body, math === 'sum' || math === 'avg');
    }),
    { numRuns: 40, seed: 14 },
  );
});

/** Every page of the events listing with `filters`, `limit` at a time, following each page's cursor. */
async function allPages(store: Store, filters: Parameters<typeof listEvents>[1]['filters'], limit: number) {
  const pages = [];
  let before: string | undefined;
  do {
    const page = await listEvents(store, { filters, before, limit });
    pages.push(page);
    before = page.next;
  } while (before && pages.length < 1000);
  return pages;
}

test('the events feed pages alike on both stores (re-sent copies folded), with and without filters', {
  skip,
}, async () => {
  for (const [filters, limit] of [
    [{}, 500],
    [{ eid: 'INTERACT' }, 97],
    [{ eid: 'IMPRESSION', channel: 'c1' }, 10],
    [{ actor: 'f:org1:u1' }, 1],
  ] as const) {
    const expected = await allPages(duck, filters, limit);
    assert.deepEqual(await allPages(house, filters, limit), expected, JSON.stringify(filters));
    assert.ok(expected.length > 0);
  }
  const all = (await allPages(duck, {}, 10_000))[0].items.length;
  assert.ok(all > 500, `every event (${all})`);
});

test('the live tail reads alike: its start, and events after a point in load order', { skip }, async () => {
  for (const since of [undefined, Date.parse('2024-01-05T00:00:00Z'), Date.parse('2030-01-01T00:00:00Z')]) {
    const start = await tailStart(duck, since, NOW);
    assert.deepEqual(await tailStart(house, since, NOW), start, String(since));
    // One writer on both: 200 events before its start.
    const earlier = new Map([[0, Math.max(0, (start.get(0) ?? 0) - 200)]]);
    for (const filters of [{}, { eid: 'START' }]) {
      const expected = await eventsAfter(duck, earlier, filters, 150, since, NOW);
      assert.deepEqual(await eventsAfter(house, earlier, filters, 150, since, NOW), expected);
    }
  }
  const fromStart = await eventsAfter(duck, new Map(), {}, 100_000);
  assert.deepEqual(await eventsAfter(house, new Map(), {}, 100_000), fromStart);
  assert.ok(fromStart.length > 500);
});
