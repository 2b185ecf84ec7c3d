// Trends additions of issue 13, counted by hand: an "all events" series, count per actor, property min/max/p95/p99,
// formulas over series, and each line's value over the whole range (docs/analytics.md, Trends).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatQueryErrors, parseInsight, type TrendsQuery } from '@telemetry/query';
import { runFunnels } from './funnels.js';
import { runStickiness } from './stickiness.js';
import { type Fixture, fixtureStore } from './test-fixture.js';
import { runTrends } from './trends.js';

// 1 Jan: u1 INTERACT ×2 and START, u2 INTERACT ×1, u3 END ×4 (durations 10, 20, 30, 40). 2 Jan: u1 INTERACT ×1.
let f: Fixture;
before(async () => {
  f = await fixtureStore([
    { eid: 'INTERACT', at: '2024-01-01T10:00:00Z', actor: 'u1' },
    { eid: 'INTERACT', at: '2024-01-01T10:01:00Z', actor: 'u1' },
    { eid: 'START', at: '2024-01-01T10:02:00Z', actor: 'u1' },
    { eid: 'INTERACT', at: '2024-01-01T11:00:00Z', actor: 'u2' },
    ...[10, 20, 30, 40].map((duration) => ({
      eid: 'END',
      at: '2024-01-01T12:00:00Z',
      actor: 'u3',
      edata: { duration },
    })),
    { eid: 'INTERACT', at: '2024-01-02T10:00:00Z', actor: 'u1' },
  ]);
});
after(() => f.close());

const dateRange = { from: '2024-01-01', to: '2024-01-02' };
const run = (query: Omit<TrendsQuery, 'dateRange'>) => runTrends(f.store, { dateRange, ...query });

test('an "all events" series counts every event, and its unique actors', async () => {
  const r = await run({
    series: [
      { eid: '$all', label: 'all' },
      { eid: '$all', math: 'unique_actors' },
    ],
  });
  assert.deepEqual(
    r.series.map((s) => [s.label, s.data]),
    [
      ['all', [8, 1]],
      ['All events', [3, 1]],
    ],
  );
});

test('an unlabelled $all step or series is named "All events" in funnels and stickiness as in trends', async () => {
  const funnel = await runFunnels(f.store, {
    steps: [{ eid: '$all' }, { eid: 'INTERACT', label: 'clicked' }],
    dateRange,
  });
  assert.deepEqual(
    funnel.steps.map((s) => [s.label, s.count]),
    [
      ['All events', 3], // u1, u2, u3 each did something
      ['clicked', 1], // only u1 clicked after an earlier event: u2's one click cannot be both steps
    ],
  );
  const stickiness = await runStickiness(f.store, { series: [{ eid: '$all' }], interval: 'day', dateRange });
  assert.deepEqual(
    stickiness.series.map((s) => s.label),
    ['All events'],
  );
});

test('count per actor: avg, min, max, median, p90, p95, p99 of each actor’s events per interval', async () => {
  const maths = [
    'avg_count_per_actor',
    'min_count_per_actor',
    'max_count_per_actor',
    'median_count_per_actor',
    'p90_count_per_actor',
    'p95_count_per_actor',
    'p99_count_per_actor',
  ] as const;
  const r = await run({ series: maths.map((math) => ({ eid: 'INTERACT', math })) });
  // 1 Jan: u1 2, u2 1. 2 Jan: u1 1. Quantiles interpolate between 1 and 2.
  assert.deepEqual(
    r.series.map((s) => s.data),
    [
      [1.5, 1],
      [1, 1],
      [2, 1],
      [1.5, 1],
      [1.9, 1],
      [1.95, 1],
      [1.99, 1],
    ],
  );
});

test('property min, max, p95, p99', async () => {
  const r = await run({
    series: (['min', 'max', 'p95', 'p99'] as const).map((math) => ({ eid: 'END', math, property: 'edata.duration' })),
  });
  // 10, 20, 30, 40: p95 at position 2.85 → 38.5, p99 at 2.97 → 39.7; no END on 2 Jan.
  assert.deepEqual(
    r.series.map((s) => s.data.map((v) => (v === null ? null : Math.round(v * 1000) / 1000))),
    [
      [10, null],
      [40, null],
      [38.5, null],
      [39.7, null],
    ],
  );
});

test('a formula over the series, per interval and over the whole range', async () => {
  const r = await run({
    series: [{ eid: 'INTERACT' }, { eid: '$all' }, { eid: 'END' }],
    formula: 'A / B * 100',
    aggregate: 'range',
  });
  assert.deepEqual(r.formula, { expression: 'A / B * 100', data: [37.5, 100], aggregated: (4 / 9) * 100 });
  const divByZero = await run({ series: [{ eid: 'INTERACT' }, { eid: 'END' }], formula: '(A + 1) / B' });
  assert.deepEqual(divByZero.formula?.data, [1, null], 'no END on 2 Jan: no value, not Infinity');
});

test('aggregate "range": distinct counts over the whole range, not a sum of the intervals', async () => {
  const r = await run({
    series: [
      { eid: 'INTERACT', math: 'unique_actors' },
      { eid: 'INTERACT' },
      { eid: 'END', math: 'avg', property: 'edata.duration' },
      { eid: 'INTERACT', math: 'avg_count_per_actor' },
      { eid: 'START', math: 'wau' },
    ],
    aggregate: 'range',
  });
  assert.deepEqual(
    r.series.map((s) => [s.data, s.aggregated]),
    [
      [[2, 1], 2],
      [[3, 1], 4],
      [[25, null], 25],
      [[1.5, 1], 2],
      [[1, 1], null],
    ],
  );
  const broken = await run({
    series: [{ eid: '$all', math: 'unique_actors' }],
    breakdown: { property: 'actor.id' },
    aggregate: 'range',
  });
  assert.deepEqual(
    broken.series.map((s) => [s.breakdownValue, s.aggregated]),
    [
      ['u1', 1],
      ['u2', 1],
      ['u3', 1],
    ],
  );
});

test('a formula naming a series that does not exist, or with a breakdown, is refused with its path', () => {
  const reasons = (body: unknown) => {
    const parsed = parseInsight('trends', body);
    return parsed.ok ? 'accepted' : formatQueryErrors(parsed.errors);
  };
  assert.equal(
    reasons({ series: [{ eid: 'A' }], dateRange: {}, formula: 'A / C' }),
    'formula: unknown series C: there are 1',
  );
  assert.equal(reasons({ series: [{ eid: 'A' }], dateRange: {}, formula: 'A +' }), 'formula: ends too early');
  assert.equal(
    reasons({ series: [{ eid: 'A' }], dateRange: {}, formula: 'A', breakdown: { property: 'eid' } }),
    'formula: cannot be combined with a breakdown',
  );
  assert.equal(reasons({ series: [{ eid: 'A' }], dateRange: {}, aggregate: 'total' }), "aggregate: expected 'range'");
});
