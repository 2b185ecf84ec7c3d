/**
 * PostHog's capture API on our collector: every path (± trailing slash), every body shape and encoding PostHog's
 * capture reads (plain, gzip with and without Content-Encoding, base64, lz-string, form `data=`, GET `?data=`),
 * PostHog's answers, tokens mapped to channels, `sent_at` clock-skew correction, PostHog's per-event rules with the
 * valid events of a request kept, and the stored rows (ingest_format, typed columns, raw as received).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import LZString from 'lz-string';
import { eventually, postBatch, sql, startTestServer } from './helpers.js';

const KEY = 'phc_test_project';
let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ posthogKeys: { [KEY]: 'ph-channel' }, writeKeys: ['write-key'] });
});
after(async () => {
  await server?.close();
});

function phEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: '$pageview',
    distinct_id: 'user-ph',
    uuid: randomUUID(),
    timestamp: '2026-01-02T03:04:05.678Z',
    properties: { $current_url: 'https://example.org/a', $session_id: 'sess-1', plan: 'pro' },
    ...overrides,
  };
}

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function stored(uuids: string[]): Promise<unknown[][]> {
  const list = uuids.map((u) => `'${u}'`).join(',');
  const query = `SELECT mid, eid, actor_id, channel, ingest_format, sid, edata_uri, ets, ets_corrected, raw FROM events WHERE mid IN (${list}) ORDER BY mid`;
  await eventually(async () => (await sql(server, query)).length === uuids.length);
  return sql(server, query);
}

test('every capture path, with and without a trailing slash, stores a single event and answers as PostHog does', async () => {
  const paths = ['/e', '/i/v0/e', '/capture', '/batch', '/track', '/engage'];
  const uuids: string[] = [];
  for (const base of paths) {
    for (const path of [base, `${base}/`]) {
      const event = phEvent({ api_key: KEY });
      uuids.push(event.uuid as string);
      const answer = await post(path, JSON.stringify(event), { 'content-type': 'application/json' });
      assert.equal(answer.status, 200, path);
      const legacy = ['/capture', '/track', '/engage'].includes(base);
      assert.deepEqual(answer.body, legacy ? { status: 1 } : { status: 'Ok' }, path);
    }
  }
  const rows = await stored(uuids);
  for (const row of rows) {
    assert.equal(row[1], '$pageview');
    assert.equal(row[2], 'user-ph');
    assert.equal(row[3], 'ph-channel');
    assert.equal(row[4], 'posthog');
  }
});

test('an array (posthog-js) and {api_key, batch, sent_at} (posthog-node) are stored, raw byte for byte', async () => {
  const a = phEvent({ token: KEY });
  const b = phEvent({ event: 'signed_up', token: KEY, properties: { plan: 'pro' } });
  const arrayText = `[ ${JSON.stringify(a)},\n  ${JSON.stringify(b)} ]`;
  assert.equal((await post('/e/', arrayText)).status, 200);
  const c = phEvent({ event: 'custom event' });
  const batchText = JSON.stringify({ api_key: KEY, batch: [c], sent_at: new Date().toISOString() });
  assert.equal((await post('/batch/', batchText)).status, 200);
  const rows = await stored([a.uuid, b.uuid, c.uuid] as string[]);
  const byMid = new Map(rows.map((r) => [r[0], r]));
  assert.equal(byMid.get(a.uuid)?.[9], JSON.stringify(a));
  assert.equal(byMid.get(b.uuid)?.[1], 'signed_up');
  assert.equal(byMid.get(c.uuid)?.[1], 'custom event');
  // Properties stay queryable through the raw JSON.
  const plan = await sql(
    server,
    `SELECT json_extract_string(raw, '$.properties.plan') FROM events WHERE mid = '${b.uuid}'`,
  );
  assert.deepEqual(plan, [['pro']]);
});

test('every encoding: gzip (header, sniffed, ?compression=gzip-js), base64, lz64, form data=, GET ?data=', async () => {
  const variants: Array<[string, (e: Record<string, unknown>) => Promise<{ status: number }>]> = [
    [
      'gzip with Content-Encoding',
      (e) =>
        post('/batch/', zlib.gzipSync(JSON.stringify({ api_key: KEY, batch: [e] })), {
          'content-encoding': 'gzip',
          'content-type': 'application/json',
        }),
    ],
    [
      'gzip sniffed, no header',
      (e) => post('/e/', zlib.gzipSync(JSON.stringify([{ ...e, token: KEY }])), { 'content-type': 'text/plain' }),
    ],
    [
      'gzip-js hint',
      (e) =>
        post('/e/?compression=gzip-js&ver=1.0', zlib.gzipSync(JSON.stringify([{ ...e, token: KEY }])), {
          'content-type': 'text/plain',
        }),
    ],
    [
      'base64 body',
      (e) => post('/e/?compression=base64', Buffer.from(JSON.stringify([{ ...e, token: KEY }])).toString('base64')),
    ],
    [
      'base64 without hint',
      (e) => post('/capture/', Buffer.from(JSON.stringify({ ...e, api_key: KEY })).toString('base64')),
    ],
    [
      'lz64',
      (e) =>
        post('/e/?compression=lz64', LZString.compressToBase64(JSON.stringify([{ ...e, token: KEY }])), {
          'content-type': 'text/plain',
        }),
    ],
    [
      'form data= base64',
      (e) =>
        post(
          '/e/',
          `data=${encodeURIComponent(Buffer.from(JSON.stringify([{ ...e, token: KEY }])).toString('base64'))}`,
          { 'content-type': 'application/x-www-form-urlencoded' },
        ),
    ],
    [
      'form data= lz64',
      (e) =>
        post(
          '/e/',
          `data=${encodeURIComponent(LZString.compressToBase64(JSON.stringify({ ...e, token: KEY })))}&compression=lz64`,
          { 'content-type': 'application/x-www-form-urlencoded' },
        ),
    ],
    [
      'form data= JSON',
      (e) =>
        post('/track/', `data=${encodeURIComponent(JSON.stringify({ ...e, token: KEY }))}`, {
          'content-type': 'application/x-www-form-urlencoded',
        }),
    ],
    [
      'GET ?data=',
      async (e) => {
        const data = encodeURIComponent(Buffer.from(JSON.stringify({ ...e, token: KEY })).toString('base64'));
        return fetch(`${server.url}/e/?data=${data}`);
      },
    ],
  ];
  const uuids: string[] = [];
  for (const [name, send] of variants) {
    const event = phEvent();
    uuids.push(event.uuid as string);
    const response = await send(event);
    assert.equal(response.status, 200, name);
  }
  const rows = await stored(uuids);
  assert.equal(rows.length, variants.length);
});

test('beacon=1 is answered 204; /v1/telemetry also sniffs gzip without Content-Encoding', async () => {
  const event = phEvent({ token: KEY });
  const response = await post('/e/?beacon=1', zlib.gzipSync(JSON.stringify([event])), { 'content-type': 'text/plain' });
  assert.equal(response.status, 204);
  await stored([event.uuid as string]);
  const v3 = {
    id: 'api.sunbird.telemetry',
    ver: '3.0',
    params: { msgid: randomUUID() },
    ets: Date.now(),
    events: [
      {
        eid: 'INTERACT',
        ets: Date.now(),
        ver: '3.0',
        mid: `INTERACT:${randomUUID()}`,
        actor: { id: 'u', type: 'User' },
        context: { channel: 'c', pdata: { id: 'p', ver: '1', pid: 'w' }, env: 'home' },
        edata: { type: 'CLICK', id: 'x' },
      },
    ],
  };
  const sunbird = await postBatch(server, zlib.gzipSync(JSON.stringify(v3)), {
    authorization: 'Bearer write-key',
    'content-type': 'text/plain',
  });
  assert.equal(sunbird.status, 200);
  assert.equal(((await sunbird.json()) as { result: { stored: number } }).result.stored, 1);
});

test('sent_at corrects clock skew as PostHog does: now + (timestamp − sent_at); offset alone: now − offset', async () => {
  const skewed = phEvent({ timestamp: '2020-01-01T00:00:10.000Z' });
  const offsetOnly = phEvent({ timestamp: undefined, offset: 5000 });
  const before = Date.now();
  const answer = await post(
    '/batch',
    JSON.stringify({ api_key: KEY, sent_at: '2020-01-01T00:00:20.000Z', batch: [skewed, offsetOnly] }),
  );
  const afterMs = Date.now();
  assert.equal(answer.status, 200);
  const rows = await stored([skewed.uuid, offsetOnly.uuid] as string[]);
  const byMid = new Map(rows.map((r) => [r[0], r]));
  const s = byMid.get(skewed.uuid) as unknown[];
  assert.equal(Number(s[7]), Date.parse('2020-01-01T00:00:10.000Z'), 'ets keeps the timestamp as sent');
  const corrected = Number(s[8]);
  assert.ok(corrected >= before - 10_000 && corrected <= afterMs - 10_000, `corrected ${corrected} ≈ now − 10 s`);
  const o = byMid.get(offsetOnly.uuid) as unknown[];
  assert.ok(Number(o[7]) >= before - 5000 && Number(o[7]) <= afterMs - 5000);
  assert.equal(Number(o[8]), Number(o[7]));
});

test('tokens: none → 401, a personal key → 401, an unknown key → 401, different keys in one request → 401, a write key is accepted', async () => {
  const cases: Array<[string, string, number, string]> = [
    ['none', JSON.stringify([phEvent()]), 401, 'INGEST_TOKEN_REQUIRED'],
    ['personal', JSON.stringify([phEvent({ token: 'phx_secret' })]), 401, 'INGEST_TOKEN_INVALID'],
    ['unknown', JSON.stringify([phEvent({ token: 'phc_other' })]), 401, 'INGEST_TOKEN_INVALID'],
    ['mixed', JSON.stringify([phEvent({ token: KEY }), phEvent({ token: 'phc_other' })]), 401, 'INGEST_TOKEN_INVALID'],
  ];
  for (const [name, body, status, code] of cases) {
    const answer = await post('/e/', body);
    assert.equal(answer.status, status, name);
    assert.equal(answer.body.code, code, name);
    assert.equal(typeof answer.body.detail, 'string', name);
  }
  const byWriteKey = phEvent({ token: 'write-key' });
  assert.equal((await post('/e/', JSON.stringify([byWriteKey]))).status, 200);
  const rows = await stored([byWriteKey.uuid as string]);
  assert.equal(rows[0][3], null, 'a write key maps to no channel');
});

test('bad bodies get 400/413 with a JSON reason; a request with bad events keeps its valid ones', async () => {
  const bad: Array<[string, string | Buffer, number, string, Record<string, string>?]> = [
    ['not JSON', '{"event":', 400, 'INGEST_INVALID_JSON'],
    ['empty array', '[]', 400, 'INGEST_NOT_A_BATCH'],
    ['a JSON string', '"an event?"', 400, 'INGEST_NOT_A_BATCH'],
    ['bad gzip', Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3]), 400, 'INGEST_BAD_ENCODING'],
    ['bad lz64', '!!!', 400, 'INGEST_BAD_ENCODING'],
    ['unknown hint', '[]', 415, 'INGEST_UNSUPPORTED_ENCODING'],
    ['too large', Buffer.alloc(6 * 1024 * 1024, 32), 413, 'INGEST_BODY_TOO_LARGE'],
  ];
  for (const [name, body, status, code] of bad) {
    const query = name === 'bad lz64' ? '?compression=lz64' : name === 'unknown hint' ? '?compression=zstd' : '';
    const answer = await post(`/e/${query}`, body, { 'content-type': 'application/json' });
    assert.equal(answer.status, status, name);
    assert.equal(answer.body.code, code, name);
  }
  const good = phEvent({ token: KEY });
  const events = [
    good,
    phEvent({ token: KEY, event: '' }),
    phEvent({ token: KEY, distinct_id: '  ' }),
    phEvent({ token: KEY, uuid: 'INTERACT:not-a-uuid' }),
    phEvent({ token: KEY, timestamp: 'yesterday' }),
    phEvent({ token: KEY, properties: { a: 1, a2: '\\ud800' } }),
  ];
  const text = JSON.stringify(events).replace('"a2":"\\\\ud800"', '"a2":"\\ud800"');
  const answer = await post('/e/', text);
  assert.equal(answer.status, 400);
  assert.equal(answer.body.code, 'INGEST_EVENTS_REJECTED');
  assert.equal(answer.body.stored, 1);
  assert.deepEqual(
    answer.body.errors.map((e: { code: string }) => e.code),
    ['missing_event_name', 'missing_distinct_id', 'invalid_uuid', 'invalid_timestamp', 'invalid_unicode'],
  );
  await stored([good.uuid as string]);
  const failed = await sql(
    server,
    `SELECT reason FROM failed_events WHERE reason IN ('missing_event_name', 'missing_distinct_id', 'invalid_uuid', 'invalid_timestamp') ORDER BY reason`,
  );
  assert.deepEqual(failed.flat(), ['invalid_timestamp', 'invalid_uuid', 'missing_distinct_id', 'missing_event_name']);
});

test('/engage without an event name is a $identify; a re-sent uuid is stored once', async () => {
  const event = phEvent({ event: undefined, $token: KEY });
  assert.equal((await post('/engage/', JSON.stringify(event))).status, 200);
  assert.equal((await post('/engage/', JSON.stringify(event))).status, 200);
  const rows = await stored([event.uuid as string]);
  assert.equal(rows[0][1], '$identify');
});

test('/flags and /decide answer "no flags"', async () => {
  const flags = await post('/flags/?v=2', JSON.stringify({ token: KEY, distinct_id: 'x' }));
  assert.equal(flags.status, 200);
  assert.deepEqual(flags.body.flags, {});
  assert.equal(flags.body.errorsWhileComputingFlags, false);
  const decide = await post('/decide/?v=3', JSON.stringify({ token: KEY, distinct_id: 'x' }));
  assert.deepEqual(decide.body.featureFlags, {});
});

test('an insight over $pageview returns PostHog events, and one over IMPRESSION counts them too', async () => {
  const event = phEvent({ token: KEY, distinct_id: 'insight-user', timestamp: '2026-03-03T10:00:00.000Z' });
  assert.equal((await post('/e/', JSON.stringify([event]))).status, 200);
  await stored([event.uuid as string]);
  for (const eid of ['$pageview', 'IMPRESSION']) {
    const response = await fetch(`${server.url}/api/insights/trends`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        series: [{ eid, filters: [{ property: 'actor.id', operator: 'eq', value: 'insight-user' }] }],
        dateRange: { from: '2026-03-03T00:00:00Z', to: '2026-03-04T00:00:00Z' },
        interval: 'day',
      }),
    });
    const body = (await response.json()) as { series: Array<{ total: number }> };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.series[0].total, 1, `${eid}: ${JSON.stringify(body)}`);
  }
});
