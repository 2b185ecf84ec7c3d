// Cohorts (issue 13): behavioural and property cohorts counted by hand, and a cohort used as a filter (in, not in)
// and as a breakdown in trends, funnels, retention, paths, stickiness and lifecycle, with the actors behind a cohort's
// figure (the sessions insight: sessions-cohorts.test.ts); also breakdowns by cdata.udise and context.rollup.l2 in
// the insights that had no test of them (trends by udise, funnels by district, retention by both).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  CohortDefinition,
  FunnelsQuery,
  FunnelsResult,
  InsightKind,
  LifecycleQuery,
  LifecycleResult,
  PathsQuery,
  PathsResult,
  RetentionQuery,
  RetentionResult,
  StickinessQuery,
  StickinessResult,
  TrendsQuery,
  TrendsResult,
} from '@telemetry/query';
import { lifecycleActors, stickinessActors, trendActors } from './actors-behind.js';
import { cohortActors, countCohort, createCohort, getCohort } from './cohorts.js';
import { lineQuery, runWithCohorts } from './cohorts-insights.js';
import { dialectFor, SqlParams } from './dialect/index.js';
import { filterSql } from './filters.js';
import { runFunnels } from './funnels.js';
import { runLifecycle } from './lifecycle.js';
import { pathActors, runPaths } from './paths.js';
import { runRetention } from './retention.js';
import { runStickiness } from './stickiness.js';
import { type Fixture, type FixtureEvent, fixtureStore } from './test-fixture.js';
import { runTrends } from './trends.js';

const NOW = Date.parse('2024-01-31T12:00:00Z');
// Four teachers. a1 (school S1, Bengaluru): a view and a submit on 20 and 21 Jan, a submit on 22 Jan. a2 (S1, Mysuru):
// a view, a submit and an END on 20 Jan. a3 (S2, Bengaluru): a submit on 5 Jan; a view on 20 Jan, a view and a submit
// on 21 Jan. a4 (S2, Mysuru): a view on 20 Jan. Views at 09:00 (of page home on 20 Jan, quiz on 21 Jan), submits at
// 10:00, the END at 11:00. Each actor has one session.
const who: Record<string, { school: string; district: string }> = {
  a1: { school: 'S1', district: 'Bengaluru' },
  a2: { school: 'S1', district: 'Mysuru' },
  a3: { school: 'S2', district: 'Bengaluru' },
  a4: { school: 'S2', district: 'Mysuru' },
};
const ev = (actor: string, eid: string, day: string, hour: string): FixtureEvent => ({
  eid,
  actor,
  at: `2024-01-${day}T${hour}:00:00Z`,
  cdata: [
    { type: 'School', id: who[actor].school },
    { type: 'udise', id: `U-${who[actor].school}` },
  ],
  rollup: { l1: 'KA', l2: who[actor].district },
  ...(eid === 'INTERACT' ? { edata: { id: 'submit' } } : {}),
  ...(eid === 'IMPRESSION' ? { edata: { pageid: day === '20' ? 'home' : 'quiz' } } : {}),
});
const EVENTS = [
  ev('a1', 'IMPRESSION', '20', '09'),
  ev('a1', 'INTERACT', '20', '10'),
  ev('a1', 'IMPRESSION', '21', '09'),
  ev('a1', 'INTERACT', '21', '10'),
  ev('a1', 'INTERACT', '22', '10'),
  ev('a2', 'IMPRESSION', '20', '09'),
  ev('a2', 'INTERACT', '20', '10'),
  ev('a2', 'END', '20', '11'),
  ev('a3', 'INTERACT', '05', '10'),
  ev('a3', 'IMPRESSION', '20', '09'),
  ev('a3', 'IMPRESSION', '21', '09'),
  ev('a3', 'INTERACT', '21', '10'),
  ev('a4', 'IMPRESSION', '20', '09'),
];
const submit = { eid: 'INTERACT', filters: [{ property: 'edata.id', operator: 'eq' as const, value: 'submit' }] };
const DEFINITIONS: Record<string, CohortDefinition> = {
  // Submitted at least twice in January: a1 (3), a3 (2); a2 once.
  active: {
    criteria: [{ type: 'behaviour', ...submit, atLeast: 2, period: { from: '2024-01-01', to: '2024-01-31' } }],
  },
  // Submitted in the last 9 days (a relative range starts at its day's start: 22 Jan 00:00): a1; a3's last is 21 Jan.
  recent: { criteria: [{ type: 'behaviour', ...submit, period: { from: '-9d' } }] },
  // Never ended a session: a1, a3, a4.
  noEnd: { criteria: [{ type: 'behaviour', eid: 'END', did: false }] },
  // Of school S1: a1, a2.
  school: { criteria: [{ type: 'property', property: 'cdata.School', operator: 'eq', value: 'S1' }] },
  // Of school S2, or ended a session: a2, a3, a4.
  anyOf: {
    match: 'any',
    criteria: [
      { type: 'property', property: 'cdata.School', operator: 'eq', value: 'S2' },
      { type: 'behaviour', eid: 'END' },
    ],
  },
  // Of school S1, or never submitted: a1, a2, a4 (an actor with no event either criterion counts can be in).
  orNever: {
    match: 'any',
    criteria: [
      { type: 'property', property: 'cdata.School', operator: 'eq', value: 'S1' },
      { type: 'behaviour', ...submit, did: false },
    ],
  },
  // Submitted between 1 and 19 Jan (the period's last day included): a3 only (a1's and a2's submits are on 20–22 Jan).
  early: { criteria: [{ type: 'behaviour', ...submit, period: { from: '2024-01-01', to: '2024-01-19' } }] },
  // Submitted and ended a session: a2 (a1 and a3 submitted but never ended).
  submittedAndEnded: {
    criteria: [
      { type: 'behaviour', ...submit },
      { type: 'behaviour', eid: 'END' },
    ],
  },
  // Submitted twice, or never viewed the quiz: a1, a3 (twice), a2 and a4 (no quiz view; a4 has no event either
  // criterion counts, and is in).
  twiceOrNoQuiz: {
    match: 'any',
    criteria: [
      { type: 'behaviour', ...submit, atLeast: 2 },
      {
        type: 'behaviour',
        eid: 'IMPRESSION',
        filters: [{ property: 'edata.pageid', operator: 'eq', value: 'quiz' }],
        did: false,
      },
    ],
  },
  // Submitted at least twice and never ended: a1, a3.
  both: {
    criteria: [
      { type: 'behaviour', ...submit, atLeast: 2 },
      { type: 'behaviour', eid: 'END', did: false },
    ],
  },
};

