/**
 * Cohorts on the ClickHouse store against DuckDB's: the parity data set (test/support/parity-stores.ts, with a
 * re-sent copy that only FINAL folds) in both, then cohort definitions counted, paged and used as a filter in trends,
 * stickiness and lifecycle (the filter is what a cohort breakdown runs once per cohort), compared whole with deepEqual
 * for a table of definitions and for definitions fast-check draws (resolved here as the server resolves a saved one);
 * then saved cohorts: created, replaced and deleted alike (ClickHouse keeps versions), and used by id as filters and
 * breakdowns through runWithCohorts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Cohort, type Filter, formatQueryErrors, parseCohortDefinition, parseInsight } from '@telemetry/query';
import fc from 'fast-check';
import {
  cohortActors,
  countCohort,
  createCohort,
  deleteCohort,
  getCohort,
  listCohorts,
  replaceCohort,
} from '../src/analytics/cohorts.js';
import { runWithCohorts } from '../src/analytics/cohorts-insights.js';
import type { ResolvedCohortFilter } from '../src/analytics/filters.js';
import { runLifecycle } from '../src/analytics/lifecycle.js';
import { runStickiness } from '../src/analytics/stickiness.js';
import { runTrends } from '../src/analytics/trends.js';
import type { Store } from '../src/store/store.js';
import { parityStoresForFile } from './support/parity-stores.js';

let duck: Store;
let house: Store;
const skip = parityStoresForFile('clickhouse-cohorts-', (stores) => {
  ({ duck, house } = stores);
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

/** Each store's saved cohorts' ids replaced by their place in `ids` (the ids are random UUIDs, one set per store). */
function withIdsNamed<T>(answer: T, ids: string[]): T {
  let text = JSON.stringify(answer);
  for (const [i, id] of ids.entries()) text = text.replaceAll(id, `cohort-${i}`);
  return JSON.parse(text);
}

const SAVED = [
  { name: 'clickers', description: 'INTERACT 3+ times', definition: DEFINITIONS[0][1] },
  { name: 'no start', definition: DEFINITIONS[1][1] },
  { name: 'home, recently', definition: DEFINITIONS[2][1] },
] as const;

test('saved cohorts: created, listed, read, replaced and deleted alike on both stores', { skip }, async () => {
  const saveAll = async (store: Store) => {
    const ids = [];
    for (const [i, body] of SAVED.entries()) ids.push(await createCohort(store, body as never, NOW + i));
    return ids;
  };
  const [duckIds, houseIds] = [await saveAll(duck), await saveAll(house)];
  const same = async (what: string, read: (store: Store, ids: string[]) => Promise<unknown>) =>
    assert.deepEqual(
      withIdsNamed(await read(house, houseIds), houseIds),
      withIdsNamed(await read(duck, duckIds), duckIds),
      what,
    );
  await same('list', (store) => listCohorts(store));
  await same('get', (store, ids) => getCohort(store, ids[1]));
  assert.equal((await listCohorts(house)).length, SAVED.length);
  // Replaced twice and deleted within one millisecond: the clock cannot tell the rows apart, the versions do.
  const replaced = { name: 'clickers, renamed', definition: DEFINITIONS[3][1] };
  for (const [store, ids] of [
    [duck, duckIds],
    [house, houseIds],
  ] as const) {
    assert.equal(await replaceCohort(store, ids[0], { ...replaced, description: 'first' } as never, NOW + 10), true);
    assert.equal(await replaceCohort(store, ids[0], replaced as never, NOW + 10), true);
    assert.equal(await deleteCohort(store, ids[1], NOW + 10), true);
    assert.equal(await deleteCohort(store, ids[1], NOW + 10), false, 'deleted once');
    assert.equal(await replaceCohort(store, ids[1], replaced as never, NOW + 10), false, 'a deleted cohort stays so');
    assert.equal(await replaceCohort(store, 'no-such-id', replaced as never, NOW + 10), false);
  }
  await same('after the replaces and the delete', (store) => listCohorts(store));
  const after = await listCohorts(house);
  assert.deepEqual(
    after.map((c) => [c.name, c.description ?? null]),
    [
      ['clickers, renamed', null],
      ['home, recently', null],
    ],
  );
  assert.equal(await getCohort(house, houseIds[1]), undefined);
  // Cleared for the next test: every saved cohort deleted.
  for (const id of duckIds) await deleteCohort(duck, id, NOW + 20);
  for (const id of houseIds) await deleteCohort(house, id, NOW + 20);
  assert.deepEqual(await listCohorts(house), []);
});

test('saved cohorts as filters and breakdowns in trends, stickiness and lifecycle: the same on both stores', {
  skip,
}, async () => {
  const saveAll = async (store: Store) => {
    const ids = [];
    for (const body of SAVED) ids.push(await createCohort(store, body as never, NOW));
    return ids;
  };
  const [duckIds, houseIds] = [await saveAll(duck), await saveAll(house)];
  const bodies: ['trends' | 'stickiness' | 'lifecycle', (ids: string[]) => object][] = [
    ['trends', (ids) => ({ series: [{ eid: '$all' }], filters: [{ cohort: ids[0] }] })],
    ['trends', (ids) => ({ series: [{ eid: '$all' }], filters: [{ cohort: ids[1], operator: 'not_in' }] })],
    [
      'trends',
      (ids) => ({ interval: 'week', series: [{ eid: 'INTERACT', math: 'unique_actors' }], breakdownCohorts: ids }),
    ],
    ['stickiness', (ids) => ({ series: [{ eid: '$all' }], breakdownCohorts: ids.slice(1) })],
    ['lifecycle', (ids) => ({ event: { eid: '$all' }, filters: [{ cohort: ids[2] }], breakdownCohorts: [ids[0]] })],
  ];
  for (const [kind, body] of bodies) {
    const answer = async (store: Store, ids: string[]) => {
      const parsed = parseInsight(kind, { dateRange, ...body(ids) }, NOW);
      if (!parsed.ok) throw new Error(`not a ${kind} query: ${formatQueryErrors(parsed.errors)}`);
      return withIdsNamed(await runWithCohorts(kind, RUN[kind] as never, store, parsed.value.query, NOW), ids);
    };
    assert.deepEqual(
      await answer(house, houseIds),
      await answer(duck, duckIds),
      `${kind} ${JSON.stringify(body(['c']))}`,
    );
  }
});
