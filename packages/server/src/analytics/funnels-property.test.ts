// Funnels on random small traffic (issue 13): the SQL answer equals a slow reference written here from the rules of
// docs/analytics.md, for every step order and aggregation. The reference finds the furthest step by brute force
// (every chain of distinct, later events for `ordered`; every assignment of steps to distinct events for `any`), so
// it also checks that the SQL's earliest-match shortcut loses nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FunnelsQuery, FunnelsResult } from '@telemetry/query';
import fc from 'fast-check';
import { runFunnels } from './funnels.js';
import { type FixtureEvent, fixtureStore } from './test-fixture.js';

const BASE = Date.parse('2024-03-01T00:00:00Z');
const MIN = 60_000;

interface Ev {
  eid: string;
  /** Minutes after BASE. */
  minute: number;
  actor: string;
  did: string;
  sid: string;
  id: string;
  channel: string;
}

const evArb = fc.record({
  eid: fc.constantFrom('A', 'B', 'C'),
  minute: fc.integer({ min: 0, max: 12 }),
  actor: fc.constantFrom('u1', 'u2', 'u3'),
  did: fc.constantFrom('d1', 'd2'),
  sid: fc.constantFrom('s1', 's2', 's3'),
  id: fc.constantFrom('x', 'y'),
  channel: fc.constantFrom('web', 'app'),
});

interface Sel {
  eid: string;
  id?: string;
}
const selArb = fc.record({
  eid: fc.constantFrom('A', 'B', 'C'),
  id: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
});
const matches = (e: Ev, s: Sel) => e.eid === s.eid && (s.id === undefined || e.id === s.id);

interface Case {
  steps: Sel[];
  order: 'ordered' | 'strict' | 'any';
  aggregateBy: 'actor' | 'device' | 'session';
  windowMinutes: number;
  /** The range: minutes [from, to). */
  from: number;
  to: number;
  exclusion?: Sel & { fromStep: number; toStep: number };
  attribution: 'first_touch' | 'last_touch' | 'step';
}

const caseArb = fc
  .record({
    steps: fc.array(selArb, { minLength: 2, maxLength: 3 }),
    order: fc.constantFrom('ordered', 'strict', 'any'),
    aggregateBy: fc.constantFrom('actor', 'device', 'session'),
    windowMinutes: fc.integer({ min: 0, max: 8 }),
    from: fc.integer({ min: 0, max: 4 }),
    span: fc.integer({ min: 1, max: 8 }),
    exclusion: fc.option(selArb, { nil: undefined }),
    attribution: fc.constantFrom('first_touch', 'last_touch', 'step'),
  })
  .map(({ span, exclusion, ...c }): Case => {
    const base = { ...c, to: c.from + span };
    if (c.order === 'any') return { ...base, attribution: 'first_touch' };
    return exclusion ? { ...base, exclusion: { ...exclusion, fromStep: 1, toStep: c.steps.length } } : base;
  });

/** A reference attempt: the events (indexes into the entity's sequence) matched by steps 1..k. */
type Chain = number[];

/** The window: whole minutes; 0 minutes is 1 s, which no later minute fits in either. */
const windowMs = (c: Case) => Math.max(c.windowMinutes * MIN, 1000);

function entityOf(e: Ev, c: Case): string {
  return c.aggregateBy === 'actor' ? e.actor : c.aggregateBy === 'device' ? e.did : e.sid;
}

/** Every chain of distinct later events from start i in the ordered rules (brute force). */
function longestOrdered(seq: Ev[], i: number, c: Case): number {
  const limit = seq[i].minute * MIN + windowMs(c);
  const walk = (at: number, step: number): number => {
    let best = step;
    if (step === c.steps.length) return best;
    for (let j = at + 1; j < seq.length; j++)
      if (seq[j].minute * MIN <= limit && matches(seq[j], c.steps[step])) best = Math.max(best, walk(j, step + 1));
    return best;
  };
  return walk(i, 1);
}

/** The chain the rules pick from start i: each step the earliest later event (ordered) or the very next one (strict). */
function greedy(seq: Ev[], i: number, c: Case): Chain {
  const limit = seq[i].minute * MIN + windowMs(c);
  const chain = [i];
  for (let step = 1; step < c.steps.length; step++) {
    const prev = chain[chain.length - 1];
    const candidates = c.order === 'strict' ? [prev + 1] : seq.map((_, j) => j).filter((j) => j > prev);
    const next = candidates.find(
      (j) => j < seq.length && seq[j].minute * MIN <= limit && matches(seq[j], c.steps[step]),
    );
    if (next === undefined) break;
    chain.push(next);
  }
  return chain;
}

function voided(seq: Ev[], chain: Chain, c: Case): boolean {
  const x = c.exclusion;
  if (!x || chain.length < x.fromStep) return false;
  const after = chain[x.fromStep - 1];
  const limit = seq[chain[0]].minute * MIN + windowMs(c);
  return seq.some(
    (e, j) =>
      j > after && (chain.length >= x.toStep ? j < chain[x.toStep - 1] : e.minute * MIN <= limit) && matches(e, x),
  );
}

/** The largest number of steps that distinct events of `events` can be given to (brute force). */
function maxMatching(events: Ev[], steps: Sel[]): number {
  const go = (step: number, used: Set<number>): number => {
    if (step === steps.length) return 0;
    let best = go(step + 1, used);
    events.forEach((e, j) => {
      if (!used.has(j) && matches(e, steps[step])) best = Math.max(best, 1 + go(step + 1, new Set([...used, j])));
    });
    return best;
  };
  return go(0, new Set());
}

interface Outcome {
  entity: string;
  reached: number;
  value: string;
  /** Step times in minutes, where known. */
  times: number[];
}

