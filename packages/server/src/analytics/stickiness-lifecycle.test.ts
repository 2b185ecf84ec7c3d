import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runLifecycle } from './lifecycle.js';
import { runStickiness } from './stickiness.js';
import { type Fixture, fixtureStore } from './test-fixture.js';

// INTERACT activity by day: a Jan 1, 2, 3 · b Jan 1, 3 · c Jan 2 · d Dec 30 and Jan 3 · e Dec 31 only.
let f: Fixture;
before(async () => {
  const day = (actor: string, date: string) => ({ eid: 'INTERACT', at: `${date}T12:00:00Z`, actor });
  f = await fixtureStore([
    day('a', '2024-01-01'),
    day('a', '2024-01-02'),
    day('a', '2024-01-03'),
    day('a', '2024-01-03'),
    day('b', '2024-01-01'),
    day('b', '2024-01-03'),
    day('c', '2024-01-02'),
    day('d', '2023-12-30'),
    day('d', '2024-01-03'),
    day('e', '2023-12-31'),
  ]);
});
after(() => f.close());

const dateRange = { from: '2024-01-01', to: '2024-01-03' };

test('stickiness: actors by number of active days in the range', async () => {
  // a: 3 days · b: 2 · c: 1 · d: 1 (Dec 30 is outside) · e: none in range.
  assert.deepEqual(await runStickiness(f.store, { series: [{ eid: 'INTERACT' }], dateRange }), {
    interval: 'day',
    intervals: [1, 2, 3],
    series: [{ label: 'INTERACT', eid: 'INTERACT', data: [2, 1, 1] }],
  });
});

test('lifecycle: new, returning, resurrecting, dormant per day', async () => {
  // Jan 1: a, b new; e (active Dec 31) dormant.
  // Jan 2: a returning, c new; b dormant.
  // Jan 3: a returning, b resurrecting, d resurrecting (first seen Dec 30); c dormant.
  assert.deepEqual(await runLifecycle(f.store, { event: { eid: 'INTERACT' }, dateRange }), {
    interval: 'day',
    buckets: ['2024-01-01', '2024-01-02', '2024-01-03'],
    series: {
      new: [2, 1, 0],
      returning: [0, 1, 1],
      resurrecting: [0, 0, 2],
      dormant: [1, 1, 1],
    },
  });
});
