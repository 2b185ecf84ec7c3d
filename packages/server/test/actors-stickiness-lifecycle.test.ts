/**
 * The actors behind a stickiness or a lifecycle bar (analytics/actors-behind.ts): on random visits,
 * every bar's actors number what the insight counts there, and through the API a bar's actors are
 * the ones expected by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LifecycleStatus, StickinessQuery } from '@telemetry/query';
import fc from 'fast-check';
import { lifecycleActors, stickinessActors } from '../src/analytics/actors-behind.js';
import { runLifecycle } from '../src/analytics/lifecycle.js';
import { runStickiness } from '../src/analytics/stickiness.js';
import { fixtureStore } from '../src/analytics/test-fixture.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { MetricsRegistry } from '../src/metrics/registry.js';
import { ReadGate } from '../src/store/read-gate.js';

const NOW = Date.parse('2024-02-20T12:00:00Z');
const visit = fc.record({
  actor: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
  day: fc.integer({ min: 0, max: 20 }),
  eid: fc.constantFrom('START', 'INTERACT'),
});

test('every stickiness and lifecycle bar: its actors number its value (random visits)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(visit, { minLength: 1, maxLength: 30 }),
      fc.constantFrom('day', 'week'),
      async (visits, interval) => {
        const f = await fixtureStore(
          visits.map((v) => ({ eid: v.eid, actor: v.actor, at: new Date(NOW - v.day * 86_400_000).toISOString() })),
        );
        try {
          const dateRange = { from: '-10d' };
          const sq: StickinessQuery = { series: [{ eid: 'START' }, { eid: 'INTERACT' }], dateRange, interval };
          const sticky = await runStickiness(f.store, sq, NOW);
          for (const [series, line] of sticky.series.entries())
            for (const [i, value] of line.data.entries()) {
              const behind = await stickinessActors(f.store, sq, { series, intervals: i + 1 }, NOW);
              assert.equal(behind.count, value, `stickiness series ${series}, ${i + 1} intervals`);
            }
          const lq = { event: { eid: 'START' }, dateRange, interval } as const;
          const life = await runLifecycle(f.store, lq, NOW);
          for (const [status, data] of Object.entries(life.series) as [LifecycleStatus, number[]][])
            for (const [bucket, value] of data.entries()) {
              const behind = await lifecycleActors(f.store, lq, { status, bucket }, NOW);
              assert.equal(behind.count, value, `lifecycle ${status} at ${bucket}`);
            }
        } finally {
          await f.close();
        }
      },
    ),
    { numRuns: 15 },
  );
});

test('POST /api/insights/actors: a stickiness bar and a lifecycle bar, by hand; a figure the answer cannot have is a 400', async () => {
  const f = await fixtureStore([
    { eid: 'START', actor: 'twice', at: '2024-01-01T10:00:00Z' },
    { eid: 'START', actor: 'twice', at: '2024-01-02T10:00:00Z' },
    { eid: 'START', actor: 'once', at: '2024-01-02T11:00:00Z' },
    { eid: 'START', actor: 'back', at: '2023-12-01T10:00:00Z' },
    { eid: 'START', actor: 'back', at: '2024-01-03T10:00:00Z' },
  ]);
  const app = await buildApp({
    config: loadConfig({}, { logLevel: 'silent' }),
    store: f.store,
    metrics: new MetricsRegistry(),
    reads: new ReadGate({ concurrency: 2, queue: 8 }),
  } as never);
  try {
    const ask = async (body: object) => {
      const res = await app.inject({ method: 'POST', url: '/api/insights/actors', payload: body });
      return { status: res.statusCode, body: res.json() };
    };
    const dateRange = { from: '2024-01-01', to: '2024-01-03' };
    const two = await ask({
      kind: 'stickiness',
      query: { series: [{ eid: 'START' }], dateRange },
      series: 0,
      intervals: 2,
    });
    assert.deepEqual(two.body, { count: 1, actors: [{ id: 'twice', events: 2 }] });
    const lifecycle = { event: { eid: 'START' }, dateRange };
    const at = async (status: string, bucket: number) =>
      (await ask({ kind: 'lifecycle', query: lifecycle, status, bucket })).body.actors.map((a: { id: string }) => a.id);
    assert.deepEqual(await at('new', 1), ['once']);
    assert.deepEqual(await at('returning', 1), ['twice']);
    assert.deepEqual(await at('resurrecting', 2), ['back']);
    assert.deepEqual(await at('dormant', 2), ['once', 'twice']);
    const past = await ask({
      kind: 'stickiness',
      query: { series: [{ eid: 'START' }], dateRange },
      series: 0,
      intervals: 9,
    });
    assert.equal(past.status, 400);
    const wrong = await ask({ kind: 'lifecycle', query: lifecycle, status: 'gone', bucket: 0 });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.params.errmsg, /status/);
    // A figure the answer cannot have: a line of a breakdown the query has not, a path link between no node ids.
    const figures: [object, RegExp][] = [
      [
        { kind: 'trends', query: { series: [{ eid: 'START' }], dateRange }, series: 0, bucket: 0, breakdownValue: 'x' },
        /no breakdown/,
      ],
      [
        {
          kind: 'stickiness',
          query: { series: [{ eid: 'START' }], dateRange },
          series: 0,
          intervals: 1,
          breakdownValue: 'x',
        },
        /no breakdownCohorts/,
      ],
      [{ kind: 'paths', query: { dateRange }, source: 'garbage', target: '2_home' }, /source garbage is not a node id/],
      [{ kind: 'paths', query: { dateRange }, source: '1_home', target: '3_quiz' }, /target 3_quiz .* \(2_<page>\)/],
    ];
    for (const [body, reason] of figures) {
      const answer = await ask(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.body.params.errmsg, reason);
    }
    const nobody = await ask({ kind: 'paths', query: { dateRange }, source: '1_home', target: '2_quiz' });
    assert.deepEqual([nobody.status, nobody.body.count], [200, 0], 'a well-formed link the answer has not: no actors');
  } finally {
    await app.close();
    await f.close();
  }
});
