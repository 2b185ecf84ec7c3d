/**
 * `npm run bench:soak [-- --rate 10000 --minutes 10 --connections 10 --cpu-prof DIR]`: the real server (`telemetry
 * serve`, default settings, a fresh data directory; `--cpu-prof` writes its V8 profile to DIR) under a steady rate of
 * 100-event batches for a bounded time, with the dashboard's home page (GET /api/home and its rejected-events
 * summary) asked every 10 s, as issue 16's memory and freshness goals describe. Samples the memory of every process
 * of the product every 250 ms and /health's freshness figures every 10 s (metrics/freshness.ts: p99 of
 * acknowledgement → visible and → summarized over the last 5 minutes), then waits (at most 120 s) for both backlogs
 * to reach zero and checks that the store holds every stored event once.
 *
 * Last line: {"bench":"soak","events_per_s","rss_mb_max","rss_mb_end","visible_p99_ms","summarized_p99_ms",…}:
 * the p99s are the largest 5-minute figures seen during the run (null: nothing loaded or summarized); `drained_s`
 * the time after the load stopped until nothing waited to be loaded or summarized; `rss_mb_at_1_min` beside
 * `rss_mb_end` shows growth; `cpu_us_per_event` and `main_thread_us_per_event` the server's CPU time (every thread;
 * its JavaScript thread) from the first request until drained, per stored event; `loop_held_s`,
 * `loop_stalls_over_100ms` and `loop_delay_p99_ms` how long the server's event loop (the thread that answers every
 * request) was held during the load (telemetry_event_loop_delay_seconds on /metrics), `spool_commit_p99_ms` its group
 * commits' p99 (write + fsync; both p99s as the upper bound of their histogram's bucket); `generator_loop_p99_ms` and
 * `generator_loop_max_ms` the same for this process, the load generator (Node's event-loop delay, 20 ms resolution).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type AutocannonRequest, type AutocannonResult, autocannon } from './autocannon.js';
import { BatchFactory } from './batch.js';
import { children, freePort, HOST, LAUNCH, startChild, stopChild, waitReady } from './child-process.js';
import { cpuSeconds } from './process-cpu.js';
import { sampleTreeRss, treeRssMb } from './process-memory.js';

const EVENTS_PER_BATCH = 100;

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const bounded = (name: string, raw: string | undefined, max: number): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max)
    throw new Error(`--${name} must be a number above 0 and at most ${max}, got "${raw}"`);
  return value;
};
const RATE = bounded('rate', flags.rate, 200_000);
const MINUTES = bounded('minutes', flags.minutes, 60);
const CONNECTIONS = bounded('connections', flags.connections, 100);
// autocannon paces each connection at a whole number of requests per second: anything else would drift from --rate.
if (!Number.isInteger(CONNECTIONS) || !Number.isInteger(RATE / (EVENTS_PER_BATCH * CONNECTIONS)))
  throw new Error(
    `--rate must be a multiple of ${EVENTS_PER_BATCH} × --connections (whole batches per connection per second), ` +
      `got --rate ${RATE} --connections ${CONNECTIONS}`,
  );
// The server is started with this admin token (whatever the environment says), and every request here carries it.
const TOKEN = 'soak-bench-admin-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const TIMEOUT = () => AbortSignal.timeout(30_000);

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 0) => Number(value.toFixed(digits));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : Number.NaN;
};

process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

interface Freshness {
  unloaded_events: number;
  unsummarized_events: number;
  visible_p99_ms: number | null;
  summarized_p99_ms: number | null;
}

const LOOP_DELAY = 'telemetry_event_loop_delay_seconds';

/** Every histogram /metrics renders, by name: cumulative counts by upper bound (s), sum, count. */
type Histograms = Map<string, { buckets: Map<number, number>; sum: number; count: number }>;

function histogramsOf(text: string): Histograms {
  const found: Histograms = new Map();
  for (const [, name, le, n] of text.matchAll(/^(\w+)_bucket\{le="([^"]+)"\} (\S+)$/gm)) {
    const histogram = found.get(name) ?? { buckets: new Map(), sum: 0, count: 0 };
    histogram.buckets.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), Number(n));
    found.set(name, histogram);
  }
  for (const [, name, suffix, n] of text.matchAll(/^(\w+)_(sum|count) (\S+)$/gm)) {
    const histogram = found.get(name);
    if (histogram) histogram[suffix as 'sum' | 'count'] = Number(n);
  }
  return found;
}

/**
 * One histogram between two readings: its observations' sum (s), how many were above `le` (s), and the p99 as the
 * upper bound of its bucket (ms; null past the last bound).
 */
