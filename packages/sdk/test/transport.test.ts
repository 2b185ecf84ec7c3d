/** The fetch transport against a local HTTP server: headers, gzip only for bodies of 1 KiB and more, Retry-After, network errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTelemetry, fetchTransport } from '../src/index.js';
import { memoryStorage } from '../src/storage.js';
import { gzip } from '../src/transport.js';
import { captureServer } from './helpers.js';

test('batches go gzipped with Sunbird headers; a 503 is counted as a retry and the re-sent batch is the same', async () => {
  const server = await captureServer((n) =>
    n === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 },
  );
  try {
    const t = createTelemetry({
      url: server.url + '/v1/telemetry',
      writeKey: 'k1',
      storage: memoryStorage(),
      did: 'dev-9',
      channel: 'ch',
      pdata: { id: 'app.x' },
      sessionEvents: false,
    });
    for (let i = 0; i < 20; i++) t.interact({ type: 'CLICK', id: 'b' + i });
    await t.flush();
    assert.equal(server.requests.length, 1);
    const [first] = server.requests;
    assert.equal(first.headers['content-encoding'], 'gzip');
    assert.equal(first.headers.authorization, 'Bearer k1');
    assert.equal(first.headers['x-device-id'], 'dev-9');
    assert.equal(first.headers['x-channel-id'], 'ch');
    assert.equal(first.headers['x-app-id'], 'app.x');
    assert.equal(t.stats().retries, 1);
    await t.flush(); // an explicit flush ends the backoff (the wait itself: delivery.test.ts, Retry-After tests)
    assert.equal(server.requests.length, 2);
    assert.deepEqual(server.requests[1].batch.events, first.batch.events);
    assert.equal(server.requests[1].batch.params.msgid, first.batch.params.msgid);
    assert.equal(t.stats().sent, 20);
    await t.shutdown();
  } finally {
    await server.close();
  }
});

test('a network error (nothing listening) is status 0', async () => {
  const server = await captureServer();
  await server.close();
  const r = await fetchTransport({ url: server.url, headers: {}, body: '{}', unload: false, gzip: true });
  assert.deepEqual(r, { status: 0 });
});

test('bodies under 1 KiB go uncompressed, from 1 KiB on gzipped, and never on unload or with gzip off', async () => {
  const server = await captureServer();
  try {
    const batch = (pad: number) => JSON.stringify({ params: { msgid: 'm' }, events: [], pad: 'x'.repeat(pad) });
    const small = batch(1023 - batch(0).length);
    const big = batch(1024 - batch(0).length);
    assert.deepEqual([small.length, big.length], [1023, 1024]);
    const send = (body: string, unload = false, gzip = true) =>
      fetchTransport({ url: server.url, headers: {}, body, unload, gzip });
    assert.equal((await send(small)).gzipped, false);
    assert.equal((await send(big)).gzipped, true);
    assert.equal((await send(big, true)).gzipped, false);
    assert.equal((await send(big, false, false)).gzipped, false);
    assert.deepEqual(
      server.requests.map((r) => r.headers['content-encoding'] ?? 'identity'),
      ['identity', 'gzip', 'identity', 'identity'],
    );
    assert.deepEqual(
      server.requests.map((r) => JSON.stringify(r.batch).length),
      [1023, 1024, 1024, 1024],
      'what arrives is the body, decoded',
    );
  } finally {
    await server.close();
  }
});

test('the Retry-After header of a real response is read (seconds or an HTTP date), capped at 10 minutes', async () => {
  const dated = Date.now();
  const answers = ['7', new Date(dated + 60_000).toUTCString(), '86400', ''];
  const server = await captureServer((n) =>
    answers[n] ? { status: 503, headers: { 'retry-after': answers[n] } } : { status: 503 },
  );
  try {
    const got: Array<number | undefined> = [];
    for (let i = 0; i < answers.length; i++) {
      const r = await fetchTransport({ url: server.url, headers: {}, body: '{}', unload: false, gzip: false });
      assert.equal(r.status, 503);
      got.push(r.retryAfterMs);
    }
    assert.equal(got[0], 7000);
    // The date has whole seconds (up to 1 s lost) and counts down while the requests run, however slow the machine.
    const elapsed = Date.now() - dated;
    assert.ok(got[1]! >= 60_000 - elapsed - 1000 && got[1]! <= 60_000, `${got[1]} after ${elapsed} ms`);
    assert.deepEqual(got.slice(2), [600_000, undefined]);
  } finally {
    await server.close();
  }
});

test('an aborted request resolves as status 0 instead of waiting', async () => {
  const server = await captureServer();
  try {
    const abort = new AbortController();
    abort.abort();
    const r = await fetchTransport({
      url: server.url,
      headers: {},
      body: '{}',
      unload: false,
      gzip: false,
      signal: abort.signal,
    });
    assert.equal(r.status, 0);
  } finally {
    await server.close();
  }
});

test('fetch options: POST without credentials; keepalive only on unload and only within 60,000 bytes; beacons are text/plain', async () => {
  const calls: RequestInit[] = [];
  const beacons: Array<{ url: string; type: string; text: string }> = [];
  const realFetch = globalThis.fetch;
  const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  globalThis.fetch = async (_url, init) => {
    calls.push(init!);
    if (init?.keepalive === false && (init.body as string).length > 60_000) throw new TypeError('network');
    return new Response('{}', { status: 202 });
  };
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: {
      sendBeacon(url: string, blob: Blob) {
        blob.text().then((text) => beacons.push({ url, type: blob.type, text }));
        return true;
      },
    },
  });
  try {
    const send = (body: string, unload: boolean) =>
      fetchTransport({ url: 'http://x/v1/telemetry', headers: { a: 'b' }, body, unload, gzip: false });
    assert.equal((await send('{}', false)).status, 202);
    assert.equal((await send('x'.repeat(60_000), true)).status, 202);
    assert.equal((await send('y'.repeat(60_001), true)).status, 0, 'too big for keepalive, and it failed');
    assert.equal((await send('z'.repeat(60_001), false)).status, 0, 'a failure while the page stays');
    assert.deepEqual(
      calls.map((c) => [c.method, c.credentials, c.keepalive, (c.headers as Record<string, string>).a]),
      [
        ['POST', 'omit', false, 'b'],
        ['POST', 'omit', true, 'b'],
        ['POST', 'omit', false, 'b'],
        ['POST', 'omit', false, 'b'],
      ],
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      beacons,
      [{ url: 'http://x/v1/telemetry', type: 'text/plain', text: 'y'.repeat(60_001) }],
      'a beacon only for a failure on unload',
    );
  } finally {
    globalThis.fetch = realFetch;
    if (had) Object.defineProperty(globalThis, 'navigator', had);
    else delete (globalThis as { navigator?: unknown }).navigator;
  }
});

test('without CompressionStream (or Response) gzip gives nothing and a large body goes as it is', async () => {
  const server = await captureServer();
  const had = { CompressionStream: globalThis.CompressionStream, Response: globalThis.Response };
  try {
    const body = JSON.stringify({ params: { msgid: 'm' }, events: [], pad: 'x'.repeat(2000) });
    assert.ok(await gzip(body), 'with both, a gzip');
    // @ts-expect-error: a platform without CompressionStream
    delete globalThis.CompressionStream;
    assert.equal(await gzip(body), undefined);
    const r = await fetchTransport({ url: server.url, headers: {}, body, unload: false, gzip: true });
    assert.deepEqual([r.status, r.gzipped], [200, false]);
    globalThis.CompressionStream = had.CompressionStream;
    // @ts-expect-error: a platform without Response (fetch itself needs none: it was captured above)
    delete globalThis.Response;
    assert.equal(await gzip(body), undefined);
    globalThis.Response = had.Response;
    assert.deepEqual(
      server.requests.map((q) => [q.headers['content-encoding'] ?? 'identity', JSON.stringify(q.batch)]),
      [['identity', body]],
    );
  } finally {
    Object.assign(globalThis, had);
    await server.close();
  }
});
