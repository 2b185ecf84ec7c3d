/** Batching, flushing, retry and the persistent queue, driven by fake timers and a recording transport. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { createTelemetry } from '../src/index.js';
import { nextDelay, parseRetryAfter, shouldRetry } from '../src/retry.js';
import { memoryStorage } from '../src/storage.js';
import { mapStorage, recorder } from './helpers.js';

const settle = () => new Promise((r) => setImmediate(r));
async function tick(ms: number) {
  mock.timers.tick(ms);
  for (let i = 0; i < 5; i++) await settle();
}

function client(rec: ReturnType<typeof recorder>, extra = {}) {
  return createTelemetry({
    transport: rec.transport,
    storage: memoryStorage(),
    did: 'd1',
    sessionEvents: false,
    batchSize: 5,
    flushIntervalMs: 3000,
    ...extra,
  });
}
const click = (t: ReturnType<typeof createTelemetry>, id = 'x') => t.interact({ type: 'CLICK', id });

describe('retry rule', () => {
  test('network errors, 5xx and 429 retry; other 4xx do not', () => {
    for (const s of [0, 429, 500, 502, 503, 504]) assert.equal(shouldRetry(s), true, String(s));
    for (const s of [400, 401, 403, 404, 413, 415, 422]) assert.equal(shouldRetry(s), false, String(s));
  });
  test('delays grow exponentially with jitter, are capped, and honour Retry-After', () => {
    assert.equal(
      nextDelay(1, undefined, () => 0),
      500,
    );
    assert.equal(
      nextDelay(1, undefined, () => 1),
      1000,
    );
    assert.equal(
      nextDelay(4, undefined, () => 1),
      8000,
    );
    assert.equal(
      nextDelay(30, undefined, () => 1),
      60000,
    );
    assert.equal(
      nextDelay(1, 7000, () => 0),
      7000,
    );
    assert.equal(parseRetryAfter('3', 0), 3000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(parseRetryAfter('soon', 0), undefined);
  });
});

describe('delivery', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_700_000_000_000 }));
  afterEach(() => mock.timers.reset());

  test('a full batch goes at once; a partial one after the flush interval', async () => {
    const rec = recorder();
    const t = client(rec);
    for (let i = 0; i < 7; i++) click(t, String(i));
    await tick(0);
    assert.equal(rec.requests.length, 1);
    assert.equal(rec.requests[0].events.length, 5);
    await tick(2999);
    assert.equal(rec.requests.length, 1);
    await tick(1);
    assert.equal(rec.requests.length, 2);
    assert.equal(rec.requests[1].events.length, 2);
    assert.equal(t.stats().sent, 7);
  });

  test('END flushes immediately', async () => {
    const rec = recorder();
    const t = client(rec);
    t.start({ type: 'player' });
    t.end({ type: 'player' });
    await tick(0);
    assert.deepEqual(
      rec.events().map((e) => e.eid),
      ['START', 'END'],
    );
  });

  test('5xx retries with backoff, with the same mids and msgid, until it succeeds', async () => {
    const rec = recorder([503, 500, 0]);
    const t = client(rec);
    for (let i = 0; i < 5; i++) click(t, String(i));
    await tick(0);
    assert.equal(rec.requests.length, 1);
    await tick(60_000);
    await tick(60_000);
    await tick(60_000);
    assert.equal(rec.requests.length, 4);
    const mids = rec.requests.map((r) => r.events.map((e) => e.mid).join());
    assert.equal(new Set(mids).size, 1, 'every retry carries the same mids');
    assert.equal(new Set(rec.requests.map((r) => r.msgid)).size, 1);
    assert.equal(t.stats().retries, 3);
    assert.equal(t.stats().sent, 5);
  });

  test('429 waits for Retry-After', async () => {
    const rec = recorder([{ status: 429, retryAfterMs: 20_000 }]);
    const t = client(rec);
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    await tick(19_000);
    assert.equal(rec.requests.length, 1);
    await tick(1000);
    assert.equal(rec.requests.length, 2);
  });

  test('a 400 is not retried: the batch is dropped and counted', async () => {
    const rec = recorder([400]);
    const t = client(rec);
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    await tick(120_000);
    assert.equal(rec.requests.length, 1);
    assert.equal(t.stats().rejected, 5);
  });

  test('a 413 halves the batch until the collector takes it; only a lone event it refuses is dropped', async () => {
    // The collector takes at most 2 events per request, and never the event marked "huge".
    const requests: { events: string[]; status: number }[] = [];
    const transport = async (r: { body: string }) => {
      const events: { edata: { id: string } }[] = JSON.parse(r.body).events;
      const ids = events.map((e) => e.edata.id);
      const status = events.length > 2 || ids.includes('huge') ? 413 : 200;
      requests.push({ events: ids, status });
      return { status };
    };
    const t = client({ ...recorder(), transport }, { batchSize: 5 });
    for (const id of ['a', 'b', 'c', 'huge', 'e']) click(t, id);
    await tick(0);
    await tick(60_000);
    assert.deepEqual(
      requests.filter((r) => r.status === 200).flatMap((r) => r.events),
      ['a', 'b', 'c', 'e'],
    );
    assert.deepEqual(requests.slice(0, 2), [
      { events: ['a', 'b', 'c', 'huge', 'e'], status: 413 },
      { events: ['a', 'b', 'c'], status: 413 },
    ]);
    assert.deepEqual([t.stats().sent, t.stats().rejected], [4, 1]);
  });

  test('the queue is capped: oldest evicted first, and counted', async () => {
    const rec = recorder(Array(100).fill(503));
    const t = client(rec, { maxQueueSize: 10, batchSize: 100 });
    for (let i = 0; i < 25; i++) click(t, String(i));
    assert.equal(t.stats().evicted, 15);
    await t.flush();
    assert.deepEqual(
      rec.requests[0].events.map((e) => e.edata.id),
      ['15', '16', '17', '18', '19', '20', '21', '22', '23', '24'],
    );
  });

  test('queued events survive a restart through storage and go first', async () => {
    const storage = mapStorage();
    const down = recorder(Array(10).fill(0));
    const a = client(down, { storage });
    click(a, 'before');
    await tick(3000);
    assert.equal(down.requests.length, 1);
    const mid = down.requests[0].events[0].mid;
    const up = recorder();
    const b = client(up, { storage });
    click(b, 'after');
    await b.flush();
    assert.deepEqual(
      up.events().map((e) => e.edata.id),
      ['before', 'after'],
    );
    assert.equal(up.events()[0].mid, mid, 'same mid as the first try');
    await settle();
    assert.deepEqual(JSON.parse(storage.data.get('telemetry:queue')!), []);
  });

  test('opt-out clears the queue and stops sending; it is remembered; opt-in resumes', async () => {
    const storage = mapStorage();
    const rec = recorder();
    const t = client(rec, { storage });
    click(t);
    t.optOut();
    click(t);
    await tick(5000);
    assert.equal(rec.requests.length, 0);
    assert.equal(storage.data.get('telemetry:queue'), undefined);
    const again = client(rec, { storage });
    assert.equal(again.optedOut, true);
    again.optIn();
    click(again, 'ok');
    await again.flush();
    assert.deepEqual(
      rec.events().map((e) => e.edata.id),
      ['ok'],
    );
  });

  test('sessions: START on first event, END and a new sid after 30 minutes idle', async () => {
    const rec = recorder();
    const t = client(rec, { sessionEvents: true, did: undefined });
    click(t, 'a');
    const sid1 = t.sid;
    await tick(31 * 60_000);
    click(t, 'b');
    await t.flush();
    const ev = rec.events().map((e) => `${e.eid}:${e.edata.type}:${e.context.sid === sid1 ? 1 : 2}`);
    assert.deepEqual(ev, [
      'START:session:1',
      'INTERACT:CLICK:1',
      'END:session:1',
      'START:session:2',
      'INTERACT:CLICK:2',
    ]);
    assert.notEqual(t.sid, sid1);
    assert.match(t.did, /^[0-9a-f-]{36}$/);
  });

  test('async storage (React Native): calls before it loads are kept and get the stored device id', async () => {
    const mem = memoryStorage();
    mem.data.set('telemetry:device', 'stored-device');
    const slow = {
      getItem: (k: string) => new Promise<string | null>((r) => setImmediate(() => r(mem.data.get(k) ?? null))),
      setItem: async (k: string, v: string) => void mem.data.set(k, v),
      removeItem: async (k: string) => void mem.data.delete(k),
    };
    const rec = recorder();
    const t = client(rec, { storage: slow, did: undefined });
    click(t, 'early');
    await t.ready;
    await t.flush();
    assert.equal(rec.events()[0].context.did, 'stored-device');
  });
});
