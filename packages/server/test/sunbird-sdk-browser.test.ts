/**
 * Sunbird's own telemetry SDK (@project-sunbird/telemetry-sdk 2.0.1, its browser build, unchanged) in real Chromium,
 * on a page served from another origin (a second loopback port), posting to our collector: its host configured with
 * a trailing slash (so it posts to `//v1/telemetry`), its Authorization and x-* headers preflighted. And a portal's
 * own client: its usual headers pass the preflight, and the collector's errors are readable across origins.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_SKIP, launchChromium } from './chromium.js';
import { eventually, interact, sql, startTestServer } from './helpers.js';

const SDK_BUNDLE = createRequire(import.meta.url).resolve('@project-sunbird/telemetry-sdk/dist/index.global.js');

/** A static site on its own port: the page, and the SDK's browser bundle (which sets window.$t). */
async function startSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const bundle = fs.readFileSync(SDK_BUNDLE);
  const site = http.createServer((request, response) => {
    if (request.url === '/sunbird-telemetry.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>portal</title><script src="/sunbird-telemetry.js"></script>');
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(site.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => site.close(() => resolve())),
  };
}

describe('Sunbird clients in Chromium, on another origin', { skip: CHROMIUM_SKIP, timeout: 120_000 }, () => {
  let collector: Awaited<ReturnType<typeof startTestServer>>;
  let site: Awaited<ReturnType<typeof startSite>>;
  let browser: Browser;
  let page: Page;
  const failed: string[] = [];

  before(async () => {
    collector = await startTestServer({ writeKeys: ['portal-key'], adminToken: 'admin' });
    site = await startSite();
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    page.on('requestfailed', (request) =>
      failed.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
    );
    page.on('console', (message) => {
      if (/CORS|Access-Control/i.test(message.text())) failed.push(message.text());
    });
    await page.goto(site.url);
    assert.notEqual(new URL(site.url).origin, new URL(collector.url).origin);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await collector?.close();
  });

  test('the telemetry SDK, its host ending in a slash, gets START, IMPRESSION, INTERACT and END stored', async () => {
    const posted: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posted.push(new URL(request.url()).pathname);
    });
    await page.evaluate(async (host) => {
      const config = {
        host,
        endpoint: '/v1/telemetry',
        authtoken: 'portal-key',
        pdata: { id: 'esamwad.portal', ver: '2.1.0', pid: 'esamwad.portal.web' },
        channel: 'esamwad-channel',
        env: 'quiz',
        did: 'browser-device-1',
        uid: 'teacher-7',
        sid: 'browser-session-1',
        batchsize: 20,
      };
      // biome-ignore lint/suspicious/noExplicitAny: the SDK's browser bundle puts its instance on window.$t.
      const $t = (window as any).$t;
      $t.initialize(config);
      await $t.start(config, 'do_quiz_1', '1.0', { type: 'app', mode: 'play', pageid: 'home' });
      $t.impression({ type: 'view', pageid: 'quiz-1', uri: '/quiz/1' });
      $t.interact({ type: 'TOUCH', id: 'submit-answer', pageid: 'quiz-1' });
      $t.end({ type: 'app', mode: 'play', pageid: 'quiz-1' });
    }, `${collector.url}/`);

    let rows: unknown[][] = [];
    await eventually(async () => {
      rows = await sql(
        collector,
        `SELECT eid, did, channel, pdata_id, actor_id FROM events WHERE did = 'browser-device-1' ORDER BY eid`,
        'admin',
      );
      return rows.length === 4;
    }, 30_000);
    const shared = ['browser-device-1', 'esamwad-channel', 'esamwad.portal', 'teacher-7'];
    assert.deepEqual(rows, [
      ['END', ...shared],
      ['IMPRESSION', ...shared],
      ['INTERACT', ...shared],
      ['START', ...shared],
    ]);
    assert.ok(posted.includes('//v1/telemetry'), `the SDK posted to ${posted.join(', ')}`);
    assert.deepEqual(failed, []);
  });

  test("a portal client's usual headers pass the preflight, and errors are readable across origins", async () => {
    const event = interact({ mid: 'portal-client-1' });
    const answers = await page.evaluate(
      async ({ url, event }) => {
        const portalHeaders = {
          'content-type': 'application/json',
          'x-authenticated-user-token': 'user-token',
          'x-authenticated-userid': 'teacher-7',
          'x-session-id': 'session-1',
          'x-msgid': 'msg-1',
          ts: new Date().toISOString(),
          'x-source': 'web',
          'x-request-id': 'request-1',
          'x-consumer-id': 'consumer-1',
          'x-org-code': 'org-1',
          'x-app-ver': '2.1.0',
          'x-app-id': 'esamwad.portal',
          'x-device-id': 'browser-device-2',
          'x-channel-id': 'esamwad-channel',
        };
        const batch = JSON.stringify({ params: { msgid: 'portal-batch-1' }, events: [event] });
        // No named inner functions: tsx would wrap them in a helper the page does not have.
        const cases: Array<[string, Record<string, string>]> = [
          [batch, { authorization: 'Bearer portal-key' }],
          ['', { authorization: 'Bearer portal-key' }],
          [batch, {}],
          [batch, { authorization: 'Bearer wrong-key' }],
        ];
        const out = [];
        for (const [body, headers] of cases) {
          const response = await fetch(url, { method: 'POST', headers: { ...portalHeaders, ...headers }, body });
          const json = await response.json();
          out.push([response.status, json.params.err ?? json.result.stored]);
        }
        return out;
      },
      { url: `${collector.url}/v1/telemetry`, event },
    );
    assert.deepEqual(answers, [
      [200, 1],
      [400, 'INGEST_NOT_A_BATCH'],
      [401, 'AUTH_REQUIRED'],
      [403, 'AUTH_INVALID'],
    ]);
    await eventually(async () => {
      const rows = await sql(collector, `SELECT count(*) FROM events WHERE mid = 'portal-client-1'`, 'admin');
      return rows[0][0] === 1;
    });
    assert.deepEqual(failed, []);
  });
});
