// Funnel rules of issue 13, each on traffic small enough to count by hand (docs/analytics.md, Funnels).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FunnelsQuery } from '@telemetry/query';
import { runFunnels } from './funnels.js';
import { type Fixture, type FixtureEvent, fixtureStore } from './test-fixture.js';

const home = { eid: 'IMPRESSION', filters: [{ property: 'edata.pageid', operator: 'eq' as const, value: 'home' }] };
const day = { from: '2024-01-01', to: '2024-01-07' };

async function counts(events: FixtureEvent[], query: Omit<FunnelsQuery, 'dateRange'>, dateRange = day) {
  const f = await fixtureStore(events);
  try {
    return await runFunnels(f.store, { dateRange, ...query });
  } finally {
    await f.close();
  }
}
const stepCounts = (r: { steps: { count: number }[] }) => r.steps.map((s) => s.count);

test('repeated identical steps need as many different events: 4 viewers, 2 of them twice → 4, 2', async () => {
  const events: FixtureEvent[] = [];
  for (const [actor, views] of [
    ['once-1', 1],
    ['once-2', 1],
    ['twice-1', 2],
    ['twice-2', 2],
  ] as const)
    for (let i = 0; i < views; i++)
      events.push({ eid: 'IMPRESSION', at: `2024-01-01T10:0${i}:00Z`, actor, edata: { pageid: 'home' } });
  const r = await counts(events, { steps: [home, home], stepActors: { step: 2 }, dropOff: { step: 2 } });
  assert.deepEqual(stepCounts(r), [4, 2]);
  assert.deepEqual(r.steps[1].medianSecondsFromPrevious, 60);
  assert.deepEqual(r.stepActors, { step: 2, entities: ['twice-1', 'twice-2'] });
  assert.deepEqual(r.dropOff, { step: 2, entities: ['once-1', 'once-2'] });
});

test('a broad step before a narrower one: the Course INTERACT cannot be both steps', async () => {
  const course = { type: 'Course', id: 'c1' };
  const r = await counts(
    [
      // only: one INTERACT, on the Course: step 1 only.
      { eid: 'INTERACT', at: '2024-01-01T10:00:00Z', actor: 'only', object: course },
      // then: any INTERACT, then one on the Course: both steps.
      { eid: 'INTERACT', at: '2024-01-01T10:00:00Z', actor: 'then' },
      { eid: 'INTERACT', at: '2024-01-01T10:01:00Z', actor: 'then', object: course },
      // first: the Course one first, then another INTERACT: step 1 only.
      { eid: 'INTERACT', at: '2024-01-01T10:00:00Z', actor: 'first', object: course },
      { eid: 'INTERACT', at: '2024-01-01T10:01:00Z', actor: 'first' },
    ],
    {
      steps: [
        { eid: 'INTERACT' },
        { eid: 'INTERACT', filters: [{ property: 'object.type', operator: 'eq', value: 'Course' }] },
      ],
      stepActors: { step: 2 },
    },
  );
  assert.deepEqual(stepCounts(r), [3, 1]);
  assert.deepEqual(r.stepActors?.entities, ['then']);
});

test('a later successful attempt counts after a failed one (every step-1 event is a start)', async () => {
  // Monday: home, then leaves. Wednesday: home again and the quiz within the hour. Window: 1 day.
  const r = await counts(
    [
      { eid: 'IMPRESSION', at: '2024-01-01T09:00:00Z', actor: 'teacher', edata: { pageid: 'home' } },
      { eid: 'IMPRESSION', at: '2024-01-03T09:00:00Z', actor: 'teacher', edata: { pageid: 'home' } },
      { eid: 'ASSESS', at: '2024-01-03T09:30:00Z', actor: 'teacher' },
    ],
    { steps: [home, { eid: 'ASSESS' }], windowSeconds: 86400 },
  );
  assert.deepEqual(stepCounts(r), [1, 1]);
  assert.equal(r.steps[1].medianSecondsFromPrevious, 1800, 'the times are the successful attempt’s');
});

