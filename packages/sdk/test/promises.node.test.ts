/**
 * Issue 9's kinds A–H in Node, against the real collector (and, where a hop in between matters, a gateway in front of
 * it): every event that must arrive is counted in the store exactly once, and nothing reaches the host process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTelemetry, fetchTransport, memoryStorage, type SendRequest } from '../src/index.js';
import { collector, gateway, hostFailures, mapStorage, midRecorder, until } from './helpers.js';

describe('the SDK keeps its promise in Node (real collector)', { timeout: 600_000 }, () => {
  let c: Awaited<ReturnType<typeof collector>>;
  before(async () => {
    c = await collector();
  });
  after(() => c.close());

  // A long request timeout where the test is not about timeouts: a loaded machine must not add retries.
  const base = { sessionEvents: false, flushIntervalMs: 50, storage: memoryStorage(), requestTimeoutMs: 120_000 };

  test('A: a cycle, a BigInt or a throwing getter costs at most its own event, reported once', async () => {
    const rec = midRecorder();
    const errors: string[] = [];
    const failures = await hostFailures(async () => {
      const t = createTelemetry({
        ...base,
        url: c.endpoint,
        beforeSend: rec.beforeSend,
        onError: (e) => errors.push(e.code),
      });
      for (let i = 0; i < 7; i++) t.interact({ type: 'CLICK', id: 'clean-' + i });
      const extra: Record<string, unknown> = { shared: [1] };
      const cyclic = { type: 'CLICK', id: 'cyclic', extra };
      extra.self = cyclic;
      extra.again = extra.shared; // a shared reference that is not a cycle is written twice, not cut
      t.interact(cyclic as never);
      t.interact({ type: 'CLICK', id: 'big', extra: { n: 10n ** 20n } } as never);
      t.interact({
        type: 'CLICK',
        id: 'hostile',
        get extra() {
          throw new Error('getter');
        },
      } as never);
      await t.flush();
      assert.deepEqual(
        { ...t.stats(), retries: 0 },
        { queued: 9, sent: 9, evicted: 0, rejected: 0, dropped: 1, retries: 0, replaced: 2, storageErrors: 0 },
      );
      await t.shutdown();
    });
    assert.deepEqual(failures, []);
    assert.deepEqual(errors, ['UNSERIALIZABLE'], 'reported once');
    const sent = rec.mids.slice(0, 9);
    assert.deepEqual(await c.counts(sent), Array(9).fill(1));
    assert.equal(await c.stored(rec.mids.slice(9)), 0, 'the unserialisable event is not sent');
    const stored = await c.raw(sent.slice(7));
    const byId = Object.fromEntries(stored.map((e) => [e.edata.id, e.edata]));
    assert.deepEqual(byId.cyclic.extra, { shared: [1], self: '[Circular]', again: [1] });
    assert.deepEqual(byId.big.extra, { n: '100000000000000000000' });
  });

  test('B: a storage that refuses writes keeps every event in memory, and counts the failures', async () => {
    const rec = midRecorder();
    const full = mapStorage();
    // The host site's own data fills the quota: any write over 100 characters throws, as localStorage does.
    const storage = {
      ...full,
      setItem: (k: string, v: string) => {
        if (v.length > 100) throw Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
        full.setItem(k, v);
      },
    };
    const t = createTelemetry({ ...base, url: c.endpoint, storage, beforeSend: rec.beforeSend, batchSize: 100 });
    for (let i = 0; i < 11; i++) t.interact({ type: 'CLICK', id: 'quota-' + i });
    await new Promise((r) => setImmediate(r));
    assert.ok(t.stats().storageErrors >= 1, JSON.stringify(t.stats()));
    await t.flush();
    assert.deepEqual(await c.counts(rec.mids), Array(11).fill(1));
    assert.equal(t.stats().evicted, 0);
    await t.shutdown();
  });

  test('C: a sendBeacon fallback is not an acknowledgement: the batch stays queued until a 2xx', async () => {
    // A dying page's keepalive fetch fails (collector unreachable); sendBeacon answers true ("queued").
    const nav = globalThis as { navigator?: unknown };
    const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    const beacons: string[] = [];
    Object.defineProperty(globalThis, 'navigator', {
      configurable: true,
      value: { sendBeacon: (url: string) => beacons.push(url) > 0 },
    });
    try {
      const r = await fetchTransport({
        url: 'http://127.0.0.1:9/v1/telemetry',
        headers: {},
        body: '{"events":[]}',
        unload: true,
        gzip: true,
      });
      assert.equal(r.status, 0, 'not delivered');
      assert.deepEqual(beacons, ['http://127.0.0.1:9/v1/telemetry'], 'the beacon was still tried');
      // Not on a regular send: a beacon is only for a page going away.
      await fetchTransport({
        url: 'http://127.0.0.1:9/v1/telemetry',
        headers: {},
        body: '{}',
        unload: false,
        gzip: true,
      });
      assert.equal(beacons.length, 1);
    } finally {
      if (had) Object.defineProperty(globalThis, 'navigator', had);
      else delete nav.navigator;
    }
  });

  test('D: a flush timer firing while a request is in flight does not stop later sends', async () => {
    const rec = midRecorder();
    let calls = 0;
    // The first answer takes longer than two flush intervals.
    const slowFirst = async (r: SendRequest) => {
      if (calls++ === 0) await new Promise((res) => setTimeout(res, 300));
      return fetchTransport(r);
    };
    const t = createTelemetry({
      ...base,
      url: c.endpoint,
      transport: slowFirst,
      beforeSend: rec.beforeSend,
      flushIntervalMs: 100,
    });
    t.interact({ type: 'CLICK', id: 'd-0' });
    await until(() => calls === 1);
    for (let i = 1; i < 4; i++) {
      t.interact({ type: 'CLICK', id: 'd-' + i });
      await new Promise((r) => setTimeout(r, 80));
    }
    // No flush(), no shutdown(): only the timer may send them.
    assert.deepEqual(await c.counts(rec.mids), [1, 1, 1, 1]);
    t.interact({ type: 'CLICK', id: 'd-later' });
    assert.deepEqual(await c.counts(rec.mids), [1, 1, 1, 1, 1]);
    await t.shutdown();
  });

  test('E: a request that never gets an answer times out; later sends go on, and shutdown() returns', async () => {
    const gw = await gateway(c.url, (n) => (n === 0 ? 'hang' : 'forward'));
    const rec = midRecorder();
    try {
      const t = createTelemetry({
        ...base,
        url: gw.url + '/v1/telemetry',
        beforeSend: rec.beforeSend,
        requestTimeoutMs: 300,
      });
      for (let i = 0; i < 27; i++) t.interact({ type: 'CLICK', id: 'e-' + i });
      // No flush(): the timeout turns the hung request into a retry, and the retry timer sends everything.
      assert.deepEqual(await c.counts(rec.mids), Array(27).fill(1));
      assert.equal(gw.seen[0].answered, 'hang');
      assert.ok(t.stats().retries >= 1);
      await t.shutdown();

      // shutdown() while the only request hangs: it resolves, the events stay queued for a later run.
      const hung = await gateway(c.url, () => 'hang');
      try {
        const u = createTelemetry({ ...base, url: hung.url + '/v1/telemetry', requestTimeoutMs: 300 });
        u.interact({ type: 'CLICK', id: 'e-hung' });
        await u.shutdown();
        assert.deepEqual([hung.seen.length, u.stats().sent, u.stats().retries], [1, 0, 1]);
      } finally {
        await hung.close();
      }
    } finally {
      await gw.close();
    }
  });

  test('F: opted out by default, nothing is written to storage until optIn(), and nothing sent', async () => {
    const storage = mapStorage();
    const rec = midRecorder();
    const t = createTelemetry({
      ...base,
      url: c.endpoint,
      storage,
      optOutByDefault: true,
      sessionEvents: true,
      beforeSend: rec.beforeSend,
    });
    t.interact({ type: 'CLICK', id: 'before-consent' });
    t.endSession();
    await t.flush();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([...storage.data.keys()], [], 'nothing written before consent');
    assert.deepEqual(rec.mids, [], 'nothing even built');
    t.optIn();
    assert.deepEqual([...storage.data.keys()].sort(), ['telemetry:device', 'telemetry:optout', 'telemetry:queue']);
    assert.equal(storage.data.get('telemetry:device'), t.did);
    t.interact({ type: 'CLICK', id: 'after-consent' });
    await t.flush();
    assert.deepEqual(await c.counts(rec.mids), [1, 1], 'START of the session and the click');
    t.optOut();
    assert.deepEqual([...storage.data.keys()], [], 'opting out (the default) erases what was written');
    await t.shutdown();
  });

  for (const refusal of [415, 400])
    test(`G: a gateway answering ${refusal} to gzip gets the batch again uncompressed, and no gzip after`, async () => {
      const gw = await gateway(c.url, (_n, req) =>
        req.headers['content-encoding'] === 'gzip' ? { status: refusal } : 'forward',
      );
      const rec = midRecorder();
      try {
        const t = createTelemetry({
          ...base,
          url: gw.url + '/v1/telemetry',
          beforeSend: rec.beforeSend,
          batchSize: 5,
        });
        // Bodies over 1 KiB, so compression is tried.
        for (let i = 0; i < 13; i++) t.interact({ type: 'CLICK', id: 'g-' + i, extra: { pad: 'x'.repeat(300) } });
        await t.flush();
        assert.deepEqual(await c.counts(rec.mids), Array(13).fill(1));
        assert.deepEqual(
          gw.seen.map((r) => [r.headers['content-encoding'] ?? 'identity', r.answered]),
          [
            ['gzip', refusal],
            ['identity', 200],
            ['identity', 200],
            ['identity', 200],
          ],
        );
        assert.equal(gw.batch(0).params.msgid, gw.batch(1).params.msgid, 'the same batch, resent');
        assert.deepEqual([t.stats().rejected, t.stats().sent], [0, 13]);
        await t.shutdown();
      } finally {
        await gw.close();
      }
    });

  test('G: a 400 that repeats uncompressed is the batch’s own fault: dropped and counted, not retried', async () => {
    const gw = await gateway(c.url, () => ({ status: 400 }));
    try {
      const t = createTelemetry({ ...base, url: gw.url + '/v1/telemetry', batchSize: 5 });
      for (let i = 0; i < 5; i++) t.interact({ type: 'CLICK', id: 'bad-' + i, extra: { pad: 'x'.repeat(300) } });
      await t.flush();
      assert.deepEqual(
        gw.seen.map((r) => r.headers['content-encoding'] ?? 'identity'),
        ['gzip', 'identity'],
      );
      assert.deepEqual([t.stats().rejected, t.stats().retries], [5, 0]);
      await t.shutdown();
    } finally {
      await gw.close();
    }
  });

  test('H: the batch envelope carries the send time on the device clock, timeDiff applied as to events', async () => {
    const gw = await gateway(c.url, () => 'forward');
    try {
      const t = createTelemetry({ ...base, url: gw.url + '/v1/telemetry', timeDiff: 3600 });
      const t0 = Date.now();
      t.interact({ type: 'CLICK', id: 'h' });
      await t.flush();
      const t1 = Date.now();
      const batch = gw.batch(0);
      assert.ok(batch.ets >= t0 + 3_600_000 && batch.ets <= t1 + 3_600_000, String(batch.ets - t0));
      assert.ok(batch.events[0].ets >= t0 + 3_600_000 && batch.events[0].ets <= batch.ets);
      await t.shutdown();
    } finally {
      await gw.close();
    }
  });
  for (const status of [301, 307]) {
    test(`I: a ${status} in front of the collector is not followed: nothing dropped, retried with backoff, delivered once it stops`, async () => {
      // A typical http→https move (301) or a temporary one (307) pointing at the real collector.
      const gw = await gateway(c.url, (n) => (n < 2 ? { status, headers: { location: c.endpoint } } : 'forward'));
      const rec = midRecorder();
      // What the default transport made of each answer, and what the SDK told the developer (debug log).
      const answers: Array<[number, boolean | undefined]> = [];
      const logged: string[] = [];
      const debug = console.debug;
      console.debug = (...args: unknown[]) => logged.push(args.join(' '));
      try {
        const t = createTelemetry({
          ...base,
          storage: memoryStorage(),
          url: gw.url + '/v1/telemetry',
          beforeSend: rec.beforeSend,
          debug: true,
          transport: async (request: SendRequest) => {
            const answer = await fetchTransport(request);
            answers.push([answer.status, answer.redirected]);
            return answer;
          },
        });
        // Bodies over 1 KiB, so they go gzipped (a stream fetch could not replay for a 307).
        for (let i = 0; i < 13; i++)
          t.interact({ type: 'CLICK', id: `r${status}-${i}`, extra: { pad: 'x'.repeat(300) } });
        await t.flush();
        assert.deepEqual([t.stats().sent, t.stats().rejected, t.stats().retries], [0, 0, 1], 'kept, to retry');
        // The backoff applies (the first retry waits at least 500 ms): a redirect that stays does not spin.
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(gw.seen.length, 1);
        await t.flush();
        await t.flush();
        assert.deepEqual(await c.counts(rec.mids), Array(13).fill(1));
        assert.deepEqual(
          gw.seen.map((r) => [r.headers['content-encoding'], r.answered]),
          [
            ['gzip', status],
            ['gzip', status],
            ['gzip', 200],
          ],
        );
        assert.deepEqual([t.stats().sent, t.stats().rejected, t.stats().retries], [13, 0, 2]);
        assert.deepEqual(answers, [
          [status, true],
          [status, true],
          [200, undefined],
        ]);
        assert.equal(
          logged.filter((l) =>
            l.includes(`failed ${status} (a redirect, not followed: set url to the collector) retry`),
          ).length,
          2,
          logged.join('\n'),
        );
        await t.shutdown();
      } finally {
        console.debug = debug;
        await gw.close();
      }
    });
  }
});