function reference(events: Ev[], c: Case): Outcome[] {
  const ordered = events
    .map((e, arrival) => ({ e, arrival }))
    // Scanned: from the range's start to its end (just before minute c.to) plus the window.
    .filter(({ e }) => e.minute >= c.from && e.minute * MIN < c.to * MIN - 1 + windowMs(c))
    .filter(
      ({ e }) => c.order === 'strict' || c.steps.some((s) => matches(e, s)) || (c.exclusion && matches(e, c.exclusion)),
    )
    .sort((a, b) => a.e.minute - b.e.minute || a.arrival - b.arrival)
    .map(({ e }) => e);
  const entities = [...new Set(ordered.map((e) => entityOf(e, c)))].sort();
  const out: Outcome[] = [];
  for (const entity of entities) {
    const seq = ordered.filter((e) => entityOf(e, c) === entity);
    const starts = seq
      .map((_, i) => i)
      .filter(
        (i) =>
          seq[i].minute < c.to &&
          (c.order === 'any' ? c.steps.some((s) => matches(seq[i], s)) : matches(seq[i], c.steps[0])),
      );
    let best: Outcome | undefined;
    for (const i of starts) {
      let reached: number;
      let chain: Chain = [i];
      if (c.order === 'any') {
        reached = maxMatching(
          seq.filter((e, j) => j >= i && e.minute * MIN <= seq[i].minute * MIN + windowMs(c)),
          c.steps,
        );
      } else {
        chain = greedy(seq, i, c);
        reached = voided(seq, chain, c) ? 0 : chain.length;
        if (c.order === 'ordered' && !c.exclusion)
          assert.equal(reached, longestOrdered(seq, i, c), 'earliest match is best');
      }
      if (reached > (best?.reached ?? 0)) {
        const at = c.attribution === 'first_touch' ? 1 : c.attribution === 'last_touch' ? reached : 2;
        best = {
          entity,
          reached,
          value: chain[at - 1] === undefined ? '' : seq[chain[at - 1]].channel,
          times: chain.map((j) => seq[j].minute),
        };
        if (c.order === 'any') best.times = [seq[i].minute];
      }
    }
    if (best) out.push(best);
  }
  return out;
}

/** Interpolated median, as quantile_cont(…, 0.5). */
function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2;
}

function expectedSteps(outcomes: Outcome[], n: number) {
  return Array.from({ length: n }, (_, k) => {
    const reached = outcomes.filter((o) => o.reached > k);
    const gaps = reached.filter((o) => o.times.length > k).map((o) => (o.times[k] - o.times[k - 1]) * 60);
    return { count: reached.length, median: k === 0 ? null : median(gaps) };
  });
}

function toQuery(c: Case): FunnelsQuery {
  const sel = (s: Sel) => ({
    eid: s.eid,
    ...(s.id ? { filters: [{ property: 'edata.id', operator: 'eq' as const, value: s.id }] } : {}),
  });
  const iso = (ms: number) => new Date(BASE + ms).toISOString();
  return {
    steps: c.steps.map(sel),
    stepOrder: c.order,
    aggregateBy: c.aggregateBy,
    windowSeconds: windowMs(c) / 1000,
    // An instant `to` ends the range just before minute c.to.
    dateRange: { from: iso(c.from * MIN), to: iso(c.to * MIN - 1) },
    breakdown: { property: 'context.channel', limit: 100 },
    breakdownAttribution: c.attribution,
    ...(c.attribution === 'step' ? { breakdownAttributionStep: 2 } : {}),
    ...(c.exclusion
      ? { exclusions: [{ ...sel(c.exclusion), fromStep: c.exclusion.fromStep, toStep: c.exclusion.toStep }] }
      : {}),
    dropOff: { step: 2, limit: 1000 },
    stepActors: { step: c.steps.length, limit: 1000 },
  };
}

function summary(result: FunnelsResult) {
  const steps = (list: FunnelsResult['steps']) =>
    list.map((s) => ({ count: s.count, median: s.medianSecondsFromPrevious }));
  return {
    steps: steps(result.steps),
    breakdown: Object.fromEntries((result.breakdown ?? []).map((b) => [b.value ?? '', b.steps.map((s) => s.count)])),
    dropOff: result.dropOff?.entities,
    stepActors: result.stepActors?.entities,
  };
}

test('funnels: the SQL answer equals the reference on random traffic, for every step order and aggregation', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(evArb, { minLength: 1, maxLength: 14 }),
      fc.array(caseArb, { minLength: 3, maxLength: 3 }),
      async (events, cases) => {
        const fixture = await fixtureStore(
          events.map(
            (e): FixtureEvent => ({
              eid: e.eid,
              at: new Date(BASE + e.minute * MIN).toISOString(),
              actor: e.actor,
              did: e.did,
              sid: e.sid,
              channel: e.channel,
              edata: { id: e.id },
            }),
          ),
        );
        try {
          for (const c of cases) {
            const outcomes = reference(events, c);
            const n = c.steps.length;
            const groups: Record<string, number[]> = {};
            for (const o of outcomes) {
              groups[o.value] ??= Array(n).fill(0);
              for (let k = 0; k < o.reached; k++) groups[o.value][k]++;
            }
            const expected = {
              steps: expectedSteps(outcomes, n),
              breakdown: groups,
              dropOff: outcomes.filter((o) => o.reached === 1).map((o) => o.entity),
              stepActors: outcomes.filter((o) => o.reached === n).map((o) => o.entity),
            };
            const actual = summary(await runFunnels(fixture.store, toQuery(c)));
            assert.deepEqual(actual, expected, JSON.stringify(c));
          }
        } finally {
          await fixture.close();
        }
      },
    ),
    { numRuns: 60 },
  );
});