function histogramDuring(before: Histograms, after: Histograms, name: string) {
  const [b, a] = [before.get(name), after.get(name)];
  if (!a) throw new Error(`no histogram ${name} on /metrics`);
  const within = (le: number) => (a.buckets.get(le) ?? 0) - (b?.buckets.get(le) ?? 0);
  const count = a.count - (b?.count ?? 0);
  const p99 = [...a.buckets.keys()].find((le) => within(le) >= 0.99 * count);
  return {
    sumS: a.sum - (b?.sum ?? 0),
    over: (le: number) => count - within(le),
    p99Ms: p99 === undefined || !Number.isFinite(p99) ? null : round(p99 * 1000),
  };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-soak-'));
  const port = await freePort();
  const profile = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(flags['cpu-prof'])}`] : [];
  const server = startChild(
    'server',
    [...profile, ...LAUNCH, 'serve'],
    { PORT: String(port), HOST, TELEMETRY_DATA_DIR: dataDir, TELEMETRY_ADMIN_TOKEN: TOKEN },
    port,
  );
  let poll: NodeJS.Timeout | undefined;
  try {
    await waitReady(server, '/health', 60_000);
    const memory = sampleTreeRss(server.pid);
    const factory = new BatchFactory(EVENTS_PER_BATCH);
    const seconds = MINUTES * 60;
    log(`soak: ${RATE} events/s for ${MINUTES} min, ${CONNECTIONS} connections, data in ${dataDir}`);

    // /health without a token gives the figures (numbers only: a null p99 is left out).
    const freshness = async () =>
      (
        (await (await fetch(`${server.url}/health`, { headers: AUTH, signal: TIMEOUT() })).json()) as {
          result: { details: Freshness };
        }
      ).result.details;
    const seen = { visible: [] as number[], summarized: [] as number[], home: [] as number[] };
    // A p99 is null while nothing was loaded (summarized) in its window: not a figure.
    const record = (f: Freshness) => {
      if (typeof f.visible_p99_ms === 'number') seen.visible.push(f.visible_p99_ms);
      if (typeof f.summarized_p99_ms === 'number') seen.summarized.push(f.summarized_p99_ms);
    };
    let rssAtOneMinute: number | null = null;
    const metricsText = async () =>
      (await fetch(`${server.url}/metrics`, { headers: AUTH, signal: TIMEOUT() })).text() as Promise<string>;
    const histogramsBefore = histogramsOf(await metricsText());
    // The load generator (autocannon, in this process) shares the cores: its own loop held means batches sent late.
    const generatorLoop = monitorEventLoopDelay({ resolution: 20 });
    generatorLoop.enable();
    const cpuBefore = cpuSeconds(server.pid);
    const started = Date.now();
    let stored = 0;
    poll = setInterval(async () => {
      if (rssAtOneMinute === null && Date.now() - started >= 60_000) rssAtOneMinute = round(treeRssMb(server.pid));
      try {
        const t = performance.now();
        const home = await fetch(`${server.url}/api/home`, { headers: AUTH, signal: TIMEOUT() });
        const body = (await home.json()) as { from?: string; to?: string };
        const summary = `/api/failed-events/summary?from=${Date.parse(body.from ?? '')}&to=${Date.parse(body.to ?? '')}`;
        await (await fetch(server.url + summary, { headers: AUTH, signal: TIMEOUT() })).arrayBuffer();
        seen.home.push(performance.now() - t);
        const f = await freshness();
        record(f);
        const loop = histogramDuring(histogramsBefore, histogramsOf(await metricsText()), LOOP_DELAY);
        log(
          `soak: ${Math.round((Date.now() - started) / 1000)} s, stored ${stored}, RSS ${Math.round(treeRssMb(server.pid))} MB, ` +
            `p99 visible ${f.visible_p99_ms ?? '–'} ms, summarized ${f.summarized_p99_ms ?? '–'} ms, ` +
            `waiting ${f.unloaded_events} to load, ${f.unsummarized_events} to summarize, ` +
            `event loop held ${round(loop.sumS, 1)} s, ${loop.over(0.1)} ticks over 100 ms late so far`,
        );
      } catch (error) {
        log(`soak: a poll failed: ${(error as Error).message}`);
      }
    }, 10_000);

    const result = await new Promise<AutocannonResult>((resolve, reject) =>
      autocannon(
        {
          url: server.url,
          connections: CONNECTIONS,
          duration: seconds,
          timeout: 30,
          overallRate: RATE / EVENTS_PER_BATCH,
          requests: [
            {
              method: 'POST',
              path: '/v1/telemetry',
              headers: { 'content-type': 'application/json', 'x-channel-id': 'in.ekstep' },
              setupRequest: (req: AutocannonRequest) => ({ ...req, body: factory.next() }),
              onResponse: (status: number, body: string) => {
                if (status === 200) stored += Number(/"stored":(\d+)/.exec(body)?.[1] ?? 0);
              },
            },
          ],
        },
        (error, r) => (error ? reject(error) : resolve(r)),
      ),
    );
    const loadSeconds = (Date.now() - started) / 1000;
    clearInterval(poll);
    generatorLoop.disable();
    const histogramsAfter = histogramsOf(await metricsText());
    // How long the thread that answers every request was held, and the spool's group commits (write + fsync).
    const loop = histogramDuring(histogramsBefore, histogramsAfter, LOOP_DELAY);
    const spoolCommit = histogramDuring(histogramsBefore, histogramsAfter, 'telemetry_spool_commit_seconds');

    // Drained: nothing waits to be loaded or summarized (bounded).
    const stopped = Date.now();
    let drainedS: number | null = null;
    while (Date.now() - stopped < 120_000) {
      const f = await freshness();
      if (f.unloaded_events === 0 && f.unsummarized_events === 0) {
        drainedS = round((Date.now() - stopped) / 1000, 1);
        break;
      }
      await sleep(200);
    }
    const last = await freshness();
    record(last);
    const rss = memory.stop();
    // Everything the stored events cost, from the first request to drained: accepted, loaded, summarized.
    const cpuAfter = cpuSeconds(server.pid);
    const cpuUsPerEvent = (seconds: number) => (stored > 0 ? round((seconds * 1e6) / stored, 1) : null);
    // Where the loader's time went: loads and summarizer runs share the store's one writer.
    const finalHistograms = histogramsOf(await metricsText());
    const meanMs = (name: string) => {
      const histogram = finalHistograms.get(name);
      return histogram ? round((1000 * histogram.sum) / histogram.count) : null;
    };
    const count = await fetch(`${server.url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH },
      signal: TIMEOUT(),
      body: JSON.stringify({ query: 'SELECT count(*), count(DISTINCT mid) FROM events' }),
    });
    const [[inStore, distinct]] = ((await count.json()) as { rows: number[][] }).rows;
    // A request cut off at the end may be stored without its 200 being read: at most one batch per connection.
    // Every request answered 200, something stored, both backlogs drained, and the store holds each stored event once.
    const verified =
      result.errors === 0 &&
      result.non2xx === 0 &&
      result.timeouts === 0 &&
      stored > 0 &&
      drainedS !== null &&
      inStore === distinct &&
      inStore >= stored &&
      inStore - stored <= CONNECTIONS * EVENTS_PER_BATCH;
    log(
      `soak: ${result['2xx']} batches answered 200 (errors ${result.errors}, non-2xx ${result.non2xx}, timeouts ` +
        `${result.timeouts}); stored ${stored}, in the store ${inStore} (${distinct} distinct): ${verified ? 'OK' : 'FAILED'}`,
    );
    if (!verified) process.exitCode = 1;
    const max = (values: number[]) => (values.length ? Math.max(...values) : null);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'soak',
        events_per_s: round(stored / loadSeconds),
        rss_mb_max: round(rss.max),
        rss_mb_end: round(rss.last),
        rss_mb_at_1_min: rssAtOneMinute,
        visible_p99_ms: max(seen.visible),
        summarized_p99_ms: max(seen.summarized),
        drained_s: drainedS,
        home_p50_ms: round(median(seen.home)),
        load_mean_ms: meanMs('telemetry_load_duration_seconds'),
        summarize_mean_ms: meanMs('telemetry_summarize_duration_seconds'),
        cpu_us_per_event: cpuUsPerEvent(cpuAfter.all - cpuBefore.all),
        main_thread_us_per_event: cpuUsPerEvent(cpuAfter.main - cpuBefore.main),
        loop_held_s: round(loop.sumS, 1),
        loop_stalls_over_100ms: loop.over(0.1),
        loop_delay_p99_ms: loop.p99Ms,
        spool_commit_p99_ms: spoolCommit.p99Ms,
        generator_loop_p99_ms: round(generatorLoop.percentile(99) / 1e6),
        generator_loop_max_ms: round(generatorLoop.max / 1e6),
        mean_ms: result.latency.average,
        p99_ms: result.latency.p99,
        rate: RATE,
        minutes: MINUTES,
        stored_total: inStore,
        verified,
        load_avg_1m: round(os.loadavg()[0], 1),
      })}\n`,
    );
  } finally {
    clearInterval(poll);
    await stopChild(server, 60_000).catch(() => {});
    if (!flags.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  log(`soak: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
});
