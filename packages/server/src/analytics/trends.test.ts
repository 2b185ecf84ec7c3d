import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bucketsOf, type TrendsQuery } from '@telemetry/query';
import { type Fixture, fixtureStore } from './test-fixture.js';
import { runTrends, shape } from './trends.js';

// Durations on day 1 are 2, 4, 9: sum 15, avg 5, median 4, p90 = 4 + 0.8 × (9 − 4) = 8 (linear interpolation).
let f: Fixture;
before(async () => {
  f = await fixtureStore([
    { eid: 'INTERACT', at: '2024-01-01T09:00:00Z', actor: 'a', edata: { id: 'submit', duration: 2 } },
    { eid: 'INTERACT', at: '2024-01-01T10:00:00Z', actor: 'a', edata: { id: 'cancel', duration: 4 } },
    { eid: 'INTERACT', at: '2024-01-01T23:30:00Z', actor: 'b', edata: { id: 'submit', duration: 9 } },
    { eid: 'INTERACT', at: '2024-01-02T08:00:00Z', actor: 'c', edata: { id: 'submit', duration: 6 } },
    { eid: 'IMPRESSION', at: '2024-01-02T09:00:00Z', actor: 'a', edata: { pageid: 'home' } },
    { eid: 'INTERACT', at: '2024-01-03T12:00:00Z', actor: 'a', edata: { id: 'help' } },
    { eid: 'INTERACT', at: '2023-12-31T12:00:00Z', actor: 'd', edata: { id: 'submit', duration: 1 } },
  ]);
});
after(() => f.close());

const days = { from: '2024-01-01', to: '2024-01-03' };

test('trends: total, filtered unique actors, sum, avg, median, p90 per day', async () => {
  const query: TrendsQuery = {
    dateRange: days,
    interval: 'day',
    series: [
      { eid: 'INTERACT' },
      {
        eid: 'INTERACT',
        label: 'submitters',
        math: 'unique_actors',
        filters: [{ property: 'edata.id', operator: 'eq', value: 'submit' }],
      },
      { eid: 'INTERACT', math: 'sum', property: 'edata.duration' },
      { eid: 'INTERACT', math: 'avg', property: 'edata.duration' },
      { eid: 'INTERACT', math: 'median', property: 'edata.duration' },
      { eid: 'INTERACT', math: 'p90', property: 'edata.duration' },
    ],
  };
  const result = await runTrends(f.store, query);
  assert.deepEqual(result, {
    interval: 'day',
    timezone: 'UTC',
    buckets: ['2024-01-01', '2024-01-02', '2024-01-03'],
    from: '2024-01-01T00:00:00.000Z',
    to: '2024-01-04T00:00:00.000Z',
    series: [
      { seriesIndex: 0, label: 'INTERACT', eid: 'INTERACT', math: 'total', data: [3, 1, 1], total: 5 },
      { seriesIndex: 1, label: 'submitters', eid: 'INTERACT', math: 'unique_actors', data: [2, 1, 0] },
      { seriesIndex: 2, label: 'INTERACT', eid: 'INTERACT', math: 'sum', data: [15, 6, 0], total: 21 },
      { seriesIndex: 3, label: 'INTERACT', eid: 'INTERACT', math: 'avg', data: [5, 6, null] },
      { seriesIndex: 4, label: 'INTERACT', eid: 'INTERACT', math: 'median', data: [4, 6, null] },
      { seriesIndex: 5, label: 'INTERACT', eid: 'INTERACT', math: 'p90', data: [8, 6, null] },
    ],
  });
});

test('trends: DAU and WAU (rolling 7 days, counting actors active before the range)', async () => {
  const result = await runTrends(f.store, {
    dateRange: days,
    series: [
      { eid: 'INTERACT', math: 'dau' },
      { eid: 'INTERACT', math: 'wau' },
    ],
  });
  // Active days: a Jan 1 + Jan 3, b Jan 1, c Jan 2, d Dec 31.
  assert.deepEqual(
    result.series.map((s) => s.data),
    [
      [2, 1, 1],
      [3, 4, 4],
    ],
  );
});

test('trends: a time zone moves events across day boundaries', async () => {
  const result = await runTrends(f.store, {
    dateRange: { ...days, timezone: 'Asia/Kolkata' },
    series: [{ eid: 'INTERACT' }],
  });
  // 23:30 UTC on Jan 1 is 05:00 IST on Jan 2; Dec 31 12:00 UTC is still Dec 31 in IST.
  assert.equal(result.from, '2023-12-31T18:30:00.000Z');
  assert.deepEqual(result.series[0].data, [2, 2, 1]);
});

