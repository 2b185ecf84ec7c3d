/**
 * PostHog's own clients, unchanged, pointed at our collector: posthog-node (its gzipped `/batch/`) and posthog-js
 * (its browser bundle, in real headless Chromium, on a page of another origin: `/flags`, then gzip-js batches to
 * `/e/`). Their events are stored as PostHog events and an insight over `$pageview` returns them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { PostHog } from 'posthog-node';
import { CHROMIUM_SKIP, launchChromium } from './chromium.js';
import { eventually, sql, startTestServer } from './helpers.js';

const KEY = 'phc_clients_project';
const POSTHOG_JS = createRequire(import.meta.url).resolve('posthog-js/dist/array.js');

let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ posthogKeys: { [KEY]: 'web-app' }, writeKeys: ['write-key'] });
});
after(async () => {
  await server?.close();
});

async function pageviewsOf(actor: string): Promise<number> {
  const response = await fetch(`${server.url}/api/insights/trends`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      series: [{ eid: '$pageview', filters: [{ property: 'actor.id', operator: 'eq', value: actor }] }],
      dateRange: { from: '-1d' },
      interval: 'day',
    }),
  });
  const body = (await response.json()) as { series: Array<{ total: number }> };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.series[0].total;
}

test('posthog-node: its events are stored and an insight over $pageview returns them', async () => {
  const client = new PostHog(KEY, { host: server.url, flushAt: 2, flushInterval: 100 });
  client.capture({ distinctId: 'node-user', event: '$pageview', properties: { $current_url: 'https://x.org/home' } });
  client.capture({ distinctId: 'node-user', event: '$pageview', properties: { $current_url: 'https://x.org/quiz' } });
  client.capture({ distinctId: 'node-user', event: 'quiz submitted', properties: { score: 7 } });
  await client.shutdown(30_000);
  const query = `SELECT eid, channel, ingest_format, edata_uri, json_extract(raw, '$.properties.score') FROM events WHERE actor_id = 'node-user' ORDER BY eid, edata_uri`;
  await eventually(async () => (await sql(server, query)).length === 3);
  assert.deepEqual(await sql(server, query), [
    ['$pageview', 'web-app', 'posthog', 'https://x.org/home', null],
    ['$pageview', 'web-app', 'posthog', 'https://x.org/quiz', null],
    ['quiz submitted', 'web-app', 'posthog', null, '7'],
  ]);
  assert.equal(await pageviewsOf('node-user'), 2);
});

test('paths: posthog-node $pageviews are page views (IMPRESSION) by $pathname and $session_id, hand-computed', async () => {
  const client = new PostHog(KEY, { host: server.url, flushAt: 20, flushInterval: 100 });
  const base = Date.now() - 3_600_000;
  // Session a: home → quiz → (a click) → home; session b: home → quiz → quiz (the same page again is one step).
  const visits: Array<[string, string, string]> = [
    ['a', '$pageview', '/p15-home'],
    ['a', '$pageview', '/p15-quiz'],
    ['a', '$autocapture', '/p15-quiz'],
    ['a', '$pageview', '/p15-home'],
    ['b', '$pageview', '/p15-home'],
    ['b', '$pageview', '/p15-quiz'],
    ['b', '$pageview', '/p15-quiz'],
  ];
  for (const [i, [session, event, page]] of visits.entries()) {
    client.capture({
      distinctId: `paths-${session}`,
      event,
      timestamp: new Date(base + i * 1000),
      properties: { $session_id: `p15-session-${session}`, $pathname: page, $current_url: `https://x.org${page}` },
    });
  }
  await client.shutdown(30_000);
  await eventually(
    async () => (await sql(server, "SELECT count(*) FROM events WHERE sid LIKE 'p15-session-%'"))[0][0] === 7,
  );
  const response = await fetch(`${server.url}/api/insights/paths`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ startPage: '/p15-home', dateRange: { from: '-1d' } }),
  });
  const body = (await response.json()) as { links: Array<{ source: string; target: string; value: number }> };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.deepEqual(
    [...body.links].sort((x, y) => x.source.localeCompare(y.source)),
    [
      { source: '1_/p15-home', target: '2_/p15-quiz', value: 2 },
      { source: '2_/p15-quiz', target: '3_/p15-home', value: 1 },
    ],
  );
});

describe('posthog-js in Chromium, on another origin', { skip: CHROMIUM_SKIP, timeout: 120_000 }, () => {
  let site: http.Server;
  let siteUrl: string;
  let browser: Browser;

  before(async () => {
    const bundle = fs.readFileSync(POSTHOG_JS);
    site = http.createServer((request, response) => {
      if (request.url === '/posthog.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
        return;
      }
      const init = {
        api_host: server.url,
        disable_session_recording: true,
        disable_surveys: true,
        disable_external_dependency_loading: true,
        autocapture: true,
        capture_pageview: true,
        persistence: 'memory',
        // Headless Chromium's user agent reads as a bot, whose events posthog-js drops; its documented switch for tests.
        opt_out_useragent_filter: true,
      };
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          '<!doctype html><title>app</title><button id="buy">Buy</button><script src="/posthog.js"></script>' +
            `<script>posthog.init(${JSON.stringify(KEY)}, ${JSON.stringify(init)}); posthog.identify('browser-user');</script>`,
        );
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/page`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  test('its pageview, autocapture and custom events are stored; $pageview counts in an insight', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    // Autocapture starts once posthog-js has our remote config ("no flags", autocapture on): click until it counts.
    const flagsAnswered = page.waitForResponse((r) => r.url().includes('/flags/'));
    await page.goto(siteUrl);
    await flagsAnswered;
    const autocaptured = `SELECT count(*) FROM events WHERE eid = '$autocapture' AND channel = 'web-app'`;
    await eventually(async () => {
      await page.click('#buy');
      return Number((await sql(server, autocaptured))[0][0]) > 0;
    });
    await page.evaluate(() =>
      (window as unknown as { posthog: { capture(e: string, p: object): void } }).posthog.capture('bought', {
        sku: 'A-1',
      }),
    );
    const query = `SELECT eid, count(*) FROM events WHERE ingest_format = 'posthog' AND channel = 'web-app' AND eid IN ('$pageview', '$autocapture', 'bought') GROUP BY eid ORDER BY eid`;
    await eventually(async () => (await sql(server, query)).length === 3);
    const rows = await sql(server, query);
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['$autocapture', '$pageview', 'bought'],
    );
    const sku = await sql(
      server,
      `SELECT json_extract_string(raw, '$.properties.sku'), sid IS NOT NULL FROM events WHERE eid = 'bought'`,
    );
    assert.deepEqual(sku, [['A-1', true]]);
    const actors = await sql(server, `SELECT DISTINCT actor_id FROM events WHERE eid = 'bought'`);
    assert.equal(actors.length, 1);
    assert.ok((await pageviewsOf(String(actors[0][0]))) >= 1);
    assert.deepEqual(failed, []);
    await page.close();
  });
});
