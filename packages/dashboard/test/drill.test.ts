/**
 * drill.ts: the query a drill-down asks with names the buckets of the answer it was drawn from, whenever it is
 * asked — an answer of a relative range (`-14d`) computed on another day than today keeps its own days.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketLabel, bucketsOf, type InsightKind, type Interval, parseInsight } from '@telemetry/query';
import { pinnedQuery } from '../src/drill.js';

/** 23:59:59 on 15 January 2026 UTC: the answers below were computed then, long before this test runs. */
const THEN = Date.UTC(2026, 0, 15, 23, 59, 59);

/** The range a query resolves to at `now` (Date.now() when absent), as the server resolves it. */
function rangeOf(kind: InsightKind, query: unknown, now?: number) {
  const parsed = parseInsight(kind, query, now);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value.range as { from: number; to: number; timezone: string };
}

/** The bucket labels of a query resolved at `now`, as an answer lists them. */
const labelsOf = (kind: InsightKind, query: unknown, interval: Interval, now?: number) =>
  bucketsOf(interval, rangeOf(kind, query, now)).map((b) => bucketLabel(interval, b));

test('a lifecycle answer of -14d computed on another day: the drill-down query, resolved today, has its buckets', () => {
  for (const timezone of [undefined, 'Asia/Kolkata', 'America/New_York']) {
    const query = {
      event: { eid: 'START' },
      interval: 'day',
      dateRange: { from: '-14d', ...(timezone ? { timezone } : {}) },
    };
    const buckets = labelsOf('lifecycle', query, 'day', THEN);
    // In UTC 1 to 15 January; in Kolkata (5:29 on the 16th then) 2 to 16 January.
    assert.equal(buckets.length, 15);
    const answer = { interval: 'day', buckets, series: {} };
    const pinned = pinnedQuery('lifecycle', query, answer, Date.now());
    // Resolved now (another day than 15 January), the pinned query has the answer's buckets, bar for bar.
    assert.deepEqual(labelsOf('lifecycle', pinned, 'day'), buckets, timezone);
  }
});

test('a weekly lifecycle answer: the pinned range runs from its first week to the end of its last', () => {
  const query = { event: { eid: 'START' }, interval: 'week', dateRange: { from: '-8w' } };
  const buckets = labelsOf('lifecycle', query, 'week', THEN);
  const pinned = pinnedQuery('lifecycle', query, { interval: 'week', buckets, series: {} }, Date.now()) as {
    dateRange: unknown;
  };
  // 15 January 2026 is a Thursday: its week starts on Monday the 12th and ends on Monday the 19th.
  assert.deepEqual(pinned.dateRange, {
    from: `${buckets[0]}T00:00:00.000Z`,
    to: '2026-01-19T00:00:00.000Z',
    timezone: 'UTC',
  });
  assert.deepEqual(labelsOf('lifecycle', pinned, 'week'), buckets);
});

test('a trends answer: the drill-down query asks over the range the answer reports', () => {
  const query = { series: [{ eid: 'INTERACT', math: 'unique_actors' }], interval: 'day', dateRange: { from: '-14d' } };
  const range = rangeOf('trends', query, THEN);
  const buckets = labelsOf('trends', query, 'day', THEN);
  const answer = {
    interval: 'day',
    timezone: 'UTC',
    buckets,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    series: [],
  };
  const pinned = pinnedQuery('trends', query, answer, Date.now());
  assert.deepEqual(rangeOf('trends', pinned), range);
  assert.deepEqual(labelsOf('trends', pinned, 'day'), buckets);
});

test('a stickiness answer (it names no dates): the range as resolved when the answer arrived', () => {
  const query = { series: [{ eid: 'START' }], interval: 'day', dateRange: { from: '-14d', timezone: 'Asia/Kolkata' } };
  const answer = { interval: 'day', intervals: Array.from({ length: 15 }, (_, i) => i + 1), series: [] };
  const pinned = pinnedQuery('stickiness', query, answer, THEN);
  assert.deepEqual(rangeOf('stickiness', pinned), rangeOf('stickiness', query, THEN));
  assert.equal(bucketsOf('day', rangeOf('stickiness', pinned)).length, answer.intervals.length);
});

test('a funnel or retention drill-down keeps the rest of the query as it was', () => {
  const query = { steps: [{ eid: 'START' }, { eid: 'INTERACT' }], dateRange: { from: '-21d' }, windowSeconds: 60 };
  const pinned = pinnedQuery('funnels', query, { steps: [] }, THEN) as Record<string, unknown>;
  assert.deepEqual({ ...pinned, dateRange: undefined }, { ...query, dateRange: undefined });
  assert.deepEqual(rangeOf('funnels', pinned), rangeOf('funnels', query, THEN));
});
