/**
 * The Cohorts page in real Chromium (issue 13): a cohort saved from the form is listed with its count now, its actors
 * are listed with links to their timelines, a bad one shows the API's message naming the field, the insight
 * builder's "In cohort" picker narrows a trend to the cohort, a stickiness chart broken down by the cohort shows the
 * cohort's table with its actors a click away, and the sessions insight offers both pickers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_SKIP, launchChromium } from '../../server/test/chromium.js';
import { eventually, interact, postBatch, sql, startTestServer } from '../../server/test/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUILT = fs.existsSync(path.join(ROOT, 'packages/dashboard/dist/index.html'));
const SKIP = CHROMIUM_SKIP || (BUILT ? false : 'cohorts-page suite: packages/dashboard/dist missing (npm run build)');
const TOKEN = 'cohorts-page-token';

let browser: Browser;
let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  if (SKIP) return;
  browser = await launchChromium();
  server = await startTestServer({ adminToken: TOKEN });
  // t1 submits 3 times, t2 once, t3 clicks once.
  const now = Date.now() - 60_000;
  const events = [
    ...['t1', 't1', 't1', 't2'].map((id, i) => interact({ ets: now + i, actor: { id, type: 'User' } })),
    interact({ ets: now + 9, actor: { id: 't3', type: 'User' }, edata: { type: 'CLICK', id: 'open', pageid: 'home' } }),
  ];
  const res = await postBatch(server, { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: 'm-cp' }, events });
  assert.equal(res.status, 200);
  await eventually(async () => Number((await sql(server, 'SELECT count(*) FROM events', TOKEN))[0][0]) === 5);
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

async function open(hash: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript((t) => sessionStorage.setItem('telemetry.adminToken', t), TOKEN);
  await page.goto(`${server.url}/#/${hash}`);
  return page;
}

describe('the Cohorts page', { skip: SKIP }, () => {
  test('save a cohort from the form, see its count and its actors, pick it in the builder', async () => {
    const page = await open('cohorts');
    await page.getByLabel('Name').fill('Submitted twice');
    await page.getByLabel('Actors who').selectOption('did');
    await page.getByLabel('Event').fill('INTERACT');
    await page.getByLabel('at least (times)').fill('2');
    await page.getByRole('button', { name: 'Save cohort' }).click();
    const row = page.getByTestId('cohorts').getByRole('row', { name: /Submitted twice/ });
    await row.getByTestId('cohort-count').filter({ hasText: '1' }).waitFor({ timeout: 60_000 });

    await row.getByRole('link', { name: 'Submitted twice' }).click();
    const list = page.getByTestId('actor-list');
    await list.waitFor({ timeout: 60_000 });
    assert.deepEqual(await list.getByRole('link').allInnerTexts(), ['t1']);
    assert.match((await list.getByRole('link').getAttribute('href')) ?? '', /#\/actors\?actor=t1/);

    // A bad one: the API's message names the field.
    await page.getByLabel('Name').fill('Bad');
    await page.getByLabel('Event').fill('');
    await page.getByRole('button', { name: 'Save cohort' }).click();
    await page.getByRole('alert').filter({ hasText: 'definition.criteria[0].eid' }).waitFor({ timeout: 60_000 });

    // In the builder: unique INTERACT actors over the last day, then only those in the cohort.
    const query = {
      series: [{ eid: 'INTERACT', math: 'unique_actors' }],
      dateRange: { from: '-1d' },
      aggregate: 'range',
    };
    const insights = await open(`insights?kind=trends&q=${encodeURIComponent(JSON.stringify(query))}`);
    const picker = insights.getByLabel('In cohort');
    await picker.waitFor({ timeout: 60_000 });
    const options = await picker.locator('option').allInnerTexts();
    assert.deepEqual(options, ['any actor', 'in Submitted twice', 'not in Submitted twice']);
    await picker.selectOption({ label: 'in Submitted twice' });
    await eventually(async () => {
      const q = JSON.parse(new URL(insights.url().replace('#/', '')).searchParams.get('q') ?? '{}');
      return q.filters?.length === 1 && typeof q.filters[0].cohort === 'string' && q.filters[0].operator === 'in';
    });
    await insights.close();

    // Stickiness broken down by the cohort: its own table under the whole one, a bar's actors a click away.
    const days = { series: [{ eid: 'INTERACT' }], dateRange: { from: '-1d' } };
    const sticky = await open(`insights?kind=stickiness&q=${encodeURIComponent(JSON.stringify(days))}`);
    const byCohort = sticky.getByLabel('Cohort breakdown');
    await byCohort.waitFor({ timeout: 60_000 });
    await byCohort.selectOption({ label: 'Submitted twice' });
    const table = sticky.getByRole('region', { name: 'Actors by number of active days: Submitted twice' });
    await table.waitFor({ timeout: 60_000 });
    // t1 only, active on one day.
    await table.getByRole('link', { name: '1' }).click();
    await sticky.getByTestId('actor-count').filter({ hasText: '1' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(await sticky.getByTestId('actor-list').getByRole('link').allInnerTexts(), ['t1']);
    await sticky.close();

    // The sessions insight offers both pickers too.
    const sessions = await open('insights?kind=sessions');
    await sessions.getByLabel('In cohort').waitFor({ timeout: 60_000 });
    await sessions.getByLabel('Cohort breakdown').waitFor({ timeout: 60_000 });
    await sessions.close();
    await page.close();
  });
});
