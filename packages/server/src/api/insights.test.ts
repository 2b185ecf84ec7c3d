import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Fixture, fixtureStore } from '../analytics/test-fixture.js';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { ReadGate } from '../store/read-gate.js';

// Hostile names and values: they must be stored and matched literally, never run as SQL.
const EVIL_ID = "x'; DROP TABLE events; --";
const EVIL_KEY = `it's"; SELECT 1`;
const EVIL_VALUE = "a'b;c";
const EVIL_CDATA = "Ty'pe; --";
const EVIL_TAG = "t'1; DELETE FROM events";
const EVIL_ACTOR = 'o\'brien"; --';

let f: Fixture;
let app: FastifyInstance;
const TOKEN = 'secret-token';

before(async () => {
  f = await fixtureStore([
    {
      eid: 'INTERACT',
      at: '2024-01-01T10:00:00Z',
      actor: EVIL_ACTOR,
      edata: { id: EVIL_ID, [EVIL_KEY]: EVIL_VALUE },
      cdata: [{ type: EVIL_CDATA, id: 'id"1' }],
      tags: [EVIL_TAG],
    },
    { eid: 'INTERACT', at: '2024-01-01T11:00:00Z', actor: 'plain', edata: { id: 'submit' } },
  ]);
  const ctx = {
    config: loadConfig({}, { adminToken: TOKEN, logLevel: 'silent' }),
    store: f.store,
    metrics: new MetricsRegistry(),
    reads: new ReadGate({ concurrency: 2, queue: 8 }),
  };
  app = await buildApp(ctx as never);
});
after(async () => {
  await app.close();
  await f.close();
});

async function post(path: string, body: unknown, token: string | null = TOKEN) {
  const res = await app.inject({
    method: 'POST',
    url: path,
    payload: body as object,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.statusCode, body: res.json() };
}

const dateRange = { from: '2024-01-01', to: '2024-01-01' };
const trendsWith = (filters: unknown[], extra: object = {}) => ({
  series: [{ eid: 'INTERACT' }],
  dateRange,
  filters,
  ...extra,
});

test('api: quotes, semicolons and SQL in property names and values are matched literally', async () => {
  const cases: [unknown[], number][] = [
    [[{ property: 'edata.id', operator: 'eq', value: EVIL_ID }], 1],
    [[{ property: `edata.${EVIL_KEY}`, operator: 'eq', value: EVIL_VALUE }], 1],
    [[{ property: `edata.${EVIL_KEY}`, operator: 'contains', value: "'b;" }], 1],
    [[{ property: `cdata.${EVIL_CDATA}`, operator: 'eq', value: 'id"1' }], 1],
    [[{ property: 'tags', operator: 'contains', value: EVIL_TAG }], 1],
    [[{ property: 'actor.id', operator: 'in', value: [EVIL_ACTOR, 'nobody'] }], 1],
    [[{ property: 'edata.id', operator: 'neq', value: EVIL_ID }], 1],
    [[{ property: 'edata.id', operator: 'eq', value: "' OR '1'='1" }], 0],
  ];
  for (const [filters, expected] of cases) {
    const res = await post('/api/insights/trends', trendsWith(filters));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.series[0].data, [expected], JSON.stringify(filters));
  }
  const evilEid = await post('/api/insights/trends', {
    series: [{ eid: "INTERACT'; DROP TABLE events; --" }],
    dateRange,
  });
  assert.deepEqual(evilEid.body.series[0].data, [0]);
  const broken = await post('/api/insights/trends', trendsWith([], { breakdown: { property: `edata.${EVIL_KEY}` } }));
  assert.deepEqual(
    broken.body.series.map((s: { breakdownValue: unknown; data: number[] }) => [s.breakdownValue, s.data]),
    [
      [EVIL_VALUE, [1]],
      [null, [1]],
    ],
  );
  const count = await f.store.query('SELECT count(*) FROM events');
  assert.equal(count.rows[0][0], 2);
});

test('api: every insight answers through its route', async () => {
  const steps = [
    { eid: 'INTERACT' },
    { eid: 'INTERACT', filters: [{ property: 'edata.id', operator: 'eq', value: 'submit' }] },
  ];
  const bodies: Record<string, unknown> = {
    funnels: { steps, dateRange, aggregateBy: 'device' },
    retention: { startEvent: { eid: 'INTERACT' }, returnEvent: { eid: 'INTERACT' }, dateRange },
    paths: { dateRange, startPage: EVIL_ID },
    stickiness: { series: [{ eid: 'INTERACT' }], dateRange },
    lifecycle: { event: { eid: 'INTERACT' }, dateRange },
  };
  // biome-ignore lint/suspicious/noExplicitAny: answers of five shapes, each read by its own assertion below
  const answers: Record<string, any> = {};
  for (const [kind, body] of Object.entries(bodies)) {
    const res = await post(`/api/insights/${kind}`, body);
    assert.equal(res.status, 200, `${kind}: ${JSON.stringify(res.body)}`);
    answers[kind] = res.body;
  }
  // Two devices enter; the one whose only INTERACT is the submit cannot use that event for both steps (issue 13).
  assert.deepEqual(
    answers.funnels.steps.map((s: { count: number }) => s.count),
    [2, 0],
  );
  assert.deepEqual(answers.retention.cohorts, [{ cohort: '2024-01-01', size: 2, values: [2], rates: [1] }]);
  // No page is named like the hostile id: matched literally, nothing found (and nothing run).
  assert.deepEqual(answers.paths, { nodes: [], links: [] });
  assert.deepEqual(answers.stickiness.series[0].data, [2]);
  assert.deepEqual(answers.lifecycle.series.new, [2]);
});

