/**
 * Cohorts on the ClickHouse store against DuckDB's: the parity data set (test/support/parity-stores.ts, with a
 * re-sent copy that only FINAL folds) in both, then cohort definitions counted, paged and used as a filter in trends,
 * stickiness and lifecycle (the filter is what a cohort breakdown runs once per cohort), compared whole with deepEqual
 * for a table of definitions and for definitions fast-check draws. Saved cohorts are not stored in ClickHouse yet: the
 * definitions are resolved here as the server resolves a saved one, and the table's reads and writes are refused by
 * name there.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type Cohort,
  type Filter,
  formatQueryErrors,
  type InsightKind,
  parseCohortDefinition,
  parseInsight,
} from '@telemetry/query';
import fc from 'fast-check';
import { cohortActors, countCohort, createCohort, getCohort, listCohorts } from '../src/analytics/cohorts.js';
import { runWithCohorts } from '../src/analytics/cohorts-insights.js';
import type { ResolvedCohortFilter } from '../src/analytics/filters.js';
import { runLifecycle } from '../src/analytics/lifecycle.js';
import { runStickiness } from '../src/analytics/stickiness.js';
import { runTrends } from '../src/analytics/trends.js';
import type { Store } from '../src/store/store.js';
import { clickHouseService } from './support/clickhouse.js';
import { openParityStores, type ParityStores } from './support/parity-stores.js';

const service = clickHouseService();
const skip = 'skip' in service ? service.skip : false;

let stores: ParityStores;
let duck: Store;
let house: Store;

before(async () => {
  if ('skip' in service) return;
  stores = await openParityStores(service, 'clickhouse-cohorts-');
  ({ duck, house } = stores);
});
after(async () => {
  await stores?.close();
});

const dateRange = { from: '2023-12-30', to: '2024-01-14' };
/** A fixed clock: relative cohort periods end here (the traffic is 2024-01-01 to 2024-01-10). */
const NOW = Date.parse('2024-01-12T00:00:00Z');

/** A saved cohort as the store would give it back. */
function cohortOf(definition: object, id = 'c1'): Cohort {
  return { id, name: id, definition: definition as Cohort['definition'], createdAt: 0, updatedAt: 0 };
}

/** A cohort filter resolved as cohorts-insights.ts resolves a saved cohort's. */
function cohortFilter(definition: object, operator: 'in' | 'not_in' = 'in'): ResolvedCohortFilter {
  const parsed = parseCohortDefinition(definition, NOW);
  if (!parsed.ok) throw new Error(`not a cohort definition: ${JSON.stringify(parsed.errors)}`);
  return { cohort: 'c1', operator, resolved: parsed.value };
}

const RUN = { trends: runTrends, stickiness: runStickiness, lifecycle: runLifecycle } as const;

/** `body` of `kind` with `filter` added, answered on both stores and asserted equal; gives DuckDB's. */
async function sameWith(kind: 'trends' | 'stickiness' | 'lifecycle', body: object, filter: ResolvedCohortFilter) {
  const parsed = parseInsight(kind, { dateRange, ...body }, NOW);
  if (!parsed.ok) throw new Error(`not a ${kind} query: ${formatQueryErrors(parsed.errors)}`);
  const query = { ...parsed.value.query, filters: [...(parsed.value.query.filters ?? []), filter as Filter] };
  const run = RUN[kind] as (store: Store, q: typeof query, now: number) => Promise<unknown>;
  const expected = await run(duck, query, NOW);
  assert.deepEqual(await run(house, query, NOW), expected, `${kind} ${JSON.stringify(body)}`);
  return expected;
}

const QUERIES: ['trends' | 'stickiness' | 'lifecycle', object][] = [
  ['trends', { series: [{ eid: '$all' }, { eid: 'INTERACT', math: 'unique_actors' }] }],
  ['trends', { interval: 'week', series: [{ eid: '$all' }], breakdown: { property: 'context.env', limit: 3 } }],
  ['stickiness', { series: [{ eid: '$all' }, { eid: 'IMPRESSION' }] }],
  ['lifecycle', { event: { eid: '$all' } }],
];

/** Definitions of every criterion kind: did at least N times, did not, a property, in a period, all or any. */
const DEFINITIONS: [string, object][] = [
  ['did INTERACT 3+ times', { criteria: [{ type: 'behaviour', eid: 'INTERACT', atLeast: 3 }] }],
  ['did not START', { criteria: [{ type: 'behaviour', eid: 'START', did: false }] }],
  [
    'a property, in the last 5 days',
    {
      criteria: [{ type: 'property', property: 'context.env', operator: 'eq', value: 'home', period: { from: '-5d' } }],
    },
  ],
  [
    'any of: a filtered behaviour, a cdata type set',
    {
      match: 'any',
      criteria: [
        {
          type: 'behaviour',
          eid: 'INTERACT',
          filters: [{ property: 'edata.type', operator: 'eq', value: 'CLICK' }],
          atLeast: 2,
        },
        { type: 'property', property: 'cdata.UserSession', operator: 'is_set' },
      ],
    },
  ],
];

