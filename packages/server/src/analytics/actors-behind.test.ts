/**
 * The actors behind a trend's point agree with it: over seeded random traffic, every point (unique
 * actors per day, with a filter, a breakdown, wau) lists as many actors as the trend counts, and a
 * daily point's ids equal a plain reading of the events.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TrendsQuery } from '@telemetry/query';
import { NoSuchFigure, trendActors } from './actors-behind.js';
import { type Fixture, type FixtureEvent, fixtureStore } from './test-fixture.js';
import { runTrends } from './trends.js';

const NOW = Date.parse('2024-03-15T12:00:00Z');
const DAY = 86_400_000;
let f: Fixture;
const events: FixtureEvent[] = [];

before(async () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 600; i++) {
    const t = NOW - rand(20 * DAY);
    events.push({
      eid: ['START', 'INTERACT', 'IMPRESSION'][rand(3)],
      at: new Date(t).toISOString(),
      actor: `a${rand(40)}`,
      edata: { pageid: ['home', 'quiz', 'report'][rand(3)] },
    });
  }
  f = await fixtureStore(events);
});
after(() => f?.close());

test('every point of a unique-actors trend lists as many actors as it counts, and the same ids as the events', async () => {
  const query: TrendsQuery = {
    series: [{ eid: 'INTERACT', math: 'unique_actors' }],
    dateRange: { from: '-14d' },
    interval: 'day',
  };
  const answer = await runTrends(f.store, query, NOW);
  for (const [j, value] of answer.series[0].data.entries()) {
    const behind = await trendActors(f.store, query, { series: 0, bucket: j, limit: 1000 }, NOW);
    assert.equal(behind.count, value, `bucket ${answer.buckets[j]}`);
    const day = answer.buckets[j];
    const expected = [
      ...new Set(events.filter((e) => e.eid === 'INTERACT' && e.at.startsWith(day)).map((e) => e.actor)),
    ].sort();
    assert.deepEqual(behind.actors.map((a) => a.id).sort(), expected, `ids on ${day}`);
  }
});

test('filtered, broken-down and rolling (wau) points agree with the trend', async () => {
  const filtered: TrendsQuery = {
    series: [
      { eid: 'IMPRESSION', math: 'dau', filters: [{ property: 'edata.pageid', operator: 'eq', value: 'quiz' }] },
    ],
    dateRange: { from: '-10d' },
  };
  const wau: TrendsQuery = { series: [{ eid: 'START', math: 'wau' }], dateRange: { from: '-10d' } };
  for (const query of [filtered, wau]) {
    const answer = await runTrends(f.store, query, NOW);
    for (const [j, value] of answer.series[0].data.entries())
      assert.equal((await trendActors(f.store, query, { series: 0, bucket: j }, NOW)).count, value);
  }
  const broken: TrendsQuery = {
    series: [{ eid: 'START', math: 'unique_actors' }],
    dateRange: { from: '-5d' },
    breakdown: { property: 'edata.pageid' },
  };
  const answer = await runTrends(f.store, broken, NOW);
  assert.ok(answer.series.length >= 2);
  for (const line of answer.series)
    for (const [j, value] of line.data.entries()) {
      const at = { series: 0, bucket: j, breakdownValue: line.breakdownValue };
      assert.equal((await trendActors(f.store, broken, at, NOW)).count, value, `${line.breakdownValue} ${j}`);
    }
  await assert.rejects(trendActors(f.store, broken, { series: 1, bucket: 0 }, NOW), NoSuchFigure);
  await assert.rejects(trendActors(f.store, broken, { series: 0, bucket: 99 }, NOW), NoSuchFigure);
});