test('api: a bad query gets 400 QUERY_INVALID naming every wrong path', async () => {
  const reason = async (body: unknown) => {
    const res = await post('/api/insights/trends', body);
    assert.equal(res.status, 400);
    assert.equal(res.body.params.err, 'QUERY_INVALID');
    return res.body.params.errmsg;
  };
  // The schema first: wrong values, unknown keys and wrong types, each with its path; nothing coerced.
  assert.equal(
    await reason({
      series: [
        { eid: 'INTERACT', math: 'p42' },
        { eid: 'X', math: 'sum', colour: 'red' },
      ],
      dateRange: { from: '-7d' },
      interval: 'day',
      compare: 'true',
    }),
    [
      'series[0].math: must be one of total, unique_actors, unique_devices, unique_sessions, sum, avg, median, p90, dau, wau, mau, min, max, p95, p99, avg_count_per_actor, min_count_per_actor, max_count_per_actor, median_count_per_actor, p90_count_per_actor, p95_count_per_actor, p99_count_per_actor',
      'series[1].colour: is not a known field',
      'compare: must be true or false',
    ].join('; '),
  );
  // Then the rules a schema cannot say.
  assert.equal(
    await reason({
      series: [{ eid: 'X', math: 'sum' }],
      dateRange: { from: 'yesterday', timezone: 'Mars/Base' },
      filters: [{ property: 'tags', operator: 'gt', value: 1 }],
    }),
    [
      'series[0].property: sum needs a property (a path to a number)',
      'dateRange.timezone: is not an IANA time zone',
      'filters[0].operator: tags is a list: use contains, not_contains, is_set, is_not_set',
    ].join('; '),
  );
  assert.equal(
    await reason({ series: [{ eid: 'X' }], dateRange: { from: 'yesterday' } }),
    'dateRange.from: must be -7d/-24h/-2w/-3m/-1y, now, a date or a date-time',
  );
  // Property math over what is never a number is refused, not answered with zeros.
  assert.equal(
    await reason({
      series: [
        { eid: 'X', math: 'sum', property: 'edata.pageid' },
        { eid: 'X', math: 'p99', property: 'tags' },
        { eid: 'X', math: 'avg', property: 'cdata.school' },
        { eid: 'X', math: 'avg', property: 'edata.score' },
        { eid: 'X', math: 'max', property: 'edata.duration' },
      ],
      dateRange: {},
    }),
    [
      'series[0].property: sum needs a numeric property; edata.pageid is text',
      'series[1].property: p99 needs a numeric property; tags is a list',
      'series[2].property: avg needs a numeric property; cdata.school is text',
    ].join('; '),
  );
  // A date that does not exist is refused, not rolled over into the next month.
  assert.equal(
    await reason({ series: [{ eid: 'X' }], dateRange: { from: '2026-02-30' } }),
    'dateRange.from: 2026-02-30 is not a date (February 2026 has 28 days)',
  );
});

test('api: sessions answers camelCase; the deprecated spellings get the snake_case answer and a Deprecation header', async () => {
  const fresh = await post('/api/insights/sessions', { dateRange: { from: '-7d' }, pdataId: ['x'] });
  assert.equal(fresh.status, 200);
  assert.ok('byActor' in fresh.body && !('by_actor' in fresh.body));
  const legacy = await app.inject({
    method: 'POST',
    url: '/api/insights/sessions',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: { dateRange: { last: '7d' }, pdata_id: ['x'] },
  });
  assert.equal(legacy.statusCode, 200);
  assert.ok('by_actor' in legacy.json());
  assert.equal(legacy.headers.deprecation, 'true');
  assert.match(String(legacy.headers['x-telemetry-deprecated']), /dateRange\.last.*pdata_id/);
  const bad = await post('/api/insights/sessions', { pdataId: 'x' });
  assert.equal(bad.body.params.errmsg, 'pdataId: must be a list of 1 to 100 items');
});

test('api: the admin token is required when set', async () => {
  const res = await post('/api/insights/trends', trendsWith([]), null);
  assert.equal(res.status, 401);
  const events = await app.inject({ method: 'GET', url: '/api/events' });
  assert.equal(events.statusCode, 401);
});

test('api: events listing filters literally and pages with a cursor; properties and top values', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const byActor = await app.inject({
    method: 'GET',
    url: `/api/events?actor=${encodeURIComponent(EVIL_ACTOR)}`,
    headers: auth,
  });
  assert.equal(byActor.json().items.length, 1);
  assert.equal(byActor.json().items[0].event.edata.id, EVIL_ID);
  const page1 = (await app.inject({ method: 'GET', url: '/api/events?limit=1', headers: auth })).json();
  assert.equal(page1.items[0].event.actor.id, 'plain');
  const page2 = (
    await app.inject({
      method: 'GET',
      url: `/api/events?limit=1&before=${encodeURIComponent(page1.next)}`,
      headers: auth,
    })
  ).json();
  assert.deepEqual([page2.items[0].event.actor.id, page2.next], [EVIL_ACTOR, undefined]);
  const failed = (await app.inject({ method: 'GET', url: '/api/failed-events', headers: auth })).json();
  assert.deepEqual(failed, { items: [] });
  const values = (
    await app.inject({ method: 'GET', url: '/api/properties?property=edata.id&days=3660', headers: auth })
  ).json();
  assert.deepEqual(values.values, [
    { value: 'submit', count: 1 },
    { value: EVIL_ID, count: 1 },
  ]);
  const props = (await app.inject({ method: 'GET', url: '/api/properties?days=3660', headers: auth })).json();
  assert.deepEqual(props.events, [{ eid: 'INTERACT', count: 2 }]);
  assert.ok(props.properties.some((p: { path: string }) => p.path === `cdata.${EVIL_CDATA}`));
});
