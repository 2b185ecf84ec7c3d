/**
 * /api/cohorts over a running server (issue 13): create, read with its count, list, replace, delete, the actors a page
 * at a time; a bad definition is a 400 naming the wrong field's path, an unknown id a 404; an insight using a cohort
 * follows the cohort's new definition at once (the kept answers are forgotten) and one naming no cohort is a 400, in
 * every kind; the actors behind a cohort's figure.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { eventually, interact, postBatch, startTestServer } from './helpers.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
const T = Date.now() - 3_600_000;
before(async () => {
  server = await startTestServer();
  // u1: 3 submits, u2: 1 submit, f:org9:u3 and u3 (one actor by key): 1 submit each.
  const events = [
    ...['u1', 'u1', 'u1', 'u2', 'f:org9:u3', 'u3'].map((id, i) =>
      interact({ ets: T + i, actor: { id, type: 'User' } }),
    ),
  ];
  const res = await postBatch(server, {
    id: 'api.sunbird.telemetry',
    ver: '3.0',
    params: { msgid: 'm-cohorts' },
    events,
  });
  assert.equal(res.status, 200);
  await eventually(
    async () => (await insight({ series: [{ eid: 'INTERACT' }], dateRange })).body.series[0].total === 6,
  );
});
after(async () => {
  await server?.close();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

const dateRange = { from: '-1d' };
async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers of several shapes, checked field by field
  return { status: res.status, body: (await res.json()) as any };
}
const insight = (query: unknown) => call('POST', '/api/insights/trends', query);
const atLeast = (n: number) => ({
  name: `submitted ${n}+`,
  definition: { criteria: [{ type: 'behaviour', eid: 'INTERACT', atLeast: n, period: { from: '-1d' } }] },
});

test('create, read with its count, list, the actors, replace, delete', async () => {
  const created = await call('POST', '/api/cohorts', atLeast(1));
  assert.equal(created.status, 200);
  const id = created.body.id as string;
  const read = await call('GET', `/api/cohorts/${id}`);
  assert.equal(read.status, 200);
  assert.equal(read.body.name, 'submitted 1+');
  assert.equal(read.body.count, 3, 'u1, u2, u3 (f:org9:u3 is u3)');
  const list = await call('GET', '/api/cohorts');
  assert.deepEqual(
    list.body.cohorts.map((c: { id: string }) => c.id),
    [id],
  );
  const page = await call('GET', `/api/cohorts/${id}/actors?limit=2&offset=1`);
  assert.deepEqual(page.body, {
    count: 3,
    offset: 1,
    actors: [
      { id: 'u3', events: 2 },
      { id: 'u2', events: 1 },
    ],
  });

  // As a filter: the unique submitters in the cohort; then the cohort narrowed, and the same question again.
  const ask = () =>
    insight({
      series: [{ eid: 'INTERACT', math: 'unique_actors' }],
      dateRange,
      filters: [{ cohort: id }],
      aggregate: 'range',
    });
  assert.equal((await ask()).body.series[0].aggregated, 3);
  assert.equal((await call('PUT', `/api/cohorts/${id}`, atLeast(2))).status, 200);
  assert.equal((await ask()).body.series[0].aggregated, 2, 'u1 and u3 submitted twice: the answer is not a kept one');
  // The actors behind a stickiness bar of the cohort's answer (breakdownValue), and of the whole answer.
  const bar = (at: object) =>
    call('POST', '/api/insights/actors', {
      kind: 'stickiness',
      query: { series: [{ eid: 'INTERACT' }], dateRange, breakdownCohorts: [id] },
      series: 0,
      intervals: 1,
      ...at,
    });
  assert.deepEqual((await bar({ breakdownValue: id })).body, {
    count: 2,
    actors: [
      { id: 'u1', events: 3 },
      { id: 'u3', events: 2 },
    ],
  });
  assert.equal((await bar({})).body.count, 3);
  const none = await bar({ breakdownValue: 'nope' });
  assert.equal(none.status, 400);
  assert.match(none.body.params.errmsg, /breakdownValue nope is none of the query's breakdownCohorts/);

  assert.equal((await call('DELETE', `/api/cohorts/${id}`)).status, 200);
  assert.equal((await call('GET', `/api/cohorts/${id}`)).status, 404);
});

test('a bad definition is a 400 naming the wrong field', async () => {
  const cases: [unknown, string][] = [
    [{ name: 'x' }, 'definition: is required'],
    [{ ...atLeast(1), name: '   ' }, 'name: must be more than spaces'],
    [{ name: 'x', definition: { criteria: [] } }, 'definition.criteria: must be a list of 1 to 20 items'],
    [
      { name: 'x', definition: { criteria: [{ type: 'behaviour', eid: 'INTERACT', atLeast: 0 }] } },
      'definition.criteria[0].atLeast: must be an integer from 1 to 1000000',
    ],
    [
      { name: 'x', definition: { criteria: [{ type: 'behaviour', eid: 'INTERACT', times: 2 }] } },
      'definition.criteria[0].times: is not a known field',
    ],
    [
      { name: 'x', definition: { criteria: [{ type: 'behaviour', eid: 'END', period: { from: 'yesterday' } }] } },
      'definition.criteria[0].period.from: must be -7d/-24h/-2w/-3m/-1y, now, a date or a date-time',
    ],
    [
      {
        name: 'x',
        definition: { criteria: [{ type: 'property', property: 'edata.duration', operator: 'eq', value: 'a' }] },
      },
      'definition.criteria[0].value: edata.duration is numeric: give a number',
    ],
    [
      { name: 'x', definition: { criteria: [{ type: 'behaviour', eid: 'END', did: false, atLeast: 2 }] } },
      'definition.criteria[0].atLeast: is for did: true only (did not is none at all)',
    ],
  ];
  for (const [body, message] of cases) {
    const res = await call('POST', '/api/cohorts', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.params.err, 'QUERY_INVALID');
    assert.equal(res.body.params.errmsg, message);
  }
  assert.deepEqual((await call('GET', '/api/cohorts')).body.cohorts, [], 'nothing saved');
});

test('an unknown id is a 404; an insight naming no cohort is a 400 with its path', async () => {
  for (const [method, path, body] of [
    ['GET', '/api/cohorts/nope', undefined],
    ['PUT', '/api/cohorts/nope', atLeast(1)],
    ['DELETE', '/api/cohorts/nope', undefined],
    ['GET', '/api/cohorts/nope/actors', undefined],
  ] as const) {
    const res = await call(method, path, body);
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.body.params.err, 'NOT_FOUND');
  }
  const filtered = await insight({ series: [{ eid: 'INTERACT' }], dateRange, filters: [{ cohort: 'nope' }] });
  assert.equal(filtered.status, 400);
  assert.equal(filtered.body.params.errmsg, 'filters[0].cohort: no cohort with id nope');
  const broken = await call('POST', '/api/insights/funnels', {
    steps: [{ eid: 'INTERACT' }, { eid: 'INTERACT' }],
    dateRange,
    breakdownCohorts: ['nope'],
  });
  assert.equal(broken.status, 400);
  assert.equal(broken.body.params.errmsg, 'breakdownCohorts[0]: no cohort with id nope');
  // Every kind resolves its cohorts, the sessions insight (read from the summaries) too.
  for (const [kind, query] of [
    ['paths', { dateRange }],
    ['stickiness', { series: [{ eid: 'INTERACT' }], dateRange }],
    ['lifecycle', { event: { eid: 'INTERACT' }, dateRange }],
    ['sessions', { dateRange }],
  ] as const) {
    for (const [cohorts, errmsg] of [
      [{ filters: [{ cohort: 'nope', operator: 'not_in' }] }, 'filters[0].cohort: no cohort with id nope'],
      [{ breakdownCohorts: ['nope'] }, 'breakdownCohorts[0]: no cohort with id nope'],
    ] as const) {
      const res = await call('POST', `/api/insights/${kind}`, { ...query, ...cohorts });
      assert.equal(res.status, 400, kind);
      assert.equal(res.body.params.errmsg, errmsg, kind);
    }
  }
  const mixed = await insight({
    series: [{ eid: 'INTERACT' }],
    dateRange,
    filters: [{ cohort: 'x', property: 'eid' }],
  });
  assert.equal(mixed.status, 400);
  assert.equal(mixed.body.params.errmsg, 'filters[0].property: is not a known field');
});
