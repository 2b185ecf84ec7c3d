// Retention rules of issue 13 counted by hand: recurring retention across a period boundary, a breakdown, the
// entities of one cell (docs/analytics.md, Retention).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RetentionQuery } from '@telemetry/query';
import { runRetention } from './retention.js';
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
