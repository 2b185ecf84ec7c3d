import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { simulate } from './generate.js';
import { resolveParams } from './params.js';
import { sendOverHttp } from './send-http.js';

/** A loopback collector that records batches and answers with a scripted status per request. */
let server: http.Server;
let url: string;
let batches: { msgid: string; events: { mid: string }[]; envelope: Record<string, unknown> }[] = [];
let inFlight = 0;
let maxInFlight = 0;
let statuses: number[] = [];
let requests = 0;

before(async () => {
  server = http.createServer((req, res) => {
    requests++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const status = statuses.shift() ?? 200;
      const batch = JSON.parse(body);
      if (status === 200) batches.push({ msgid: batch.params.msgid, events: batch.events, envelope: batch });
      // Answer a little later, so requests overlap and the concurrency bound is exercised.
      setTimeout(() => {
        inFlight--;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result: { stored: batch.events.length, duplicates: 0, rejected: 0 } }));
      }, 5);
    });
    assert.equal(req.url, '/v1/telemetry');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('sends every event once, in Sunbird batches of at most 100, with bounded concurrency', async () => {
  batches = [];
  maxInFlight = 0;
  statuses = [];
  const params = resolveParams({ users: 20 });
  const expected = [...simulate(params)].map((e) => e.mid);
  const result = await sendOverHttp(simulate(params), { url, concurrency: 3, msgidPrefix: 'sim-42' });
  assert.equal(result.events, expected.length);
  assert.equal(result.stored, expected.length);
  assert.equal(result.batches, Math.ceil(expected.length / 100));
  assert.ok(maxInFlight <= 3 && maxInFlight > 1, `in flight at most ${maxInFlight}`);
  const sent = batches.flatMap((b) => b.events.map((e) => e.mid));
  assert.deepEqual([...sent].sort(), [...expected].sort());
  for (const b of batches) {
    assert.ok(b.events.length <= 100);
    assert.equal(b.envelope.id, 'api.sunbird.telemetry');
    assert.equal(b.envelope.ver, '3.0');
    assert.equal(typeof b.envelope.ets, 'number');
  }
  assert.deepEqual(new Set(batches.map((b) => b.msgid)).size, result.batches);
  assert.ok(batches.every((b) => /^sim-42-[0-9a-f]{16}$/.test(b.msgid)));
});

test('a msgid names the batch: the same batch keeps it, another batch of the same seed never shares it', async () => {
  const sendAll = async (users: number) => {
    batches = [];
    statuses = [];
    await sendOverHttp(simulate(resolveParams({ users, start: '2025-03-03' })), {
      url,
      concurrency: 1,
      msgidPrefix: 'sim-42',
    });
    return new Map(batches.map((b) => [b.msgid, b.events.map((e) => e.mid).join()]));
  };
  const small = await sendAll(3);
  assert.deepEqual(await sendAll(3), small, 'the same simulation re-sent: the same batches under the same msgids');
  const large = await sendAll(12);
  // The larger run starts with the same events but batches them differently from the smaller run's last batch on.
  const shared = [...large].filter(([msgid]) => small.has(msgid));
  assert.ok(shared.length > 0 && shared.length < small.size, `${shared.length} of ${small.size} msgids shared`);
  for (const [msgid, mids] of shared) assert.equal(mids, small.get(msgid), `${msgid} names two different batches`);
});

test('retries 503 and 429, gives up at once on 400', async () => {
  batches = [];
  statuses = [503, 429];
  const params = resolveParams({ users: 1 });
  const n = [...simulate(params)].length;
  requests = 0;
  const result = await sendOverHttp(simulate(params), { url, concurrency: 1, msgidPrefix: 'r', batchSize: 1000 });
  assert.equal(result.events, n);
  assert.equal(batches.length, 1);
  assert.equal(requests, 3, 'one batch: a 503, a 429, then the 200');

  statuses = [400];
  requests = 0;
  await assert.rejects(
    sendOverHttp(simulate(params), { url, concurrency: 1, msgidPrefix: 'x', batchSize: 1000 }),
    /answered 400/,
  );
  assert.equal(requests, 1, 'a 400 is not retried');
});
