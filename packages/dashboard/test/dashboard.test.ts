/**
 * The dashboard in real Chromium against a real server loaded with simulated traffic: figures on
 * screen equal the API's answers, the URL reproduces a view, dashboards persist, a funnel step
 * drills to actors and a timeline, live events arrive, rejected events show on the data-quality
 * page, the admin token is required. Every page is screenshotted at desktop and phone size into
 * .screenshots/ (README) and checked with axe-core (no serious or critical violations).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseInsight } from '@telemetry/query';
import type { Browser, Page } from 'playwright-core';
import { simulateCommand } from '../../server/src/commands/simulate.js';
import { CHROMIUM_SKIP, launchChromium } from '../../server/test/chromium.js';
import { interact, postBatch, startTestServer, tempDir } from '../../server/test/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SHOTS = path.join(ROOT, '.screenshots');
const BUILT = fs.existsSync(path.join(ROOT, 'packages/dashboard/dist/index.html'));
const TOKEN = 'dash-admin-token';
const SKIP = CHROMIUM_SKIP || (BUILT ? false : 'dashboard suite: packages/dashboard/dist missing (npm run build)');
const AXE = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let dataDir: string;

async function api<T>(p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${p}: ${res.status}`);
  return (await res.json()) as T;
}

/** A page already logged in (the token in this tab's session storage, as the login form leaves it). */
async function open(hash: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.addInitScript((t) => sessionStorage.setItem('telemetry.adminToken', t), TOKEN);
  await page.goto(`${server.url}/${hash}`);
  return page;
}

const text = async (page: Page, testid: string) =>
  (await page.getByTestId(testid).first().innerText({ timeout: 60_000 })).trim();
const num = (s: string) => Number(s.replace(/,/g, ''));

