/** Insight answers are reused until the next load, and a load is seen at once (api/answer-cache.ts). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { eventually, interact, postBatch, startTestServer } from './helpers.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

const query = { series: [{ eid: 'INTERACT' }], dateRange: { from: '-1d' }, interval: 'day' };
async function ask(): Promise<{ total: number; cached: boolean; body: string }> {
  const res = await fetch(`${server.url}/api/insights/trends`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(query),
  });
  assert.equal(res.status, 200);
  const body = await res.text();
  const total = (JSON.parse(body) as { series: { total: number }[] }).series[0].total;
  return { total, cached: res.headers.get('x-answer-cache') === 'hit', body };
}
async function send(n: number): Promise<void> {
  const events = Array.from({ length: n }, () => interact({ ets: Date.now() - 1000 }));
  const res = await postBatch(server, {
    id: 'api.sunbird.telemetry',
    ver: '3.0',
    params: { msgid: `m-${Date.now()}` },
    events,
  });
  assert.equal(res.status, 200);
}

test('the same question is answered from the cache until a load, then the load is counted', async () => {
  await send(2);
  await eventually(async () => (await ask()).total === 2);
  const first = await ask();
  const again = await ask();
  assert.equal(again.cached, true, 'asked twice with no load between: the second answer is reused');
  assert.equal(again.body, first.body);
  await send(3);
  // The very answer the cache held is never served after the load: the total moves to 5.
  await eventually(async () => (await ask()).total === 5);
  const fresh = await ask();
  assert.equal(fresh.total, 5);
  const other = await fetch(`${server.url}/api/insights/trends`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...query, interval: 'hour' }),
  });
  assert.equal(other.headers.get('x-answer-cache'), null, 'another question is not answered from the cache');
  await other.body?.cancel();
});
