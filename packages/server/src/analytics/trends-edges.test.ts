// Trends rules the mutation run of issue 10 found untested (docs/testing.md, ninth session), each counted by hand:
// unique devices and sessions, an empty rolling bucket, count-per-actor math with a breakdown, a series with no
// events, each line's own whole-range value, "other" last whatever its size, and the default interval.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TrendsQuery } from '@telemetry/query';
import { type Fixture, type FixtureEvent, fixtureStore } from './test-fixture.js';
import { runTrends } from './trends.js';

// INTERACT on 1 Jan: a (d1, s1) x, x; a (d2, s2) y; a (d2, s4) x; b (d1, s3) x; c (d1, s3) y.
// INTERACT on 2 Jan: b (d3, s5) y. SHARE on 3 Jan only. IMPRESSION pages p1 ×3, p2 ×2, p3 ×2, p4 on 1 Jan.
const interact = (at: string, actor: string, did: string, sid: string, id: string): FixtureEvent => ({
  eid: 'INTERACT',
  at,
  actor,
  did,
  sid,
  edata: { id },
});
let f: Fixture;
before(async () => {
  f = await fixtureStore([
    interact('2024-01-01T09:00:00Z', 'a', 'd1', 's1', 'x'),
    interact('2024-01-01T09:01:00Z', 'a', 'd1', 's1', 'x'),
    interact('2024-01-01T10:00:00Z', 'a', 'd2', 's2', 'y'),
    interact('2024-01-01T11:00:00Z', 'a', 'd2', 's4', 'x'),
    interact('2024-01-01T12:00:00Z', 'b', 'd1', 's3', 'x'),
    interact('2024-01-01T12:30:00Z', 'c', 'd1', 's3', 'y'),
    interact('2024-01-02T08:00:00Z', 'b', 'd3', 's5', 'y'),
    { eid: 'SHARE', at: '2024-01-03T08:00:00Z', actor: 'z' },
    ...['p1', 'p1', 'p1', 'p2', 'p2', 'p3', 'p3', 'p4'].map((pageid, i) => ({
      eid: 'IMPRESSION',
      at: `2024-01-01T1${i}:00:00Z`,
      actor: 'a',
      edata: { pageid },
    })),
  ]);
});
after(() => f.close());

const dateRange = { from: '2024-01-01', to: '2024-01-03' };
const run = (query: Omit<TrendsQuery, 'dateRange'>) => runTrends(f.store, { dateRange, ...query });

test('unique devices and unique sessions per day; the interval is a day when the query names none', async () => {
  const r = await run({
    series: [
      { eid: 'INTERACT', math: 'unique_actors' },
      { eid: 'INTERACT', math: 'unique_devices' },
      { eid: 'INTERACT', math: 'unique_sessions' },
    ],
  });
  assert.equal(r.interval, 'day');
  assert.deepEqual(r.buckets, ['2024-01-01', '2024-01-02', '2024-01-03']);
  assert.deepEqual(
    r.series.map((s) => s.data),
    [
      [3, 1, 0],
      [2, 1, 0],
      [4, 1, 0],
    ],
  );
});

test('MAU on days with nobody active in the 30 days before is 0, not empty', async () => {
  const r = await run({ series: [{ eid: 'SHARE', math: 'mau' }] });
  assert.deepEqual(r.series[0].data, [0, 0, 1]);
});

test('count per actor with a breakdown: the math over each actor’s events of each value', async () => {
  const r = await run({
    series: [{ eid: 'INTERACT', math: 'max_count_per_actor' }],
    breakdown: { property: 'edata.id' },
  });
  // x on 1 Jan: a 3, b 1 → 3. y on 1 Jan: a 1, c 1 → 1; on 2 Jan: b 1. No event: no value.
  assert.deepEqual(
    r.series.map((s) => [s.breakdownValue, s.data]),
    [
      ['x', [3, null, null]],
      ['y', [1, 1, null]],
    ],
  );
});

test('a series with no events has its line: its label, zeros, and 0 over the whole range; each line its own value', async () => {
  const r = await run({
    series: [{ eid: 'INTERACT' }, { eid: 'FEEDBACK' }, { eid: 'INTERACT', math: 'unique_actors' }],
    aggregate: 'range',
  });
  assert.deepEqual(
    r.series.map((s) => [s.label, s.data, s.aggregated]),
    [
      ['INTERACT', [6, 1, 0], 7],
      ['FEEDBACK', [0, 0, 0], 0],
      ['INTERACT', [3, 1, 0], 3],
    ],
  );
});

test('"other" comes last even when it holds more than a kept value', async () => {
  const lines = async (limit: number) =>
    (await run({ series: [{ eid: 'IMPRESSION' }], breakdown: { property: 'edata.pageid', limit } })).series.map((s) => [
      s.other ? 'other' : s.breakdownValue,
      s.total,
    ]);
  assert.deepEqual(await lines(1), [
    ['p1', 3],
    ['other', 5],
  ]);
  // p2 and p3 tie on 2 views: p2 is kept (value order), and other (p3, p4) holds as many as p1.
  assert.deepEqual(await lines(2), [
    ['p1', 3],
    ['p2', 2],
    ['other', 3],
  ]);
});
