/**
 * Issue 9's kinds A–H in real Chromium against the real collector: every event that must arrive is counted in the
 * store exactly once, and nothing is thrown into the page (no page error, no console error). Also the tab-shared
 * queue, the keepalive budget at page close, and auto-capture of errors and interrupts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_SKIP, launchChromium } from '../../server/test/chromium.js';
import { collector, until } from './helpers.js';

const skip = CHROMIUM_SKIP;
const PAGE = '/sdk-test-page';
const DAY = 86_400_000;

/** What the page sees: `window.t` (the client, once made), `mids` (every tracked mid), and a visibility switch. */
type Win = {
  t: {
    stats(): Record<string, number>;
    flush(): Promise<void>;
    interact(e: unknown, o?: unknown): void;
    optIn(): void;
    did: string;
  };
  mids: string[];
  errors: string[];
  setVisibility(v: 'visible' | 'hidden'): void;
  Telemetry: { createTelemetry(c: unknown): Win['t']; autocapture(t: unknown, o: unknown): void };
};

describe('the SDK keeps its promise in Chromium (real collector)', { skip, timeout: 900_000 }, () => {
  let c: Awaited<ReturnType<typeof collector>>;
  let browser: Browser;

  before(async () => {
    if (!fs.existsSync(path.resolve(import.meta.dirname, '../dist/telemetry-autocapture.min.js')))
      throw new Error('run npm run build first');
    c = await collector();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await c?.close();
  });

  /**
   * A page on the collector's origin loading the auto-capture build, with a visibility switch (headless Chromium
   * never hides a page by itself) and a record of everything thrown into the page or logged as an error.
   */
  async function open(context?: BrowserContext, init?: string) {
    const ctx = context ?? (await browser.newContext());
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    const thrown: string[] = [];
    page.on('pageerror', (e) => thrown.push('pageerror: ' + e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource|net::ERR/.test(m.text()))
        thrown.push('console: ' + m.text());
    });
    await page.route('**' + PAGE, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><title>t</title><script src="/sdk/telemetry-autocapture.min.js"></script>',
      }),
    );
    // tsx names the functions this file hands to page.evaluate with a __name helper the page lacks.
    await page.addInitScript(`
      window.__name = (f) => f;
      window.mids = [];
      let vis = 'visible';
      Object.defineProperty(Document.prototype, 'visibilityState', { get: () => vis, configurable: true });
      Object.defineProperty(Document.prototype, 'hidden', { get: () => vis === 'hidden', configurable: true });
      window.setVisibility = (v) => { vis = v; document.dispatchEvent(new Event('visibilitychange')); };
      ${init ?? ''}`);
    await page.goto(c.url + PAGE);
    return { context: ctx, page, thrown };
  }

  /** Makes `window.t` with the given config (JSON) plus a beforeSend that records mids. */
  const make = (page: Page, config: Record<string, unknown>) =>
    page.evaluate((cfg) => {
      const w = window as unknown as Win;
      w.t = w.Telemetry.createTelemetry({
        url: '/v1/telemetry',
        sessionEvents: false,
        ...cfg,
        beforeSend: (e: { mid: string }) => {
          w.mids.push(e.mid);
          return e;
        },
      });
    }, config);
  const mids = (page: Page) => page.evaluate(() => (window as unknown as Win).mids.slice());
  const stats = (page: Page) => page.evaluate(() => (window as unknown as Win).t.stats());

  test('A: a cyclic value and a BigInt cost nothing else; nothing reaches the console', async () => {
    const { context, page, thrown } = await open();
    await make(page, { flushIntervalMs: 100 });
    await page.evaluate(() => {
      const w = window as unknown as Win;
      for (let i = 0; i < 7; i++) w.t.interact({ type: 'CLICK', id: 'clean-' + i });
      const extra: Record<string, unknown> = {};
      extra.self = extra;
      w.t.interact({ type: 'CLICK', id: 'cyclic', extra });
      w.t.interact({ type: 'CLICK', id: 'big', extra: { n: BigInt(7) } });
    });
    const tracked = await mids(page);
    assert.deepEqual(await c.counts(tracked), Array(9).fill(1));
    await page.waitForTimeout(500); // a few more flush intervals: the old failure repeated on each
    assert.deepEqual(thrown, []);
    assert.equal((await stats(page)).replaced, 2);
    await context.close();
  });

  test('B: localStorage filled by the host site: every event still arrives, none evicted', async () => {
    const { context, page, thrown } = await open();
    await page.evaluate(() => {
      // The host's own data takes the origin's quota, to the last character.
      let key = 0;
      for (let size = 1 << 20; size >= 1; size >>= 1) {
        const chunk = 'h'.repeat(size);
        for (;;) {
          try {
            localStorage.setItem('host-' + key++, chunk);
          } catch {
            break;
          }
        }
      }
    });
    await make(page, { flushIntervalMs: 100 });
    await page.evaluate(() => {
      const w = window as unknown as Win;
      for (let i = 0; i < 11; i++) w.t.interact({ type: 'CLICK', id: 'quota-' + i });
    });
    assert.deepEqual(await c.counts(await mids(page)), Array(11).fill(1));
    const s = await stats(page);
    assert.ok(s.storageErrors >= 1, JSON.stringify(s));
    assert.equal(s.evicted, 0);
    assert.deepEqual(thrown, []);
    await context.close();
  });

  test('C: collector unreachable while hidden: the beacon counts for nothing, the events wait and arrive once', async () => {
    const { context, page, thrown } = await open();
    await make(page, { flushIntervalMs: 600_000, batchSize: 100 });
    await page.route('**/v1/telemetry', (route) => route.abort());
    await page.evaluate(() => {
      const w = window as unknown as Win;
      for (let i = 0; i < 6; i++) w.t.interact({ type: 'CLICK', id: 'hidden-' + i });
      w.setVisibility('hidden');
    });
    await page.waitForTimeout(500);
    const tracked = await mids(page);
    assert.equal((await stats(page)).sent, 0, 'nothing acknowledged');
    const queued = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith('telemetry:queue'))
        .flatMap((k) => (JSON.parse(localStorage.getItem(k) || '[]') as Array<{ mid: string }>).map((e) => e.mid)),
    );
    assert.deepEqual(queued, tracked, 'still queued in storage');
    await page.unroute('**/v1/telemetry');
    await page.evaluate(() => {
      const w = window as unknown as Win;
      w.setVisibility('visible');
      return w.t.flush();
    });
    assert.deepEqual(await c.counts(tracked), Array(6).fill(1));
    assert.equal((await stats(page)).sent, 6);
    assert.deepEqual(thrown, []);
    await context.close();
  });

  test('D: a flush timer firing during a slow request: later events still go within the interval', async () => {
    const { context, page, thrown } = await open();
    let n = 0;
    await page.route('**/v1/telemetry', async (route) => {
      if (n++ === 0) await new Promise((r) => setTimeout(r, 600));
      await route.continue();
    });
    await make(page, { flushIntervalMs: 100 });
    await page.evaluate(async () => {
      const w = window as unknown as Win;
      for (let i = 0; i < 4; i++) {
        w.t.interact({ type: 'CLICK', id: 'slow-' + i });
        await new Promise((r) => setTimeout(r, 150));
      }
    });
    assert.deepEqual(await c.counts(await mids(page)), [1, 1, 1, 1]);
    await page.evaluate(() => (window as unknown as Win).t.interact({ type: 'CLICK', id: 'after' }));
    assert.deepEqual(await c.counts(await mids(page)), [1, 1, 1, 1, 1], 'no flush, no hide: the timer sent it');
    assert.deepEqual(thrown, []);
    await context.close();
  });

  test('E: a request that never gets an answer times out: all 27 events arrive', async () => {
    const { context, page, thrown } = await open();
    let n = 0;
    await page.route('**/v1/telemetry', (route) => {
      if (n++ === 0) return; // never answered
      return route.continue();
    });
    await make(page, { flushIntervalMs: 200, requestTimeoutMs: 1000 });
    await page.evaluate(() => {
      const w = window as unknown as Win;
      for (let i = 0; i < 27; i++) w.t.interact({ type: 'CLICK', id: 'hang-' + i });
    });
    assert.deepEqual(await c.counts(await mids(page)), Array(27).fill(1));
    assert.ok((await stats(page)).retries >= 1);
    assert.deepEqual(thrown, []);
    await context.close();
  });

  test('F: opted out by default, nothing is written to localStorage before optIn()', async () => {
    const { context, page, thrown } = await open();
    await make(page, { optOutByDefault: true, sessionEvents: true, flushIntervalMs: 100 });
    const before = await page.evaluate(() => {
      const w = window as unknown as Win;
      w.t.interact({ type: 'CLICK', id: 'no-consent' });
      w.setVisibility('hidden');
      w.setVisibility('visible');
      return Object.keys(localStorage);
    });
    assert.deepEqual(before, []);
    assert.deepEqual(await mids(page), []);
    const keys = await page.evaluate(async () => {
      const w = window as unknown as Win;
      w.t.optIn();
      w.t.interact({ type: 'CLICK', id: 'consent' });
      await Promise.resolve(); // the burst's write
      const written = Object.keys(localStorage).sort();
      await w.t.flush();
      return written;
    });
    // The queue is written under the page's own snapshot key (see EventQueue).
    assert.deepEqual(
      keys.map((k) => k.replace(/^telemetry:queue:[0-9a-f-]{36}$/, 'telemetry:queue:<page>')),
      ['telemetry:device', 'telemetry:optout', 'telemetry:queue:<page>', 'telemetry:session'],
    );
    assert.deepEqual(await c.counts(await mids(page)), [1, 1], 'START and the click, once each');
    assert.deepEqual(thrown, []);
    await context.close();
  });

  test('G: a gateway answering 415 to gzip: resent uncompressed, compression off after; 13 of 13 arrive', async () => {
    const { context, page, thrown } = await open();
    const encodings: string[] = [];
    await page.route('**/v1/telemetry', async (route) => {
      const enc = (await route.request().allHeaders())['content-encoding'] ?? 'identity';
      encodings.push(enc);
      if (enc === 'gzip') return route.fulfill({ status: 415, body: '{}' });
      return route.continue();
    });
    await make(page, { batchSize: 5, flushIntervalMs: 100 });
    await page.evaluate(async () => {
      const w = window as unknown as Win;
      for (let i = 0; i < 13; i++) w.t.interact({ type: 'CLICK', id: 'gz-' + i, extra: { pad: 'x'.repeat(300) } });
      await w.t.flush();
    });
    assert.deepEqual(await c.counts(await mids(page)), Array(13).fill(1));
    assert.deepEqual(encodings, ['gzip', 'identity', 'identity', 'identity']);
    assert.deepEqual(thrown, []);
    await context.close();
  });

  for (const status of [301, 307]) {
    test(`I: a ${status} in front of the collector is not followed: kept, retried, 13 of 13 arrive once it stops`, async () => {
      const { context, page, thrown } = await open();
      const answered: number[] = [];
      const moved: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('moved')) moved.push(r.method());
      });
      await page.route('**/v1/telemetry', async (route) => {
        if (answered.length < 2) {
          answered.push(status);
          return route.fulfill({ status, headers: { location: c.endpoint + '?moved' }, body: '' });
        }
        answered.push(200);
        return route.continue();
      });
      await make(page, { batchSize: 20, flushIntervalMs: 100 });
      const first = await page.evaluate(async () => {
        const w = window as unknown as Win;
        // Bodies over 1 KiB: gzipped, as a redirect would have to replay them.
        for (let i = 0; i < 13; i++) w.t.interact({ type: 'CLICK', id: 'rd-' + i, extra: { pad: 'x'.repeat(300) } });
        await w.t.flush();
        return w.t.stats();
      });
      assert.deepEqual([first.sent, first.rejected, first.retries], [0, 0, 1], 'kept, to retry');
      await page.evaluate(async () => {
        const w = window as unknown as Win;
        await w.t.flush();
        await w.t.flush();
      });
      assert.deepEqual(await c.counts(await mids(page)), Array(13).fill(1));
      const s = await stats(page);
      assert.deepEqual([s.sent, s.rejected, s.retries], [13, 0, 2]);
      assert.deepEqual(answered, [status, status, 200]);
      assert.deepEqual(moved, [], 'the redirect was never followed');
      assert.deepEqual(thrown, []);
      await context.close();
    });
  }

  test('H: a device clock a day ahead: ets kept as sent, ets_corrected on the collector clock', async () => {
    const { context, page, thrown } = await open(
      undefined,
      `const realNow = Date.now; Date.now = () => realNow() + ${DAY};`,
    );
    await make(page, { flushIntervalMs: 100 });
    await page.evaluate(() => (window as unknown as Win).t.interact({ type: 'CLICK', id: 'future' }));
    const tracked = await mids(page);
    assert.deepEqual(await c.counts(tracked), [1]);
    const [[ets, corrected, syncts]] = (
      await c.query(`SELECT ets, ets_corrected, syncts FROM events WHERE mid = '${tracked[0]}'`)
    ).map((r) => r.map(Number));
    assert.ok(ets - syncts > DAY - 60_000, 'ets is what the device said');
    assert.ok(Math.abs(corrected - syncts) < 60_000, `corrected to the collector clock: ${corrected - syncts}`);
    assert.deepEqual(thrown, []);
    await context.close();
  });

  test('two tabs offline share one queue: a later tab online sends every event of both, once', async () => {
    const context = await browser.newContext();
    const tabs = [await open(context), await open(context)];
    const tracked: string[] = [];
    for (const [i, { page }] of tabs.entries()) {
      await page.route('**/v1/telemetry', (route) => route.abort());
      await make(page, { flushIntervalMs: 600_000, flushOnHide: false });
      await page.evaluate((i) => {
        const w = window as unknown as Win;
        for (let k = 0; k < 5; k++) w.t.interact({ type: 'CLICK', id: `tab${i}-${k}` });
      }, i);
    }
    for (const { page } of tabs) tracked.push(...(await mids(page)));
    for (const { page } of tabs) await page.close();
    const third = await open(context);
    await make(third.page, { flushIntervalMs: 100 });
    assert.deepEqual(await c.counts(tracked), Array(10).fill(1));
    assert.deepEqual([...tabs.flatMap((t) => t.thrown), ...third.thrown], []);
    await context.close();
  });

  test('page close: the 64 KiB keepalive budget goes at once, the rest on the next load, each event once', async () => {
    const { context, page } = await open();
    await make(page, { flushIntervalMs: 600_000, batchSize: 50 });
    await page.evaluate(() => {
      const w = window as unknown as Win;
      for (let i = 0; i < 200; i++) w.t.interact({ type: 'CLICK', id: 'close-' + i, extra: { pad: 'x'.repeat(800) } });
    });
    const tracked = await mids(page);
    await page.close({ runBeforeUnload: true });
    // Within the budget: some arrive with no page open at all.
    await until(async () => (await c.stored(tracked)) > 0, 60_000);
    const early = await c.stored(tracked);
    assert.ok(early < 200, `more than 64 KiB cannot go at close: ${early}`);
    const next = await open(context);
    await make(next.page, { flushIntervalMs: 100, batchSize: 50 });
    assert.deepEqual(await c.counts(tracked), Array(200).fill(1));
    await context.close();
  });

  test('auto-capture: uncaught errors and rejections become ERROR, hiding and showing become INTERRUPTs', async () => {
    const { context, page } = await open();
    await make(page, { flushIntervalMs: 100 });
    await page.evaluate(() => {
      const w = window as unknown as Win;
      w.Telemetry.autocapture(w.t, { errors: true, interrupts: true });
      setTimeout(() => {
        throw new TypeError('boom in a timer');
      });
      Promise.reject(new RangeError('rejected'));
    });
    await page.waitForTimeout(100);
    await page.evaluate(() => {
      const w = window as unknown as Win;
      w.setVisibility('hidden');
      w.setVisibility('visible');
    });
    const tracked = await until(async () => {
      const m = await mids(page);
      return m.length >= 4 ? m : undefined;
    });
    assert.deepEqual(await c.counts(tracked), [1, 1, 1, 1]);
    const events = await c.raw(tracked);
    const seen = events.map((e) => `${e.eid}:${e.edata.err ?? e.edata.type}`).sort();
    assert.deepEqual(seen, ['ERROR:RangeError', 'ERROR:TypeError', 'INTERRUPT:background', 'INTERRUPT:resume']);
    const boom = events.find((e) => e.edata.err === 'TypeError')!;
    assert.match(String(boom.edata.stacktrace), /boom in a timer/);
    await context.close();
  });
});
