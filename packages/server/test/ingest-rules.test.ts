// Ingestion rules checked through HTTP (issue 10): the level ceiling and its per-channel overrides, write keys,
// the byte size of multi-byte events, header defaults, duplicates inside one batch, every Content-Encoding, every
// Sunbird path, CORS preflight.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { parseLevelCeiling } from '../src/ingest/levels-config.js';
import { eventually, interact, sql, startTestServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let server: Server;
const KEY = 'wk-2';

before(async () => {
  server = await startTestServer({
    maxLevel: 'full, plain=basic, locked=security',
    writeKeys: ['wk-1', KEY],
    maxEventBytes: 1000,
  });
});
after(() => server.close());

function post(
  body: Buffer<ArrayBuffer> | string | Record<string, unknown>,
  headers: Record<string, string> = {},
  path = '/v1/telemetry',
): Promise<Response> {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: payload,
  });
}

const batch = (events: Record<string, unknown>[], msgid?: string) => ({
  id: 'api.sunbird.telemetry',
  ver: '3.0',
  params: msgid ? { msgid } : {},
  events,
});

/** The counts of an ingestion answer, its status and its errors' codes. */
interface Answer {
  status: number;
  received: number;
  stored: number;
  duplicates: number;
  rejected: number;
  codes: string[] | undefined;
}

async function result(response: Response): Promise<Answer> {
  const body = (await response.json()) as { result: Omit<Answer, 'status' | 'codes'> & { errors: { code: string }[] } };
  return { status: response.status, ...body.result, codes: body.result?.errors?.map((e) => e.code) };
}

function withChannel(eid: 'START' | 'INTERACT', channel: string, mid: string) {
  const base = interact({ mid, ...(eid === 'START' ? { edata: { type: 'app', pageid: 'home' } } : {}) });
  return { ...base, eid, context: { ...(base.context as object), channel } };
}

describe('the telemetry level ceiling', () => {
  test("a channel's ceiling rejects events above it and keeps those at or below", async () => {
    const r = await result(
      await post(batch([withChannel('START', 'plain', 'lv-1'), withChannel('INTERACT', 'plain', 'lv-2')])),
    );
    assert.deepEqual([r.stored, r.rejected, r.codes], [1, 1, ['above_level']]);
    const locked = await result(await post(batch([withChannel('START', 'locked', 'lv-3')])));
    assert.deepEqual([locked.stored, locked.codes], [0, ['above_level']], 'START is above security');
  });

  test('other channels get the default ceiling', async () => {
    const r = await result(await post(batch([withChannel('INTERACT', 'elsewhere', 'lv-4')])));
    assert.deepEqual([r.stored, r.rejected], [1, 0]);
  });

  test('TELEMETRY_MAX_LEVEL: a default and per-channel overrides, either way', () => {
    const levelFor = parseLevelCeiling(' basic , open=full,locked = security');
    assert.deepEqual(
      [levelFor(undefined), levelFor('x'), levelFor('open'), levelFor('locked')],
      ['basic', 'basic', 'full', 'security'],
    );
    assert.equal(parseLevelCeiling('enhanced')('open'), 'enhanced');
    assert.equal(parseLevelCeiling('')('x'), 'full');
    assert.throws(() => parseLevelCeiling('basic,open=most'), /unknown telemetry level "most"/);
  });
});

