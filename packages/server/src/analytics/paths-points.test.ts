/**
 * Paths that start or end at a page or an event, and the actors along a path's link; every answer
 * computed by hand from the sessions below.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openTestStore, T0, v3 } from '../../test/sessions-fixtures.js';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { ReadGate } from '../store/read-gate.js';
import { pathActors, runPaths } from './paths.js';
import { type Fixture, type FixtureEvent, fixtureStore } from './test-fixture.js';

/** A session's events one minute apart from `minute`: a page id is a view of it, an `!EID` is that event. */
function session(actor: string, sid: string, steps: string[], minute: number): FixtureEvent[] {
  return steps.map((step, i) => {
    const at = `2024-01-01T10:${String(minute + i).padStart(2, '0')}:00Z`;
    return step.startsWith('!')
      ? { eid: step.slice(1), at, actor, sid, edata: { id: 'x' } }
      : { eid: 'IMPRESSION', at, actor, sid, edata: { pageid: step } };
  });
}

// After dropping a node repeated right after itself:
// a1 (u1): home, search, content        a2 (u1): home, search          b1 (u2): home, search, home
// c1 (u3): search, START, content       d1 (u4): START, home, content  e1 (u5): home, INTERACT, content, INTERACT
let f: Fixture;
before(async () => {
  f = await fixtureStore([
    ...session('u1', 'a1', ['home', 'search', 'search', 'content'], 0),
    ...session('u1', 'a2', ['home', 'search'], 5),
    ...session('u2', 'b1', ['home', 'search', 'home'], 10),
    ...session('u3', 'c1', ['search', '!START', 'content'], 15),
    ...session('u4', 'd1', ['!START', 'home', 'content'], 20),
    ...session('u5', 'e1', ['home', '!INTERACT', '!INTERACT', 'content', '!INTERACT'], 25),
  ]);
});
after(() => f.close());

const dateRange = { from: '2024-01-01', to: '2024-01-01' };

test('paths: a start event is step 1, a node of its own; the pages after it follow', async () => {
  const result = await runPaths(f.store, { dateRange, startPoint: { event: { eid: 'START' } } });
  assert.deepEqual(result, {
    nodes: [
      { id: '1_event:START', step: 1, page: 'START', event: 'START' },
      { id: '2_content', step: 2, page: 'content' },
      { id: '2_home', step: 2, page: 'home' },
      { id: '3_content', step: 3, page: 'content' },
    ],
    links: [
      { source: '1_event:START', target: '2_content', value: 1 },
      { source: '1_event:START', target: '2_home', value: 1 },
      { source: '2_home', target: '3_content', value: 1 },
    ],
  });
});

test('paths: an end event is the last step, reached from its first occurrence (repeats in a row are one step)', async () => {
  // e1: home, INTERACT (ends here: the first INTERACT), content, INTERACT.
  const result = await runPaths(f.store, {
    dateRange,
    endPoint: { event: { eid: 'INTERACT', label: 'Tapped' } },
    maxSteps: 3,
  });
  assert.deepEqual(result.links, [{ source: '2_home', target: '3_event:Tapped', value: 1 }]);
  assert.deepEqual(result.nodes[1], { id: '3_event:Tapped', step: 3, page: 'Tapped', event: 'INTERACT' });
});

test('paths: a page point is the same as startPage / endPage', async () => {
  const byPoint = await runPaths(f.store, { dateRange, startPoint: { page: 'search' } });
  assert.deepEqual(byPoint, await runPaths(f.store, { dateRange, startPage: 'search' }));
  // a1 search→content, a2 search (no link), b1 search→home, c1 search→START (not a point: ignored)→content.
  assert.deepEqual(byPoint.links, [
    { source: '1_search', target: '2_content', value: 2 },
    { source: '1_search', target: '2_home', value: 1 },
  ]);
  const end = await runPaths(f.store, { dateRange, endPoint: { page: 'content' }, maxSteps: 3 });
  assert.deepEqual(end, await runPaths(f.store, { dateRange, endPage: 'content', maxSteps: 3 }));
  // a1 home→search→content, c1 search→content, d1 home→content, e1 home→content.
  assert.deepEqual(end.links, [
    { source: '2_home', target: '3_content', value: 2 },
    { source: '2_search', target: '3_content', value: 2 },
    { source: '1_home', target: '2_search', value: 1 },
  ]);
});

