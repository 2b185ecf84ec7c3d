// Read-side behaviours no test reached before (issue 10), checked through HTTP: /api/sql reaching its row limit,
// `?token=` for clients that cannot set headers (EventSource), /metrics counting what ingestion did, /health
// answering 503 with a reason while the loader falls behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, interact, postBatch, startTestServer } from './helpers.js';
import { duckdbWriter } from './support/store.js';

const TOKEN = 'admin-tok';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('a collector with an admin token and a 3-row SQL limit', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    server = await startTestServer({ adminToken: TOKEN, sqlMaxRows: 3 });
  });
  after(() => server.close());

  async function sqlAnswer(query: string) {
    const response = await fetch(`${server.url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: (await response.json()) as { rows: unknown[][]; truncated: boolean } };
  }

  test('/api/sql stops at its row limit and says truncated; exactly the limit is not truncated', async () => {
    const over = await sqlAnswer('SELECT range AS n FROM range(10)');
    assert.equal(over.status, 200);
    assert.deepEqual([over.body.rows, over.body.truncated], [[[0], [1], [2]], true]);
    const exact = await sqlAnswer('SELECT range AS n FROM range(3)');
    assert.deepEqual([exact.body.rows, exact.body.truncated], [[[0], [1], [2]], false]);
  });

  test('?token= authenticates reads like the Authorization header; a wrong one is refused', async () => {
    assert.equal((await fetch(`${server.url}/api/events`)).status, 401);
    assert.equal((await fetch(`${server.url}/api/events?token=${TOKEN}`)).status, 200);
    assert.equal((await fetch(`${server.url}/api/events?token=nope`)).status, 403);
  });

  test('a repeated query parameter is a 400 naming it, on every read route, never a 500 or a silent empty answer', async () => {
    for (const path of [
      '/api/events?eid=IMPRESSION&eid=INTERACT',
      '/api/events?actor=a&actor=b',
      '/api/events/live?sid=a&sid=b',
      '/api/failed-events?reason=a&reason=b',
      '/api/properties?property=edata.pageid&eid=IMPRESSION&eid=IMPRESSION',
      '/api/properties?property=edata.pageid&property=edata.id',
      '/api/failed-events/summary?from=1&from=2',
      '/api/home?from=-7d&from=-3d',
    ]) {
      const response = await fetch(`${server.url}${path}`, { headers: auth });
      assert.equal(response.status, 400, path);
      const { params } = (await response.json()) as { params: { err: string; errmsg: string } };
      const name = [...new URL(path, server.url).searchParams.keys()].find((k, i, all) => all.indexOf(k) !== i);
      assert.deepEqual([params.err, params.errmsg], ['QUERY_INVALID', `${name}: given more than once`], path);
    }
    // Two tokens in the query string are not a token.
    assert.equal((await fetch(`${server.url}/api/events?token=${TOKEN}&token=${TOKEN}`)).status, 401);
  });

  test('an unknown query parameter is a 400 naming it, not an answer as if no filter were given', async () => {
    for (const [path, name] of [
      ['/api/events?actor_id=nobody&limit=2', 'actor_id'],
      ['/api/events/live?event=START', 'event'],
      ['/api/failed-events?reasons=too_large', 'reasons'],
      ['/api/properties?day=3', 'day'],
    ]) {
      const response = await fetch(`${server.url}${path}`, { headers: auth });
      assert.equal(response.status, 400, path);
      const { params } = (await response.json()) as { params: { err: string; errmsg: string } };
      assert.equal(params.err, 'QUERY_INVALID', path);
      assert.match(params.errmsg, new RegExp(`^${name}: is not a parameter here \\(known: `), path);
    }
    // The known ones, and the admin token's query-string form, still answer.
    for (const path of [
      '/api/events?actor=nobody&limit=2',
      '/api/properties?days=3',
      `/api/events?limit=1&token=${TOKEN}`,
    ]) {
      const response = await fetch(`${server.url}${path}`, { headers: auth });
      assert.equal(response.status, 200, path);
      await response.body?.cancel();
    }
  });

  test('failed events by a reason no row can have is a 400 listing the reasons, not an empty page', async () => {
    const bogus = await fetch(`${server.url}/api/failed-events?reason=bogus`, { headers: auth });
    assert.equal(bogus.status, 400);
    const { params } = (await bogus.json()) as { params: { errmsg: string } };
    assert.match(params.errmsg, /^reason must be one of too_large, .*invalid_unicode, .*load_error$/);
    for (const reason of ['invalid_unicode', 'load_error']) {
      assert.equal((await fetch(`${server.url}/api/failed-events?reason=${reason}`, { headers: auth })).status, 200);
    }
  });

  test('the read API names its own body errors: too large (not an ingestion code), a __proto__ key, text not JSON', async () => {
    const post = async (body: string, type = 'application/json') => {
      const response = await fetch(`${server.url}/api/insights/trends`, {
        method: 'POST',
        headers: { 'content-type': type, ...auth },
        body,
      });
      const { params } = (await response.json()) as { params: { err: string; errmsg: string } };
      return [response.status, params.err, params.errmsg];
    };
    const big = JSON.stringify({ series: [{ eid: 'x'.repeat(1024 * 1024) }], dateRange: {} });
    assert.deepEqual(await post(big), [413, 'BODY_TOO_LARGE', 'request body exceeds the size limit']);
    const refused = 'the body is not valid JSON, or has a __proto__ or constructor.prototype key (refused)';
    assert.deepEqual(await post('{"series":[{"eid":"A"}],"dateRange":{},"__proto__":{"x":1}}'), [
      400,
      'BAD_REQUEST',
      refused,
    ]);
    assert.deepEqual(await post('{"series":'), [400, 'BAD_REQUEST', refused]);
    // JSON sent as text is not read as a string: the API takes JSON only.
    const query = JSON.stringify({ series: [{ eid: 'A' }], dateRange: {} });
    assert.deepEqual(await post(query, 'text/plain'), [
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'send JSON with Content-Type: application/json (got text/plain)',
    ]);
    const asJson = await fetch(`${server.url}/api/insights/trends`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: query,
    });
    assert.equal(asJson.status, 200);
  });

  test('/metrics counts received, stored, duplicate and rejected events and duplicate batches', async () => {
    const events = [interact({ mid: 'met-1' }), interact({ mid: 'met-1' }), { eid: 'INTERACT', mid: 'met-bad' }];
    const batch = { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: 'met-batch' }, events };
    assert.equal((await postBatch(server, batch)).status, 200);
    assert.equal((await postBatch(server, batch)).status, 200);
    const refused = await fetch(`${server.url}/metrics`);
    assert.equal(refused.status, 401);
    const { params } = (await refused.json()) as { params: { errmsg: string } };
    assert.equal(params.errmsg, 'this endpoint requires Authorization: Bearer <metrics token or admin token>');
    const text = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('telemetry_events_received_total'), 6);
    assert.equal(value('telemetry_events_stored_total'), 1);
    assert.equal(value('telemetry_events_duplicate_total'), 4, 'one inside the batch, three from the re-sent batch');
    assert.equal(value('telemetry_batches_duplicate_total'), 1);
    assert.match(text, /^telemetry_events_rejected_total\{reason="invalid_schema"\} 1$/m);
  });

  test('/health is 200 and healthy while the pipeline keeps up', async () => {
    const response = await fetch(`${server.url}/health`, { headers: auth });
    assert.equal(response.status, 200);
    assert.deepEqual(((await response.json()) as { result: { reasons: string[] } }).result.reasons, []);
  });
});

test('/health answers 503 naming loader_behind while loads wait past the lag limit, and 200 once they catch up', async () => {
  const server = await startTestServer({ healthMaxLagMs: 200 });
  const store = duckdbWriter(server.store);
  // Hold the store's write queue, as a long load or checkpoint would: sealed segments wait behind it.
  let release = () => {};
  const held = store.serialised(() => new Promise<void>((resolve) => (release = resolve)));
  try {
    assert.equal((await postBatch(server, { events: [interact({ mid: 'lag-1' })] })).status, 200);
    const health = async () => {
      const response = await fetch(`${server.url}/health`);
      const body = (await response.json()) as { result: { reasons: string[] } };
      return { status: response.status, reasons: body.result.reasons };
    };
    let answer = await health();
    const until = (status: number) => async () => {
      answer = await health();
      return answer.status === status;
    };
    await eventually(until(503));
    assert.deepEqual(answer, { status: 503, reasons: ['loader_behind'] });
    release();
    await eventually(until(200));
    assert.deepEqual(answer, { status: 200, reasons: [] });
  } finally {
    release();
    await held;
    await server.close();
  }
});
