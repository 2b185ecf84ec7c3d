// Trends rules no test reached before (issue 10): every filter operator (negative ones match an absent property),
// week and month intervals, MAU, and day buckets in a time zone across a DST change.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TrendsQuery } from '@telemetry/query';
import { type Fixture, fixtureStore } from './test-fixture.js';
import { runTrends } from './trends.js';

let f: Fixture;
before(async () => {
  f = await fixtureStore([
    // 2024-02-01: five INTERACTs for the filter operators (one has neither an id nor a duration, one an id only).
    // No operator and its negation count the same, so a test swapping them would notice.
    { eid: 'INTERACT', at: '2024-02-01T09:00:00Z', actor: 'a', edata: { id: 'submit', duration: 5 } },
    { eid: 'INTERACT', at: '2024-02-01T09:01:00Z', actor: 'a', edata: { id: 'cancel', duration: 20 } },
    { eid: 'INTERACT', at: '2024-02-01T09:02:00Z', actor: 'b', edata: {} },
    { eid: 'INTERACT', at: '2024-02-01T09:03:00Z', actor: 'c', edata: { id: 'submit-late', duration: 10 } },
    { eid: 'INTERACT', at: '2024-02-01T09:04:00Z', actor: 'c', edata: { id: 'other' } },
    // 2024-02-02: LOGs for the tag filters: two tags, one tag, an empty list, no tags.
    { eid: 'LOG', at: '2024-02-02T09:00:00Z', actor: 'a', tags: ['x', 'y'] },
    { eid: 'LOG', at: '2024-02-02T09:01:00Z', actor: 'a', tags: ['x'] },
    { eid: 'LOG', at: '2024-02-02T09:02:00Z', actor: 'b', tags: [] },
    { eid: 'LOG', at: '2024-02-02T09:03:00Z', actor: 'c' },
    // Weeks and months: Mon 2024-01-01, Sun 2024-01-07, Mon 2024-01-08, 2024-01-31 (Wed), 2024-03-05.
    { eid: 'START', at: '2024-01-01T12:00:00Z', actor: 'm1', edata: { type: 'app' } },
    { eid: 'START', at: '2024-01-07T12:00:00Z', actor: 'm2', edata: { type: 'app' } },
    { eid: 'START', at: '2024-01-08T12:00:00Z', actor: 'm1', edata: { type: 'app' } },
    { eid: 'START', at: '2024-01-31T12:00:00Z', actor: 'm3', edata: { type: 'app' } },
    { eid: 'START', at: '2024-03-05T12:00:00Z', actor: 'm1', edata: { type: 'app' } },
    // New York moves to daylight time at 2024-03-10 02:00 local: 04:30 UTC is 23:30 on Mar 9 (EST, −5),
    // 2024-03-11 03:30 UTC is 23:30 on Mar 10 and 04:30 UTC 00:30 on Mar 11 (EDT, −4).
    { eid: 'END', at: '2024-03-10T04:30:00Z', actor: 'z' },
    { eid: 'END', at: '2024-03-11T03:30:00Z', actor: 'z' },
    { eid: 'END', at: '2024-03-11T04:30:00Z', actor: 'z' },
  ]);
});
after(() => f.close());

type Filter = NonNullable<TrendsQuery['series'][number]['filters']>[number];
const FILTERS: [Filter, number][] = [
  [{ property: 'edata.id', operator: 'eq', value: 'submit' }, 1],
  [{ property: 'edata.id', operator: 'neq', value: 'submit' }, 4],
  [{ property: 'edata.id', operator: 'is_set' }, 4],
  [{ property: 'edata.id', operator: 'is_not_set' }, 1],
  [{ property: 'edata.id', operator: 'in', value: ['submit', 'cancel'] }, 2],
  [{ property: 'edata.id', operator: 'not_in', value: ['submit', 'cancel'] }, 3],
  [{ property: 'edata.id', operator: 'contains', value: 'submit' }, 2],
  [{ property: 'edata.id', operator: 'not_contains', value: 'submit' }, 3],
  [{ property: 'edata.duration', operator: 'gt', value: 10 }, 1],
  [{ property: 'edata.duration', operator: 'gte', value: 10 }, 2],
  [{ property: 'edata.duration', operator: 'lt', value: 10 }, 1],
  [{ property: 'edata.duration', operator: 'lte', value: 10 }, 2],
  // A number compares as a number (5, 20, 10 and two without a duration).
  [{ property: 'edata.duration', operator: 'eq', value: 10 }, 1],
  [{ property: 'edata.duration', operator: 'neq', value: 10 }, 4],
  [{ property: 'edata.duration', operator: 'in', value: [5, 20] }, 2],
  [{ property: 'edata.duration', operator: 'not_in', value: [5, 20] }, 3],
];

