// Retention rules of issue 13 counted by hand: recurring retention across a period boundary, a breakdown, the
// entities of one cell (docs/analytics.md, Retention).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bucketsOf, type RetentionQuery } from '@telemetry/query';
import { runRetention, shape } from './retention.js';
import { resolveRange } from './sql-time.js';
import { type Fixture, fixtureStore } from './test-fixture.js';

// Weeks (Monday to Sunday) of March 2024: W1 = 4–10, W2 = 11–17, W3 = 18–24.
// u1 starts on Sunday of W1 at 20:00 UTC (Monday 01:30 of W2 in Kolkata) and again on Tuesday of W2; returns in W2
// and W3. u2 starts in W1 only, returns in W3. u3 starts in W2 only, on the app, never returns.
let f: Fixture;
before(async () => {
  f = await fixtureStore([
    { eid: 'START', at: '2024-03-10T20:00:00Z', actor: 'u1', channel: 'web' },
    { eid: 'START', at: '2024-03-12T09:00:00Z', actor: 'u1', channel: 'app' },
    { eid: 'INTERACT', at: '2024-03-13T09:00:00Z', actor: 'u1' },
    { eid: 'INTERACT', at: '2024-03-19T09:00:00Z', actor: 'u1' },
    { eid: 'START', at: '2024-03-05T09:00:00Z', actor: 'u2', channel: 'web' },
    { eid: 'INTERACT', at: '2024-03-20T09:00:00Z', actor: 'u2' },
    { eid: 'START', at: '2024-03-14T09:00:00Z', actor: 'u3', channel: 'app' },
  ]);
});
after(() => f.close());

const base: RetentionQuery = {
  startEvent: { eid: 'START' },
  returnEvent: { eid: 'INTERACT' },
  period: 'week',
  periods: 3,
  dateRange: { from: '2024-03-04', to: '2024-03-24' },
};
const table = (r: { cohorts: { cohort: string; values: number[] }[] }) => r.cohorts.map((c) => [c.cohort, c.values]);

test('first time: each entity in the cohort of its first start only', async () => {
  assert.deepEqual(table(await runRetention(f.store, base)), [
    ['2024-03-04', [2, 1, 2]],
    ['2024-03-11', [1, 0]],
    ['2024-03-18', [0]],
  ]);
});

test('recurring: an entity is in the cohort of every period it started in, across the week boundary', async () => {
  const r = await runRetention(f.store, { ...base, retentionType: 'recurring' });
  // u1 is in W1 (Sunday) and W2 (Tuesday); from W2 it returns in W3 (period 1).
  assert.deepEqual(table(r), [
    ['2024-03-04', [2, 1, 2]],
    ['2024-03-11', [2, 1]],
    ['2024-03-18', [0]],
  ]);
  // In Kolkata u1's Sunday-evening start is Monday of W2 already: one cohort fewer for u1.
  const kolkata = await runRetention(f.store, {
    ...base,
    retentionType: 'recurring',
    dateRange: { ...base.dateRange, timezone: 'Asia/Kolkata' },
  });
  assert.deepEqual(table(kolkata), [
    ['2024-03-04', [1, 0, 1]],
    ['2024-03-11', [2, 1]],
    ['2024-03-18', [0]],
  ]);
});

test('breakdown: one table per value of the start event that made the cohort (equal sizes in value order)', async () => {
  const r = await runRetention(f.store, {
    ...base,
    retentionType: 'recurring',
    breakdown: { property: 'context.channel' },
  });
  assert.deepEqual(
    r.breakdown?.map((b) => [b.value, table(b)]),
    [
      [
        'app',
        [
          ['2024-03-04', [0, 0, 0]],
          ['2024-03-11', [2, 1]],
          ['2024-03-18', [0]],
        ],
      ],
      [
        'web',
        [
          ['2024-03-04', [2, 1, 2]],
          ['2024-03-11', [0, 0]],
          ['2024-03-18', [0]],
        ],
      ],
    ],
  );
});