test('two steps in the same millisecond convert in arrival order; arrived the other way round they do not', async () => {
  const at = '2024-01-01T10:00:00.123Z';
  const r = await counts(
    [
      { eid: 'START', at, actor: 'inOrder' },
      { eid: 'END', at, actor: 'inOrder' },
      { eid: 'END', at, actor: 'reversed' },
      { eid: 'START', at, actor: 'reversed' },
    ],
    { steps: [{ eid: 'START' }, { eid: 'END' }], stepActors: { step: 2 } },
  );
  assert.deepEqual(stepCounts(r), [2, 1]);
  assert.deepEqual(r.stepActors?.entities, ['inOrder']);
  assert.equal(r.steps[1].medianSecondsFromPrevious, 0);
});

describe('exclusion steps', () => {
  const steps = [{ eid: 'START' }, { eid: 'INTERACT' }, { eid: 'END' }];
  const cancel = { eid: 'CANCEL', fromStep: 1, toStep: 2 };
  const at = (m: number) => `2024-01-01T10:${String(m).padStart(2, '0')}:00Z`;
  let f: Fixture;
  before(async () => {
    f = await fixtureStore([
      // between: CANCEL between steps 1 and 2: void, and no other attempt: not counted at all.
      ...['START', 'CANCEL', 'INTERACT', 'END'].map((eid, i) => ({ eid, at: at(i), actor: 'between' })),
      // after: CANCEL after step 2: counts.
      ...['START', 'INTERACT', 'CANCEL', 'END'].map((eid, i) => ({ eid, at: at(i), actor: 'after' })),
      // retry: START, CANCEL, then a fresh START: the second attempt counts.
      ...['START', 'CANCEL', 'START', 'INTERACT'].map((eid, i) => ({ eid, at: at(i), actor: 'retry' })),
      // pending: START then CANCEL, never INTERACT: the attempt is void to the end of its window.
      ...['START', 'CANCEL'].map((eid, i) => ({ eid, at: at(i), actor: 'pending' })),
      // plain: START only.
      { eid: 'START', at: at(0), actor: 'plain' },
    ]);
  });
  after(() => f.close());

  test('an attempt with the excluded event between its steps is void; other attempts still count', async () => {
    const r = await runFunnels(f.store, { steps, dateRange: day, exclusions: [cancel], stepActors: { step: 1 } });
    assert.deepEqual(stepCounts(r), [3, 2, 1]);
    assert.deepEqual(r.stepActors?.entities, ['after', 'plain', 'retry']);
    const without = await runFunnels(f.store, { steps, dateRange: day });
    assert.deepEqual(stepCounts(without), [5, 3, 2]);
  });

  test('an exclusion between steps 2 and 3 leaves step-1 and step-2 counts alone for those it does not void', async () => {
    const r = await runFunnels(f.store, {
      steps,
      dateRange: day,
      exclusions: [{ eid: 'CANCEL', fromStep: 2, toStep: 3 }],
    });
    // "after" did CANCEL between INTERACT and END: void. "retry" reached step 2 and has no END; nothing after.
    assert.deepEqual(stepCounts(r), [4, 2, 1]);
  });

  test('two exclusions, each between its own steps, each voids only its attempts', async () => {
    const r = await counts(
      [
        // cancelled: CANCEL between steps 1 and 2 (the first exclusion): void.
        ...['START', 'CANCEL', 'INTERACT', 'END'].map((eid, i) => ({ eid, at: at(i), actor: 'cancelled' })),
        // aborted: ABORT between steps 2 and 3 (the second exclusion): void.
        ...['START', 'INTERACT', 'ABORT', 'END'].map((eid, i) => ({ eid, at: at(i), actor: 'aborted' })),
        // late: both excluded events after step 3: counts to the end.
        ...['START', 'INTERACT', 'END', 'ABORT', 'CANCEL'].map((eid, i) => ({ eid, at: at(i), actor: 'late' })),
        // swapped: ABORT between steps 1 and 2 and CANCEL between 2 and 3, neither where it is excluded.
        ...['START', 'ABORT', 'INTERACT', 'CANCEL', 'END'].map((eid, i) => ({ eid, at: at(i), actor: 'swapped' })),
      ],
      { steps, exclusions: [cancel, { eid: 'ABORT', fromStep: 2, toStep: 3 }], stepActors: { step: 3 } },
    );
    assert.deepEqual(stepCounts(r), [2, 2, 2]);
    assert.deepEqual(r.stepActors?.entities, ['late', 'swapped']);
  });
});

