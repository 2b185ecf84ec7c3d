/**
 * The sender's own rules, one by one, on a Sender over a real EventQueue with fake timers: the batch msgid, the
 * gzip fallback, answers without a status, the request timer, backoff growth, the interval after a drain, the
 * unload budget's edges, the envelope's clock skew and the debug log.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { createTelemetry } from '../src/index.js';
import { EventQueue } from '../src/queue.js';
import type { SenderOptions } from '../src/sender.js';
import { memoryStorage } from '../src/storage.js';
import { KEEPALIVE_MAX_BYTES } from '../src/transport.js';
import type { SendRequest, SendResult } from '../src/types.js';
import { mapStorage, testSender } from './helpers.js';

const NOW = 1_700_000_000_000;
beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW }));
afterEach(() => {
  mock.timers.reset();
  mock.restoreAll();
});
const settle = () => new Promise((r) => setImmediate(r));
async function tick(ms: number) {
  mock.timers.tick(ms);
  for (let i = 0; i < 5; i++) await settle();
}

/** A sender whose transport answers from `answer(request, n)` (n counts from 0) and records every request. */
function harness(
  answer: (r: SendRequest, n: number) => SendResult | Promise<SendResult>,
  o: Partial<SenderOptions> = {},
) {
  const queue = new EventQueue(mapStorage(), 'q', 2000, () => {});
  const requests: SendRequest[] = [];
  const { sender, stats } = testSender(queue, {
    batchSize: 5,
    transport: async (r) => {
      requests.push(r);
      return answer(r, requests.length - 1);
    },
    ...o,
  });
  const push = (id: string, pad = 0) => {
    queue.push({ mid: id, json: JSON.stringify({ mid: id, pad: 'x'.repeat(pad) }) });
    sender.schedule();
  };
  const batch = (i: number) =>
    JSON.parse(requests[i].body) as { ets: number; params: { msgid: string }; events: { mid: string }[] };
  return { queue, requests, stats, sender, push, batch };
}

test('a batch msgid is 14 hex digits, "-" and the event count; the same events give the same msgid, others another', async () => {
  const msgids = new Map<string, string>();
  for (let b = 0; b < 40; b++) {
    const h = harness(() => ({ status: 200 }));
    const mids = Array.from({ length: 1 + (b % 5) }, (_, i) => `b${b}-e${i}`);
    for (const mid of mids) h.push(mid);
    await h.sender.flush();
    const { msgid } = h.batch(0).params;
    assert.match(msgid, new RegExp(`^[0-9a-f]{14}-${mids.length}$`), msgid);
    msgids.set(mids.join(), msgid);
  }
  assert.equal(new Set(msgids.values()).size, 40, 'different batches, different msgids');
  const again = harness(() => ({ status: 200 }));
  for (const mid of ['b7-e0', 'b7-e1', 'b7-e2']) again.push(mid);
  await again.sender.flush();
  assert.equal(again.batch(0).params.msgid, msgids.get('b7-e0,b7-e1,b7-e2'), 'the same events, the same msgid');
  const other = harness(() => ({ status: 200 }));
  for (const mid of ['other', 'b7-e1', 'b7-e2']) other.push(mid);
  await other.sender.flush();
  assert.notEqual(other.batch(0).params.msgid, msgids.get('b7-e0,b7-e1,b7-e2'), 'every mid counts, not the last');
});

test('an answer without a numeric status is a network error: retried, never dropped', async () => {
  for (const nonsense of [{}, { status: '200' }, { status: null }] as unknown as SendResult[]) {
    const h = harness((_, n) => (n === 0 ? nonsense : { status: 200 }));
    for (let i = 0; i < 5; i++) h.push(`m${i}`);
    await tick(0);
    assert.deepEqual([h.requests.length, h.stats.retries, h.stats.rejected], [1, 1, 0], JSON.stringify(nonsense));
    await tick(1000);
    assert.deepEqual([h.requests.length, h.stats.sent, h.stats.rejected], [2, 5, 0], JSON.stringify(nonsense));
  }
});

test('a gateway refusing gzip (415, or 400 to a gzipped body) gets the batch again uncompressed, and no gzip after', async () => {
  for (const refusal of [415, 400]) {
    const h = harness((r, n) => (n === 0 ? { status: refusal, gzipped: r.gzip } : { status: 200, gzipped: r.gzip }));
    for (let i = 0; i < 10; i++) h.push(`m${i}`);
    await tick(0);
    assert.deepEqual(
      h.requests.map((r) => [r.gzip, JSON.parse(r.body).events.length]),
      [
        [true, 5],
        [false, 5],
        [false, 5],
      ],
      String(refusal),
    );
    assert.deepEqual([h.stats.sent, h.stats.rejected, h.stats.retries], [10, 0, 0], String(refusal));
  }
  // A 400 to a body that was not compressed is the batch's own: dropped, not sent again.
  const plain = harness(() => ({ status: 400, gzipped: false }));
  for (let i = 0; i < 5; i++) plain.push(`m${i}`);
  await tick(0);
  await tick(60_000);
  assert.deepEqual([plain.requests.length, plain.stats.rejected], [1, 5]);
});

