// A trend broken down by `tags` (issue 13): one group per tag value, so an event with two tags counts in both groups
// and an event without tags in the "absent" group; the actors behind a group are the ones the trend counted.
// Funnels and retention keep refusing a list breakdown (an event there belongs to one group).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatQueryErrors, parseInsight, type TrendsQuery, type TrendsResult } from '@telemetry/query';
import { trendActors } from './actors-behind.js';
import { type Fixture, fixtureStore } from './test-fixture.js';
import { runTrends } from './trends.js';

// 1 Jan: u1 [a, b], u2 [a], u1 no tags. 2 Jan: u3 [b], u3 [] (empty list), u4 [b, b], u5 [null].
let f: Fixture;
before(async () => {
  f = await fixtureStore([
    { eid: 'INTERACT', at: '2024-01-01T10:00:00Z', actor: 'u1', tags: ['a', 'b'] },
    { eid: 'INTERACT', at: '2024-01-01T11:00:00Z', actor: 'u2', tags: ['a'] },
    { eid: 'INTERACT', at: '2024-01-01T12:00:00Z', actor: 'u1' },
    { eid: 'INTERACT', at: '2024-01-02T10:00:00Z', actor: 'u3', tags: ['b'] },
    { eid: 'INTERACT', at: '2024-01-02T11:00:00Z', actor: 'u3', tags: [] },
    { eid: 'INTERACT', at: '2024-01-02T12:00:00Z', actor: 'u4', tags: ['b', 'b'] },
    { eid: 'INTERACT', at: '2024-01-02T13:00:00Z', actor: 'u5', tags: [null as unknown as string] },
  ]);
});
after(() => f.close());

const NOW = Date.parse('2024-02-01T00:00:00Z');
const query = (math: 'total' | 'unique_actors'): TrendsQuery => {
  const parsed = parseInsight(
    'trends',
    {
      series: [{ eid: 'INTERACT', math }],
      dateRange: { from: '2024-01-01', to: '2024-01-02' },
      breakdown: { property: 'tags' },
    },
    NOW,
  );
  if (!parsed.ok) throw new Error(formatQueryErrors(parsed.errors));
  return parsed.value.query;
};
const byValue = (r: TrendsResult) => Object.fromEntries(r.series.map((s) => [String(s.breakdownValue), s.data]));

test('a trend broken down by tags counts an event in each of its tags, and tag-less events as absent', async () => {
  // u4's [b, b] counts once in b; u5's [null] has no tag.
  assert.deepEqual(byValue(await runTrends(f.store, query('total'), NOW)), { a: [2, 0], b: [1, 2], null: [1, 2] });
  assert.deepEqual(byValue(await runTrends(f.store, query('unique_actors'), NOW)), {
    a: [2, 0],
    b: [1, 2],
    null: [1, 2],
  });
});

test('the actors behind a tag group are the ones who sent an event with that tag (or none, for absent)', async () => {
  const q = query('unique_actors');
  const ids = async (breakdownValue: string | null, bucket: number) =>
    (await trendActors(f.store, q, { series: 0, bucket, breakdownValue }, NOW)).actors.map((a) => a.id).sort();
  assert.deepEqual(await ids('a', 0), ['u1', 'u2']);
  assert.deepEqual(await ids('b', 1), ['u3', 'u4']);
  assert.deepEqual(await ids(null, 0), ['u1']);
  assert.deepEqual(await ids(null, 1), ['u3', 'u5']);
});

test('funnels and retention refuse a breakdown by tags with the reason', () => {
  const refused = parseInsight('funnels', {
    steps: [{ eid: 'A' }, { eid: 'B' }],
    dateRange: {},
    breakdown: { property: 'tags' },
  });
  assert.equal(
    refused.ok ? 'accepted' : formatQueryErrors(refused.errors),
    'breakdown.property: breaking down by a list (tags) is only supported in trends',
  );
  const retention = parseInsight('retention', {
    startEvent: { eid: 'A' },
    returnEvent: { eid: 'A' },
    dateRange: {},
    breakdown: { property: 'tags' },
  });
  assert.equal(retention.ok, false);
});