test('trends: hourly buckets and a relative range', async () => {
  const hourly = await runTrends(f.store, {
    dateRange: { from: '2024-01-01T09:00', to: '2024-01-01T11:00' },
    interval: 'hour',
    series: [{ eid: 'INTERACT' }],
  });
  assert.deepEqual(hourly.buckets, ['2024-01-01T09:00', '2024-01-01T10:00']);
  assert.deepEqual(hourly.series[0].data, [1, 1]);
  const relative = await runTrends(
    f.store,
    { dateRange: { from: '-2d' }, series: [{ eid: 'INTERACT' }] },
    Date.parse('2024-01-03T13:00:00Z'),
  );
  assert.deepEqual(relative.buckets, ['2024-01-01', '2024-01-02', '2024-01-03']);
  assert.deepEqual(relative.series[0].data, [3, 1, 1]);
});

test('trends: breakdown keeps the top N values and folds the rest into other; compare adds the previous period', async () => {
  const result = await runTrends(f.store, {
    dateRange: days,
    series: [{ eid: 'INTERACT' }],
    breakdown: { property: 'edata.id', limit: 1 },
    compare: true,
  });
  assert.deepEqual(result.series, [
    {
      seriesIndex: 0,
      label: 'INTERACT',
      eid: 'INTERACT',
      math: 'total',
      breakdownValue: 'submit',
      data: [2, 1, 0],
      total: 3,
    },
    {
      seriesIndex: 0,
      label: 'INTERACT',
      eid: 'INTERACT',
      math: 'total',
      breakdownValue: null,
      other: true,
      data: [1, 0, 1],
      total: 2,
    },
  ]);
  assert.deepEqual(result.previous, {
    buckets: ['2023-12-29', '2023-12-30', '2023-12-31'],
    from: '2023-12-29T00:00:00.000Z',
    to: '2024-01-01T00:00:00.000Z',
    series: [
      {
        seriesIndex: 0,
        label: 'INTERACT',
        eid: 'INTERACT',
        math: 'total',
        breakdownValue: 'submit',
        data: [0, 0, 1],
        total: 1,
      },
    ],
  });
});

test('trends: compare with a relative range starts the previous period at the same time of day', async () => {
  const now = Date.parse('2024-01-08T10:30:00Z');
  const utc = await runTrends(
    f.store,
    { dateRange: { from: '-7d' }, series: [{ eid: 'INTERACT' }], compare: true },
    now,
  );
  assert.equal(utc.from, '2024-01-01T00:00:00.000Z');
  // 7 days and 10.5 hours: moved back by 8 whole days, midnight to the same time of day.
  assert.equal(utc.previous?.from, '2023-12-24T00:00:00.000Z');
  assert.equal(utc.previous?.to, '2023-12-31T10:30:00.000Z');
  assert.equal(utc.previous?.buckets.length, utc.buckets.length);
  const kolkata = await runTrends(
    f.store,
    { dateRange: { from: '-7d', timezone: 'Asia/Kolkata' }, series: [{ eid: 'INTERACT' }], compare: true },
    now,
  );
  assert.equal(kolkata.from, '2023-12-31T18:30:00.000Z', 'local midnight');
  assert.equal(kolkata.previous?.from, '2023-12-23T18:30:00.000Z', 'a local midnight too');
  assert.deepEqual(kolkata.previous?.buckets, [
    '2023-12-24',
    '2023-12-25',
    '2023-12-26',
    '2023-12-27',
    '2023-12-28',
    '2023-12-29',
    '2023-12-30',
    '2023-12-31',
  ]);
  const hours = await runTrends(
    f.store,
    { dateRange: { from: '-24h' }, interval: 'hour', series: [{ eid: 'INTERACT' }], compare: true },
    now,
  );
  assert.equal(hours.previous?.from, '2024-01-06T09:00:00.000Z', 'on the hour');
});

test('trends: breakdown lines with equal totals come in value order, absent after, whatever order the rows arrive in', () => {
  const query: TrendsQuery = { dateRange: days, series: [{ eid: 'INTERACT' }], breakdown: { property: 'edata.id' } };
  const range = { from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2024-01-02T00:00:00Z'), timezone: 'UTC' };
  const [b] = bucketsOf('day', range);
  const rows = [
    [0, b, '', 1],
    [0, b, 'submit', 1],
    [0, b, 'cancel', 1],
    [0, b, 'help', 2],
  ];
  for (const order of [rows, [...rows].reverse()]) {
    const values = shape(order, query, range).series.map((s) => s.breakdownValue);
    assert.deepEqual(values, ['help', 'cancel', 'submit', null]);
  }
  // "other" (k null) last, in either arrival order, though it holds the most.
  const withOther = [[0, b, null, 5], ...rows];
  for (const order of [withOther, [...withOther].reverse()]) {
    const lines = shape(order, query, range).series.map((s) => (s.other ? 'other' : s.breakdownValue));
    assert.deepEqual(lines, ['help', 'cancel', 'submit', null, 'other']);
  }
});
