// WAU and MAU (trends.ts, rolling windows) on random activity equal a count written from the rule: day b counts the
// actors with an event on one of the days b - n + 1 … b (n = 7 or 30), each actor once however many of its windows
// cover b; every day of the range, and the days before it that reach into it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fixtureStore } from './test-fixture.js';
import { runTrends } from './trends.js';

const DAY = 86_400_000;
const BASE = Date.parse('2024-05-01T00:00:00Z');
const day = (n: number) => new Date(BASE + n * DAY).toISOString().slice(0, 10);

test('WAU and MAU count each actor active in the window up to each day once', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ actor: fc.constantFrom('a', 'b', 'c'), day: fc.integer({ min: 0, max: 45 }) }), {
        maxLength: 25,
      }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 10 }),
      async (activity, from, span) => {
        const fixture = await fixtureStore(
          activity.map((a, i) => ({
            eid: 'START',
            actor: a.actor,
            at: new Date(BASE + a.day * DAY + i * 1000).toISOString(),
          })),
        );
        try {
          const result = await runTrends(fixture.store, {
            dateRange: { from: day(from), to: day(from + span) },
            series: [
              { eid: 'START', math: 'wau' },
              { eid: 'START', math: 'mau' },
            ],
          });
          [7, 30].forEach((n, s) => {
            const expected = Array.from({ length: span + 1 }, (_, i) => {
              const b = from + i;
              return new Set(activity.filter((a) => a.day <= b && a.day > b - n).map((a) => a.actor)).size;
            });
            assert.deepEqual(result.series[s].data, expected, `${n} days`);
          });
        } finally {
          await fixture.close();
        }
      },
    ),
    { numRuns: 40 },
  );
});
