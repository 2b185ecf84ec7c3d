import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runRetention } from './retention.js';
import { type Fixture, fixtureStore } from './test-fixture.js';

// Cohort = first-ever START; returning = INTERACT in a later day.
// r1 START Jan 1, back Jan 2 and Jan 3. r2 START Jan 1, back Jan 3. r3 first START Dec 31: in no cohort.
// r4 START Jan 2, INTERACT the same day (period 0, not a return) and Jan 3. r5 START Jan 3. r6 never STARTs.
let f: Fixture;
before(async () => {
  f = await fixtureStore([
    { eid: 'START', at: '2024-01-01T08:00:00Z', actor: 'r1' },
    { eid: 'INTERACT', at: '2024-01-02T08:00:00Z', actor: 'r1' },
    { eid: 'INTERACT', at: '2024-01-03T08:00:00Z', actor: 'r1' },
    { eid: 'START', at: '2024-01-01T20:00:00Z', actor: 'r2' },
    { eid: 'INTERACT', at: '2024-01-03T01:00:00Z', actor: 'r2' },
    { eid: 'START', at: '2023-12-31T08:00:00Z', actor: 'r3' },
    { eid: 'START', at: '2024-01-02T08:00:00Z', actor: 'r3' },
    { eid: 'INTERACT', at: '2024-01-03T08:00:00Z', actor: 'r3' },
    { eid: 'START', at: '2024-01-02T09:00:00Z', actor: 'r4' },
    { eid: 'INTERACT', at: '2024-01-02T10:00:00Z', actor: 'r4' },
    { eid: 'INTERACT', at: '2024-01-03T10:00:00Z', actor: 'r4' },
    { eid: 'START', at: '2024-01-03T09:00:00Z', actor: 'r5' },
    { eid: 'INTERACT', at: '2024-01-01T09:00:00Z', actor: 'r6' },
  ]);
});
after(() => f.close());

test('retention: cohorts × periods by first occurrence, periods cut at the range end', async () => {
  const result = await runRetention(f.store, {
    startEvent: { eid: 'START' },
    returnEvent: { eid: 'INTERACT' },
    period: 'day',
    periods: 3,
    dateRange: { from: '2024-01-01', to: '2024-01-03' },
  });
  assert.deepEqual(result, {
    period: 'day',
    cohorts: [
      { cohort: '2024-01-01', size: 2, values: [2, 1, 2], rates: [1, 0.5, 1] },
      { cohort: '2024-01-02', size: 1, values: [1, 1], rates: [1, 1] },
      { cohort: '2024-01-03', size: 1, values: [1], rates: [1] },
    ],
  });
});

test('retention: weekly periods put the whole fixture in one cohort and period', async () => {
  // 2024-01-01 is a Monday: Jan 1–3 are one ISO week, so nobody returns in a later week.
  const result = await runRetention(f.store, {
    startEvent: { eid: 'START' },
    returnEvent: { eid: 'INTERACT' },
    period: 'week',
    periods: 4,
    dateRange: { from: '2024-01-01', to: '2024-01-07' },
  });
  assert.deepEqual(result.cohorts, [{ cohort: '2024-01-01', size: 4, values: [4], rates: [1] }]);
});