before(async () => {
  if (SKIP) return;
  dataDir = tempDir('dashboard-e2e-');
  assert.equal(await simulateCommand(['--data-dir', dataDir, '--users', '80', '--days', '21', '--seed', '3']), 0);
  server = await startTestServer({ dataDir, adminToken: TOKEN });
  browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('dashboard', { skip: SKIP }, () => {
  test('the admin token: refused without it, refused when wrong, let in when right', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Admin token').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('That token was refused').waitFor();
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('home').waitFor();
    assert.equal(await page.evaluate(() => document.cookie), '', 'no cookie holds the token');
    assert.ok(!page.url().includes(TOKEN), 'the token is not in the URL');
    const bare = await fetch(`${server.url}/api/dashboards`);
    assert.equal(bare.status, 401);
    await page.close();
  });

  test('a fresh install: the home page says there is no data and shows the command that loads demo data', async () => {
    const fresh = await startTestServer();
    try {
      const page = await browser.newPage();
      await page.goto(`${fresh.url}/`);
      const command = await page.getByTestId('demo-command').innerText({ timeout: 60_000 });
      assert.equal(command, `npx telemetry simulate --users 200 --url ${fresh.url}`);
      await page.close();
    } finally {
      await fresh.close();
      fs.rmSync(fresh.dataDir, { recursive: true, force: true });
    }
  });

  test('home: loads with no console error (no request of the page fails, the favicon included)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript((t) => sessionStorage.setItem('telemetry.adminToken', t), TOKEN);
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/#/home`, { waitUntil: 'networkidle' });
    await page.getByTestId('active-dau').waitFor({ timeout: 60_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('home: every figure equals the API answer to the query it links to', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript((t) => sessionStorage.setItem('telemetry.adminToken', t), TOKEN);
    const asked: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/')) asked.push(url.pathname);
    });
    await page.goto(`${server.url}/#/home?range=-30d`);
    const query = async (id: string) => JSON.parse((await page.getByTestId(id).getAttribute('data-query')) as string);
    await page.getByTestId('active-dau').waitFor({ timeout: 60_000 });
    // Every figure from one request (GET /api/home), sent beside the access check.
    assert.deepEqual(asked.slice(0, 2).sort(), ['/api/dashboards', '/api/home'], asked.join(' '));
    assert.equal(asked.filter((p) => p.startsWith('/api/insights/')).length, 0, asked.join(' '));
    const active = await api<{ series: { data: (number | null)[] }[] }>(
      '/api/insights/trends',
      await query('fig-active'),
    );
    const lastOf = (d: (number | null)[]) => d.filter((v) => v !== null).at(-1) as number;
    assert.equal(num(await text(page, 'active-dau')), lastOf(active.series[0].data));
    assert.equal(num(await text(page, 'active-mau')), lastOf(active.series[2].data));
    assert.ok(lastOf(active.series[2].data) > 0, 'the demo data has active users');
    const sessions = await api<{ sessions: { count: number } }>('/api/insights/sessions', await query('fig-sessions'));
    assert.equal(num(await text(page, 'sessions-count')), sessions.sessions.count);
    const funnel = await api<{ steps: { count: number }[] }>('/api/insights/funnels', await query('fig-funnel'));
    for (const [i, s] of funnel.steps.entries()) assert.equal(num(await text(page, `funnel-step-${i + 1}`)), s.count);
    const signals = await api<{ series: { data: number[] }[] }>('/api/insights/trends', await query('fig-signals'));
    const total = (d: number[]) => d.reduce((a, b) => a + b, 0);
    assert.equal(num(await text(page, 'signal-interrupt')), total(signals.series[0].data));
    assert.equal(num(await text(page, 'signal-share')), total(signals.series[1].data));
    const feedback = await api<{ series: { data: number[] }[] }>('/api/insights/trends', await query('fig-feedback'));
    assert.equal(num(await text(page, 'feedback-count')), total(feedback.series[1].data));
    const searches = await api<{ series: { data: number[] }[] }>('/api/insights/trends', await query('fig-searches'));
    assert.equal(num(await text(page, 'searches-count')), total(searches.series[0].data));
    const pages = await api<{ series: { total: number; other?: boolean }[] }>(
      '/api/insights/trends',
      await query('fig-pages'),
    );
    const bars = await page
      .getByTestId('top-pages')
      .locator('.n')
      .evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
    assert.deepEqual(
      bars.map(num),
      pages.series.filter((l) => !l.other).map((l) => l.total),
    );
    assert.match(await text(page, 'failed-count'), /^\d[\d,]*$/);
    // Each figure's title links to its insight in the builder.
    assert.match(
      (await page.getByTestId('fig-funnel').getByRole('link').first().getAttribute('href')) as string,
      /^#\/insights\?kind=funnels&q=/,
    );
    await page.close();
  });

  test('before logging in, nothing is asked but whether a token is needed (no page data refused with 401s)', async () => {
    const page = await browser.newPage();
    const asked: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/')) asked.push(url.pathname);
    });
    await page.goto(`${server.url}/#/home`);
    await page.getByLabel('Admin token').waitFor();
    assert.deepEqual(asked, ['/api/dashboards'], 'only the access check');
    await page.close();
  });

  test('home: the key flow shows its rates as the funnel table of its query does, and its picker stays in its card', async () => {
    // 1024 px: three cards of 320 px a row, the narrowest a desktop gets; the flow's longest title is the default.
    for (const width of [1024, 1280]) {
      const page = await open('#/home', { width, height: 900 });
      const steps = page.getByTestId('funnel-steps');
      await steps.waitFor({ timeout: 60_000 });
      const [card, select] = await Promise.all([
        page.getByTestId('fig-funnel').boundingBox(),
        page.getByTestId('fig-funnel').locator('select').boundingBox(),
      ]);
      assert.ok(card && select);
      assert.ok(select.x + select.width <= card.x + card.width, `at ${width}px the picker ends inside its card`);
      if (width === 1280) {
        const rates = await steps.locator('.rate').allInnerTexts();
        await page.getByTestId('fig-funnel').getByRole('link').first().click();
        const table = page.getByTestId('insight-result').locator('table').first();
        await table.locator('tbody tr').first().waitFor({ timeout: 60_000 });
        const column = (await table.locator('thead th').allInnerTexts()).indexOf('conversion %');
        const cells = await table.locator(`tbody tr td:nth-child(${column + 1})`).allInnerTexts();
        assert.deepEqual(cells, rates);
      }
      await page.close();
    }
  });

  test('builder: an empty From says the range the server uses', async () => {
    const q = { series: [{ eid: 'START' }], interval: 'day', dateRange: {} };
    const page = await open(`#/insights?kind=trends&q=${encodeURIComponent(JSON.stringify(q))}`);
    const from = page.getByLabel('From', { exact: true });
    await from.waitFor();
    const shown = (await from.getAttribute('placeholder')) as string;
    // At any one instant, the range asked with From empty is the range asked with the placeholder typed in.
    const now = Date.now();
    const range = (query: unknown) => {
      const parsed = parseInsight('trends', query, now);
      assert.ok(parsed.ok);
      return parsed.value.range;
    };
    assert.deepEqual(range({ ...q, dateRange: { from: shown } }), range(q), `placeholder ${shown}`);
    await page.close();
  });

  test('a refused save says it could not save, and why; the new dashboard keeps its name to be corrected', async () => {
    // A dashboard to save an insight into (made before the page lists the dashboards).
    const board = await api<{ id: string }>('/api/dashboards', { name: 'refused saves' });
    const page = await open('#/dashboards');
    try {
      const name = page.getByLabel('New dashboard');
      await name.fill('   ');
      await page.getByRole('button', { name: 'Create' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /^Could not save the change\. QUERY_INVALID: .*more than spaces/);
      assert.equal(await name.inputValue(), '   ');

      // Saving an insight into that dashboard under a name of spaces: refused by the server, and said so.
      const q = { series: [{ eid: 'START' }], interval: 'day', dateRange: { from: '-7d' } };
      await page.goto(`${server.url}/#/insights?kind=trends&q=${encodeURIComponent(JSON.stringify(q))}`);
      await page.getByRole('combobox', { name: /^Dashboard/ }).selectOption(board.id);
      await page.getByLabel('Insight name').fill('   ');
      await page.getByRole('button', { name: 'Save to dashboard' }).click();
      const refused = page.getByRole('alert').filter({ hasText: 'Could not save' });
      assert.match(await refused.innerText(), /^Could not save this insight\. QUERY_INVALID: .*more than spaces/);
    } finally {
      await page.close();
      await fetch(`${server.url}/api/dashboards/${board.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
    }
  });

  test('a panel whose request failed offers Retry, and shows the answer once the server answers again', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript((t) => sessionStorage.setItem('telemetry.adminToken', t), TOKEN);
    let down = true;
    // As a restarting server answers: 503, until it is back.
    await page.route('**/api/insights/trends', (route) =>
      down
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ params: { err: 'STORE_UNAVAILABLE', errmsg: 'the store is starting' } }),
          })
        : route.continue(),
    );
    const q = { series: [{ eid: 'START' }], interval: 'day', dateRange: { from: '-7d' } };
    await page.goto(`${server.url}/#/insights?kind=trends&q=${encodeURIComponent(JSON.stringify(q))}`);
    const failed = page.getByRole('alert').filter({ hasText: 'STORE_UNAVAILABLE' });
    await failed.waitFor({ timeout: 60_000 });
    assert.match(await failed.innerText(), /^Could not load this\./);
    down = false;
    await failed.getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId('insight-result').waitFor({ timeout: 60_000 });
    await page.close();
  });

  test('insight builder: trends, funnel and retention tables equal the API; a copied URL gives the same view', async () => {
    const queries = {
      trends: { series: [{ eid: 'IMPRESSION', math: 'unique_actors' }], interval: 'day', dateRange: { from: '-14d' } },
      funnels: {
        steps: [
          { eid: 'IMPRESSION', filters: [{ property: 'edata.pageid', operator: 'eq', value: 'home' }] },
          { eid: 'IMPRESSION', filters: [{ property: 'edata.pageid', operator: 'eq', value: 'assignment' }] },
        ],
        dateRange: { from: '-21d' },
      },
      retention: {
        startEvent: { eid: 'START' },
        returnEvent: { eid: 'INTERACT' },
        period: 'week',
        periods: 3,
        dateRange: { from: '-3w' },
      },
    };
    for (const [kind, q] of Object.entries(queries)) {
      const page = await open(`#/insights?kind=${kind}&q=${encodeURIComponent(JSON.stringify(q))}`);
      const table = page.getByTestId('insight-result').locator('table');
      await table.waitFor({ timeout: 60_000 });
      const cells = await table
        .locator('tbody tr')
        .evaluateAll((rows) =>
          rows.map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
        );
      const answer = await api<Record<string, never>>(`/api/insights/${kind}`, q);
      const n = (v: number | null) => (v === null ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: 4 }));
      if (kind === 'trends')
        assert.deepEqual(cells[0].slice(1, -1), (answer.series as { data: number[] }[])[0].data.map(n));
      if (kind === 'funnels')
        assert.deepEqual(
          cells.map((r) => r[2]),
          (answer.steps as { count: number }[]).map((s) => n(s.count)),
        );
      if (kind === 'retention') {
        const cohorts = answer.cohorts as { size: number; values: number[] }[];
        assert.ok(cohorts.length > 0);
        assert.deepEqual(
          cells.map((r) => r.slice(1, 2 + cohorts[0].values.length).filter((c) => c !== '')),
          cohorts.map((c) => [c.size, ...c.values].map(n)),
        );
      }
      // The URL is the whole view: open it in a fresh tab and read the same table.
      const again = await open(new URL(page.url()).hash);
      const table2 = again.getByTestId('insight-result').locator('table');
      await table2.waitFor({ timeout: 60_000 });
      assert.equal(await table2.innerText(), await table.innerText(), `${kind}: same view from the URL`);
      await page.close();
      await again.close();
    }
  });

  test('builder: "All events" in the event picker is a $all series, named so, equal to the API', async () => {
    const page = await open('#/insights?kind=trends');
    const query = () => JSON.parse(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('q') as string);
    const picker = page.getByLabel('Series 1 event');
    assert.equal(await picker.locator('option[value="$all"]').innerText(), 'All events');
    await picker.selectOption({ label: 'All events' });
    await page.getByLabel('Math').selectOption('dau');
    const trend = query();
    assert.deepEqual(trend.series, [{ eid: '$all', math: 'dau' }]);
    const rows = page.getByTestId('insight-result').locator('tbody tr');
    await rows.first().waitFor({ timeout: 60_000 });
    const answer = await api<{ series: { label: string; data: number[] }[] }>('/api/insights/trends', trend);
    const first = await rows.first().locator('td').allInnerTexts();
    assert.equal(answer.series[0].label, 'All events');
    assert.ok(first[0].includes('All events'), first[0]);
    assert.deepEqual(
      first.slice(1, -1),
      answer.series[0].data.map((v) => v.toLocaleString('en-US')),
    );
    // Every event counts at least the actors that page views alone count, day by day.
    const views = await api<{ series: { data: number[] }[] }>('/api/insights/trends', {
      ...trend,
      series: [{ eid: 'IMPRESSION', math: 'dau' }],
    });
    assert.ok(answer.series[0].data.every((n, i) => n >= views.series[0].data[i]));
    // Property math offers the numeric properties only: the server refuses text for it.
    await page.getByLabel('Math').selectOption('sum');
    const offered = await page
      .getByLabel('Of property')
      .locator('option')
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    const discovery = await api<{ properties: { path: string; type: string }[] }>('/api/properties?days=3660');
    const numbers = discovery.properties.filter((p) => p.type === 'number').map((p) => p.path);
    assert.ok(numbers.includes('edata.duration'), numbers.join());
    assert.deepEqual(offered, numbers);
    await page.close();
  });

  test('builder: a trend, a funnel and a retention query built from the form land in the URL and equal the API', async () => {
    const page = await open('#/insights?kind=trends');
    const query = () => JSON.parse(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('q') as string);
    await page.getByLabel('Series 1 event').selectOption('IMPRESSION');
    await page.getByLabel('Math').selectOption('unique_actors');
    await page.getByRole('button', { name: '+ Series 1 filter' }).click();
    await page.getByLabel('Series 1 filter 1 property').selectOption('edata.pageid');
    await page.getByLabel('Series 1 filter 1 operator').selectOption('eq');
    await page.getByLabel('Series 1 filter 1 value').fill('home');
    await page.getByLabel('Series 1 filter 1 value').press('Enter');
    await page.getByLabel('From').fill('-10d');
    await page.getByLabel('From').press('Enter');
    await page.getByLabel('Time zone').selectOption('Asia/Kolkata');
    await page.getByLabel('Compare to previous period').check();
    // tags breaks down trends (one line per tag) but not funnels or retention, where the server refuses it.
    const breakdownChoices = () =>
      page
        .getByLabel('Breakdown', { exact: true })
        .locator('option')
        .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    assert.ok((await breakdownChoices()).includes('tags'));
    const trend = query();
    assert.deepEqual(trend.series, [
      {
        eid: 'IMPRESSION',
        math: 'unique_actors',
        filters: [{ property: 'edata.pageid', operator: 'eq', value: 'home' }],
      },
    ]);
    assert.deepEqual(trend.dateRange, { from: '-10d', timezone: 'Asia/Kolkata' });
    assert.equal(trend.compare, true);
    const rows = page.getByTestId('insight-result').locator('tbody tr');
    await rows.first().waitFor({ timeout: 60_000 });
    const answer = await api<{ series: { data: number[] }[]; previous?: unknown }>('/api/insights/trends', trend);
    assert.ok(answer.previous, 'the previous period is answered');
    const first = await rows.first().locator('td').allInnerTexts();
    assert.deepEqual(
      first.slice(1, -1),
      answer.series[0].data.map((v) => v.toLocaleString('en-US')),
    );

    await page.getByRole('link', { name: 'funnels', exact: true }).click();
    await page.getByRole('button', { name: '+ Add step' }).click();
    await page.getByLabel('Step 4 event').selectOption('END');
    await page.getByLabel('Count by').selectOption('device');
    await page.getByLabel('Step order').selectOption('strict');
    await page.getByRole('button', { name: '+ Add exclusion' }).click();
    const funnel = query();
    assert.ok(!(await breakdownChoices()).includes('tags'));
    assert.ok((await breakdownChoices()).includes('context.rollup.l1'));
    assert.equal(funnel.stepOrder, 'strict');
    assert.deepEqual(funnel.exclusions, [{ eid: 'START', fromStep: 1, toStep: 4 }]);
    assert.equal(funnel.steps.length, 4);
    assert.deepEqual(funnel.steps[3], { eid: 'END' });
    assert.equal(funnel.aggregateBy, 'device');
    await page.getByTestId('insight-result').locator('tbody tr').nth(3).waitFor({ timeout: 60_000 });
    const funnelAnswer = await api<{ steps: { count: number }[] }>('/api/insights/funnels', funnel);
    const counts = await page
      .getByTestId('insight-result')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((r) => (r.querySelectorAll('td')[2]?.textContent ?? '').trim()));
    assert.deepEqual(
      counts,
      funnelAnswer.steps.map((s) => s.count.toLocaleString('en-US')),
    );

    await page.getByRole('link', { name: 'retention', exact: true }).click();
    await page.getByLabel('Return event', { exact: true }).selectOption('IMPRESSION');
    await page.getByLabel('Period', { exact: true }).selectOption('day');
    await page.getByLabel('Retention type').selectOption('recurring');
    assert.equal(query().retentionType, 'recurring');
    assert.ok(!(await breakdownChoices()).includes('tags'));
    assert.equal(query().returnEvent.eid, 'IMPRESSION');
    assert.equal(query().period, 'day');
    await page.close();
  });

  test('builder additions: compare for funnels, retention, stickiness and lifecycle, time to convert, a formula and the whole-range value equal the API', async () => {
    const n = (v: number | null) => (v === null ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: 4 }));
    const queryOf = (page: Page) =>
      JSON.parse(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('q') as string);
    /** The view of `page`'s URL opened afresh (the URL is the whole view): its tables' cells once shown. */
    const shown = async (page: Page, tables: string[]) => {
      const again = await open(new URL(page.url()).hash);
      const cells = [];
      for (const id of tables) {
        const table = again.getByTestId(id).locator('table').first();
        await table.waitFor({ timeout: 60_000 });
        cells.push(
          await table
            .locator('tbody tr')
            .evaluateAll((rows) =>
              rows.map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
            ),
        );
      }
      await again.close();
      return cells;
    };
    const byLabel = (rows: string[][], label: string) => rows.find((r) => r[0] === label)?.slice(1);

    // Funnels: compare and time to convert, from the form.
    // The simulated traffic spans 21 days: a 10-day range has a previous period with data.
    const page = await open('#/insights?kind=funnels');
    await page.getByLabel('From').fill('-10d');
    await page.getByLabel('From').press('Enter');
    await page.getByLabel('Compare to previous period').check();
    await page.getByLabel('Time to convert').check();
    await page.getByLabel('Bins').fill('4');
    await page.getByLabel('Bins').press('Enter');
    const funnel = queryOf(page);
    assert.equal(funnel.compare, true);
    assert.deepEqual(funnel.conversionTime, { bins: 4 });
    const [steps, times] = await shown(page, ['insight-result', 'insight-extra']);
    const f = await api<{
      steps: { count: number }[];
      previous: { steps: { count: number }[] };
      conversionTime: { bins: { count: number }[] };
    }>('/api/insights/funnels', funnel);
    assert.deepEqual(
      steps.map((r) => r[6]),
      f.previous.steps.map((s) => n(s.count)),
    );
    assert.ok(f.previous.steps[0].count > 0, 'the previous period has entries');
    assert.deepEqual(
      times.map((r) => r[2]),
      f.conversionTime.bins.map((b) => n(b.count)),
    );
    assert.equal(times.length, 4);

    // Retention, stickiness and lifecycle: compare from the form, the previous period's rows as answered.
    for (const kind of ['retention', 'stickiness', 'lifecycle']) {
      await page.goto(`${server.url}/#/insights?kind=${kind}`);
      await page.getByLabel('From').fill(kind === 'retention' ? '-1w' : '-10d');
      await page.getByLabel('From').press('Enter');
      await page.getByLabel('Compare to previous period').check();
      const q = queryOf(page);
      assert.equal(q.compare, true, kind);
      const [rows] = await shown(page, ['insight-result']);
      const a = await api<Record<string, never>>(`/api/insights/${kind}`, q);
      const previous = a.previous as Record<string, never>;
      if (kind === 'retention') {
        const cohorts = previous.cohorts as { cohort: string; size: number; values: number[] }[];
        assert.ok(
          cohorts.some((c) => c.size > 0),
          'the previous period has cohorts',
        );
        for (const c of cohorts)
          assert.deepEqual(byLabel(rows, `${c.cohort} (previous)`)?.slice(0, 1 + c.values.length), [
            n(c.size),
            ...c.values.map(n),
          ]);
      } else if (kind === 'stickiness') {
        const line = (previous.series as { label: string; data: number[] }[])[0];
        assert.ok(
          line.data.some((v) => v > 0),
          'the previous period has actors',
        );
        assert.deepEqual(byLabel(rows, `${line.label} (previous)`), line.data.map(n));
      } else {
        for (const [status, data] of Object.entries(previous.series as Record<string, number[]>))
          assert.deepEqual(byLabel(rows, `${status} (previous)`), data.map(n), status);
      }
    }

    // Trends: a formula and each line's value over the whole range, from the form.
    const two = { series: [{ eid: 'IMPRESSION' }, { eid: 'INTERACT' }], interval: 'day', dateRange: { from: '-14d' } };
    await page.goto(`${server.url}/#/insights?kind=trends&q=${encodeURIComponent(JSON.stringify(two))}`);
    await page.getByLabel('Formula').fill('B / A * 100');
    await page.getByLabel('Formula').press('Enter');
    await page.getByLabel('Value over the whole range').check();
    const trend = queryOf(page);
    assert.equal(trend.formula, 'B / A * 100');
    assert.equal(trend.aggregate, 'range');
    const [lines] = await shown(page, ['insight-result']);
    const t = await api<{
      series: { aggregated: number }[];
      formula: { data: (number | null)[]; aggregated: number };
    }>('/api/insights/trends', trend);
    assert.deepEqual(byLabel(lines, 'formula B / A * 100'), [...t.formula.data.map(n), '–', n(t.formula.aggregated)]);
    assert.deepEqual(
      lines.slice(0, 2).map((r) => r.at(-1)),
      t.series.map((s) => n(s.aggregated)),
    );
    assert.ok(t.series[0].aggregated > 0);

    // Two series with one label: each line named by its letter too, so the legend and the table tell them apart.
    const same = {
      series: [{ eid: 'IMPRESSION' }, { eid: 'IMPRESSION', math: 'unique_actors' }],
      interval: 'day',
      dateRange: { from: '-14d' },
    };
    await page.goto(`${server.url}/#/insights?kind=trends&q=${encodeURIComponent(JSON.stringify(same))}`);
    const [named] = await shown(page, ['insight-result']);
    const answer = await api<{ series: { data: number[] }[] }>('/api/insights/trends', same);
    assert.deepEqual(
      named.map((r) => r[0]),
      ['A · IMPRESSION', 'B · IMPRESSION'],
    );
    assert.deepEqual(
      named.map((r) => r.slice(1, 1 + answer.series[0].data.length)),
      answer.series.map((line) => line.data.map(n)),
    );
    assert.notDeepEqual(answer.series[0].data, answer.series[1].data, 'the two lines differ');
    // With a breakdown: each line by the series the answer says it belongs to, not by where it comes in the list.
    const split = { ...same, breakdown: { property: 'edata.pageid', limit: 2 } };
    await page.goto(`${server.url}/#/insights?kind=trends&q=${encodeURIComponent(JSON.stringify(split))}`);
    const [splitRows] = await shown(page, ['insight-result']);
    const splitAnswer = await api<{ series: { seriesIndex: number; breakdownValue: string; other?: boolean }[] }>(
      '/api/insights/trends',
      split,
    );
    assert.deepEqual(
      splitAnswer.series.map((l) => l.seriesIndex),
      [0, 0, 0, 1, 1, 1],
      'two pages and "other" for each series',
    );
    assert.deepEqual(
      splitRows.map((r) => r[0]),
      splitAnswer.series.map(
        (l) => `${'AB'[l.seriesIndex]} · IMPRESSION: ${l.other ? 'other' : (l.breakdownValue ?? '(none)')}`,
      ),
    );
    await page.close();
  });

  test('drill-down: a stickiness bar and a lifecycle bar open their actors, as many as the bar counts', async () => {
    const queries = {
      stickiness: { series: [{ eid: 'START' }], interval: 'day', dateRange: { from: '-14d' } },
      lifecycle: { event: { eid: 'START' }, interval: 'day', dateRange: { from: '-14d' } },
    };
    for (const [kind, q] of Object.entries(queries)) {
      const page = await open(`#/insights?kind=${kind}&q=${encodeURIComponent(JSON.stringify(q))}`);
      const cell = page.getByTestId('insight-result').locator('tbody td a').filter({ hasNotText: /^0$/ }).first();
      await cell.waitFor({ timeout: 60_000 });
      const value = num(await cell.innerText());
      assert.ok(value > 0);
      await cell.click();
      assert.equal(num(await text(page, 'actor-count')), value, kind);
      await page.getByTestId('actor-list').getByRole('link').first().click();
      await page.getByTestId('timeline').waitFor({ timeout: 60_000 });
      await page.close();
    }
  });

  test('drill-down: a trend point and a retention cell open the actors behind them, as many as the figure counts', async () => {
    const trend = {
      series: [{ eid: 'INTERACT', math: 'unique_actors' }],
      interval: 'day',
      dateRange: { from: '-14d' },
    };
    const page = await open(`#/insights?kind=trends&q=${encodeURIComponent(JSON.stringify(trend))}`);
    // The latest non-zero point: just after midnight UTC the newest day may not have an event yet.
    const point = page
      .getByTestId('insight-result')
      .locator('tbody tr')
      .first()
      .locator('td a')
      .filter({ hasNotText: /^0$/ })
      .last();
    await point.waitFor({ timeout: 60_000 });
    const value = num(await point.innerText());
    assert.ok(value > 0);
    await point.click();
    assert.equal(num(await text(page, 'actor-count')), value);
    assert.equal(await page.getByTestId('actor-list').getByRole('link').count(), Math.min(value, 100));
    const actor = page.getByTestId('actor-list').getByRole('link').first();
    const id = await actor.innerText();
    await actor.click();
    await page.getByTestId('timeline').waitFor({ timeout: 60_000 });
    assert.match(await page.locator('h1').innerText(), new RegExp(id));
    assert.match(await page.getByTestId('timeline').innerText(), /Session .* s\n/);

    const retention = {
      startEvent: { eid: 'START' },
      returnEvent: { eid: 'INTERACT' },
      period: 'day',
      periods: 5,
      dateRange: { from: '-21d' },
    };
    await page.goto(`${server.url}/#/insights?kind=retention&q=${encodeURIComponent(JSON.stringify(retention))}`);
    const cells = page.getByTestId('insight-result').locator('tbody td:nth-child(4) a');
    await page.getByTestId('insight-result').locator('tbody tr').first().waitFor({ timeout: 60_000 });
    const texts = await cells.allInnerTexts();
    const at = texts.findIndex((t) => num(t) > 0);
    assert.ok(at >= 0, 'some cohort came back on day 1');
    const cellValue = num(texts[at]);
    await cells.nth(at).click();
    assert.equal(num(await text(page, 'actor-count')), cellValue);
    const answer = await api<{ cohorts: { values: number[] }[] }>('/api/insights/retention', retention);
    assert.ok(answer.cohorts.some((c) => c.values[1] === cellValue));

    // A funnel step: who reached it.
    const funnel = {
      steps: [{ eid: 'START' }, { eid: 'INTERACT' }],
      dateRange: { from: '-21d' },
    };
    await page.goto(`${server.url}/#/insights?kind=funnels&q=${encodeURIComponent(JSON.stringify(funnel))}`);
    await page.getByTestId('reached-step-2').click();
    const funnelAnswer = await api<{ steps: { count: number }[] }>('/api/insights/funnels', funnel);
    assert.equal(num(await text(page, 'actor-count')), Math.min(funnelAnswer.steps[1].count, 1000));
    await page.close();
  });

  test('dashboards: save an insight, reload, find it; drill from a funnel step to actors and a timeline', async () => {
    const q = {
      steps: [
        { eid: 'IMPRESSION', filters: [{ property: 'edata.pageid', operator: 'eq', value: 'home' }] },
        { eid: 'IMPRESSION', filters: [{ property: 'edata.pageid', operator: 'eq', value: 'assignment' }] },
      ],
      dateRange: { from: '-21d' },
    };
    const page = await open(`#/insights?kind=funnels&q=${encodeURIComponent(JSON.stringify(q))}`);
    const boards = async () => (await api<{ dashboards: { id: string }[] }>('/api/dashboards')).dashboards;
    const before = (await boards()).length;
    await page.getByLabel('Insight name').fill('Home to assignment');
    await page.getByRole('button', { name: 'Save to dashboard' }).click();
    await page.getByText('Saved.').waitFor();
    // Saved again from the same form: into the dashboard the first save made, not a second "My dashboard".
    await page.getByLabel('Insight name').fill('Home to assignment, again');
    await page.getByRole('button', { name: 'Save to dashboard' }).click();
    const made = await (async () => {
      for (let i = 0; i < 100; i++) {
        const all = await api<{ dashboards: { id: string; insights: { name: string }[] }[] }>('/api/dashboards');
        const found = all.dashboards.find((d) => d.insights.some((x) => x.name === 'Home to assignment, again'));
        if (found) return { count: all.dashboards.length, names: found.insights.map((x) => x.name) };
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the second save never arrived');
    })();
    assert.equal(made.count, before + 1, 'one dashboard made for both saves');
    assert.deepEqual(made.names, ['Home to assignment', 'Home to assignment, again']);
    await page.goto(`${server.url}/#/dashboards`);
    await page.reload();
    await page.getByRole('link', { name: 'Home to assignment', exact: true }).waitFor({ timeout: 30_000 });
    // Drill down: the actors who reached step 1 but not step 2, then one actor's timeline.
    await page.goto(`${server.url}/#/insights?kind=funnels&q=${encodeURIComponent(JSON.stringify(q))}`);
    await page.getByTestId('drill-step-2').click();
    const first = page.getByTestId('actor-list').getByRole('link').first();
    await first.waitFor({ timeout: 60_000 });
    const actor = await first.innerText();
    await first.click();
    await page.getByTestId('timeline').waitFor({ timeout: 60_000 });
    assert.match(await page.locator('h1').innerText(), new RegExp(actor));
    assert.match(await page.getByTestId('timeline').innerText(), /IMPRESSION/);
    await page.close();
  });

  test('dashboards: tiles dragged and resized on the grid keep their places across a reload', async () => {
    const board = (await api<{ id: string }>('/api/dashboards', { name: 'Arranged' })).id;
    const query = { series: [{ eid: 'START' }], dateRange: { from: '-7d' } };
    for (const name of ['Tile A', 'Tile B'])
      await api(`/api/dashboards/${board}/insights`, { name, kind: 'trends', query });
    // Tall enough that the tiles stay in view whatever other tests saved above them.
    const page = await open('#/dashboards', { width: 1280, height: 2400 });
    const section = page.getByTestId('dashboard').filter({ has: page.getByRole('heading', { name: 'Arranged' }) });
    const tile = (name: string) => section.getByTestId('tile').filter({ has: page.getByRole('link', { name }) });
    await tile('Tile B').waitFor({ timeout: 60_000 });
    await section.scrollIntoViewIfNeeded();
    const a0 = (await tile('Tile A').boundingBox())!;
    const b0 = (await tile('Tile B').boundingBox())!;
    assert.ok(b0.x > a0.x + 50, 'B starts to the right of A');
    // Drag B by its handle to below A, then widen A from its corner.
    const handle = (await tile('Tile B').locator('.handle').boundingBox())!;
    await page.mouse.move(handle.x + 4, handle.y + 4);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++)
      await page.mouse.move(handle.x + 4 - ((b0.x - a0.x) * i) / 10, handle.y + 4 + (a0.height + 40) * (i / 10));
    await page.mouse.up();
    const layoutOf = async () => {
      const { dashboards } = await api<{
        dashboards: { id: string; insights: { name: string; layout?: { x: number; y: number; w: number } }[] }[];
      }>('/api/dashboards');
      return Object.fromEntries(dashboards.find((d) => d.id === board)!.insights.map((i) => [i.name, i.layout]));
    };
    let saved: Awaited<ReturnType<typeof layoutOf>> = {};
    for (let i = 0; i < 120 && saved['Tile B']?.x !== 0; i++) {
      saved = await layoutOf();
      await page.waitForTimeout(250);
    }
    assert.equal(saved['Tile B']?.x, 0, JSON.stringify(saved));
    assert.ok((saved['Tile B']?.y ?? 0) > (saved['Tile A']?.y ?? 0));
    // A fresh page (the drag's save re-renders the grid), then widen A from its corner.
    await page.reload();
    await tile('Tile B').waitFor({ timeout: 60_000 });
    await tile('Tile B').scrollIntoViewIfNeeded();
    const corner = (await tile('Tile A').locator('xpath=..').locator('.react-resizable-handle').boundingBox())!;
    await page.mouse.move(corner.x + corner.width / 2, corner.y + corner.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(corner.x + (a0.width * i) / 10, corner.y + corner.height / 2);
    await page.mouse.up();
    for (let i = 0; i < 120 && (saved['Tile A']?.w ?? 6) <= 6; i++) {
      saved = await layoutOf();
      await page.waitForTimeout(250);
    }
    assert.ok((saved['Tile A']?.w ?? 0) > 6, JSON.stringify(saved));
    await page.reload();
    await tile('Tile B').waitFor({ timeout: 60_000 });
    const a1 = (await tile('Tile A').boundingBox())!;
    const b1 = (await tile('Tile B').boundingBox())!;
    assert.ok(b1.y > a1.y + a1.height - 5, 'B stays below A after a reload');
    assert.ok(a1.width > a0.width * 1.3, 'A stays wider after a reload');
    await page.close();
  });

  test('live events: an event sent over HTTP appears, and the inspector shows it as received', async () => {
    const page = await open('#/live');
    await page.getByText('Listening').waitFor({ timeout: 30_000 });
    const mid = `live-${Date.now()}`;
    const res = await postBatch(server, {
      id: 'api.sunbird.telemetry',
      ver: '3.0',
      params: { msgid: mid },
      ets: Date.now(),
      events: [interact({ mid, ets: Date.now(), actor: { id: 'live-actor', type: 'User' } })],
    });
    assert.equal(res.status, 200);
    const item = page.getByTestId('live-events').getByText('live-actor');
    await item.waitFor({ timeout: 30_000 });
    await item.click();
    assert.match(await page.getByTestId('inspector').innerText(), new RegExp(`"mid":\\s*"${mid}"`));
    await page.close();
  });

  test('data quality: a rejected event shows with its reason and messages', async () => {
    const bad = `bad-${Date.now()}`;
    const res = await postBatch(server, {
      id: 'api.sunbird.telemetry',
      ver: '3.0',
      params: { msgid: bad },
      ets: Date.now(),
      events: [interact({ mid: bad, ets: 'yesterday' })],
    });
    assert.equal(res.status, 200);
    const page = await open('#/quality');
    const list = page.getByTestId('failed-list');
    await list.waitFor({ timeout: 30_000 });
    const shown = await list.innerText();
    const latest = await api<{ items: { reason: string; errors: string[] }[] }>('/api/failed-events?limit=1');
    assert.ok(shown.includes(latest.items[0].reason), shown.slice(0, 200));
    assert.ok(shown.includes(latest.items[0].errors[0]));
    assert.match(await text(page, 'failed-total'), /[1-9][\d,]* events rejected/);
    await page.close();
  });

  test('setup: the test-event button sends an event and sees it arrive in the store', async () => {
    const page = await open('#/setup');
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await page.getByText(/^Arrived: dashboard-test-\d+ is stored and readable\.$/).waitFor({ timeout: 30_000 });
    const stored = await api<{ items: { mid: string }[] }>('/api/events?actor=dashboard-setup&limit=1');
    assert.match(stored.items[0].mid, /^dashboard-test-\d+$/);
    await page.close();
  });

  test('setup with write keys required: the test event asks for one, then goes through with it, and the snippets carry it', async () => {
    const keyed = await startTestServer({ adminToken: TOKEN, writeKeys: ['wk-setup'] });
    try {
      const page = await browser.newPage();
      await page.addInitScript((t) => sessionStorage.setItem('telemetry.adminToken', t), TOKEN);
      await page.goto(`${keyed.url}/#/setup`);
      const send = page.getByRole('button', { name: 'Send a test event' });
      await send.click();
      await page.getByText(/requires a write key/).waitFor({ timeout: 30_000 });
      await page.getByLabel(/Write key/).fill('wk-setup');
      await send.click();
      await page.getByText(/^Arrived: dashboard-test-\d+ is stored and readable\.$/).waitFor({ timeout: 30_000 });
      const snippets = await page.locator('pre').allInnerTexts();
      assert.equal(snippets.filter((s) => s.includes('writeKey: "wk-setup"')).length, 2, snippets.join('\n\n'));
      assert.equal(snippets.filter((s) => s.includes('authtoken: "wk-setup"')).length, 1);
      await page.close();
    } finally {
      await keyed.close();
    }
  });

  test('setup: each script-tag snippet loads a bundle that defines every global it calls', async () => {
    const page = await open('#/setup');
    await page.getByRole('heading', { name: 'Script tag' }).waitFor({ timeout: 60_000 });
    const snippets = (await page.locator('pre').allInnerTexts()).filter((s) => s.includes('<script src='));
    await page.close();
    assert.equal(snippets.length, 2, snippets.join('\n\n'));
    for (const snippet of snippets) {
      const src = /<script src="([^"]+)"/.exec(snippet)?.[1] as string;
      const calls = [...new Set(snippet.match(/\b(?:EkTelemetry|Telemetry)\.\w+/g))];
      assert.ok(calls.length > 0, snippet);
      const probe = await browser.newPage();
      await probe.setContent(`<script src="${src}"></script>`);
      for (const call of calls) {
        const [global, member] = call.split('.');
        const type = await probe.evaluate(
          ([g, m]) => typeof (window as unknown as Record<string, Record<string, unknown> | undefined>)[g]?.[m],
          [global, member],
        );
        assert.equal(type, 'function', `${call} after loading ${src}`);
      }
      await probe.close();
    }
  });

  test('every page: screenshots at desktop and phone size, and no serious or critical accessibility violations', async () => {
    const pages = [
      'home',
      'insights',
      'insights?kind=funnels',
      'insights?kind=paths',
      'insights?kind=retention',
      'insights?kind=sessions',
      'insights?kind=stickiness',
      'insights?kind=lifecycle',
      `actors?kind=trends&series=0&bucket=0&q=${encodeURIComponent(JSON.stringify({ series: [{ eid: 'START', math: 'unique_actors' }], dateRange: { from: '-7d' } }))}`,
      'dashboards',
      'cohorts',
      'live',
      'quality',
      'sql',
      'setup',
      'actors',
    ];
    const problems: string[] = [];
    // A cohort with a long name (near the 200 allowed) in the builder's pickers and the cohorts list must not widen
    // a page past a phone's width.
    const long = await api<{ id: string }>('/api/cohorts', {
      name: `शिक्षक जो खोज करते हैं 🔍 ${'बहुत लंबा नाम '.repeat(12)}`,
      definition: { criteria: [{ type: 'behaviour', eid: 'SEARCH', atLeast: 1, period: { from: '-30d' } }] },
    });
    for (const [size, viewport] of [
      ['desktop', { width: 1280, height: 900 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      for (const p of pages) {
        const page = await open(`#/${p}`, viewport);
        await page.locator('main h1').first().waitFor({ timeout: 30_000 });
        await page.waitForLoadState('networkidle', { timeout: 30_000 }).catch(() => {});
        await page
          .waitForFunction(() => !document.querySelector('[role=status]')?.textContent?.startsWith('Loading'), null, {
            timeout: 60_000,
          })
          .catch(() => {});
        const name = p.replace(/&q=.*/, '').replace(/[^a-z]+/g, '-');
        await page.screenshot({ path: path.join(SHOTS, `${name}-${size}.png`), fullPage: true });
        if (size === 'phone') {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          if (overflow > 1) problems.push(`${p}: ${overflow}px wider than a 390px phone`);
        }
        await page.addScriptTag({ content: AXE });
        const violations = (await page.evaluate(async () => {
          // biome-ignore lint/suspicious/noExplicitAny: axe is injected as a global
          const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
          return r.violations.map((v: { id: string; impact: string; nodes: unknown[] }) => ({
            id: v.id,
            impact: v.impact,
            n: v.nodes.length,
          }));
        })) as { id: string; impact: string; n: number }[];
        for (const v of violations)
          if (v.impact === 'serious' || v.impact === 'critical')
            problems.push(`${p} (${size}): ${v.impact} ${v.id} ×${v.n}`);
        await page.close();
      }
    }
    await fetch(`${server.url}/api/cohorts/${long.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.deepEqual(problems, []);
    assert.ok(fs.readdirSync(SHOTS).length >= pages.length * 2);
  });
});
