/** Real Chromium against the running collector and the example quiz: capture, offline, page close, reload. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer } from '@telemetry/server';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_SKIP, launchChromium } from '../../server/test/chromium.js';
import { sql, until } from './helpers.js';

const skip = CHROMIUM_SKIP;

describe('SDK in a real browser', { skip, timeout: 120_000 }, () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;

  before(async () => {
    if (!fs.existsSync(path.resolve(import.meta.dirname, '../dist/telemetry-autocapture.min.js')))
      throw new Error('run npm run build first');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-e2e-'));
    server = await startServer({ port: 0, dataDir: dir, logLevel: 'silent' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh browser profile (its own localStorage, so its own device id) on the quiz. */
  async function open(query = '') {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/examples/quiz/${query}`);
    const did = await page.evaluate(() => (window as unknown as { telemetry: { did: string } }).telemetry.did);
    return { context, page, did };
  }
  /** The mids in the page's stored queue (its snapshot key, `telemetry:queue:<uuid>`). */
  const queuedMids = (page: Page) =>
    page.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith('telemetry:queue'))
        .flatMap((k) => (JSON.parse(localStorage.getItem(k) || '[]') as Array<{ mid: string }>).map((e) => e.mid)),
    );
  /** Waits until every mid is in the events table, then returns how often each is there. */
  async function stored(mids: string[]) {
    const list = mids.map((m) => `'${m.replace(/'/g, '')}'`).join(',');
    return until(async () => {
      const rows = await sql(server.url, `SELECT mid, count(*) FROM events WHERE mid IN (${list}) GROUP BY mid`);
      return rows.length === mids.length ? rows : undefined;
    }, 20_000);
  }

  test('navigation and clicks arrive as IMPRESSION and INTERACT', async () => {
    const { context, page, did } = await open('?interval=300');
    await page.click('[data-telemetry-id=start-quiz]');
    await page.waitForURL(/#\/q\/1$/);
    await page.click('[data-telemetry-id=q1-option-0]');
    await page.waitForURL(/#\/q\/2$/);
    const rows = await until(async () => {
      const r = await sql(
        server.url,
        `SELECT eid, edata_id, edata_pageid, edata_duration FROM events WHERE did = '${did}' ORDER BY ets`,
      );
      const eids = r.map((x) => x[0]);
      return eids.filter((e) => e === 'IMPRESSION').length >= 2 && eids.includes('ASSESS') ? r : undefined;
    }, 20_000);
    const impressions = rows.filter((r) => r[0] === 'IMPRESSION');
    assert.deepEqual(
      impressions.map((r) => r[2]),
      ['/examples/quiz/', '/examples/quiz/#/q/1'],
    );
    assert.ok(impressions.every((r) => typeof r[3] === 'number' && r[3] >= 0));
    const clicks = rows.filter((r) => r[0] === 'INTERACT').map((r) => r[1]);
    assert.deepEqual(clicks, ['start-quiz', 'q1-option-0']);
    assert.ok(rows.some((r) => r[0] === 'START'));
    await context.close();
  });

  test('offline: events are created, and back online all arrive exactly once', async () => {
    const { context, page } = await open('?interval=300');
    await page.click('[data-telemetry-id=start-quiz]');
    await context.setOffline(true);
    for (let q = 1; q <= 3; q++) {
      await page.click(`[data-telemetry-id=q${q}-option-1]`);
      await page.waitForURL(new RegExp(q < 3 ? `#/q/${q + 1}$` : '#/q/4$'));
    }
    await page.waitForTimeout(1500); // let sends fail and back off
    const mids = await queuedMids(page);
    assert.ok(mids.length >= 10, `queued while offline: ${mids.length}`);
    await context.setOffline(false);
    const rows = await stored(mids);
    assert.ok(
      rows.every((r) => Number(r[1]) === 1),
      JSON.stringify(rows),
    );
    await context.close();
  });

  test('closing the page delivers the queued events', async () => {
    const { context, page } = await open('?interval=600000&batch=100');
    await page.click('[data-telemetry-id=start-quiz]');
    await page.click('[data-telemetry-id=q1-option-0]');
    await page.waitForURL(/#\/q\/2$/);
    const mids = await queuedMids(page);
    assert.ok(mids.length >= 5, String(mids.length));
    await page.close({ runBeforeUnload: true });
    const rows = await stored(mids);
    assert.ok(rows.every((r) => Number(r[1]) === 1));
    await context.close();
  });

  test('reloading with events left in storage sends them', async () => {
    const { context, page } = await open('?interval=600000&nohide');
    // The collector is unreachable for this page: its events stay in localStorage.
    await page.route('**/v1/telemetry', (route) => route.abort());
    await page.click('[data-telemetry-id=start-quiz]');
    await page.click('[data-telemetry-id=q1-option-2]');
    await page.waitForURL(/#\/q\/2$/);
    const mids = await queuedMids(page);
    assert.ok(mids.length >= 5, String(mids.length));
    await page.unroute('**/v1/telemetry');
    await page.goto(`${server.url}/examples/quiz/?interval=600000`);
    const rows = await stored(mids);
    assert.ok(rows.every((r) => Number(r[1]) === 1));
    await context.close();
  });
});