let f: Fixture;
const ids: Record<string, string> = {};
before(async () => {
  f = await fixtureStore(EVENTS);
  for (const [name, definition] of Object.entries(DEFINITIONS))
    ids[name] = await createCohort(f.store, { name, definition });
});
after(() => f.close());

const dateRange = { from: '2024-01-20', to: '2024-01-22' };
const trends = (q: Partial<TrendsQuery>) =>
  runWithCohorts(
    'trends',
    runTrends,
    f.store,
    { dateRange, series: [{ eid: 'IMPRESSION', math: 'unique_actors' }], ...q } as TrendsQuery,
    NOW,
  ) as Promise<TrendsResult>;
const funnels = (q: Partial<FunnelsQuery>) =>
  runWithCohorts(
    'funnels',
    runFunnels,
    f.store,
    { dateRange, steps: [{ eid: 'IMPRESSION' }, submit], ...q } as FunnelsQuery,
    NOW,
  ) as Promise<FunnelsResult>;
const retention = (q: Partial<RetentionQuery>) =>
  runWithCohorts(
    'retention',
    runRetention,
    f.store,
    {
      dateRange,
      startEvent: { eid: 'IMPRESSION' },
      returnEvent: { eid: 'IMPRESSION' },
      periods: 3,
      ...q,
    } as RetentionQuery,
    NOW,
  ) as Promise<RetentionResult>;
const cohortRows = (r: { cohorts: RetentionResult['cohorts'] }) => r.cohorts.map((c) => [c.cohort, c.size, c.values]);

