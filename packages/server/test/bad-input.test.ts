/**
 * Bad input gets a clear JSON error with the right status and loses nothing else: malformed
 * bodies, encodings, bombs, oversized events and batches, unknown events, and SQL that writes
 * or reads outside the store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { eventually, interact, postBatch, sql, startTestServer } from './helpers.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ adminToken: 'tok' });
});
after(async () => {
  await server?.close();
});

interface ErrorBody {
  id: string;
  responseCode: string;
  params: { status: string; err: string; errmsg: string };
}

async function expectError(response: Response, status: number, err: string): Promise<ErrorBody> {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const body = (await response.json()) as ErrorBody;
  assert.equal(body.params.err, err);
  assert.equal(body.params.status, 'failed');
  assert.equal(body.responseCode, status >= 500 ? 'SERVER_ERROR' : 'CLIENT_ERROR');
  assert.ok(body.params.errmsg.length > 10, 'the reason is spelled out');
  return body;
}

/**
 * About 1 MB of gzip that inflates to 1 GiB of zeros: 1,024 gzip members of 1 MiB of zeros each (a reader
 * inflates every member of a gzip file, RFC 1952 §2.2), made in milliseconds instead of compressing 1 GiB.
 */
function gzipBomb(): Buffer<ArrayBuffer> {
  const member = zlib.gzipSync(Buffer.alloc(1 << 20), { level: 9 });
  return Buffer.concat(Array.from({ length: 1024 }, () => member));
}

describe('ingestion', () => {
  test('a URL that cannot be decoded is a 400 in our error shape, on every path that is not PostHog’s', async () => {
    for (const path of ['/v1/telemetry/%E0%A4%A', '/api/insights/%E0%A4%A', '/%E0%A4%A']) {
      const body = await expectError(
        await fetch(`${server.url}${path}`, { method: 'POST', body: '{}' }),
        400,
        'BAD_REQUEST',
      );
      assert.match(body.params.errmsg, /cannot be decoded/, path);
    }
  });

  test('a body that is not JSON is a 400 with the parser reason', async () => {
    const body = await expectError(await postBatch(server, '{"events": [1, 2'), 400, 'INGEST_INVALID_JSON');
    assert.match(body.params.errmsg, /not valid JSON/);
  });

  test('JSON without events, and events that is not an array, are 400s', async () => {
    await expectError(await postBatch(server, { id: 'x', params: {} }), 400, 'INGEST_NOT_A_BATCH');
    await expectError(await postBatch(server, { events: { eid: 'START' } }), 400, 'INGEST_NOT_A_BATCH');
    await expectError(await postBatch(server, '[{"eid":"START"}]'), 400, 'INGEST_NOT_A_BATCH');
    await expectError(await postBatch(server, ''), 400, 'INGEST_NOT_A_BATCH');
  });

  test('a params.msgid that is not a string is a 400 naming it, and none of the batch is stored', async () => {
    const mid = 'numeric-msgid-1';
    const body = await expectError(
      await postBatch(server, { params: { msgid: 123 }, events: [interact({ mid })] }),
      400,
      'INGEST_NOT_A_BATCH',
    );
    assert.equal(body.params.errmsg, `params.msgid must be a string (the batch's id, e.g. "batch-1"), got number 123`);
    // The same batch with the msgid as a string is stored: the refusal kept nothing back.
    const stored = await postBatch(server, { params: { msgid: '123' }, events: [interact({ mid })] });
    assert.equal(stored.status, 200);
    assert.equal(((await stored.json()) as { params: { msgid: string } }).params.msgid, '123');
  });

  test('corrupt gzip is a 400; an unknown Content-Encoding is a 415', async () => {
    const corrupt = zlib.gzipSync(JSON.stringify({ events: [interact()] })).subarray(0, 20);
    await expectError(await postBatch(server, corrupt, { 'content-encoding': 'gzip' }), 400, 'INGEST_BAD_ENCODING');
    await expectError(
      await postBatch(server, '{"events":[]}', { 'content-encoding': 'zstd' }),
      415,
      'INGEST_UNSUPPORTED_ENCODING',
    );
  });

  test('a gzip bomb is cut off while inflating: 413, and the server keeps serving', async () => {
    const bomb = gzipBomb();
    assert.ok(bomb.length < 1.2 * 1024 * 1024, `bomb is ${bomb.length} bytes`);
    await expectError(await postBatch(server, bomb, { 'content-encoding': 'gzip' }), 413, 'INGEST_BODY_TOO_LARGE');
    const ok = await postBatch(server, { events: [interact()] });
    assert.equal(ok.status, 200);
  });

  test('a body over the limit is a 413', async () => {
    const big = JSON.stringify({ events: [interact({ edata: { type: 'CLICK', id: 'x'.repeat(6 * 1024 * 1024) } })] });
    await expectError(await postBatch(server, big), 413, 'INGEST_BODY_TOO_LARGE');
  });

  test('10,000 events in one batch is a 413 naming the limit', async () => {
    const events = Array.from({ length: 10_000 }, () => interact());
    const body = await expectError(await postBatch(server, { events }), 413, 'INGEST_TOO_MANY_EVENTS');
    assert.match(body.params.errmsg, /10000 events; at most 5000/);
  });

  test('a body opening with a UTF-8 byte-order mark is read as JSON, plain or gzipped (RFC 8259 §8.1)', async () => {
    const plain = [interact(), interact()];
    const gzipped = [interact()];
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const plainBody = Buffer.concat([bom, Buffer.from(JSON.stringify({ events: plain }))]);
    const gzipBody = zlib.gzipSync(Buffer.concat([bom, Buffer.from(JSON.stringify({ events: gzipped }))]));
    for (const [body, headers, count] of [
      [plainBody, {}, 2],
      [gzipBody, { 'content-encoding': 'gzip' }, 1],
    ] as const) {
      const response = await postBatch(server, body, headers);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { result: { stored: number } }).result.stored, count);
    }
    const mids = [...plain, ...gzipped].map((e) => `'${e.mid}'`).join(',');
    await eventually(
      async () => (await sql(server, `SELECT count(*) FROM events WHERE mid IN (${mids})`, 'tok'))[0][0] === 3,
    );
  });

  test('a mixed batch stores its valid events and keeps the rest in failed_events with reasons', async () => {
    const good = [interact(), interact({ eid: 'IMPRESSION', edata: { type: 'view', pageid: 'home', uri: '/home' } })];
    const twoMb = interact({ edata: { type: 'CLICK', id: 'y'.repeat(2 * 1024 * 1024) } });
    const unknown = interact({ eid: 'EXPERIMENT' });
    const events = [good[0], 'not an event', twoMb, unknown, good[1], interact({ edata: { type: 'CLICK' } })];
    const response = await postBatch(server, { params: { msgid: 'mixed-1' }, events });
    assert.equal(response.status, 200);
    const { result } = (await response.json()) as {
      result: {
        received: number;
        stored: number;
        rejected: number;
        errors: { index: number; code: string; reasons: string[] }[];
      };
    };
    assert.equal(result.received, 6);
    assert.equal(result.stored, 2);
    assert.equal(result.rejected, 4);
    assert.deepEqual(
      result.errors.map((e) => [e.index, e.code]),
      [
        [1, 'not_object'],
        [2, 'too_large'],
        [3, 'unknown_eid'],
        [5, 'invalid_schema'],
      ],
    );
    assert.match(result.errors[3].reasons[0], /edata.*'id'/);

    const mids = good.map((e) => `'${e.mid}'`).join(',');
    await eventually(
      async () => (await sql(server, `SELECT count(*) FROM events WHERE mid IN (${mids})`, 'tok'))[0][0] === 2,
    );
    const failed = await sql(
      server,
      "SELECT reason, length(raw) > 2000000 FROM failed_events WHERE batch_msgid = 'mixed-1' ORDER BY reason",
      'tok',
    );
    assert.deepEqual(failed, [
      ['invalid_schema', false],
      ['not_object', false],
      ['too_large', true],
      ['unknown_eid', false],
    ]);
  });
});