describe('step order', () => {
  const steps = [{ eid: 'START' }, { eid: 'INTERACT' }, { eid: 'END' }];
  const at = (m: number) => `2024-01-01T10:${String(m).padStart(2, '0')}:00Z`;
  let f: Fixture;
  before(async () => {
    f = await fixtureStore([
      // gap: an IMPRESSION between START and INTERACT.
      ...['START', 'IMPRESSION', 'INTERACT', 'END'].map((eid, i) => ({ eid, at: at(i), actor: 'gap' })),
      // tight: the three steps back to back.
      ...['START', 'INTERACT', 'END'].map((eid, i) => ({ eid, at: at(i), actor: 'tight' })),
      // reversed: END, INTERACT, START.
      ...['END', 'INTERACT', 'START'].map((eid, i) => ({ eid, at: at(i), actor: 'reversed' })),
      // twoOfThree: INTERACT then START.
      ...['INTERACT', 'START'].map((eid, i) => ({ eid, at: at(i), actor: 'twoOfThree' })),
    ]);
  });
  after(() => f.close());

  test('ordered (the default) lets other events come between the steps', async () => {
    const r = await runFunnels(f.store, { steps, dateRange: day });
    assert.deepEqual(stepCounts(r), [4, 2, 2]);
  });

  test('strict needs each step to be the very next event', async () => {
    const r = await runFunnels(f.store, { steps, dateRange: day, stepOrder: 'strict', dropOff: { step: 2 } });
    assert.deepEqual(stepCounts(r), [4, 1, 1]);
    assert.deepEqual(r.dropOff?.entities, ['gap', 'reversed', 'twoOfThree']);
  });

  test('strict within one millisecond: an event between the steps by arrival order breaks the chain', async () => {
    // Each actor's events in arrival order, as eid@ms after 10:00:00.000.
    const sequences: Record<string, string> = {
      'after-start': 'START@0 LOG@0 INTERACT@1',
      'before-interact': 'START@0 LOG@1 INTERACT@1',
      'before-start': 'LOG@0 START@0 INTERACT@1',
      'after-interact': 'START@0 INTERACT@1 LOG@1',
      'same-ms': 'START@0 INTERACT@0',
    };
    const events = Object.entries(sequences).flatMap(([actor, sequence]) =>
      sequence.split(' ').map((event) => {
        const [eid, ms] = event.split('@');
        return { eid, at: new Date(Date.parse('2024-01-01T10:00:00Z') + Number(ms)).toISOString(), actor };
      }),
    );
    const r = await counts(events, {
      steps: [{ eid: 'START' }, { eid: 'INTERACT' }],
      stepOrder: 'strict',
      stepActors: { step: 2 },
    });
    assert.deepEqual(stepCounts(r), [5, 3]);
    assert.deepEqual(r.stepActors?.entities, ['after-interact', 'before-start', 'same-ms']);
  });

  test('any order counts the steps done in any order within the window, each by a different event', async () => {
    const r = await runFunnels(f.store, { steps, dateRange: day, stepOrder: 'any', stepActors: { step: 3 } });
    assert.deepEqual(stepCounts(r), [4, 4, 3]);
    assert.deepEqual(r.stepActors?.entities, ['gap', 'reversed', 'tight']);
    const same = await runFunnels(f.store, {
      steps: [{ eid: 'START' }, { eid: 'START' }],
      dateRange: day,
      stepOrder: 'any',
    });
    assert.deepEqual(stepCounts(same), [4, 0], 'one START cannot be both steps');
  });
});

