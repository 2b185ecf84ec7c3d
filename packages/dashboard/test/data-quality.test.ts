/**
 * The data-quality page's panels in real Chromium. The PostHog forwarder's: with the forwarder configured (pointed at
 * a local PostHog-format `/batch/` server that answers 503 once) its figures equal GET /api/forward/status — lag,
 * sent, refused, sent again, dead letters, the last error; without the forwarder the panel is absent. Freshness:
 * after a few events are loaded and summarized, its figures are /health's (seconds to visible and to sessions at the
 * 99th percentile, events waiting for either), and it says whether the pipeline keeps up.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_SKIP, launchChromium } from '../../server/test/chromium.js';
import { eventually, interact, postBatch, startTestServer } from '../../server/test/helpers.js';
import { forwardConfig, startBatchServer } from '../../server/test/posthog-batch-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUILT = fs.existsSync(path.join(ROOT, 'packages/dashboard/dist/index.html'));
const SKIP = CHROMIUM_SKIP || (BUILT ? false : 'data-quality suite: packages/dashboard/dist missing (npm run build)');
const TOKEN = 'data-quality-token';
const KEY = 'phc_forward_status';

interface Status {
  enabled: boolean;
  lagEvents: number;
  lagSeconds: number;
  sent: number;
  failed: number;
  resent: number;
  deadLetters: number;
  lastError?: string;
}

let browser: Browser;
const closers: Array<() => Promise<void>> = [];
before(async () => {
  if (!SKIP) browser = await launchChromium();
});
after(async () => {
  for (const close of closers.reverse()) await close();
  await browser?.close();
});

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript((t) => sessionStorage.setItem('telemetry.adminToken', t), TOKEN);
  await page.goto(`${url}/#/quality`);
  return page;
}

const figure = async (page: Page, id: string) =>
  Number((await page.getByTestId(id).innerText({ timeout: 60_000 })).replace(/,/g, ''));

describe('data quality: the forwarder panel', { skip: SKIP }, () => {
  test('shows the figures of /api/forward/status when the forwarder is configured', async () => {
    // The first request is answered 503 (sent again after a backoff); the poison event is refused (dead letter).
    const posthog = await startBatchServer(KEY, (i, batch) => ({
      status: i === 0 ? 503 : batch.some((m) => m.properties['edata.id'] === 'poison') ? 400 : 200,
    }));
    closers.push(posthog.close);
    const server = await startTestServer({
      adminToken: TOKEN,
      forwardPostHog: forwardConfig(posthog.url, KEY),
    });
    closers.push(server.close);
    const events = Array.from({ length: 7 }, (_, i) =>
      interact({
        mid: `fs-${i}-${Date.now()}`,
        ets: Date.now(),
        ...(i === 3 ? { edata: { type: 'CLICK', id: 'poison' } } : {}),
      }),
    );
    const res = await postBatch(server, {
      id: 'api.sunbird.telemetry',
      ver: '3.0',
      params: { msgid: `fs-${Date.now()}` },
      events,
    });
    assert.equal(res.status, 200);
    const status = async () =>
      (await (
        await fetch(`${server.url}/api/forward/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json()) as Status;
    await eventually(async () => {
      const s = await status();
      return s.sent === 6 && s.failed === 1 && s.lagEvents === 0 && s.deadLetters === 1;
    });
    const api = await status();
    assert.ok(api.resent >= 7, `the 503'd batch was sent again (${api.resent})`);
    const page = await open(server.url);
    await page.getByTestId('forward-status').waitFor({ timeout: 60_000 });
    assert.equal(await figure(page, 'forward-sent'), api.sent);
    assert.equal(await figure(page, 'forward-failed'), api.failed);
    assert.equal(await figure(page, 'forward-resent'), api.resent);
    assert.equal(await figure(page, 'forward-lag-events'), api.lagEvents);
    assert.equal(await figure(page, 'forward-lag-seconds'), api.lagSeconds);
    assert.equal(await figure(page, 'forward-dead-letters'), api.deadLetters);
    assert.ok(api.lastError);
    assert.ok((await page.getByTestId('forward-last-error').innerText()).includes(api.lastError));
    await page.close();
  });

  test('is absent when the forwarder is not configured', async () => {
    const server = await startTestServer({ adminToken: TOKEN });
    closers.push(server.close);
    const page = await open(server.url);
    await page.getByTestId('failed-total').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('forward-status').count(), 0);
    await page.close();
  });
});

interface Details {
  unloaded_events: number;
  unsummarized_events: number;
  visible_p99_ms: number | null;
  summarized_p99_ms: number | null;
}

describe('data quality: the freshness panel', { skip: SKIP }, () => {
  test("shows /health's figures", async () => {
    const server = await startTestServer({ adminToken: TOKEN });
    closers.push(server.close);
    const events = Array.from({ length: 9 }, (_, i) => interact({ mid: `fp-${i}-${Date.now()}`, ets: Date.now() - i }));
    assert.equal((await postBatch(server, { id: 'api.sunbird.telemetry', ver: '3.0', events })).status, 200);
    const health = async () =>
      (
        (await (await fetch(`${server.url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
          result: { healthy: boolean; details: Details };
        }
      ).result;
    await eventually(async () => (await health()).details.summarized_p99_ms !== null);
    const h = await health();
    assert.equal(h.healthy, true);
    const page = await open(server.url);
    const text = (id: string) => page.getByTestId(id).innerText({ timeout: 60_000 });
    const seconds = (ms: number | null) =>
      ms === null ? '–' : (ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 });
    assert.equal(await text('freshness-visible'), seconds(h.details.visible_p99_ms));
    assert.equal(await text('freshness-summarized'), seconds(h.details.summarized_p99_ms));
    assert.equal(await text('freshness-unloaded'), String(h.details.unloaded_events));
    assert.equal(await text('freshness-unsummarized'), String(h.details.unsummarized_events));
    assert.match(await text('freshness-health'), /keeping up/);
    await page.close();
  });
});
