// Cohorts in the sessions insight (issue 13): a cohort as a filter (in, not in) and as a breakdown, over summaries
// drained from hand-written sessions; the route's checks of a cohort query.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatQueryErrors, parseInsight, type SessionsAnswer, type SessionsQuery } from '@telemetry/query';
import { openTestStore, v3 } from '../../test/sessions-fixtures.js';
import { createCohort } from './cohorts.js';
import { runWithCohorts } from './cohorts-insights.js';
import { drainSummaryQueue } from './sessions/index.js';
import { runSessions } from './sessions-insight.js';

// Three app sessions, one per device (actor u-<device>): d1 100 s with one click, d2 60 s without, d3 30 s with two.
let store: Awaited<ReturnType<typeof openTestStore>>['store'];
const ids: Record<string, string> = {};
before(async () => {
  const opened = await openTestStore();
  store = opened.store;
  const app = { type: 'app' };
  await opened.load([
    v3('d1', 'START', 0, app),
    v3('d1', 'INTERACT', 30),
    v3('d1', 'END', 100, app),
    v3('d2', 'START', 0, app),
    v3('d2', 'END', 60, app),
    v3('d3', 'START', 0, app),
    v3('d3', 'INTERACT', 10),
    v3('d3', 'INTERACT', 20),
    v3('d3', 'END', 30, app),
  ]);
  await drainSummaryQueue(store);
  // clicked: u-d1, u-d3; twice: u-d3.
  ids.clicked = await createCohort(store, {
    name: 'clicked',
    definition: { criteria: [{ type: 'behaviour', eid: 'INTERACT' }] },
  });
  ids.twice = await createCohort(store, {
    name: 'twice',
    definition: { criteria: [{ type: 'behaviour', eid: 'INTERACT', atLeast: 2 }] },
  });
});
after(() => store?.close());

const sessions = (q: SessionsQuery) =>
  runWithCohorts('sessions', runSessions, store, { limit: 10, ...q }, Date.now()) as Promise<SessionsAnswer>;
const figures = (a: Pick<SessionsAnswer, 'sessions' | 'byActor'>) => [
  a.sessions.count,
  a.sessions.timeSpent,
  a.sessions.actors,
  a.byActor.map((x) => x.actorId),
];

test('a cohort as a filter: the sessions of its actors, or of the others', async () => {
  assert.deepEqual(figures(await sessions({})), [3, 190, 3, ['u-d1', 'u-d2', 'u-d3']]);
  assert.deepEqual(figures(await sessions({ filters: [{ cohort: ids.clicked }] })), [2, 130, 2, ['u-d1', 'u-d3']]);
  assert.deepEqual(figures(await sessions({ filters: [{ cohort: ids.clicked, operator: 'not_in' }] })), [
    1,
    60,
    1,
    ['u-d2'],
  ]);
  // Two cohort filters: both hold.
  const both = await sessions({ filters: [{ cohort: ids.clicked }, { cohort: ids.twice }] });
  assert.deepEqual(figures(both), [1, 30, 1, ['u-d3']]);
  assert.deepEqual(both.distribution.find((d) => d.from === 30)?.sessions, 1);
});

test('cohorts as a breakdown: the whole answer, and one per cohort', async () => {
  const r = await sessions({ breakdownCohorts: [ids.clicked, ids.twice] });
  assert.deepEqual(figures(r), [3, 190, 3, ['u-d1', 'u-d2', 'u-d3']]);
  assert.deepEqual(
    r.breakdown?.map((b) => [b.value, b.label, ...figures(b)]),
    [
      [ids.clicked, 'clicked', 2, 130, 2, ['u-d1', 'u-d3']],
      [ids.twice, 'twice', 1, 30, 1, ['u-d3']],
    ],
  );
});

test('a sessions query with cohorts: property filters and the snake_case answer with a breakdown are refused', () => {
  const reason = (body: unknown) => {
    const parsed = parseInsight('sessions', body);
    return parsed.ok ? 'accepted' : formatQueryErrors(parsed.errors);
  };
  assert.equal(reason({ filters: [{ cohort: 'c1', operator: 'not_in' }] }), 'accepted');
  assert.match(reason({ filters: [{ property: 'edata.id', operator: 'eq', value: 'x' }] }), /^filters\[0\]/);
  assert.equal(
    reason({ breakdownCohorts: ['c1'], answerCase: 'snake' }),
    'breakdownCohorts: needs the camelCase answer (answerCase camel)',
  );
});
