/**
 * PostHog's capture API on our collector: every path (± trailing slash), every body shape and encoding PostHog's
 * capture reads (plain, gzip with and without Content-Encoding, base64, lz-string, form `data=`, GET `?data=`),
 * PostHog's answers, tokens mapped to channels, `sent_at` clock-skew correction, PostHog's per-event rules with the
 * valid events of a request kept, and the stored rows (ingest_format, typed columns, raw as received).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import zlib, { gzipSync } from 'node:zlib';
import LZString from 'lz-string';
import { eventually, postBatch, sql, startTestServer } from './helpers.js';

const KEY = 'phc_test_project';
let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ posthogKeys: { [KEY]: 'ph-channel' }, writeKeys: ['write-key', 'write-key-2'] });
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

async function post(path: string, body: string | Buffer<ArrayBuffer>, headers: Record<string, string> = {}) {
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

test('every encoding: gzip (header, sniffed, ?compression=gzip-js), deflate, brotli, base64, lz64 (hint or header), form data=, GET ?data=', async () => {
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
      'deflate with Content-Encoding',
      (e) => post('/e/', zlib.deflateSync(JSON.stringify([{ ...e, token: KEY }])), { 'content-encoding': 'deflate' }),
    ],
    [
      'brotli with Content-Encoding',
      (e) => post('/e/', zlib.brotliCompressSync(JSON.stringify([{ ...e, token: KEY }])), { 'content-encoding': 'br' }),
    ],
    [
      'lz64 named by the Compression header',
      (e) => post('/e/', LZString.compressToBase64(JSON.stringify([{ ...e, token: KEY }])), { compression: 'lz64' }),
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

test('tokens: none or blank → 401, a personal key → 401, an unknown key → 401, different keys in one request → 401, each write key is accepted', async () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['none', JSON.stringify([phEvent()]), 'INGEST_TOKEN_REQUIRED', /no project API key/],
    ['blank', JSON.stringify([phEvent({ token: '  ' })]), 'INGEST_TOKEN_REQUIRED', /no project API key/],
    ['personal', JSON.stringify([phEvent({ token: 'phx_secret' })]), 'INGEST_TOKEN_INVALID', /personal API key/],
    ['unknown', JSON.stringify([phEvent({ token: 'phc_other' })]), 'INGEST_TOKEN_INVALID', /is not valid/],
    [
      'mixed',
      JSON.stringify([phEvent({ token: KEY }), phEvent({ token: 'phc_other' })]),
      'INGEST_TOKEN_INVALID',
      /different/,
    ],
  ];
  for (const [name, body, code, detail] of cases) {
    const answer = await post('/e/', body);
    assert.equal(answer.status, 401, name);
    assert.deepEqual([answer.body.type, answer.body.code], ['authentication_error', code], name);
    assert.match(answer.body.detail, detail, name);
  }
  const refused = await fetch(`${server.url}/e/`, { method: 'POST', body: JSON.stringify([phEvent()]) });
  assert.equal(refused.headers.get('retry-after'), null, 'only a 503 says when to retry');
  const byWriteKeys = ['write-key', 'write-key-2'].map((token) => phEvent({ token }));
  for (const event of byWriteKeys) assert.equal((await post('/e/', JSON.stringify([event]))).status, 200);
  const rows = await stored(byWriteKeys.map((e) => e.uuid as string));
  assert.deepEqual(
    rows.map((r) => r[3]),
    [null, null],
    'a write key maps to no channel',
  );
});

test('bad bodies get 400/413 with a JSON reason; a request with bad events keeps its valid ones', async () => {
  const bad: Array<[string, string | Buffer<ArrayBuffer>, number, string, Record<string, string>?]> = [
    ['not JSON', '{"event":', 400, 'INGEST_INVALID_JSON'],
    ['empty array', '[]', 400, 'INGEST_NOT_A_BATCH'],
    ['a JSON string', '"an event?"', 400, 'INGEST_NOT_A_BATCH'],
    ['bad gzip', Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3]), 400, 'INGEST_BAD_ENCODING'],
    ['bad lz64', '!!!', 400, 'INGEST_BAD_ENCODING'],
    ['unknown hint', '[]', 415, 'INGEST_UNSUPPORTED_ENCODING'],
    ['too large', Buffer.alloc(6 * 1024 * 1024, 32), 413, 'INGEST_BODY_TOO_LARGE'],
    ['two compression hints', '[]', 400, 'QUERY_INVALID'],
  ];
  const queries: Record<string, string> = {
    'bad lz64': '?compression=lz64',
    'unknown hint': '?compression=zstd',
    'two compression hints': '?compression=gzip&compression=lz64',
  };
  for (const [name, body, status, code] of bad) {
    const query = queries[name] ?? '';
    const answer = await post(`/e/${query}`, body, { 'content-type': 'application/json' });
    assert.equal(answer.status, status, name);
    assert.deepEqual([answer.body.type, answer.body.code], ['validation_error', code], name);
    if (status === 413) assert.match(answer.body.detail, /exceeds the limit of \d+ bytes/);
  }
  // A URL that cannot be decoded reaches no route: still PostHog's shape on its paths (a token with a bad escape).
  for (const path of ['/e/%E0%A4%A', '//e/%E0%A4%A', '/array/%E0%A4%A/config', '/flags/%E0%A4%A']) {
    const response = await fetch(`${server.url}${path}`);
    assert.equal(response.status, 400, path);
    const body = (await response.json()) as { type: string; code: string; detail: string };
    assert.deepEqual([body.type, body.code], ['validation_error', 'BAD_REQUEST'], path);
    assert.match(body.detail, /cannot be decoded/);
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
  assert.match(answer.body.detail, /^5 of 6 events broke PostHog's rules .* the other 1 were accepted$/);
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

test('an event holding bytes that are not UTF-8 is refused (invalid_unicode), plain and gzipped; the others are stored', async () => {
  for (const gzip of [false, true]) {
    const good = phEvent({ token: KEY });
    const bad = phEvent({ token: KEY, properties: { page: 'a__b' } });
    const [head, tail] = JSON.stringify([good, bad]).split('__');
    const bytes = Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(tail)]);
    const answer = await post('/batch/', gzip ? gzipSync(bytes) : bytes, gzip ? { 'content-encoding': 'gzip' } : {});
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.deepEqual(
      answer.body.errors.map((e: { code: string }) => e.code),
      ['invalid_unicode'],
    );
    assert.match(answer.body.errors[0].reasons[0], /not UTF-8: the byte 0xFF/);
    await stored([good.uuid as string]);
    assert.deepEqual(await sql(server, `SELECT count(*) FROM events WHERE mid = '${bad.uuid}'`), [[0]]);
  }
});

test('/engage without an event name is a $identify; a re-sent uuid is stored once', async () => {
  const event = phEvent({ event: undefined, $token: KEY });
  assert.equal((await post('/engage/', JSON.stringify(event))).status, 200);
  assert.equal((await post('/engage/', JSON.stringify(event))).status, 200);
  const rows = await stored([event.uuid as string]);
  assert.equal(rows[0][1], '$identify');
});

/**
 * What a client is told besides "no flags" (PostHog's `/flags?config=true`, `/decide`, `/array/<token>/config`):
 * nothing to load that we do not serve (no recorder, surveys, heatmaps, site apps, toolbar, performance or
 * exception capture), autocapture on, and the compressions it may use.
 */
