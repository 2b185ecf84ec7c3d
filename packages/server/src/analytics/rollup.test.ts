// The organisation hierarchy as typed columns (issue 13, Sunbird dimensions): context.rollup.l1…l4 and
// object.rollup.l1…l4 read rollup_l* / object_rollup_l* (migration 10), counted by hand in trends, funnels and
// filters; and the column holds what the raw JSON reading of the same path gives, for any JSON value sent there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FunnelsResult, TrendsResult } from '@telemetry/query';
import fc from 'fast-check';
import { runFunnels } from './funnels.js';
import { type Fixture, fixtureStore } from './test-fixture.js';
import { runTrends } from './trends.js';

// 1 Jan: u1 (KA/Bengaluru, school S1, course-A) IMPRESSION then END; u2 (KA/Mysuru, S2, course-B) IMPRESSION only.
// 2 Jan: u3 (TN/Chennai, S1, course-A) IMPRESSION then END; u4 (KA/Bengaluru, no school, no object) IMPRESSION only.
const people = [
  { actor: 'u1', day: '01', rollup: { l1: 'KA', l2: 'Bengaluru' }, school: 'S1', course: 'course-A', ends: true },
  { actor: 'u2', day: '01', rollup: { l1: 'KA', l2: 'Mysuru' }, school: 'S2', course: 'course-B', ends: false },
  { actor: 'u3', day: '02', rollup: { l1: 'TN', l2: 'Chennai' }, school: 'S1', course: 'course-A', ends: true },
  { actor: 'u4', day: '02', rollup: { l1: 'KA', l2: 'Bengaluru' }, ends: false },
];
let f: Fixture;
before(async () => {
  f = await fixtureStore(
    people.flatMap((u) => {
      const common = {
        actor: u.actor,
        rollup: u.rollup,
        ...(u.school ? { cdata: [{ type: 'udise', id: u.school }] } : {}),
        ...(u.course ? { object: { id: 'c', type: 'Content', rollup: { l1: u.course } } } : {}),
      };
      return [
        { eid: 'IMPRESSION', at: `2024-01-${u.day}T10:00:00Z`, ...common },
        ...(u.ends ? [{ eid: 'END', at: `2024-01-${u.day}T10:05:00Z`, ...common }] : []),
      ];
    }),
  );
});
after(() => f.close());

const dateRange = { from: '2024-01-01', to: '2024-01-02' };
const byValue = (r: TrendsResult) => Object.fromEntries(r.series.map((s) => [s.breakdownValue, s.data]));
const funnelByValue = (r: FunnelsResult) =>
  Object.fromEntries((r.breakdown ?? []).map((b) => [b.value, b.steps.map((s) => s.count)]));

test('a trend broken down by context.rollup.l2 counts each district per day', async () => {
  const r = await runTrends(f.store, {
    dateRange,
    series: [{ eid: 'IMPRESSION' }],
    breakdown: { property: 'context.rollup.l2' },
  });
  assert.deepEqual(byValue(r), { Bengaluru: [1, 1], Mysuru: [1, 0], Chennai: [0, 1] });
});

test('a filter on context.rollup.l1 keeps only that state (neq also keeps events without one)', async () => {
  const count = async (operator: 'eq' | 'neq', value: string) =>
    (
      await runTrends(f.store, {
        dateRange,
        series: [{ eid: '$all', filters: [{ property: 'context.rollup.l1', operator, value }] }],
      })
    ).series[0].data;
  assert.deepEqual(await count('eq', 'KA'), [3, 1]); // u1 ×2, u2 | u4
  assert.deepEqual(await count('eq', 'TN'), [0, 2]);
  assert.deepEqual(await count('neq', 'KA'), [0, 2]);
});

const funnel = (property: string) =>
  runFunnels(f.store, {
    dateRange,
    steps: [{ eid: 'IMPRESSION' }, { eid: 'END' }],
    windowSeconds: 86400,
    breakdown: { property },
  });

test('a funnel broken down by a cdata type (cdata.udise) and by object.rollup.l1', async () => {
  // S1: u1 and u3 both end; S2: u2 does not; u4 has no school.
  assert.deepEqual(funnelByValue(await funnel('cdata.udise')), { S1: [2, 2], S2: [1, 0], null: [1, 0] });
  assert.deepEqual(funnelByValue(await funnel('object.rollup.l1')), {
    'course-A': [2, 2],
    'course-B': [1, 0],
    null: [1, 0],
  });
});

// Any JSON value a client may send as a rollup level (context.rollup is not checked by the validator), or none.
const level = fc.oneof(
  fc.string(),
  fc.constantFrom('', 'Karnataka', 'ಬೆಂಗಳೂರು', 'a"b\\c', '\u0000x'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.constantFrom('a', 'b'), fc.integer(), { maxKeys: 2 }),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const rollupArb = fc.oneof(
  fc.dictionary(fc.constantFrom('l1', 'l2', 'l3', 'l4', 'l5'), level, { maxKeys: 5 }),
  fc.constantFrom<unknown>('flat', 7, null, []),
);

test('one reading: every rollup column equals the raw JSON reading of its path, for a random sample', async () => {
  const pairs = fc.sample(fc.tuple(rollupArb, rollupArb), { numRuns: 400, seed: 13 });
  const g = await fixtureStore(
    pairs.map(([context, object]) => ({
      eid: 'INTERACT',
      at: '2024-01-01T10:00:00Z',
      rollup: context as Record<string, unknown>,
      object: { id: 'o', rollup: object },
    })),
  );
  try {
    const same = [1, 2, 3, 4].flatMap((l) => [
      `rollup_l${l} IS NOT DISTINCT FROM json_extract_string(raw, '/context/rollup/l${l}')`,
      `object_rollup_l${l} IS NOT DISTINCT FROM json_extract_string(raw, '/object/rollup/l${l}')`,
    ]);
    const r = await g.store.query(
      `SELECT count(*), count(rollup_l1), coalesce(list(raw) FILTER (NOT (${same.join(' AND ')})), []) FROM events`,
    );
    const [n, withL1, differing] = r.rows[0];
    assert.equal(n, pairs.length, 'every event loaded');
    assert.ok(Number(withL1) > 50, 'the sample sets l1 often');
    assert.deepEqual(differing, []);
  } finally {
    await g.close();
  }
});
