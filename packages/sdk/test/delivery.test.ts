/** Batching, flushing, retry and the persistent queue, driven by fake timers and a recording transport. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { createTelemetry } from '../src/index.js';
import { EventQueue } from '../src/queue.js';
import { isSuccess, nextDelay, parseRetryAfter, shouldRetry } from '../src/retry.js';
import { asyncStorage, memoryStorage } from '../src/storage.js';
import { KEEPALIVE_MAX_BYTES } from '../src/transport.js';
import type { SendRequest, SendResult } from '../src/types.js';
import { mapStorage, recorder, testSender } from './helpers.js';

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
  test('network errors, timeouts (408), 429, 5xx and stray 1xx/3xx retry; every other 4xx does not', () => {
    // 408 is retried: the server gave up waiting for the request (RFC 9110 §15.5.9), the events are fine.
    for (const s of [0, 101, 301, 304, 408, 429, 500, 502, 503, 504, 599])
      assert.equal(shouldRetry(s), true, String(s));
    for (const s of [400, 401, 403, 404, 407, 409, 413, 415, 422, 451, 499])
      assert.equal(shouldRetry(s), false, String(s));
  });
  test('only 2xx is success', () => {
    for (const s of [200, 201, 202, 204, 299]) assert.equal(isSuccess(s), true, String(s));
    for (const s of [0, 199, 300, 304, 400, 500]) assert.equal(isSuccess(s), false, String(s));
  });
  test('the delay is rounded, grows per attempt from the first, and a shorter Retry-After does not shorten it', () => {
    assert.equal(
      nextDelay(1, undefined, () => 1 / 3),
      667,
    );
    assert.equal(
      nextDelay(2, undefined, () => 0),
      1000,
    );
    assert.equal(
      nextDelay(0, undefined, () => 0),
      500,
      'attempt 0 is treated as the first',
    );
    assert.equal(
      nextDelay(1, 100, () => 1),
      1000,
    );
  });
  test('Retry-After is obeyed up to 10 minutes, never longer, never negative', () => {
    assert.equal(parseRetryAfter('86400', 0), 600_000, 'a day is capped at 10 minutes');
    assert.equal(parseRetryAfter('600', 0), 600_000);
    assert.equal(parseRetryAfter('599', 0), 599_000);
    assert.equal(parseRetryAfter(new Date(86_400_000).toUTCString(), 0), 600_000);
    assert.equal(parseRetryAfter(new Date(0).toUTCString(), 5000), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('-5', 0), 0);
    assert.equal(parseRetryAfter('', 0), undefined);
    assert.equal(parseRetryAfter(null, 0), undefined);
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

  test('a 400 is not retried: the batch is dropped and counted, and the next batch goes', async () => {
    const rec = recorder([400]);
    const t = client(rec);
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    await tick(120_000);
    assert.equal(rec.requests.length, 1);
    assert.deepEqual([t.stats().rejected, t.stats().retries, t.stats().sent], [5, 0, 0]);
    click(t, 'next');
    await t.flush();
    assert.deepEqual(
      rec.requests.map((r) => r.events.length),
      [5, 1],
    );
  });

  test('a success resets the backoff: the next failure waits as a first retry again', async () => {
    const rec = recorder([503, 503, 200, 503]);
    const t = client(rec);
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    await tick(1000); // first retry: at most 1 s
    await tick(2000); // second retry: at most 2 s → success
    assert.equal(rec.requests.length, 3);
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    assert.equal(rec.requests.length, 4);
    await tick(1000); // a first retry again, not a third (up to 4 s)
    assert.equal(rec.requests.length, 5);
    assert.equal(t.stats().sent, 10);
  });

  test('storage is written once per burst of calls, and never for a volatile storage', async () => {
    const writes: string[] = [];
    const counting = { ...mapStorage(), setItem: (k: string) => void writes.push(k) };
    const t = client(recorder(Array(10).fill(0)), { storage: counting, flushIntervalMs: 600_000, batchSize: 1000 });
    for (let i = 0; i < 500; i++) click(t, String(i));
    await settle();
    assert.deepEqual(
      writes.filter((k) => k === 'telemetry:queue'),
      ['telemetry:queue'],
    );
    const mem = memoryStorage();
    const v = client(recorder(), { storage: mem, flushIntervalMs: 600_000, batchSize: 1000 });
    click(v);
    await settle();
    assert.equal(mem.data.has('telemetry:queue'), false);
  });

  test('a stored queue with garbage keeps only events with a mid; unreadable JSON is an empty queue', async () => {
    const storage = mapStorage();
    storage.data.set(
      'telemetry:queue',
      JSON.stringify([1, null, 'x', { mid: 5 }, { eid: 'INTERACT', mid: 'INTERACT:ok', edata: { id: 'ok' } }]),
    );
    const rec = recorder();
    const t = client(rec, { storage });
    await t.flush();
    assert.deepEqual(
      rec.events().map((e) => e.mid),
      ['INTERACT:ok'],
    );
    storage.data.set('telemetry:queue', '{not json');
    const rec2 = recorder();
    const u = client(rec2, { storage });
    click(u, 'fresh');
    await u.flush();
    assert.deepEqual(
      rec2.events().map((e) => e.edata.id),
      ['fresh'],
    );
  });

  test('a stored queue longer than maxQueueSize is trimmed on load, oldest evicted and counted', async () => {
    const storage = mapStorage();
    const events = Array.from({ length: 8 }, (_, i) => ({ eid: 'INTERACT', mid: 'm' + i, edata: { id: String(i) } }));
    storage.data.set('telemetry:queue', JSON.stringify(events));
    const rec = recorder();
    const t = client(rec, { storage, maxQueueSize: 5, batchSize: 100 });
    assert.equal(t.stats().evicted, 3);
    await t.flush();
    assert.deepEqual(
      rec.events().map((e) => e.mid),
      ['m3', 'm4', 'm5', 'm6', 'm7'],
    );
  });

  test('a 408 is retried with the same batch, not dropped', async () => {
    const rec = recorder([408]);
    const t = client(rec);
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    await tick(1000);
    assert.equal(rec.requests.length, 2);
    assert.equal(rec.requests[0].msgid, rec.requests[1].msgid);
    assert.deepEqual([t.stats().rejected, t.stats().sent], [0, 5]);
  });

  test('a failed send backs off: a new full batch does not go before the delay', async () => {
    const rec = recorder([503]);
    const t = client(rec);
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    assert.equal(rec.requests.length, 1, 'no request during the backoff');
    await tick(1000);
    assert.deepEqual(
      rec.requests.map((r) => r.events.length),
      [5, 5, 5],
    );
  });

  test('a timer that fires while a request is in flight leaves no stale handle: later events still go', async () => {
    let release!: () => void;
    const requests: number[] = [];
    const transport = (r: SendRequest) => {
      requests.push(JSON.parse(r.body).events.length);
      if (requests.length > 1) return Promise.resolve({ status: 200 });
      return new Promise<SendResult>((res) => {
        release = () => res({ status: 200 });
      });
    };
    const t = client({ ...recorder(), transport }, { flushIntervalMs: 100 });
    click(t, 'a');
    await tick(100);
    assert.deepEqual(requests, [1]);
    click(t, 'b');
    await tick(100); // the interval timer fires while the first request is still in flight
    release();
    await tick(0);
    await tick(100);
    assert.deepEqual(requests, [1, 1]);
    click(t, 'c');
    await tick(100);
    assert.deepEqual(requests, [1, 1, 1], 'c went within the interval, without flush()');
  });

  test('a transport that throws or answers nonsense counts as a network error', async () => {
    let n = 0;
    const transport = async () => {
      n++;
      if (n === 1) throw new Error('boom');
      if (n === 2) return undefined as unknown as SendResult;
      return { status: 200 };
    };
    const t = client({ ...recorder(), transport });
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    await tick(1000);
    await tick(2000);
    assert.deepEqual([n, t.stats().retries, t.stats().sent], [3, 2, 5]);
  });

  test('a request with no answer is abandoned after requestTimeoutMs and retried', async () => {
    let n = 0;
    const signals: Array<AbortSignal | undefined> = [];
    const transport = (r: SendRequest) => {
      signals.push(r.signal);
      return ++n === 1 ? new Promise<SendResult>(() => {}) : Promise.resolve({ status: 200 });
    };
    const t = client({ ...recorder(), transport }, { requestTimeoutMs: 5000 });
    for (let i = 0; i < 5; i++) click(t);
    await tick(0);
    await tick(4999);
    assert.deepEqual([n, t.stats().retries], [1, 0]);
    await tick(1);
    assert.equal(signals[0]?.aborted, true, 'the hung request is aborted');
    assert.equal(t.stats().retries, 1);
    await tick(1000);
    assert.deepEqual([n, t.stats().sent], [2, 5]);
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

  test('durations are in seconds: END after START, a session END after idle, endSession()', async () => {
    const rec = recorder();
    const t = client(rec, { sessionEvents: true });
    t.start({ type: 'player' });
    await tick(30_000);
    t.end({ type: 'player' });
    await tick(12_000);
    click(t, 'last'); // the session's last activity: 42 s after its start
    await tick(31 * 60_000);
    click(t, 'next session');
    await tick(7000);
    click(t, 'later');
    t.endSession();
    await t.flush();
    const ends = rec.events().filter((e) => e.eid === 'END');
    assert.deepEqual(
      ends.map((e) => [e.edata.type, e.edata.duration]),
      [
        ['player', 30],
        ['session', 42],
        ['session', 7],
      ],
    );
    assert.equal(ends[1].ets, 1_700_000_000_000 + 42_000, 'a session END is stamped with its last activity');
  });

  test('timeDiff (seconds) is added to every ets; set() changes later events only, and only its keys', async () => {
    const rec = recorder();
    const t = client(rec, { timeDiff: -90, uid: 'u1' });
    click(t, 'a');
    t.set({ uid: 'u2', env: 'exam', tags: ['t'], did: 'forged', skewMs: 5 } as never);
    click(t, 'b');
    await t.flush();
    const [a, b] = rec.events();
    assert.equal(a.ets, 1_700_000_000_000 - 90_000);
    assert.equal(b.ets, 1_700_000_000_000 - 90_000);
    assert.deepEqual([a.actor.id, a.context.env, a.tags], ['u1', 'home', []]);
    assert.deepEqual([b.actor.id, b.context.env, b.tags], ['u2', 'exam', ['t']]);
    assert.equal(b.context.did, 'd1', 'set() cannot change the device id');
  });

  test('optOutByDefault: nothing stored or sent until optIn(); the choice is remembered', async () => {
    const storage = mapStorage();
    const rec = recorder();
    const t = client(rec, { storage, optOutByDefault: true, did: undefined });
    assert.equal(t.optedOut, true);
    click(t, 'no');
    await tick(5000);
    assert.deepEqual([rec.requests.length, storage.data.size], [0, 0]);
    t.optIn();
    click(t, 'yes');
    await t.flush();
    assert.deepEqual(
      rec.events().map((e) => e.edata.id),
      ['yes'],
    );
    assert.equal(storage.data.get('telemetry:optout'), '0');
    const next = client(rec, { storage, optOutByDefault: true, did: undefined });
    assert.equal(next.optedOut, false, 'opt-in remembered');
    assert.equal(next.did, t.did, 'same device after opt-in');
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

describe('the queue shared by tabs, the unload path, AsyncStorage', () => {
  const settle = () => new Promise((r) => setImmediate(r));

  /** localStorage as the SDK sees it: getItem/setItem/removeItem, and its keys as the object's own properties. */
  function fakeLocalStorage() {
    const methods = {
      getItem(this: Record<string, string>, k: string) {
        return Object.hasOwn(this, k) ? this[k] : null;
      },
      setItem(this: Record<string, string>, k: string, v: string) {
        this[k] = v;
      },
      removeItem(this: Record<string, string>, k: string) {
        delete this[k];
      },
    };
    return Object.create(methods) as typeof methods & Record<string, string>;
  }

  test('two tabs on one localStorage keep each other’s undelivered events and never resurrect what they delivered', async () => {
    const ls = fakeLocalStorage();
    (globalThis as { localStorage?: unknown }).localStorage = ls;
    try {
      const down = recorder(Array(20).fill(0));
      const a = client(down, { storage: ls });
      const b = client(down, { storage: ls });
      click(a, 'a1');
      click(b, 'b1');
      await settle();
      // One snapshot key per tab; what is stored is their union.
      const stored = () =>
        Object.keys(ls)
          .filter((k) => k.startsWith('telemetry:queue'))
          .flatMap((k) => JSON.parse(ls[k]).map((e: { edata: { id: string } }) => e.edata.id))
          .sort();
      assert.deepEqual(stored(), ['a1', 'b1'], 'tab b did not overwrite tab a');
      const upB = recorder();
      const b2 = client(upB, { storage: ls });
      await b2.flush();
      await settle();
      assert.deepEqual(
        upB
          .events()
          .map((e) => e.edata.id)
          .sort(),
        ['a1', 'b1'],
        'a new tab adopts both',
      );
      assert.deepEqual(stored(), [], 'and removes the snapshots it adopted once it has sent them');
      click(a, 'a2');
      await settle();
      // Tab a still holds a1 (it cannot know another tab sent it: the collector drops that duplicate by mid),
      // but b1, which it never held, does not come back.
      assert.deepEqual(stored(), ['a1', 'a2']);
      // A tab writes only its own snapshot: b2 sending its own b2 leaves tab a's untouched.
      click(b2, 'b2');
      await b2.flush();
      await settle();
      assert.deepEqual(stored(), ['a1', 'a2']);
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
  });

  test('unload: batches within the 64 KiB keepalive budget go at once; the rest stay queued and stored', async () => {
    const storage = mapStorage();
    const queue = new EventQueue(storage, 'q', 2000, () => {});
    const requests: SendRequest[] = [];
    const { sender, stats } = testSender(queue, {
      transport: async (r) => {
        requests.push(r);
        return { status: 200 };
      },
    });
    const event = (i: number, pad: number) => ({
      mid: 'm' + i,
      json: JSON.stringify({ mid: 'm' + i, pad: 'x'.repeat(pad) }),
    });
    queue.push(event(0, 70_000)); // alone over the budget: waits for the next page
    for (let i = 1; i <= 40; i++) queue.push(event(i, 2000));
    sender.flushUnload();
    assert.ok(storage.data.get('q')!.length > 150_000, 'everything written before anything is sent');
    await settle();
    const bytes = requests.reduce((n, r) => n + r.body.length, 0);
    assert.ok(bytes <= KEEPALIVE_MAX_BYTES, String(bytes));
    assert.ok(bytes > KEEPALIVE_MAX_BYTES - 5000, 'the budget is used');
    assert.ok(requests.every((r) => r.unload));
    const sentMids = requests.flatMap((r) => JSON.parse(r.body).events.map((e: { mid: string }) => e.mid));
    assert.equal(sentMids[0], 'm1', 'the oversized event is skipped, not a wall');
    assert.equal(queue.size, 41 - sentMids.length);
    assert.equal(stats.sent, sentMids.length);
  });

  test('unload while paused (opted out) sends nothing, but still writes what is queued', async () => {
    const storage = mapStorage();
    const queue = new EventQueue(storage, 'q', 2000, () => {});
    let sent = 0;
    const { sender } = testSender(queue, {
      transport: async () => {
        sent++;
        return { status: 200 };
      },
    });
    queue.push({ mid: 'm', json: '{"mid":"m"}' });
    sender.paused = true;
    sender.flushUnload();
    await settle();
    assert.deepEqual([sent, queue.size, storage.data.get('q')], [0, 1, '[{"mid":"m"}]']);
  });

  test('unload: a failed keepalive is not a rejection: the batch stays queued', async () => {
    const queue = new EventQueue(memoryStorage(), 'q', 2000, () => {});
    const { sender, stats } = testSender(queue, {
      transport: async () => ({ status: 0 }),
    });
    queue.push({ mid: 'm', json: '{"mid":"m"}' });
    sender.flushUnload();
    await settle();
    assert.deepEqual([queue.size, stats.sent, stats.rejected, stats.retries], [1, 0, 0, 0]);
  });

  test('asyncStorage writes in call order even when the first write is slower, and reads after writes', async () => {
    const data = new Map<string, string>();
    const delays = [30, 0];
    const rn = {
      getItem: async (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) =>
        new Promise<void>((r) => setTimeout(() => r(void data.set(k, v)), delays.shift() ?? 0)),
      removeItem: async (k: string) => void data.delete(k),
    };
    const s = asyncStorage(rn);
    s.setItem('k', 'first');
    s.setItem('k', 'second');
    assert.equal(await s.getItem('k'), 'second');
    s.removeItem('k');
    assert.equal(await s.getItem('k'), null);
    // A failing write does not stop the chain.
    const failing = asyncStorage({ ...rn, setItem: async () => Promise.reject(new Error('disk full')) });
    failing.setItem('x', '1');
    assert.equal(await failing.getItem('x'), null);
  });
});