describe('/api/sql', () => {
  const query = (q: string, token = 'tok') =>
    fetch(`${server.url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: q }),
    });

  test('requires the admin token', async () => {
    const response = await fetch(`${server.url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'SELECT 1' }),
    });
    await expectError(response, 401, 'AUTH_REQUIRED');
    await expectError(await query('SELECT 1', 'wrong'), 403, 'AUTH_INVALID');
  });

  for (const statement of [
    'DROP TABLE events',
    "INSERT INTO events (mid) VALUES ('x')",
    "COPY events TO '/tmp/stolen.csv'",
    "ATTACH '/tmp/other.duckdb' AS other",
    'SELECT 1; DROP TABLE events',
    'UPDATE events SET eid = NULL',
  ]) {
    test(`refuses a statement that writes: ${statement}`, async () => {
      await expectError(await query(statement), 400, 'SQL_NOT_READ_ONLY');
    });
  }

  for (const statement of [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_json('/etc/hostname')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_json('http://127.0.0.1:1/x.json')",
    "SELECT * FROM 'https://example.com/data.parquet'",
  ]) {
    test(`refuses a SELECT that reads outside the store: ${statement}`, async () => {
      await expectError(await query(statement), 400, 'SQL_FILE_ACCESS_DISABLED');
    });
  }

  test('answers a SELECT with columns and rows (under the row limit: not truncated), and the store is unchanged', async () => {
    const response = await query('SELECT range AS n FROM range(5)');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { columns: ['n'], rows: [[0], [1], [2], [3], [4]], truncated: false });
    const tables = await sql(
      server,
      "SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'",
      'tok',
    );
    assert.deepEqual(tables, [[1]]);
  });

  test('a body field besides query is refused by name, not ignored', async () => {
    const response = await fetch(`${server.url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer tok' },
      body: JSON.stringify({ query: 'SELECT 1', limit: 5 }),
    });
    const body = await expectError(response, 400, 'SQL_INVALID');
    assert.equal(body.params.errmsg, 'limit: is not a known field; send {"query": "SELECT …"}');
  });

  test('a syntax error is a 400 with the engine reason', async () => {
    const body = await expectError(await query('SELEC 1'), 400, 'SQL_INVALID');
    assert.match(body.params.errmsg, /syntax/i);
  });
});