describe('a cohort counted and listed', () => {
  const count = async (name: string) => countCohort(f.store, (await getCohort(f.store, ids[name]))!, NOW);

  test('behavioural: did at least N times in an absolute period, in a relative one, did not', async () => {
    assert.equal(await count('active'), 2);
    assert.equal(await count('recent'), 1);
    assert.equal(await count('noEnd'), 3);
  });

  test('by property, any of two criteria, all of two', async () => {
    assert.equal(await count('school'), 2);
    assert.equal(await count('anyOf'), 3);
    assert.equal(await count('both'), 2);
    assert.equal(await count('orNever'), 3);
    assert.equal(await count('submittedAndEnded'), 1);
    assert.equal(await count('twiceOrNoQuiz'), 4);
  });

  test("a period's last day bounds it", async () => {
    assert.equal(await count('early'), 1);
  });

  test('its actors, most events first, a page at a time', async () => {
    const cohort = (await getCohort(f.store, ids.noEnd))!;
    // a1: 5 events, a3: 4, a4: 1.
    assert.deepEqual(await cohortActors(f.store, cohort, { limit: 2, offset: 0 }, NOW), {
      count: 3,
      offset: 0,
      actors: [
        { id: 'a1', events: 5 },
        { id: 'a3', events: 4 },
      ],
    });
    assert.deepEqual(await cohortActors(f.store, cohort, { limit: 2, offset: 2 }, NOW), {
      count: 3,
      offset: 2,
      actors: [{ id: 'a4', events: 1 }],
    });
    // Events are all the actor's stored events, not only those the definition counts (a1 submitted 3 times of 5).
    assert.deepEqual(
      await cohortActors(f.store, (await getCohort(f.store, ids.active))!, { limit: 5, offset: 0 }, NOW),
      {
        count: 2,
        offset: 0,
        actors: [
          { id: 'a1', events: 5 },
          { id: 'a3', events: 4 },
        ],
      },
    );
  });
});

describe('a cohort as a filter', () => {
  test('is compiled only once its cohort is resolved (the server resolves every cohort first: a bug otherwise)', () => {
    const p = new SqlParams(dialectFor('duckdb'));
    assert.throws(() => filterSql({ cohort: 'c-404', operator: 'in' }, p), /cohort c-404 was not resolved/);
  });

  test('trends: viewers in school S1, and those not in "never ended"', async () => {
    // Viewers 20 Jan: a1..a4; 21 Jan: a1, a3. In S1: a1, a2 | a1. Not in noEnd (= a2 only): a2 | none.
    assert.deepEqual((await trends({})).series[0].data, [4, 2, 0]);
    assert.deepEqual((await trends({ filters: [{ cohort: ids.school }] })).series[0].data, [2, 1, 0]);
    assert.deepEqual(
      (await trends({ filters: [{ cohort: ids.noEnd, operator: 'not_in' }] })).series[0].data,
      [1, 0, 0],
    );
  });

  test('funnels: view → submit, for school S1', async () => {
    // a1, a2, a3 view then submit; a4 only views. In S1: a1, a2 both convert.
    assert.deepEqual(
      (await funnels({})).steps.map((s) => s.count),
      [4, 3],
    );
    assert.deepEqual(
      (await funnels({ filters: [{ cohort: ids.school }] })).steps.map((s) => s.count),
      [2, 2],
    );
  });

  test('retention: view on 20 Jan, back on 21 Jan, for school S1', async () => {
    assert.deepEqual(cohortRows(await retention({})), [
      ['2024-01-20', 4, [4, 2, 0]],
      ['2024-01-21', 0, [0, 0]],
      ['2024-01-22', 0, [0]],
    ]);
    assert.deepEqual(cohortRows(await retention({ filters: [{ cohort: ids.school }] }))[0], [
      '2024-01-20',
      2,
      [2, 1, 0],
    ]);
  });
});

