/**
 * The data-quality page's freshness panel in real Chromium: after a few events are loaded and summarized, its figures
 * are /health's (seconds to visible and to sessions at the 99th percentile, events waiting for either), and it says
 * whether the pipeline keeps up.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { CHROMIUM_SKIP, launchChromium } from '../../server/test/chromium.js';
import { eventually, interact, postBatch, startTestServer } from '../../server/test/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUILT = fs.existsSync(path.join(ROOT, 'packages/dashboard/dist/index.html'));
const SKIP =
  CHROMIUM_SKIP || (BUILT ? false : 'freshness panel suite: packages/dashboard/dist missing (npm run build)');
const TOKEN = 'freshness-token';

let browser: Browser;
const closers: Array<() => Promise<void>> = [];
before(async () => {
  if (!SKIP) browser = await launchChromium();
});
after(async () => {
  for (const close of closers.reverse()) await close();
  await browser?.close();
});

interface Details {
  unloaded_events: number;
  unsummarized_events: number;
  visible_p99_ms: number | null;
  summarized_p99_ms: number | null;
}

test("data quality: the freshness panel shows /health's figures", { skip: SKIP }, async () => {
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
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript((t) => sessionStorage.setItem('telemetry.adminToken', t), TOKEN);
  await page.goto(`${server.url}/#/quality`);
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
