/**
 * CORS on the ingestion routes: every answer carries it, errors included, so a browser on another origin can read
 * the collector's JSON error; the headers Sunbird's portals and apps send pass the preflight; Retry-After is readable;
 * a host configured with a trailing slash (`//v1/telemetry`) reaches the route.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { TELEMETRY_PATHS } from '../src/ingest/routes.js';
import { eventually, interact, sql, startTestServer } from './helpers.js';

const ORIGIN = 'http://127.0.0.1:9';
/**
 * What browser clients send, by source (../shared/reference/sunbird-sdk-and-service.md): Sunbird's portals and mobile
 * apps on every API call; the telemetry SDK 1.3.0 (`dataType`, X-Requested-With, its x-app/device/channel ids); the
 * Sunbird telemetry service's own CORS list; a write key in x-api-key (api/auth.ts); and what a page's fetch may name
 * itself. A header missing from the preflight answer makes the browser drop that client's every batch.
 */
const CLIENT_HEADERS = [
  // Portals and mobile apps.
  'x-authenticated-user-token',
  'x-authenticated-userid',
  'x-authenticated-for',
  'x-session-id',
  'x-msgid',
  'ts',
  'x-source',
  'x-request-id',
  'x-trace-id',
  'x-consumer-id',
  'x-org-code',
  'x-app-ver',
  'x-platform-id',
  'x-user-token',
  // The telemetry SDK.
  'x-app-id',
  'x-device-id',
  'x-channel-id',
  'datatype',
  'x-requested-with',
  'authorization',
  // The telemetry service's CORS list.
  'cid',
  'user-id',
  'x-auth',
  'cache-control',
  // Ours, and a page's own.
  'x-api-key',
  'content-type',
  'content-encoding',
  'accept',
  'accept-language',
  'pragma',
];

let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ writeKeys: ['write-key'], maxBodyBytes: 4096, adminToken: 'admin' });
});
after(async () => {
  await server?.close();
});

function assertCors(response: Response, what: string): void {
  assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN, what);
  assert.match(response.headers.get('access-control-expose-headers') ?? '', /(^|, )Retry-After(,|$)/, what);
}

test('a preflight with every header Sunbird clients and browsers send passes, on every ingestion path', async () => {
  for (const path of [...TELEMETRY_PATHS, '//v1/telemetry', '/v1/telemetry/']) {
    const response = await fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': CLIENT_HEADERS.join(','),
      },
    });
    assert.equal(response.status, 204, path);
    assertCors(response, path);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    assert.deepEqual(
      CLIENT_HEADERS.filter((h) => !allowed.includes(h)),
      [],
      `${path}: headers refused at preflight`,
    );
  }
});

test('every answer of the ingestion routes carries CORS: 200, 400, 401, 403, 413, 415, a doubled and a trailing slash', async () => {
  const post = (path: string, body: string | Buffer<ArrayBuffer>, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json', authorization: 'Bearer write-key', ...headers },
      body,
    });
  const event = interact();
  const cases: Array<[string, Promise<Response>, number]> = [
    ['stored', post('/v1/telemetry', JSON.stringify({ params: { msgid: 'cors-1' }, events: [interact()] })), 200],
    ['doubled slash', post('//v1/telemetry', JSON.stringify({ params: { msgid: 'cors-2' }, events: [event] })), 200],
    [
      'trailing slash',
      post('/v1/telemetry/', JSON.stringify({ params: { msgid: 'cors-3' }, events: [interact()] })),
      200,
    ],
    ['empty body', post('/v1/telemetry', ''), 400],
    ['not JSON', post('/api/data/v1/telemetry', '{'), 400],
    ['bad gzip', post('/v1/telemetry', Buffer.from('nope'), { 'content-encoding': 'gzip' }), 400],
    ['no write key', post('/data/v3/telemetry', '{}', { authorization: '' }), 401],
    ['wrong write key', post('/data/v3/telemetry', '{}', { authorization: 'Bearer wrong' }), 403],
    ['too large', post('/v1/telemetry', zlib.gzipSync('x').toString('latin1') + 'x'.repeat(5000)), 413],
    ['unknown encoding', post('/v1/telemetry', '{}', { 'content-encoding': 'br2' }), 415],
  ];
  for (const [what, pending, status] of cases) {
    const response = await pending;
    const body = await response.json();
    assert.equal(response.status, status, `${what}: ${JSON.stringify(body)}`);
    assertCors(response, what);
  }
  await eventually(async () => {
    const rows = await sql(server, `SELECT count(*) FROM events WHERE mid = '${event.mid}'`, 'admin');
    return rows[0][0] === 1;
  });
});

test('the answers name their caller: Origin echoed (or *), Vary: Origin, POST and OPTIONS, a day of preflight cache', async () => {
  const preflight = (headers: Record<string, string>) =>
    fetch(`${server.url}/v1/telemetry`, {
      method: 'OPTIONS',
      headers: { 'access-control-request-method': 'POST', ...headers },
    });
  const named = await preflight({ origin: ORIGIN });
  const anonymous = await preflight({});
  assert.equal(named.headers.get('access-control-allow-origin'), ORIGIN);
  assert.equal(anonymous.headers.get('access-control-allow-origin'), '*');
  for (const response of [named, anonymous]) {
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('vary'), 'Origin');
    assert.equal(response.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
    assert.equal(response.headers.get('access-control-max-age'), '86400');
    assert.equal(response.headers.get('access-control-expose-headers'), 'Retry-After');
  }
});

test("a stored batch is answered with Sunbird's envelope: api.telemetry, the msgid echoed, a fresh resmsgid, SUCCESS", async () => {
  const answers = [];
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${server.url}/v1/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer write-key' },
      body: JSON.stringify({ params: { msgid: `envelope-${i}` }, events: [interact()] }),
    });
    assert.equal(response.status, 200);
    answers.push(await response.json());
  }
  for (const [i, body] of answers.entries()) {
    assert.equal(body.id, 'api.telemetry');
    assert.equal(body.ver, '1.0');
    assert.equal(body.responseCode, 'SUCCESS');
    assert.equal(body.params.msgid, `envelope-${i}`);
    assert.equal(body.params.status, 'successful');
    assert.match(body.params.resmsgid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual([body.result.received, body.result.stored, body.result.duplicates], [1, 1, 0]);
  }
  assert.notEqual(answers[0].params.resmsgid, answers[1].params.resmsgid);
});