function assertRemoteConfig(body: Record<string, unknown>, where: string): void {
  const { supportedCompression, ...rest } = body;
  assert.deepEqual(
    {
      config: rest.config,
      autocapture_opt_out: rest.autocapture_opt_out,
      autocaptureExceptions: rest.autocaptureExceptions,
      capturePerformance: rest.capturePerformance,
      toolbarParams: rest.toolbarParams,
      isAuthenticated: rest.isAuthenticated,
      sessionRecording: rest.sessionRecording,
      surveys: rest.surveys,
      heatmaps: rest.heatmaps,
      siteApps: rest.siteApps,
    },
    {
      config: { enable_collect_everything: true },
      autocapture_opt_out: false,
      autocaptureExceptions: false,
      capturePerformance: false,
      toolbarParams: {},
      isAuthenticated: false,
      sessionRecording: false,
      surveys: false,
      heatmaps: false,
      siteApps: [],
    },
    where,
  );
  assert.deepEqual(supportedCompression, ['gzip', 'gzip-js', 'lz64'], where);
}

test('/flags and /decide answer "no flags"; with config, remote config tells the client what to load', async () => {
  const flags = await post('/flags/?v=2', JSON.stringify({ token: KEY, distinct_id: 'x' }));
  assert.equal(flags.status, 200);
  assert.deepEqual(flags.body.flags, {});
  assert.equal(flags.body.errorsWhileComputingFlags, false);
  assert.match(flags.body.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(flags.body.sessionRecording, undefined, 'config only when asked for');
  const withConfig = await post('/flags?v=2&config=true', JSON.stringify({ token: KEY, distinct_id: 'x' }));
  assert.deepEqual(withConfig.body.flags, {});
  assertRemoteConfig(withConfig.body, '/flags?config=true');
  const decide = await post('/decide/?v=3', JSON.stringify({ token: KEY, distinct_id: 'x' }));
  assert.deepEqual([decide.body.featureFlags, decide.body.featureFlagPayloads], [{}, {}]);
  assert.equal(decide.body.errorsWhileComputingFlags, false);
  assertRemoteConfig(decide.body, '/decide');
  const remote = await fetch(`${server.url}/array/${KEY}/config`);
  assert.equal(remote.status, 200);
  assertRemoteConfig((await remote.json()) as Record<string, unknown>, '/array/<token>/config');
});

test('every compression remote config offers is one capture decodes', async () => {
  const flags = await post('/flags?v=2&config=true', JSON.stringify({ token: KEY, distinct_id: 'x' }));
  const encoders: Record<string, (text: string) => string | Buffer<ArrayBuffer>> = {
    gzip: (text) => zlib.gzipSync(text),
    'gzip-js': (text) => zlib.gzipSync(text),
    lz64: (text) => LZString.compressToBase64(text),
  };
  const uuids: string[] = [];
  for (const compression of flags.body.supportedCompression as string[]) {
    const event = phEvent({ token: KEY });
    uuids.push(event.uuid as string);
    const answer = await post(`/e/?compression=${compression}`, encoders[compression](JSON.stringify([event])));
    assert.equal(answer.status, 200, compression);
  }
  assert.equal((await stored(uuids)).length, uuids.length);
});

test("CORS on PostHog's paths as PostHog answers: origin and asked headers mirrored, credentials, a day's preflight", async () => {
  for (const path of ['/e/', '/batch', '/capture/', '/flags/', '/decide']) {
    const named = await fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-custom',
      },
    });
    assert.equal(named.status, 204, path);
    const h = (name: string) => named.headers.get(name);
    assert.deepEqual(
      [h('access-control-allow-origin'), h('vary'), h('access-control-allow-credentials')],
      ['https://app.example', 'Origin', 'true'],
      path,
    );
    assert.deepEqual(
      [h('access-control-allow-methods'), h('access-control-allow-headers'), h('access-control-expose-headers')],
      ['GET, POST, OPTIONS', 'content-type,x-custom', 'Retry-After'],
      path,
    );
    assert.equal(h('access-control-max-age'), '86400', path);
    const anonymous = await fetch(`${server.url}${path}`, { method: 'OPTIONS' });
    assert.equal(anonymous.status, 204, path);
    assert.deepEqual(
      [anonymous.headers.get('access-control-allow-origin'), anonymous.headers.get('access-control-allow-headers')],
      ['*', 'Content-Type'],
      path,
    );
  }
});

