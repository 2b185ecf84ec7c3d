// Funnel rules a one-line change could break unnoticed (issue 10): a step at the same millisecond as the previous
// one counts; the conversion window runs from step 1, not from the previous step; a breakdown past its limit adds
// the remaining groups up into one "other" entry.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FunnelsQuery } from '@telemetry/query';
import { runFunnels } from './funnels.js';
import { type Fixture, fixtureStore } from './test-fixture.js';

let f: Fixture;
before(async () => {
  f = await fixtureStore([
    // same: all three steps in one millisecond.
    { eid: 'START', at: '2024-02-01T08:00:00.000Z', actor: 'same', channel: 'a' },
    { eid: 'INTERACT', at: '2024-02-01T08:00:00.000Z', actor: 'same', channel: 'a' },
    { eid: 'END', at: '2024-02-01T08:00:00.000Z', actor: 'same', channel: 'a' },
    // late: step 2 after 20 h, step 3 after 30 h: 10 h after step 2, but outside 24 h from step 1.
    { eid: 'START', at: '2024-02-01T00:00:00Z', actor: 'late', channel: 'b' },
    { eid: 'INTERACT', at: '2024-02-01T20:00:00Z', actor: 'late', channel: 'b' },
    { eid: 'END', at: '2024-02-02T06:00:00Z', actor: 'late', channel: 'b' },
    // in: all three within 24 h of step 1.
    { eid: 'START', at: '2024-02-01T01:00:00Z', actor: 'in', channel: 'c' },
    { eid: 'INTERACT', at: '2024-02-01T02:00:00Z', actor: 'in', channel: 'c' },
    { eid: 'END', at: '2024-02-01T03:00:00Z', actor: 'in', channel: 'c' },
    // Two more entrants on channel a, which makes it the largest group.
    { eid: 'START', at: '2024-02-01T04:00:00Z', actor: 'a2', channel: 'a' },
    { eid: 'START', at: '2024-02-01T05:00:00Z', actor: 'a3', channel: 'a' },
  ]);
});
after(() => f.close());

const steps: FunnelsQuery['steps'] = [{ eid: 'START' }, { eid: 'INTERACT' }, { eid: 'END' }];
const dateRange = { from: '2024-02-01', to: '2024-02-01' };

test('funnels: a step in the same millisecond as the previous one counts, with 0 s between them', async () => {
  const result = await runFunnels(f.store, { steps, dateRange, windowSeconds: 86400, dropOff: { step: 3 } });
  assert.deepEqual(
    result.steps.map((s) => s.count),
    [5, 3, 2],
  );
  // "late" reached step 2 but its step 3 came 30 h after step 1: it is the one drop-off at step 3.
  assert.deepEqual(result.dropOff, { step: 3, entities: ['late'] });
});

test('funnels: the conversion window is measured from step 1, not from the previous step', async () => {
  const within = await runFunnels(f.store, { steps, dateRange, windowSeconds: 24 * 3600 });
  assert.equal(within.steps[2].count, 2, '"late" ended 30 h after its start: outside a 24 h window');
  const wide = await runFunnels(f.store, { steps, dateRange, windowSeconds: 31 * 3600 });
  assert.equal(wide.steps[2].count, 3, 'inside a 31 h window it converts');
});

test('funnels: groups past the breakdown limit add up into one "other" entry, without medians', async () => {
  const result = await runFunnels(f.store, {
    steps,
    dateRange,
    windowSeconds: 86400,
    breakdown: { property: 'context.channel', limit: 1 },
  });
  const breakdown = result.breakdown ?? [];
  assert.deepEqual(
    breakdown.map((b) => [b.value, b.other ?? false, b.steps.map((s) => s.count)]),
    [
      ['a', false, [3, 1, 1]],
      [null, true, [2, 2, 1]],
    ],
  );
  assert.deepEqual(
    breakdown[1].steps.map((s) => [s.conversionRate, s.stepConversionRate, s.medianSecondsFromPrevious]),
    [
      [1, 1, null],
      [1, 1, null],
      [0.5, 0.5, null],
    ],
  );
  assert.equal(breakdown[0].steps[1].medianSecondsFromPrevious, 0, 'same-millisecond steps are 0 s apart');
});

