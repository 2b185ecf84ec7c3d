/**
 * `npm run bench:dashboard`: simulates N events (default 10 million, ending now) into a fresh data
 * dir with the simulator's fast path, serves it, and in Debian Chromium measures the home page:
 * the gzipped JavaScript of its first load (every script fetched until all figures show), and the
 * time from navigation until every figure has rendered its numbers (median of --runs, default 5,
 * each in a fresh browser context: no HTTP or query cache). Also prints the live view's delay from
 * an HTTP POST to the event on screen. The first run is also printed alone (`home_render_cold_ms`):
 * later runs may be answered from the server's answer cache (api/answer-cache.ts), as a second
 * viewer of the same dashboard would be. Each run's API requests are printed with their time
 * (request sent to response read, from Chromium) and whether the answer cache answered. The load
 * average (1 minute) is read when the runs start and end: the machine's other work slows every figure.
 * The last line printed is one JSON object.
 *
 * Flags: --events N (10000000) --runs N (5) --dir DIR (a data dir loaded before, e.g. by
 * `telemetry simulate --data-dir DIR`: used as it is, nothing simulated; it must hold events) --keep
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { simulateCommand } from '../../server/src/commands/simulate.js';
import { startServer } from '../../server/src/server.js';
import { launchChromium } from '../../server/test/chromium.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '5' },
    dir: { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const events = Number(values.events.replaceAll('_', ''));
const log = (line: string) => process.stderr.write(`${line}\n`);
const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-bench-dashboard-'));
if (!fs.existsSync(path.join(dir, 'telemetry.duckdb'))) {
  log(`simulating ${events} events into ${dir}…`);
  if ((await simulateCommand(['--data-dir', dir, '--events', String(events)])) !== 0)
    throw new Error('simulate failed');
}
const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent' });
let browser: Browser | undefined;
try {
  const count = (await (
    await fetch(`${server.url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'SELECT count(*) FROM events' }),
    })
  ).json()) as { rows: number[][] };
  const stored = Number(count.rows[0][0]);
  if (stored === 0) throw new Error(`${dir} holds no events: simulate into it first, or leave out --dir`);
  log(
    `${stored} events stored; load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const loadBefore = os.loadavg()[0];
  browser = await launchChromium();
  const FIGURES = [
    'active-dau',
    'sessions-count',
    'top-pages',
    'top-interactions',
    'funnel-steps',
    'feedback-count',
    'searches-count',
    'searches-zero',
    'signal-error',
    'failed-count',
  ];
  const times: number[] = [];
  let jsGzipBytes = 0;
  let requests = 0;
  for (let run = 0; run < Number(values.runs); run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const scripts: Promise<number>[] = [];
    const calls: Promise<string>[] = [];
    page.on('response', (r) => {
      if (r.request().resourceType() === 'script') scripts.push(r.body().then((b) => gzipSync(b, { level: 9 }).length));
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/'))
        calls.push(
          r.finished().then(() => {
            const t = r.request().timing();
            const ms = Math.round(t.responseEnd - t.requestStart);
            return `${url.pathname} ${ms} ms${r.headers()['x-answer-cache'] === 'hit' ? ' (cached)' : ''}`;
          }),
        );
    });
    const t0 = Date.now();
    await page.goto(`${server.url}/#/home?range=-30d`);
    await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`[data-testid="${id}"]`)), FIGURES, {
      timeout: 120_000,
      polling: 'raf',
    });
    times.push(Date.now() - t0);
    if (run === 0) jsGzipBytes = (await Promise.all(scripts)).reduce((a, b) => a + b, 0);
    const asked = await Promise.all(calls);
    requests = asked.length;
    log(`run ${run + 1}: home rendered in ${times.at(-1)} ms; requests: ${asked.join(', ')}`);
    await context.close();
  }
  // The live view's delay: POST one event, time until it shows (informational, one sample).
  const live = await browser.newPage();
  await live.goto(`${server.url}/#/live`);
  await live.getByText('Listening').waitFor({ timeout: 30_000 });
  const mid = `bench-live-${Date.now()}`;
  const sent = Date.now();
  await fetch(`${server.url}/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'api.sunbird.telemetry',
      ver: '3.0',
      params: { msgid: mid },
      ets: sent,
      events: [
        {
          eid: 'LOG',
          ets: sent,
          ver: '3.0',
          mid,
          actor: { id: 'bench-live', type: 'System' },
          context: { channel: 'bench', pdata: { id: 'bench', ver: '1' }, env: 'bench' },
          edata: { type: 'system', level: 'INFO', message: 'x' },
        },
      ],
    }),
  });
  await live.getByText('bench-live').waitFor({ timeout: 60_000 });
  const liveMs = Date.now() - sent;
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'dashboard',
      home_js_gzip_kb: Math.round(jsGzipBytes / 102.4) / 10,
      home_render_ms: sorted[Math.floor(sorted.length / 2)],
      // The first run finds no answer cached on the server (api/answer-cache.ts); the others may.
      home_render_cold_ms: times[0],
      events: stored,
      runs: times.length,
      // API requests of the last run until every figure showed (the pickers' lists come after).
      home_requests: requests,
      load_avg_1m_start: Math.round(loadBefore * 100) / 100,
      load_avg_1m_end: Math.round(os.loadavg()[0] * 100) / 100,
      live_delay_ms: liveMs,
    }),
  );
} finally {
  await browser?.close();
  await server.close();
  if (!values.keep && !values.dir) fs.rmSync(dir, { recursive: true, force: true });
}