test('an event without a name is refused on /e/ (only /engage makes it a $identify)', async () => {
  const event = phEvent({ token: KEY, event: undefined });
  const answer = await post('/e/', JSON.stringify([event]));
  assert.equal(answer.status, 400);
  assert.deepEqual(
    answer.body.errors.map((e: { code: string }) => e.code),
    ['missing_event_name'],
  );
});

test('/metrics times each capture request in seconds: telemetry_posthog_request_duration_seconds', async () => {
  const name = 'telemetry_posthog_request_duration_seconds';
  const scrape = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (suffix: string) => Number(text.match(new RegExp(`^${name}_${suffix} (\\S+)$`, 'm'))?.[1]);
    return { text, sum: value('sum'), count: value('count') };
  };
  const before = await scrape();
  assert.match(before.text, new RegExp(`^# HELP ${name} \\S`, 'm'));
  const started = performance.now();
  assert.equal((await post('/e/', JSON.stringify([phEvent({ token: KEY })]))).status, 200);
  const seconds = (performance.now() - started) / 1000;
  const after = await scrape();
  assert.equal(after.count - before.count, 1);
  const observed = after.sum - before.sum;
  assert.ok(observed > 0 && observed <= seconds, `observed ${observed} s of a ${seconds} s round trip`);
});