for (const [name, definition] of DEFINITIONS)
  test(`a cohort (${name}): counted, paged and as a filter, the same on both stores`, { skip }, async () => {
    const cohort = cohortOf(definition);
    const count = await countCohort(duck, cohort, NOW);
    assert.equal(await countCohort(house, cohort, NOW), count);
    for (const page of [
      { limit: 5, offset: 0 },
      { limit: 1000, offset: 0 },
      { limit: 3, offset: count - 1 },
      { limit: 3, offset: count + 5 },
    ]) {
      const expected = await cohortActors(duck, cohort, page, NOW);
      assert.deepEqual(await cohortActors(house, cohort, page, NOW), expected, JSON.stringify(page));
    }
    for (const operator of ['in', 'not_in'] as const)
      for (const [kind, body] of QUERIES) await sameWith(kind, body, cohortFilter(definition, operator));
  });

test('a cohort counts its actors once though their events are stored twice (FINAL), as DuckDB does', {
  skip,
}, async () => {
  // Actors with at least N events: a re-sent copy counted twice would let more in on ClickHouse.
  for (const atLeast of [2, 5, 10, 20, 40]) {
    const cohort = cohortOf({ criteria: [{ type: 'behaviour', eid: '$all', atLeast }] });
    const count = await countCohort(duck, cohort, NOW);
    assert.equal(await countCohort(house, cohort, NOW), count, `at least ${atLeast}`);
  }
  const pages = await cohortActors(duck, cohortOf({ criteria: [{ type: 'behaviour', eid: '$all' }] }), {
    limit: 1000,
    offset: 0,
  });
  assert.ok(pages.count > 5, `actors (${pages.count})`);
});

test('cohort definitions drawn from a bounded space agree as filters', { skip }, async () => {
  const criterion = fc.oneof(
    fc.record({
      type: fc.constant('behaviour'),
      eid: fc.constantFrom('$all', 'INTERACT', 'IMPRESSION', 'START', 'END'),
      did: fc.boolean(),
      atLeast: fc.integer({ min: 1, max: 6 }),
      period: fc.option(fc.record({ from: fc.constantFrom('-3d', '-7d', '2024-01-04') }), { nil: undefined }),
    }),
    fc.constantFrom(
      { type: 'property', property: 'context.env', operator: 'neq', value: 'home' },
      { type: 'property', property: 'edata.type', operator: 'eq', value: 'CLICK' },
      { type: 'property', property: 'tags', operator: 'contains', value: 't1' },
    ),
  );
  const shape = fc.record({
    match: fc.constantFrom('all', 'any'),
    criteria: fc.array(criterion, { minLength: 1, maxLength: 3 }),
    operator: fc.constantFrom('in' as const, 'not_in' as const),
    query: fc.constantFrom(...QUERIES),
  });
  await fc.assert(
    fc.asyncProperty(shape, async ({ match, criteria, operator, query: [kind, body] }) => {
      // "did not" takes no atLeast (the parser refuses it).
      const definition = {
        match,
        criteria: criteria.map((c) => (c.type === 'behaviour' && !c.did ? { ...c, atLeast: undefined } : c)),
      };
      assert.ok(parseCohortDefinition(definition, NOW).ok, JSON.stringify(definition));
      await sameWith(kind, body, cohortFilter(definition, operator));
      const cohort = cohortOf(definition);
      assert.equal(await countCohort(house, cohort, NOW), await countCohort(duck, cohort, NOW));
    }),
    { numRuns: 30, seed: 14 },
  );
});

test('saved cohorts are refused by name on ClickHouse (no cohorts table there yet), not answered differently', {
  skip,
}, async () => {
  const refused = (work: Promise<unknown>) =>
    assert.rejects(work, (error: Error) => {
      assert.equal(error.name, 'StoreError');
      assert.match(error.message, /^not yet supported on the ClickHouse store: saved cohorts/);
      return true;
    });
  const body = { name: 'x', definition: { criteria: [{ type: 'behaviour', eid: 'INTERACT' }] } } as const;
  await refused(createCohort(house, body as never, NOW));
  await refused(listCohorts(house));
  await refused(getCohort(house, 'c1'));
  const parsed = parseInsight('trends', { dateRange, series: [{ eid: '$all' }], filters: [{ cohort: 'c1' }] }, NOW);
  assert.ok(parsed.ok);
  await refused(runWithCohorts('trends' as InsightKind, runTrends as never, house, parsed.value.query, NOW));
});