test('a request that was answered is not aborted later by its timeout', async () => {
  const h = harness(() => ({ status: 200 }), { timeoutMs: 50 });
  for (let i = 0; i < 5; i++) h.push(`m${i}`);
  await tick(0);
  await tick(100);
  assert.equal(h.requests.length, 1);
  assert.equal(h.requests[0].signal?.aborted, false);
});

test('each failure in a row waits twice as long (500, 1000, 2000, 4000 ms with no jitter)', async () => {
  mock.method(Math, 'random', () => 0);
  const h = harness(() => ({ status: 503 }));
  for (let i = 0; i < 5; i++) h.push(`m${i}`);
  const at: number[] = [];
  for (let t = 0; t <= 7500; t += 100) {
    await tick(t === 0 ? 0 : 100);
    while (at.length < h.requests.length) at.push(t);
  }
  assert.deepEqual(at, [0, 500, 1500, 3500, 7500]);
  assert.equal(h.stats.retries, 5);
});

test('after full batches go, a partial rest waits for the interval', async () => {
  const h = harness(() => ({ status: 200 }), { intervalMs: 60_000 });
  for (let i = 0; i < 5; i++) h.push(`a${i}`);
  await tick(0);
  for (let i = 0; i < 7; i++) h.push(`b${i}`);
  await tick(0);
  await tick(1000);
  assert.deepEqual(
    h.requests.map((r) => JSON.parse(r.body).events.length),
    [5, 5],
    'the last 2 wait',
  );
  await tick(60_000);
  assert.deepEqual(
    h.requests.map((r) => JSON.parse(r.body).events.length),
    [5, 5, 2],
  );
});

test('unload: events that fit go as one batch; a body of exactly the keepalive budget still goes', async () => {
  const few = harness(() => ({ status: 200 }));
  for (let i = 0; i < 3; i++) few.queue.push({ mid: `m${i}`, json: JSON.stringify({ mid: `m${i}` }) });
  few.sender.flushUnload();
  await settle();
  assert.deepEqual(
    few.requests.map((r) => [r.unload, JSON.parse(r.body).events.length]),
    [[true, 3]],
  );

  // Measure the body of one padded event, then pad it (or two events) to exactly the budget: the body's length
  // depends only on the events (the envelope's ets has 13 digits either way).
  const unloadWith = (pads: number[]) => {
    const h = harness(() => ({ status: 200 }));
    for (const [i, pad] of pads.entries()) {
      h.queue.push({ mid: `m${i}`, json: JSON.stringify({ mid: `m${i}`, pad: 'x'.repeat(pad) }) });
    }
    h.sender.flushUnload();
    return h;
  };
  for (const count of [1, 2]) {
    const probe = unloadWith(Array(count).fill(1000));
    await settle();
    const measured = probe.requests.reduce((n, r) => n + r.body.length, 0);
    assert.equal(probe.requests.length, 1);
    const exact = unloadWith([1000 + (KEEPALIVE_MAX_BYTES - measured), ...Array(count - 1).fill(1000)]);
    await settle();
    assert.deepEqual(
      exact.requests.map((r) => [r.body.length, JSON.parse(r.body).events.length]),
      [[KEEPALIVE_MAX_BYTES, count]],
      `${count} event(s) in a body of exactly ${KEEPALIVE_MAX_BYTES} bytes`,
    );
  }
});

test("the batch envelope's ets carries timeDiff (seconds), as every event's does", async () => {
  const bodies: string[] = [];
  const transport = async (r: SendRequest) => {
    bodies.push(r.body);
    return { status: 200 };
  };
  const t = createTelemetry({ transport, storage: memoryStorage(), did: 'd1', sessionEvents: false, timeDiff: 5 });
  t.interact({ type: 'CLICK', id: 'x' });
  await t.flush();
  const batch = JSON.parse(bodies[0]);
  assert.equal(batch.ets, NOW + 5000);
  assert.equal(batch.events[0].ets, NOW + 5000);
});

test('debug: the console says what delivery did (sent, failed and when again, refused, gzip refused, a throw)', async () => {
  mock.method(Math, 'random', () => 0);
  const lines: string[] = [];
  mock.method(console, 'debug', (...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  const answers: Array<SendResult | Error> = [
    { status: 415, gzipped: true },
    { status: 503 },
    { status: 200 },
    { status: 400 },
    new Error('offline'),
  ];
  const transport = async () => {
    const answer = answers.shift() ?? { status: 200 };
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const t = createTelemetry({ transport, storage: memoryStorage(), did: 'd1', sessionEvents: false, debug: true });
  t.interact({ type: 'CLICK', id: 'x' });
  await t.flush();
  await tick(500);
  t.interact({ type: 'CLICK', id: 'y' });
  await t.flush();
  t.interact({ type: 'CLICK', id: 'z' });
  await t.flush();
  const delivery = lines.filter((l) => /^\[telemetry\] (gzip refused|failed|sent|refused|transport threw)/.test(l));
  assert.deepEqual(delivery, [
    '[telemetry] gzip refused 415',
    '[telemetry] failed 503 retry 1 in 500',
    '[telemetry] sent 1',
    '[telemetry] refused 400 dropped 1',
    '[telemetry] transport threw Error: offline',
    '[telemetry] failed 0 retry 1 in 500',
  ]);
});
