/**
 * `compare` on funnels, retention, stickiness and lifecycle (api/insights.ts): `previous` is the same
 * query over the period just before — hand-computed on two weeks of events, and equal to the query
 * asked for that period's dates; drill-down options stay with the current period.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Fixture, type FixtureEvent, fixtureStore } from '../src/analytics/test-fixture.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { MetricsRegistry } from '../src/metrics/registry.js';
import { ReadGate } from '../src/store/read-gate.js';

let f: Fixture;
let app: FastifyInstance;

const view = (actor: string, at: string): FixtureEvent => ({
  eid: 'IMPRESSION',
  actor,
  at,
  edata: { type: 'view', pageid: 'home' },
});
const submit = (actor: string, at: string): FixtureEvent => ({ eid: 'INTERACT', actor, at, edata: { id: 'submit' } });

before(async () => {
  f = await fixtureStore([
    // The previous week (1–7 January): p1 on two days; p1 and p2 submit.
    view('p1', '2024-01-01T09:00:00Z'),
    submit('p1', '2024-01-01T09:05:00Z'),
    view('p1', '2024-01-02T09:00:00Z'),
    view('p2', '2024-01-03T09:00:00Z'),
    submit('p2', '2024-01-04T09:00:00Z'),
    view('p3', '2024-01-05T09:00:00Z'),
    // The week asked (8–14 January): c1 submits.
    view('c1', '2024-01-08T09:00:00Z'),
    submit('c1', '2024-01-09T09:00:00Z'),
    view('c2', '2024-01-10T09:00:00Z'),
  ]);
  const ctx = {
    config: loadConfig({}, { logLevel: 'silent' }),
    store: f.store,
    metrics: new MetricsRegistry(),
    reads: new ReadGate({ concurrency: 2, queue: 8 }),
  };
  app = await buildApp(ctx as never);
});
after(async () => {
  await app.close();
  await f.close();
});

async function ask<T>(kind: string, body: unknown): Promise<T> {
  const res = await app.inject({ method: 'POST', url: `/api/insights/${kind}`, payload: body as object });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as T;
}

const week = { from: '2024-01-08', to: '2024-01-14' };
const weekBefore = { from: '2024-01-01', to: '2024-01-07' };
const QUERIES: Record<string, Record<string, unknown>> = {
  funnels: { steps: [{ eid: 'IMPRESSION' }, { eid: 'INTERACT' }], windowSeconds: 86400 * 2 },
  retention: { startEvent: { eid: 'IMPRESSION' }, returnEvent: { eid: 'INTERACT' }, period: 'day', periods: 3 },
  stickiness: { series: [{ eid: 'IMPRESSION' }] },
  lifecycle: { event: { eid: 'IMPRESSION' } },
};

test('compare: previous is the same query over the week before, for funnels, retention, stickiness and lifecycle', async () => {
  for (const [kind, q] of Object.entries(QUERIES)) {
    const answer = await ask<{ previous?: unknown }>(kind, { ...q, dateRange: week, compare: true });
    const { previous: _none, ...current } = answer;
    assert.deepEqual(current, await ask(kind, { ...q, dateRange: week }), `${kind}: the current period unchanged`);
    assert.deepEqual(answer.previous, await ask(kind, { ...q, dateRange: weekBefore }), `${kind}: previous`);
    assert.equal((await ask<{ previous?: unknown }>(kind, { ...q, dateRange: week })).previous, undefined);
  }
  // By hand: the funnel 2 → 1 this week, 3 → 2 the week before.
  const funnel = await ask<{ steps: { count: number }[]; previous: { steps: { count: number }[] } }>('funnels', {
    ...QUERIES.funnels,
    dateRange: week,
    compare: true,
  });
  assert.deepEqual(
    funnel.steps.map((s) => s.count),
    [2, 1],
  );
  assert.deepEqual(
    funnel.previous.steps.map((s) => s.count),
    [3, 2],
  );
  // Stickiness: this week two actors on one day; the week before two on one day and p1 on two.
  const sticky = await ask<{ series: { data: number[] }[]; previous: { series: { data: number[] }[] } }>('stickiness', {
    ...QUERIES.stickiness,
    dateRange: week,
    compare: true,
  });
  assert.deepEqual(sticky.series[0].data.slice(0, 2), [2, 0]);
  assert.deepEqual(sticky.previous.series[0].data.slice(0, 2), [2, 1]);
});

test('compare: drill-down options ask about the current period only', async () => {
  const answer = await ask<{ stepActors?: { entities: string[] }; previous: { stepActors?: unknown } }>('funnels', {
    ...QUERIES.funnels,
    dateRange: week,
    compare: true,
    stepActors: { step: 2 },
  });
  assert.deepEqual(answer.stepActors?.entities, ['c1']);
  assert.equal(answer.previous.stepActors, undefined);
});