test('funnels: a range without events gives zero counts and no medians', async () => {
  const result = await runFunnels(f.store, { steps, dateRange: { from: '2023-06-01', to: '2023-06-02' } });
  assert.deepEqual(
    result.steps.map((s) => [s.count, s.conversionRate, s.stepConversionRate, s.medianSecondsFromPrevious]),
    [
      [0, 0, 0, null],
      [0, 0, 0, null],
      [0, 0, 0, null],
    ],
  );
});

test('funnels: drop-offs are listed in id order up to their limit', async () => {
  // Step 2 drop-offs: a2 and a3 (entered, never interacted).
  const result = await runFunnels(f.store, { steps, dateRange, dropOff: { step: 2, limit: 1 } });
  assert.deepEqual(result.dropOff, { step: 2, entities: ['a2'] });
});

test('funnels: breakdown groups with equal entry counts come in value order', async () => {
  const result = await runFunnels(f.store, {
    steps,
    dateRange,
    windowSeconds: 86400,
    aggregateBy: 'actor',
    breakdown: { property: 'actor.id' },
  });
  // Every actor is a group of one: equal counts, so in id order.
  assert.deepEqual(
    result.breakdown?.map((b) => b.value),
    ['a2', 'a3', 'in', 'late', 'same'],
  );
});

test('funnels: drill-downs asked together (one statement) equal each asked alone, with a breakdown', async () => {
  const base: FunnelsQuery = { steps, dateRange, windowSeconds: 86400, breakdown: { property: 'context.channel' } };
  const dropOff = { step: 3 };
  const stepActors = { step: 2 };
  const conversionTime = { fromStep: 1, toStep: 2, bins: 2 };
  const together = await runFunnels(f.store, { ...base, dropOff, stepActors, conversionTime });
  const alone = {
    dropOff: (await runFunnels(f.store, { ...base, dropOff })).dropOff,
    stepActors: (await runFunnels(f.store, { ...base, stepActors })).stepActors,
    conversionTime: (await runFunnels(f.store, { ...base, conversionTime })).conversionTime,
    breakdown: (await runFunnels(f.store, base)).breakdown,
  };
  assert.deepEqual(alone.dropOff, { step: 3, entities: ['late'] });
  assert.deepEqual(alone.stepActors, { step: 2, entities: ['in', 'late', 'same'] });
  // Step 1 to 2: 0 h (same), 1 h (in), 20 h (late), in two bins of 10 h.
  assert.deepEqual(
    alone.conversionTime?.bins.map((b) => b.count),
    [2, 1],
  );
  assert.deepEqual(
    { dropOff: together.dropOff, stepActors: together.stepActors, conversionTime: together.conversionTime },
    { dropOff: alone.dropOff, stepActors: alone.stepActors, conversionTime: alone.conversionTime },
  );
  assert.deepEqual(together.breakdown, alone.breakdown);
});

test('funnels: `any` order with the most steps allowed (10: Hall over 1,023 step subsets) counts each event once', async () => {
  const pages = Array.from({ length: 10 }, (_, i) => `p${i}`);
  const g = await fixtureStore([
    // all: every page once, in reverse order; short: nine of them, p0 viewed twice.
    ...pages.map((pageid, i) => ({
      eid: 'IMPRESSION',
      at: `2024-02-01T0${9 - i}:00:00Z`,
      actor: 'all',
      edata: { pageid },
    })),
    ...pages
      .slice(0, 9)
      .map((pageid, i) => ({ eid: 'IMPRESSION', at: `2024-02-01T0${i}:30:00Z`, actor: 'short', edata: { pageid } })),
    { eid: 'IMPRESSION', at: '2024-02-01T09:30:00Z', actor: 'short', edata: { pageid: 'p0' } },
  ]);
  try {
    const steps = pages.map((value) => ({
      eid: 'IMPRESSION',
      filters: [{ property: 'edata.pageid', operator: 'eq' as const, value }],
    }));
    const r = await runFunnels(g.store, { steps, dateRange, stepOrder: 'any' });
    assert.deepEqual(
      r.steps.map((s) => s.count),
      [2, 2, 2, 2, 2, 2, 2, 2, 2, 1],
    );
  } finally {
    await g.close();
  }
});