/** One series of `eid` on `day` per filter, labelled by its operator: [operator, total] of each, as answered. */
async function totalsPerFilter(eid: string, day: string, filters: [Filter, number][]) {
  const result = await runTrends(f.store, {
    dateRange: { from: day, to: day },
    series: filters.map(([filter]) => ({ eid, label: filter.operator, filters: [filter] })),
  });
  return result.series.map((s) => [s.label, s.total]);
}
const expected = (filters: [Filter, number][]) => filters.map(([filter, count]) => [filter.operator, count]);

test('trends: every filter operator; neq, not_in and not_contains also match events without the property', async () => {
  assert.deepEqual(await totalsPerFilter('INTERACT', '2024-02-01', FILTERS), expected(FILTERS));
});

test('trends: tag filters; an empty tag list is no tag, and negations match events without tags', async () => {
  const tagFilters: [Filter, number][] = [
    [{ property: 'tags', operator: 'is_set' }, 2],
    [{ property: 'tags', operator: 'is_not_set' }, 2],
    [{ property: 'tags', operator: 'contains', value: 'y' }, 1],
    [{ property: 'tags', operator: 'not_contains', value: 'y' }, 3],
  ];
  assert.deepEqual(await totalsPerFilter('LOG', '2024-02-02', tagFilters), expected(tagFilters));
});

test('trends: week buckets start on Monday, month buckets on the 1st', async () => {
  const weekly = await runTrends(f.store, {
    dateRange: { from: '2024-01-01', to: '2024-01-21' },
    interval: 'week',
    series: [{ eid: 'START' }],
  });
  assert.deepEqual(
    [weekly.buckets, weekly.series[0].data],
    [
      ['2024-01-01', '2024-01-08', '2024-01-15'],
      [2, 1, 0],
    ],
  );
  const monthly = await runTrends(f.store, {
    dateRange: { from: '2024-01-01', to: '2024-03-31' },
    interval: 'month',
    series: [{ eid: 'START' }, { eid: 'START', math: 'unique_actors' }],
  });
  assert.deepEqual(monthly.buckets, ['2024-01-01', '2024-02-01', '2024-03-01']);
  assert.deepEqual(
    monthly.series.map((s) => s.data),
    [
      [4, 0, 1],
      [3, 0, 1],
    ],
  );
});

test('trends: MAU counts actors active in the 30 days up to each day', async () => {
  const result = await runTrends(f.store, {
    dateRange: { from: '2024-01-30', to: '2024-02-07' },
    series: [{ eid: 'START', math: 'mau' }],
  });
  // Day d counts actors active on d − 29 … d. Jan 30: m1 (Jan 1, 8), m2 (Jan 7); Jan 31 – Feb 5: + m3 (Jan 31);
  // Feb 6 (from Jan 8): m1, m3; Feb 7 (from Jan 9): m3.
  assert.deepEqual(result.series[0].data, [2, 3, 3, 3, 3, 3, 3, 2, 1]);
});

test('trends: day buckets in a time zone follow its change to daylight time', async () => {
  const result = await runTrends(f.store, {
    dateRange: { from: '2024-03-09', to: '2024-03-11', timezone: 'America/New_York' },
    series: [{ eid: 'END' }],
  });
  assert.equal(result.from, '2024-03-09T05:00:00.000Z');
  assert.equal(result.to, '2024-03-12T04:00:00.000Z');
  assert.deepEqual(result.buckets, ['2024-03-09', '2024-03-10', '2024-03-11']);
  assert.deepEqual(result.series[0].data, [1, 1, 1]);
});