describe('cohorts as a breakdown (an actor in two cohorts counts in both: a1 is in S1 and never ended)', () => {
  const breakdownCohorts = () => [ids.school, ids.noEnd];

  test('trends: one line per cohort, its id as the value and its name as the label', async () => {
    const r = await trends({ breakdownCohorts: breakdownCohorts() });
    assert.deepEqual(
      r.series.map((s) => [s.breakdownValue, s.breakdownLabel, s.data]),
      [
        [ids.school, 'school', [2, 1, 0]],
        [ids.noEnd, 'noEnd', [3, 2, 0]],
      ],
    );
  });

  test("trends: the actors behind a cohort line's point", async () => {
    const trends: TrendsQuery = {
      dateRange,
      series: [{ eid: 'IMPRESSION', math: 'unique_actors' }],
      breakdownCohorts: breakdownCohorts(),
    };
    const { query, at } = await lineQuery(f.store, trends, { series: 0, bucket: 0, breakdownValue: ids.noEnd }, NOW);
    const behind = await trendActors(f.store, query, at, NOW);
    assert.deepEqual(
      behind.actors.map((a) => a.id),
      ['a1', 'a3', 'a4'],
    );
  });

  test('funnels: the whole funnel and one per cohort', async () => {
    const r = await funnels({ breakdownCohorts: breakdownCohorts() });
    assert.deepEqual(
      r.steps.map((s) => s.count),
      [4, 3],
    );
    // noEnd: a1, a3 convert, a4 does not.
    assert.deepEqual(
      r.breakdown?.map((b) => [b.value, b.label, b.steps.map((s) => s.count)]),
      [
        [ids.school, 'school', [2, 2]],
        [ids.noEnd, 'noEnd', [3, 2]],
      ],
    );
  });

  test('retention: the whole table and one per cohort', async () => {
    const r = await retention({ breakdownCohorts: breakdownCohorts() });
    assert.deepEqual(cohortRows(r)[0], ['2024-01-20', 4, [4, 2, 0]]);
    assert.deepEqual(
      r.breakdown?.map((b) => [b.value, b.label, cohortRows(b)[0]]),
      [
        [ids.school, 'school', ['2024-01-20', 2, [2, 1, 0]]],
        [ids.noEnd, 'noEnd', ['2024-01-20', 3, [3, 2, 0]]],
      ],
    );
  });
});

describe('paths, stickiness and lifecycle: a cohort as a filter, as a breakdown, and the actors behind its figures', () => {
  const run = <R>(kind: InsightKind, insight: (s: typeof f.store, q: never, n: number) => Promise<R>, q: object) =>
    runWithCohorts(kind, insight, f.store, { dateRange, ...q } as never, NOW) as Promise<R>;
  const paths = (q: Partial<PathsQuery>) => run('paths', runPaths, q);
  const stickiness = (q: Partial<StickinessQuery>) =>
    run('stickiness', runStickiness, { series: [{ eid: 'IMPRESSION' }], ...q });
  const lifecycle = (q: Partial<LifecycleQuery>) =>
    run('lifecycle', runLifecycle, { event: { eid: 'IMPRESSION' }, ...q });
  // Read in each test: the ids exist once before() has run.
  const byCohort = () => ({ breakdownCohorts: [ids.school, ids.noEnd] });
  const links = (r: Pick<PathsResult, 'links'>) => r.links.map((l) => [l.source, l.target, l.value]);
  /** The actors behind a figure, as POST /api/insights/actors finds them (a cohort's by its breakdownValue). */
  const behind = async <Q extends Parameters<typeof lineQuery>[1], A extends object>(
    actors: (s: typeof f.store, q: Q, at: A, now?: number) => Promise<{ actors: { id: string }[] }>,
    query: Q,
    at: A & { breakdownValue?: string },
  ) => {
    const line = await lineQuery(f.store, { dateRange, ...query }, at, NOW, true);
    return (await actors(f.store, line.query, line.at, NOW)).actors.map((a) => a.id);
  };

  test('paths: home → quiz taken by a1 and a3; in school S1 a1 only', async () => {
    assert.deepEqual(links(await paths({})), [['1_home', '2_quiz', 2]]);
    assert.deepEqual(links(await paths({ filters: [{ cohort: ids.school }] })), [['1_home', '2_quiz', 1]]);
    assert.deepEqual(links(await paths({ filters: [{ cohort: ids.active, operator: 'not_in' }] })), []);
    const r = await paths(byCohort());
    assert.deepEqual(links(r), [['1_home', '2_quiz', 2]]);
    assert.deepEqual(
      r.breakdown?.map((b) => [b.value, b.label, links(b)]),
      [
        [ids.school, 'school', [['1_home', '2_quiz', 1]]],
        [ids.noEnd, 'noEnd', [['1_home', '2_quiz', 2]]],
      ],
    );
    const link = { source: '1_home', target: '2_quiz' };
    assert.deepEqual(await behind(pathActors, byCohort() as PathsQuery, { ...link, breakdownValue: ids.school }), [
      'a1',
    ]);
    assert.deepEqual(await behind(pathActors, byCohort() as PathsQuery, link), ['a1', 'a3']);
  });

  test('stickiness: days with a view (a1, a3 two; a2, a4 one), per cohort', async () => {
    assert.deepEqual((await stickiness({})).series[0].data, [2, 2, 0]);
    assert.deepEqual((await stickiness({ filters: [{ cohort: ids.school }] })).series[0].data, [1, 1, 0]);
    assert.deepEqual(
      (await stickiness({ filters: [{ cohort: ids.noEnd, operator: 'not_in' }] })).series[0].data,
      [1, 0, 0],
    );
    const r = await stickiness(byCohort());
    assert.deepEqual(r.series[0].data, [2, 2, 0]);
    assert.deepEqual(
      r.breakdown?.map((b) => [b.value, b.label, b.series[0].data]),
      [
        [ids.school, 'school', [1, 1, 0]],
        [ids.noEnd, 'noEnd', [1, 2, 0]],
      ],
    );
    const q = { series: [{ eid: 'IMPRESSION' }], ...byCohort() } as StickinessQuery;
    assert.deepEqual(await behind(stickinessActors, q, { series: 0, intervals: 2, breakdownValue: ids.noEnd }), [
      'a1',
      'a3',
    ]);
    assert.deepEqual(await behind(stickinessActors, q, { series: 0, intervals: 1, breakdownValue: ids.school }), [
      'a2',
    ]);
    assert.deepEqual(await behind(stickinessActors, q, { series: 0, intervals: 1 }), ['a2', 'a4']);
  });

  test('lifecycle: all new on 20 Jan; a1, a3 return on 21 Jan; per cohort', async () => {
    const statuses = (r: Pick<LifecycleResult, 'series'>) => r.series;
    assert.deepEqual(statuses(await lifecycle({})), {
      new: [4, 0, 0],
      returning: [0, 2, 0],
      resurrecting: [0, 0, 0],
      dormant: [0, 2, 2],
    });
    assert.deepEqual(statuses(await lifecycle({ filters: [{ cohort: ids.school }] })), {
      new: [2, 0, 0],
      returning: [0, 1, 0],
      resurrecting: [0, 0, 0],
      dormant: [0, 1, 1],
    });
    const r = await lifecycle(byCohort());
    assert.deepEqual(
      r.breakdown?.map((b) => [b.value, b.label, b.series.new, b.series.returning, b.series.dormant]),
      [
        [ids.school, 'school', [2, 0, 0], [0, 1, 0], [0, 1, 1]],
        [ids.noEnd, 'noEnd', [3, 0, 0], [0, 2, 0], [0, 1, 2]],
      ],
    );
    const q = { event: { eid: 'IMPRESSION' }, ...byCohort() } as LifecycleQuery;
    assert.deepEqual(await behind(lifecycleActors, q, { status: 'dormant', bucket: 1, breakdownValue: ids.school }), [
      'a2',
    ]);
    assert.deepEqual(await behind(lifecycleActors, q, { status: 'dormant', bucket: 1 }), ['a2', 'a4']);
  });
});

