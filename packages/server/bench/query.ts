/**
 * `npm run bench:query`: simulates N events (default 10 million) into a fresh DuckDB store through
 * the simulator's fast path (sessions summarized after each segment, as the collector does), then
 * times each insight kind (median of --runs, default 5) and, in the same run, the bare-engine
 * baseline `SELECT eid, count(*) FROM events GROUP BY eid`. The cohort cases save one behavioural
 * cohort (viewed the home page at least 3 times in the range; removed at the end) and time it as a
 * trends filter, as a trends breakdown and counted. The last line printed is one JSON object.
 *
 * Loading prints its rate per million events (`load_per_million`, events/s; issue 16's flat cost: the last million
 * should load at ≥ 0.8× the first), and after the queries the server is started on the store twice: `startup_scan_ms`
 * until it listens reading every stored mid (no snapshot), then `startup_ms` from the snapshot its clean stop saved
 * (issue 16: ≤ 2 s at 10 million events).
 *
 * Flags: --events N (10000000) --runs N (5) --seed N (42) --dir DIR (a fresh temp dir) --keep
 * --only a,b (time only these kinds) --store duckdb|clickhouse|<clickhouse:// URL> (duckdb). A --dir (or a
 * ClickHouse database) whose store already holds events (a run kept with --keep, or a copy of a `telemetry simulate`
 * store) is not loaded again: the queries run over the whole days its events span, and `load_s` is null.
 *
 * `--store clickhouse` runs on the ClickHouse test service (scripts/clickhouse.sh, started if it is not running), in a
 * database of its own (`bench_query`, dropped at the end unless --keep); a `clickhouse://host:port/db` URL names
 * another. The spool segments are still written to --dir. A kind the store does not answer is reported under
 * `failed` with its reason.
 */
// First, as the `telemetry` command does: DuckDB's allocator options, read once when its library loads (allocator.ts).
import '../src/store/duckdb/allocator.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Cohort, TrendsQuery } from '@telemetry/query';
import { countCohort, createCohort, deleteCohort, getCohort } from '../src/analytics/cohorts.js';
import { runWithCohorts } from '../src/analytics/cohorts-insights.js';
import { runFunnels } from '../src/analytics/funnels.js';
import { runLifecycle } from '../src/analytics/lifecycle.js';
import { runPaths } from '../src/analytics/paths.js';
import { runRetention } from '../src/analytics/retention.js';
import { catchUpSessionPaths } from '../src/analytics/session-paths.js';
import { drainSummaryQueue } from '../src/analytics/sessions/index.js';
import { runSessions } from '../src/analytics/sessions-insight.js';
import { runStickiness } from '../src/analytics/stickiness.js';
import { runTrends } from '../src/analytics/trends.js';
import { loadConfig } from '../src/config.js';
import { DEDUP_SNAPSHOT_FILE } from '../src/ingest/dedup-snapshot.js';
import { startServer } from '../src/server.js';
import { simulate } from '../src/simulate/generate.js';
import { DAY_MS, funnelQuerySteps, resolveParams, startMs } from '../src/simulate/params.js';
import { createProgress } from '../src/simulate/progress.js';
import { GroundTruth } from '../src/simulate/truth.js';
import { receivedBy, writeToStore } from '../src/simulate/write-store.js';
import { openStore } from '../src/store/open-store.js';
import { clickHouseTestService } from './clickhouse-service.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
    dir: { type: 'string' },
    keep: { type: 'boolean' },
    only: { type: 'string' },
    store: { type: 'string', default: 'duckdb' },
  },
});
const targetEvents = Number(values.events.replaceAll('_', ''));
const runs = Number(values.runs);
// A fixed range, so figures stay comparable from run to run.
const params = resolveParams({ targetEvents, seed: Number(values.seed), start: '2024-01-01' });
const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-bench-query-'));
const spoolDir = path.join(dir, 'spool');
const log = (line: string) => process.stderr.write(`${line}\n`);

// --store clickhouse: the test service, in a database of its own; or the clickhouse:// URL given.
const storeUrl =
  values.store === 'duckdb'
    ? undefined
    : values.store === 'clickhouse'
      ? clickHouseTestService('bench_query').url
      : values.store;