describe('servers configured otherwise', () => {
  test('no keys at all: any project key is accepted (no channel), a personal key and none are not; limits hold', async () => {
    const open = await startTestServer({ maxBatchEvents: 2, maxDepth: 3 });
    try {
      const send = async (events: Record<string, unknown>[]) => {
        const response = await fetch(`${open.url}/e/`, { method: 'POST', body: JSON.stringify(events) });
        return { status: response.status, body: await response.json() };
      };
      const any = phEvent({ token: 'phc_anything' });
      assert.equal((await send([any])).status, 200);
      const query = `SELECT channel FROM events WHERE mid = '${any.uuid}'`;
      await eventually(async () => (await sql(open, query)).length === 1);
      assert.deepEqual(await sql(open, query), [[null]]);
      assert.equal((await send([phEvent({ token: 'phx_personal' })])).body.code, 'INGEST_TOKEN_INVALID');
      assert.equal((await send([phEvent()])).body.code, 'INGEST_TOKEN_REQUIRED');
      const three = [1, 2, 3].map(() => phEvent({ token: 'phc_anything' }));
      assert.deepEqual([(await send(three)).status, (await send(three)).body.code], [413, 'INGEST_TOO_MANY_EVENTS']);
      const deep = phEvent({ token: 'phc_anything', properties: { a: { b: { c: 1 } } } });
      assert.deepEqual(
        (await send([deep])).body.errors.map((e: { code: string }) => e.code),
        ['too_deep'],
      );
    } finally {
      await open.close();
    }
  });

  const configured: Array<[string, Parameters<typeof startTestServer>[0], string]> = [
    ['project keys only', { posthogKeys: { phc_only: 'only-channel' } }, 'phc_only'],
    ['write keys only (a write key is a project key)', { writeKeys: ['wk-only'] }, 'wk-only'],
  ];
  for (const [what, options, key] of configured) {
    test(`${what}: the key is accepted, any other token is refused`, async () => {
      const keyed = await startTestServer(options);
      try {
        const send = async (token: string) =>
          (await fetch(`${keyed.url}/e/`, { method: 'POST', body: JSON.stringify([phEvent({ token })]) })).status;
        assert.deepEqual([await send(key), await send('phc_unknown')], [200, 401]);
      } finally {
        await keyed.close();
      }
    });
  }
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
