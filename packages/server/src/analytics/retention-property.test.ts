// Retention on random small traffic (issue 13): the SQL answer equals a slow reference written here from the rules
// of docs/analytics.md, for both retention types, both aggregations, with a breakdown and a drill-down cell.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RetentionQuery, RetentionResult } from '@telemetry/query';
import fc from 'fast-check';
import { runRetention } from './retention.js';
import { fixtureStore } from './test-fixture.js';

const BASE = Date.parse('2024-03-04T00:00:00Z'); // a Monday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Ev {
  eid: string;
  /** Hours after BASE. */
  hour: number;
  actor: string;
  did: string;
  id: string;
  channel: string;
}

const evArb = fc.record({
  eid: fc.constantFrom('A', 'B'),
  hour: fc.integer({ min: 0, max: 24 * 16 - 1 }),
  actor: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
  did: fc.constantFrom('d1', 'd2', 'd3'),
  id: fc.constantFrom('x', 'y'),
  channel: fc.constantFrom('web', 'app'),
});

interface Case {
  start: { eid: string; id?: string };
  ret: { eid: string; id?: string };
  type: 'first_time' | 'recurring';
  aggregateBy: 'actor' | 'device';
  period: 'day' | 'week';
  periods: number;
  /** Days after BASE: the range is [fromDay, toDay] (dates, the end included). */
  fromDay: number;
  toDay: number;
  cell: { cohort: number; period: number };
}

const selArb = fc.record({
  eid: fc.constantFrom('A', 'B'),
  id: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
});
const caseArb = fc
  .record({
    start: selArb,
    ret: selArb,
    type: fc.constantFrom('first_time', 'recurring'),
    aggregateBy: fc.constantFrom('actor', 'device'),
    period: fc.constantFrom('day', 'week'),
    periods: fc.integer({ min: 1, max: 6 }),
    fromDay: fc.integer({ min: 0, max: 6 }),
    span: fc.integer({ min: 0, max: 9 }),
    cohort: fc.integer({ min: 0, max: 3 }),
    cellPeriod: fc.integer({ min: 0, max: 5 }),
  })
  .map(
    ({ span, cohort, cellPeriod, ...c }): Case => ({
      ...c,
      toDay: c.fromDay + span,
      cell: { cohort, period: Math.min(cellPeriod, c.periods - 1) },
    }),
  );

const matches = (e: Ev, s: { eid: string; id?: string }) => e.eid === s.eid && (s.id === undefined || e.id === s.id);
const dayOf = (e: Ev) => Math.floor(e.hour / 24);
/** Days since BASE, as buckets: a day, or a Monday-based week (BASE is a Monday). */
const bucketOf = (day: number, c: Case) => (c.period === 'day' ? day : Math.floor(day / 7));

/** (entity, value, cohort bucket) entries and (entity, bucket) returns, straight from the rules. */
function reference(events: Ev[], c: Case) {
  const entity = (e: Ev) => (c.aggregateBy === 'actor' ? e.actor : e.did);
  const inRange = (e: Ev) => dayOf(e) >= c.fromDay && dayOf(e) <= c.toDay;
  // Arrival order breaks ties between equal times.
  const sorted = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.hour - b.e.hour || a.i - b.i)
    .map((x) => x.e);
  const entries: { who: string; value: string; bucket: number }[] = [];
  const seen = new Set<string>();
  for (const e of sorted) {
    if (!matches(e, c.start)) continue;
    if (c.type === 'first_time') {
      // The first ever (up to the range's end); a cohort only when it falls in the range.
      if (dayOf(e) > c.toDay || seen.has(entity(e))) continue;
      seen.add(entity(e));
      if (inRange(e)) entries.push({ who: entity(e), value: e.channel, bucket: bucketOf(dayOf(e), c) });
    } else if (inRange(e)) {
      const key = `${entity(e)}:${bucketOf(dayOf(e), c)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      entries.push({ who: entity(e), value: e.channel, bucket: bucketOf(dayOf(e), c) });
    }
  }
  const returns = new Set(
    events.filter((e) => matches(e, c.ret) && inRange(e)).map((e) => `${entity(e)}:${bucketOf(dayOf(e), c)}`),
  );
  const first = bucketOf(c.fromDay, c);
  const last = bucketOf(c.toDay, c);
  const table = (list: typeof entries) =>
    Array.from({ length: last - first + 1 }, (_, i) => {
      const bucket = first + i;
      const members = list.filter((x) => x.bucket === bucket);
      const shown = Math.min(c.periods, last - bucket + 1);
      return Array.from({ length: shown }, (_, k) =>
        k === 0 ? members.length : members.filter((x) => returns.has(`${x.who}:${bucket + k}`)).length,
      );
    });
  const values = [...new Set(entries.map((x) => x.value))];
  const cellBucket = first + c.cell.cohort;
  const cell = entries
    .filter(
      (x) => x.bucket === cellBucket && (c.cell.period === 0 || returns.has(`${x.who}:${cellBucket + c.cell.period}`)),
    )
    .map((x) => x.who);
  return {
    values: table(entries),
    breakdown: Object.fromEntries(values.map((v) => [v, table(entries.filter((x) => x.value === v))])),
    actors: [...new Set(cell)].sort(),
  };
}

function toQuery(c: Case): RetentionQuery {
  const sel = (s: { eid: string; id?: string }) => ({
    eid: s.eid,
    ...(s.id ? { filters: [{ property: 'edata.id', operator: 'eq' as const, value: s.id }] } : {}),
  });
  const date = (day: number) => new Date(BASE + day * DAY).toISOString().slice(0, 10);
  return {
    startEvent: sel(c.start),
    returnEvent: sel(c.ret),
    retentionType: c.type,
    aggregateBy: c.aggregateBy,
    period: c.period,
    periods: c.periods,
    dateRange: { from: date(c.fromDay), to: date(c.toDay) },
    breakdown: { property: 'context.channel', limit: 100 },
    actors: { ...c.cell, limit: 1000 },
  };
}

function summary(r: RetentionResult) {
  return {
    values: r.cohorts.map((x) => x.values),
    breakdown: Object.fromEntries((r.breakdown ?? []).map((b) => [b.value ?? '', b.cohorts.map((x) => x.values)])),
    actors: r.actors?.entities ?? [],
  };
}

test('retention: the SQL answer equals the reference on random traffic, for both types and aggregations', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(evArb, { minLength: 1, maxLength: 16 }),
      fc.array(caseArb, { minLength: 3, maxLength: 3 }),
      async (events, cases) => {
        const fixture = await fixtureStore(
          events.map((e) => ({
            eid: e.eid,
            at: new Date(BASE + e.hour * HOUR).toISOString(),
            actor: e.actor,
            did: e.did,
            channel: e.channel,
            edata: { id: e.id },
          })),
        );
        try {
          for (const c of cases) {
            const actual = summary(await runRetention(fixture.store, toQuery(c)));
            assert.deepEqual(actual, reference(events, c), JSON.stringify(c));
          }
        } finally {
          await fixture.close();
        }
      },
    ),
    { numRuns: 50 },
  );
});