// The server's DuckDB settings (TELEMETRY_DUCKDB_THREADS, TELEMETRY_DUCKDB_MEMORY), so a profile can be measured.
const config = loadConfig();
const store = await openStore({
  url: storeUrl,
  dataDir: dir,
  spoolDir,
  duckdb: {
    threads: config.duckdbThreads,
    memoryLimit: config.duckdbMemory,
    ingestMemoryLimit: config.duckdbIngestMemory,
  },
});
const onDuckDB = store.dialect === 'duckdb';
log(onDuckDB ? `duckdb: ${config.duckdbThreads} threads, memory limit ${config.duckdbMemory}` : `store: ${storeUrl}`);
let cohort = '';
let closed = false;
try {
  // 1. Load, unless the store holds events already (a kept run, a copy of a simulated store).
  const [held, first, last] = (await store.query('SELECT count(*), min(ets), max(ets) FROM events')).rows[0].map(
    Number,
  );
  let loaded: { events: number; seconds: number | null } = { events: held, seconds: null };
  let summarizeSeconds: number | null = null;
  const perMillion: number[] = [];
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  let dateRange = held > 0 ? { from: day(first), to: day(last) } : { from: '', to: '' };
  if (held > 0) {
    log(`reusing ${held} events of ${dir}, ${dateRange.from} to ${dateRange.to}`);
    // A store from before migration 17 (or a copy of one) keeps no session paths yet: the server's loader would
    // bring them up to date in the background; here, before the queries.
    const t = performance.now();
    const views = await catchUpSessionPaths(store);
    if (views > 0) log(`kept the paths of ${views} page views in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } else {
    const truth = new GroundTruth(params);
    let summarizing = 0;
    const progress = createProgress({ unit: 'events', total: targetEvents, enabled: true });
    // The rate of each million loaded (summaries included): flat when the cost per event does not grow with the store.
    let mark = { n: 0, t: performance.now() };
    const written = await writeToStore(simulate(params, truth), {
      store,
      spoolDir,
      receivedAt: receivedBy(Date.now()),
      afterLoad: async () => {
        const t = performance.now();
        await drainSummaryQueue(store);
        await catchUpSessionPaths(store);
        summarizing += (performance.now() - t) / 1000;
      },
      onProgress: (n) => progress.update(n),
      // Counted as loaded, not as generated: generation runs a segment ahead, so the first million counted as
      // generated held one load fewer than the others (9 of 10) and read ~10% faster than it loaded.
      onLoaded: (n) => {
        if (Math.floor(n / 1e6) > Math.floor(mark.n / 1e6)) {
          const now = performance.now();
          perMillion.push(Math.round((n - mark.n) / ((now - mark.t) / 1000)));
          mark = { n, t: now };
        }
      },
    });
    progress.finish();
    log(
      `loaded ${written.events} events (${truth.users} users, ${truth.sessions} sessions) in ${written.seconds.toFixed(1)} s: ` +
        `${Math.round(written.eventsPerSecond)} events/s including ${summarizing.toFixed(1)} s summarizing`,
    );
    loaded = written;
    summarizeSeconds = summarizing;
    // The whole simulated range.
    dateRange = { from: params.start, to: day(startMs(params) + (params.days - 1) * DAY_MS) };
  }

  // 2. Queries: the kind of question each insight answers on a dashboard, over the whole range.
  const steps = funnelQuerySteps(params);
  const home = { eid: 'IMPRESSION', filters: [{ property: 'edata.pageid', operator: 'eq' as const, value: 'home' }] };
  // Actors who viewed the home page at least 3 times in the range (saved, as the API saves it; removed below).
  cohort = await createCohort(store, {
    name: 'bench: home 3+',
    definition: { criteria: [{ type: 'behaviour', ...home, atLeast: 3, period: dateRange }] },
  });
  log(`cohort: ${await countCohort(store, (await getCohort(store, cohort)) as Cohort)} actors viewed home 3+ times`);
  const viewers: TrendsQuery = { series: [{ eid: 'IMPRESSION', math: 'unique_actors' }], interval: 'day', dateRange };
  const kinds: Record<string, () => Promise<unknown>> = {
    trends: () =>
      runTrends(store, { series: [{ eid: 'IMPRESSION', math: 'unique_actors' }], interval: 'day', dateRange }),
    trends_all: () =>
      runTrends(store, {
        series: [
          { eid: '$all', math: 'unique_actors' },
          { eid: 'INTERACT', math: 'avg_count_per_actor' },
          { eid: 'END', math: 'p95', property: 'edata.duration' },
        ],
        formula: 'B / A',
        aggregate: 'range',
        interval: 'day',
        dateRange,
      }),
    trends_percentiles: () =>
      runTrends(store, {
        series: [
          { eid: 'END', math: 'p99', property: 'edata.duration' },
          { eid: 'INTERACT', math: 'p90_count_per_actor' },
          { eid: 'START', math: 'wau' },
        ],
        interval: 'day',
        dateRange,
      }),
    trends_breakdown: () =>
      runTrends(store, {
        series: [{ eid: 'IMPRESSION', math: 'unique_actors' }],
        breakdown: { property: 'edata.pageid' },
        interval: 'day',
        dateRange,
      }),
    funnels: () => runFunnels(store, { steps, dateRange }),
    funnels_strict: () => runFunnels(store, { steps, dateRange, stepOrder: 'strict' }),
    funnels_any: () => runFunnels(store, { steps, dateRange, stepOrder: 'any' }),
    funnels_breakdown: () =>
      runFunnels(store, {
        steps,
        dateRange,
        breakdown: { property: 'context.channel' },
        breakdownAttribution: 'last_touch',
        exclusions: [{ eid: 'INTERRUPT', fromStep: 1, toStep: steps.length }],
        conversionTime: {},
        dropOff: { step: 2 },
      }),
    retention: () =>
      runRetention(store, { startEvent: { eid: 'START' }, returnEvent: { eid: 'START' }, period: 'week', dateRange }),
    retention_recurring: () =>
      runRetention(store, {
        startEvent: { eid: 'START' },
        returnEvent: { eid: '$all' },
        retentionType: 'recurring',
        breakdown: { property: 'context.channel' },
        period: 'week',
        dateRange,
      }),
    paths: () => runPaths(store, { dateRange }),
    paths_start: () => runPaths(store, { dateRange, startPage: 'home' }),
    paths_end: () => runPaths(store, { dateRange, endPage: 'home' }),
    stickiness: () => runStickiness(store, { series: [{ eid: 'START' }, home], interval: 'day', dateRange }),
    lifecycle: () => runLifecycle(store, { event: { eid: 'START' }, interval: 'week', dateRange }),
    sessions: () => runSessions(store, { dateRange }),
    cohort_filter: () => runWithCohorts('trends', runTrends, store, { ...viewers, filters: [{ cohort }] }, Date.now()),
    cohort_breakdown: () =>
      runWithCohorts('trends', runTrends, store, { ...viewers, breakdownCohorts: [cohort] }, Date.now()),
    cohort_count: async () => countCohort(store, (await getCohort(store, cohort)) as Cohort),
    baseline: () => store.query('SELECT eid, count(*) FROM events GROUP BY eid'),
  };
  const only = values.only?.split(',');
  const medians: Record<string, number | null> = {};
  const failures: Record<string, string> = {};
  for (const [kind, run] of Object.entries(kinds)) {
    if (only && !only.includes(kind)) continue;
    const times: number[] = [];
    try {
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
      }
    } catch (error) {
      // A kind that fails (e.g. out of memory at the default limit) is reported, and the others still run.
      medians[`${kind}_ms`] = null;
      failures[kind] = String((error as Error).message ?? error).split('\n')[0];
      log(`${kind.padEnd(20)} FAILED: ${failures[kind]}`);
      continue;
    }
    times.sort((a, b) => a - b);
    medians[`${kind}_ms`] = Math.round(times[Math.floor(times.length / 2)]);
    log(`${kind.padEnd(20)} median ${medians[`${kind}_ms`]} ms (runs: ${times.map(Math.round).join(', ')} ms)`);
  }

  // 3. Start-up on this store: the server opens it, recovers the spool and rebuilds its de-duplication indexes,
  // first reading every mid (no snapshot), then, after the clean stop that saves one, from the snapshot.
  await deleteCohort(store, cohort);
  cohort = '';
  await store.close();
  closed = true;
  fs.rmSync(path.join(dir, DEDUP_SNAPSHOT_FILE), { force: true });
  const startup = async () => {
    const started = performance.now();
    const server = await startServer({ dataDir: dir, store: storeUrl, port: 0, logLevel: 'silent' });
    const ms = Math.round(performance.now() - started);
    await server.close();
    return ms;
  };
  const startupScanMs = await startup();
  const startupMs = await startup();
  log(
    `startup            ${startupMs} ms from the mid snapshot, ${startupScanMs} ms reading every mid (${loaded.events} events)`,
  );
  if (values.store === 'clickhouse' && !values.keep && storeUrl) {
    const http = storeUrl.replace(/^clickhouse:/, 'http:').replace(/\/[^/]*$/, '/');
    await fetch(http, { method: 'POST', body: 'DROP DATABASE IF EXISTS bench_query' });
  }

  const summary = {
    bench: 'query',
    store: store.dialect,
    events: loaded.events,
    load_s: loaded.seconds === null ? null : Number(loaded.seconds.toFixed(1)),
    load_per_million: perMillion.length ? perMillion : null,
    startup_ms: startupMs,
    startup_scan_ms: startupScanMs,
    ...medians,
    ...(Object.keys(failures).length ? { failed: failures } : {}),
    // Peak resident set of this process over the whole run: generator, DuckDB and queries share it.
    rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    summarize_s: summarizeSeconds === null ? null : Number(summarizeSeconds.toFixed(1)),
    load_avg_1m: Number(os.loadavg()[0].toFixed(1)),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  if (!closed) {
    if (cohort) await deleteCohort(store, cohort);
    await store.close();
  }
  if (!values.keep && !values.dir) fs.rmSync(dir, { recursive: true, force: true });
}