describe('write keys', () => {
  test('ingestion without a key is 401, with an unknown key 403, with any configured key accepted', async () => {
    const events = batch([interact({ mid: 'wk-a' })]);
    assert.equal((await post(events, { authorization: '' })).status, 401);
    assert.equal((await post(events, { authorization: 'Bearer nope' })).status, 403);
    assert.equal((await post(events, { authorization: '', 'x-api-key': 'nope' })).status, 403);
    assert.equal((await result(await post(events, { authorization: '', 'x-api-key': 'wk-1' }))).stored, 1);
    assert.equal((await result(await post(batch([interact({ mid: 'wk-b' })])))).stored, 1);
  });

  test('a PostHog project key configured without write keys leaves the Sunbird paths open', async () => {
    // Project keys join the write keys only once write keys are required at all (TELEMETRY_WRITE_KEYS).
    const open = await startTestServer({ posthogKeys: { 'phc-project': 'ph-channel' } });
    try {
      const response = await fetch(`${open.url}/v1/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch([interact({ mid: 'open-1' })])),
      });
      assert.equal((await result(response)).stored, 1);
    } finally {
      await open.close();
    }
  });
});

test('the size limit counts UTF-8 bytes: a multi-byte event over it is too_large, the same length in ASCII is not', async () => {
  // About 700 UTF-16 units either way; in UTF-8 the euro signs make the first 1,300 bytes (limit: 1,000).
  const wide = interact({ mid: 'size-wide', edata: { type: 'CLICK', id: '€'.repeat(300) } });
  const narrow = interact({ mid: 'size-narrow', edata: { type: 'CLICK', id: 'e'.repeat(300) } });
  assert.ok(JSON.stringify(wide).length < 1000 && Buffer.byteLength(JSON.stringify(wide)) > 1000);
  const r = await result(await post(batch([wide, narrow])));
  assert.deepEqual([r.stored, r.rejected, r.codes], [1, 1, ['too_large']]);
});

test('x-app-id fills a missing or empty pdata.pid and overrides none', async () => {
  const withPid = (mid: string, pid?: string) => {
    const base = interact({ mid });
    const context = base.context as { pdata: Record<string, unknown> };
    const pdata = { ...context.pdata };
    if (pid === undefined) delete pdata.pid;
    else pdata.pid = pid;
    return { ...base, context: { ...context, pdata } };
  };
  const r = await result(
    await post(batch([withPid('pid-absent'), withPid('pid-empty', ''), withPid('pid-own', 'own.pid')]), {
      'x-app-id': 'header.app',
    }),
  );
  assert.equal(r.stored, 3);
  await eventually(async () => (await sql(server, "SELECT count(*) FROM events WHERE mid LIKE 'pid-%'"))[0][0] === 3);
  assert.deepEqual(await sql(server, "SELECT mid, pdata_pid FROM events WHERE mid LIKE 'pid-%' ORDER BY mid"), [
    ['pid-absent', 'header.app'],
    ['pid-empty', 'header.app'],
    ['pid-own', 'own.pid'],
  ]);
});

test('x-device-id fills a missing device id and overrides none', async () => {
  const bare = interact({ mid: 'hdr-bare' });
  const context = { ...(bare.context as Record<string, unknown>) };
  delete context.did;
  const own = interact({ mid: 'hdr-own' });
  const r = await result(
    await post(batch([{ ...bare, context }, own]), {
      'x-device-id': 'hdr-device',
    }),
  );
  assert.equal(r.stored, 2);
  await eventually(async () => (await sql(server, "SELECT count(*) FROM events WHERE mid LIKE 'hdr-%'"))[0][0] === 2);
  assert.deepEqual(await sql(server, "SELECT mid, did, channel FROM events WHERE mid LIKE 'hdr-%' ORDER BY mid"), [
    ['hdr-bare', 'hdr-device', 'test-channel'],
    ['hdr-own', 'd1', 'test-channel'],
  ]);
});

test('x-channel-id does not stand in for context.channel, which V3 requires (README, Ingestion API)', async () => {
  const bare = interact({ mid: 'chan-bare' });
  const context = { ...(bare.context as Record<string, unknown>) };
  delete context.channel;
  const r = await result(
    await post(batch([{ ...bare, context }, interact({ mid: 'chan-own' })]), { 'x-channel-id': 'hdr' }),
  );
  assert.deepEqual([r.stored, r.rejected, r.codes], [1, 1, ['invalid_schema']]);
  await eventually(async () => (await sql(server, "SELECT count(*) FROM events WHERE mid = 'chan-own'"))[0][0] === 1);
  assert.deepEqual(await sql(server, "SELECT channel FROM events WHERE mid = 'chan-own'"), [['test-channel']]);
});

test('a mid twice in one batch is stored once and counted as a duplicate', async () => {
  const r = await result(await post(batch([interact({ mid: 'twice' }), interact({ mid: 'twice' })])));
  assert.deepEqual([r.received, r.stored, r.duplicates], [2, 1, 1]);
});

describe('Content-Encoding', () => {
  const cases: [string, (b: Buffer) => Promise<Buffer<ArrayBuffer>>][] = [
    ['deflate', promisify(zlib.deflate)],
    ['deflate', promisify(zlib.deflateRaw)],
    ['br', promisify(zlib.brotliCompress)],
    ['x-gzip', promisify(zlib.gzip)],
  ];
  for (const [i, [encoding, compress]] of cases.entries()) {
    test(`a ${encoding} body (${compress.name || i}) is inflated and stored`, async () => {
      const mid = `enc-${i}`;
      const body = await compress(Buffer.from(JSON.stringify(batch([interact({ mid })]))));
      const r = await result(await post(body, { 'content-encoding': encoding }));
      assert.deepEqual([r.status, r.stored], [200, 1]);
    });
  }
});

test('every Sunbird ingestion path stores events', async () => {
  for (const [i, path] of ['/api/data/v1/telemetry', '/data/v3/telemetry', '/action/data/v3/telemetry'].entries()) {
    const r = await result(await post(batch([interact({ mid: `path-${i}` })]), {}, path));
    assert.deepEqual([path, r.status, r.stored], [path, 200, 1]);
  }
  await eventually(async () => (await sql(server, "SELECT count(*) FROM events WHERE mid LIKE 'path-%'"))[0][0] === 3);
});

test('a CORS preflight from another origin is allowed with the headers Sunbird clients send', async () => {
  const response = await fetch(`${server.url}/data/v3/telemetry`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://portal.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-device-id, authorization',
    },
  });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get('access-control-allow-origin'), 'https://portal.example');
  assert.match(response.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
  const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
  for (const name of ['content-type', 'x-device-id', 'authorization', 'content-encoding']) {
    assert.ok(allowed.includes(name), `${name} is allowed`);
  }
});

test('/metrics times each ingestion request in seconds: telemetry_request_duration_seconds', async () => {
  const scrape = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? Number.NaN);
    return {
      text,
      sum: value('telemetry_request_duration_seconds_sum'),
      count: value('telemetry_request_duration_seconds_count'),
    };
  };
  const before = await scrape();
  assert.match(before.text, /^# HELP telemetry_request_duration_seconds \S/m);
  const started = performance.now();
  assert.equal((await result(await post(batch([interact({ mid: 'timed-1' })])))).stored, 1);
  const seconds = (performance.now() - started) / 1000;
  const after = await scrape();
  assert.equal(after.count - before.count, 1);
  // The server's part of the round trip: more than nothing, no more than the client waited.
  const observed = after.sum - before.sum;
  assert.ok(observed > 0 && observed <= seconds, `observed ${observed} s of a ${seconds} s round trip`);
});