test('paths: the actors along a link, most sessions first, as the drill-down lists them', async () => {
  // 1_home → 2_search: a1 and a2 (u1), b1 (u2).
  assert.deepEqual(await pathActors(f.store, { dateRange }, { source: '1_home', target: '2_search' }), {
    count: 2,
    actors: [
      { id: 'u1', events: 2 },
      { id: 'u2', events: 1 },
    ],
  });
  // From the start page search: 1_search → 2_content is a1 (u1) and c1 (u3, whose START is not a node here).
  assert.deepEqual(
    await pathActors(f.store, { dateRange, startPage: 'search' }, { source: '1_search', target: '2_content' }),
    {
      count: 2,
      actors: [
        { id: 'u1', events: 1 },
        { id: 'u3', events: 1 },
      ],
    },
  );
  // An event node's id, as the answer names it; a limit keeps the count.
  const fromStart = { dateRange, startPoint: { event: { eid: 'START' } } };
  assert.deepEqual(await pathActors(f.store, fromStart, { source: '1_event:START', target: '2_home' }), {
    count: 1,
    actors: [{ id: 'u4', events: 1 }],
  });
  assert.deepEqual(await pathActors(f.store, { dateRange }, { source: '1_home', target: '2_search', limit: 1 }), {
    count: 2,
    actors: [{ id: 'u1', events: 2 }],
  });
  // A link the answer does not have: no actors.
  assert.deepEqual(await pathActors(f.store, { dateRange }, { source: '2_home', target: '3_search' }), {
    count: 0,
    actors: [],
  });
});

test('api: POST /api/insights/actors lists a path link’s actors; a bad point names its field', async () => {
  const ctx = {
    config: loadConfig({}, { logLevel: 'silent' }),
    store: f.store,
    metrics: new MetricsRegistry(),
    reads: new ReadGate({ concurrency: 2, queue: 8 }),
  };
  const app: FastifyInstance = await buildApp(ctx as never);
  try {
    const post = async (url: string, payload: object) => {
      const res = await app.inject({ method: 'POST', url, payload });
      return { status: res.statusCode, body: res.json() };
    };
    const ok = await post('/api/insights/actors', {
      kind: 'paths',
      query: { dateRange, endPoint: { page: 'search' }, maxSteps: 2 },
      source: '1_home',
      target: '2_search',
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, {
      count: 2,
      actors: [
        { id: 'u1', events: 2 },
        { id: 'u2', events: 1 },
      ],
    });

    const paths = await post('/api/insights/paths', { dateRange, startPoint: { event: { eid: 'START' } } });
    assert.equal(paths.status, 200, JSON.stringify(paths.body));
    assert.equal(paths.body.links.length, 3);

    for (const [body, path] of [
      [{ dateRange, startPoint: {} }, 'startPoint'],
      [{ dateRange, startPoint: { page: 'home', event: { eid: 'START' } } }, 'startPoint'],
      [
        {
          dateRange,
          startPoint: { event: { eid: 'START', filters: [{ property: 'edata.', operator: 'eq', value: 1 }] } },
        },
        'startPoint.event.filters[0].property',
      ],
      [{ dateRange, startPage: 'home', endPoint: { page: 'search' } }, 'endPoint'],
    ] as const) {
      const res = await post('/api/insights/paths', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.params.err, 'QUERY_INVALID');
      assert.ok(res.body.params.errmsg.startsWith(`${path}: `), res.body.params.errmsg);
    }
    const missing = await post('/api/insights/actors', { kind: 'paths', query: { dateRange }, source: '1_home' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.params.errmsg, /target/);
  } finally {
    await app.close();
  }
});

test('a page view with an empty page id is a node (`2_`) whose links have their actors (helper-34)', async () => {
  const { store, load } = await openTestStore();
  try {
    await load([
      v3('d1', 'IMPRESSION', 0, { type: 'view', pageid: 'home' }),
      v3('d1', 'IMPRESSION', 1, { type: 'view', pageid: '' }),
      v3('d1', 'IMPRESSION', 2, { type: 'view', pageid: 'next' }),
    ]);
    const query = { dateRange: { from: new Date(T0).toISOString(), to: new Date(T0 + 60_000).toISOString() } };
    const answer = await runPaths(store, query);
    assert.deepEqual(
      answer.links.map((l) => [l.source, l.target]),
      [
        ['1_home', '2_'],
        ['2_', '3_next'],
      ],
    );
    for (const { source, target } of answer.links) {
      assert.equal((await pathActors(store, query, { source, target })).count, 1, `${source} -> ${target}`);
    }
  } finally {
    await store.close();
  }
});