describe('breakdowns by cdata.udise and context.rollup.l2', () => {
  test('trends by cdata.udise: viewers per school per day', async () => {
    const r = await trends({ breakdown: { property: 'cdata.udise' } });
    assert.deepEqual(Object.fromEntries(r.series.map((s) => [s.breakdownValue, s.data])), {
      'U-S1': [2, 1, 0],
      'U-S2': [2, 1, 0],
    });
  });

  test('funnels by context.rollup.l2: Bengaluru a1, a3 convert; Mysuru a2 converts, a4 does not', async () => {
    const r = await funnels({ breakdown: { property: 'context.rollup.l2' } });
    assert.deepEqual(Object.fromEntries((r.breakdown ?? []).map((b) => [b.value, b.steps.map((s) => s.count)])), {
      Bengaluru: [2, 2],
      Mysuru: [2, 1],
    });
  });

  test('retention by cdata.udise and by context.rollup.l2', async () => {
    const first = async (property: string) =>
      Object.fromEntries(
        ((await retention({ breakdown: { property } })).breakdown ?? []).map((b) => [b.value, cohortRows(b)[0]]),
      );
    // Back on 21 Jan: a1 (S1, Bengaluru), a3 (S2, Bengaluru).
    assert.deepEqual(await first('cdata.udise'), {
      'U-S1': ['2024-01-20', 2, [2, 1, 0]],
      'U-S2': ['2024-01-20', 2, [2, 1, 0]],
    });
    assert.deepEqual(await first('context.rollup.l2'), {
      Bengaluru: ['2024-01-20', 2, [2, 2, 0]],
      Mysuru: ['2024-01-20', 2, [2, 0, 0]],
    });
  });
});