test('the entities of one cell, for the drill-down', async () => {
  const r = await runRetention(f.store, { ...base, actors: { cohort: 0, period: 2 } });
  assert.deepEqual(r.actors, { cohort: '2024-03-04', period: 2, entities: ['u1', 'u2'] });
  const sizes = await runRetention(f.store, { ...base, retentionType: 'recurring', actors: { cohort: 1, period: 0 } });
  assert.deepEqual(sizes.actors?.entities, ['u1', 'u3']);
});

test('defaults: daily cohorts and 8 periods; a drill-down by day too; a cohort past the table has no entities', async () => {
  const days = {
    startEvent: { eid: 'START' },
    returnEvent: { eid: 'INTERACT' },
    dateRange: { from: '2024-03-10', to: '2024-03-14' },
  };
  const r = await runRetention(f.store, days);
  assert.equal(r.period, 'day');
  // u1 first started on the 10th and came back on the 13th; u3 first started on the 14th; u2 before the range.
  assert.deepEqual(table(r), [
    ['2024-03-10', [1, 0, 0, 1, 0]],
    ['2024-03-11', [0, 0, 0, 0]],
    ['2024-03-12', [0, 0, 0]],
    ['2024-03-13', [0, 0]],
    ['2024-03-14', [1]],
  ]);
  const cell = await runRetention(f.store, { ...days, actors: { cohort: 0, period: 3 } });
  assert.deepEqual(cell.actors, { cohort: '2024-03-10', period: 3, entities: ['u1'] });
  const past = await runRetention(f.store, { ...days, actors: { cohort: 99, period: 0 } });
  assert.deepEqual(past.actors, { cohort: '', period: 0, entities: [] });
});

test('breakdown values by cohort size, largest first, ties in value order, whatever order the rows arrive in; the rest add up into "other"', () => {
  const query: RetentionQuery = { ...base, breakdown: { property: 'context.channel', limit: 2 } };
  const range = resolveRange(base.dateRange, 0);
  const [w1, w2] = bucketsOf('week', range);
  // Sizes in the first week: m 2, a 1, z 1 (z also in the second week: 1), each with period-1 returns of 1.
  const rows = [
    [1, '', w1, 0, 4],
    [0, 'z', w1, 0, 1],
    [0, 'z', w1, 1, 1],
    [0, 'z', w2, 0, 1],
    [0, 'a', w1, 0, 1],
    [0, 'a', w1, 1, 1],
    [0, 'm', w1, 0, 2],
    [0, 'm', w1, 1, 1],
  ];
  for (const order of [rows, [...rows].reverse()]) {
    for (const limit of [1, 2]) {
      const r = shape(order, { ...query, breakdown: { property: 'context.channel', limit } }, range);
      const tables = r.breakdown?.map((b) => [b.other ? 'other' : b.value, b.cohorts.slice(0, 2).map((c) => c.values)]);
      // z (2 in all) and m (2) tie on size: value order puts m first; a (1) last.
      const m = [
        'm',
        [
          [2, 1, 0],
          [0, 0],
        ],
      ];
      const z = [
        'z',
        [
          [1, 1, 0],
          [1, 0],
        ],
      ];
      const a = [
        'a',
        [
          [1, 1, 0],
          [0, 0],
        ],
      ];
      assert.deepEqual(
        tables,
        limit === 1
          ? [
              m,
              [
                'other',
                [
                  [2, 2, 0],
                  [1, 0],
                ],
              ],
            ]
          : [m, z, ['other', a[1]]],
        `limit ${limit}`,
      );
    }
  }
  // Events without the property: the value null, a table like any other (not "other").
  const absent = shape(
    [
      [1, '', w1, 0, 1],
      [0, '', w1, 0, 1],
    ],
    query,
    range,
  );
  assert.deepEqual(
    absent.breakdown?.map((b) => [b.value, b.other ?? false, b.cohorts[0].size]),
    [[null, false, 1]],
  );
});