describe('breakdown attribution', () => {
  // u1: home on web, quiz on app. u2: home on app, quiz on app. u3: home on web only.
  let f: Fixture;
  before(async () => {
    f = await fixtureStore([
      { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'u1', channel: 'web', edata: { pageid: 'home' } },
      { eid: 'ASSESS', at: '2024-01-01T10:05:00Z', actor: 'u1', channel: 'app' },
      { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'u2', channel: 'app', edata: { pageid: 'home' } },
      { eid: 'ASSESS', at: '2024-01-01T10:05:00Z', actor: 'u2', channel: 'app' },
      { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'u3', channel: 'web', edata: { pageid: 'home' } },
    ]);
  });
  after(() => f.close());
  const groups = (r: Awaited<ReturnType<typeof runFunnels>>) =>
    Object.fromEntries((r.breakdown ?? []).map((b) => [String(b.value), stepCounts(b)]));
  const base = {
    steps: [home, { eid: 'ASSESS' }],
    dateRange: day,
    breakdown: { property: 'context.channel' },
  } satisfies FunnelsQuery;

  test('first touch: the value on the step-1 event', async () => {
    assert.deepEqual(groups(await runFunnels(f.store, base)), { web: [2, 1], app: [1, 1] });
  });
  test('last touch: the value on the furthest step reached', async () => {
    const r = await runFunnels(f.store, { ...base, breakdownAttribution: 'last_touch' });
    assert.deepEqual(groups(r), { app: [2, 2], web: [1, 0] });
  });
  test('per step: the value on step n’s event; none for who did not reach it', async () => {
    const r = await runFunnels(f.store, { ...base, breakdownAttribution: 'step', breakdownAttributionStep: 2 });
    assert.deepEqual(groups(r), { app: [2, 2], null: [1, 0] });
  });
});

test('conversion-time distribution: equal bins from the fastest to the slowest', async () => {
  const events: FixtureEvent[] = [];
  // Conversions after 60, 120, 120 and 660 s; one who never converts.
  for (const [actor, seconds] of [
    ['a', 60],
    ['b', 120],
    ['c', 120],
    ['d', 660],
  ] as const) {
    events.push({ eid: 'START', at: '2024-01-01T10:00:00Z', actor });
    events.push({ eid: 'END', at: new Date(Date.parse('2024-01-01T10:00:00Z') + seconds * 1000).toISOString(), actor });
  }
  events.push({ eid: 'START', at: '2024-01-01T10:00:00Z', actor: 'e' });
  const r = await counts(events, { steps: [{ eid: 'START' }, { eid: 'END' }], conversionTime: { bins: 3 } });
  assert.deepEqual(r.conversionTime, {
    fromStep: 1,
    toStep: 2,
    bins: [
      { fromSeconds: 60, toSeconds: 260, count: 3 },
      { fromSeconds: 260, toSeconds: 460, count: 0 },
      { fromSeconds: 460, toSeconds: 660, count: 1 },
    ],
  });
});

test('conversion times when nobody converts: no bins, and the funnel still answers', async () => {
  const events: FixtureEvent[] = ['a', 'b'].map((actor) => ({ eid: 'START', at: '2024-01-01T10:00:00Z', actor }));
  const r = await counts(events, { steps: [{ eid: 'START' }, { eid: 'END' }], conversionTime: { bins: 3 } });
  assert.deepEqual(stepCounts(r), [2, 0]);
  assert.deepEqual(r.conversionTime, { fromStep: 1, toStep: 2, bins: [] });
});
