/** The fetch transport against a local HTTP server: headers, gzip, Retry-After, network errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTelemetry, fetchTransport } from '../src/index.js';
import { memoryStorage } from '../src/storage.js';
import { captureServer } from './helpers.js';

test('batches go gzipped with Sunbird headers; 503 with Retry-After is retried later with the same body', async () => {
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
    await new Promise((r) => setTimeout(r, 1200));
    await t.flush();
    assert.equal(server.requests.length, 2);
    assert.deepEqual(server.requests[1].batch.events, first.batch.events);
    assert.equal(server.requests[1].batch.params.msgid, first.batch.params.msgid);
    assert.equal(t.stats().sent, 20);
    await t.shutdown();
  } finally {
    await server.close();
  }
});

test('a network error is status 0 and small bodies are not compressed', async () => {
  const server = await captureServer();
  await server.close();
  const r = await fetchTransport({ url: server.url, headers: {}, body: '{}', unload: false, gzip: true });
  assert.equal(r.status, 0);
});
