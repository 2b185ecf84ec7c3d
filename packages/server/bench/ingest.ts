import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AutocannonRequest, autocannon } from './autocannon.js';
import { BatchFactory } from './batch.js';
import { type Child, children, freePort, HOST, LAUNCH, startChild, stopChild, waitReady } from './child-process.js';
import { clickHouseTestService } from './clickhouse-service.js';
import { procStatusMb, sampleTreeRss } from './process-memory.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NULL_COLLECTOR = path.resolve(here, 'null-collector.ts');
const EVENTS_PER_BATCH = 100;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    devices: { type: 'string', default: '100000' },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
    store: { type: 'string', default: 'duckdb' },
  },
});
const positive = (name: string, raw: string | undefined): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return value;
};
const DURATION_S = positive('duration', flags.duration);
const WARMUP_S = positive('warmup', flags.warmup);
const CONNECTIONS = Math.round(positive('connections', flags.connections));
const RUNS = Math.round(positive('runs', flags.runs));
const DEVICES = Math.round(positive('devices', flags.devices));
const STORE = flags.store === 'duckdb' ? undefined : clickHouseStore(flags.store ?? '');

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * --store clickhouse: a database of its own (`bench_ingest`, emptied first) on the ClickHouse test service
 * (scripts/clickhouse.sh, started when it is not running), and that server's process, whose memory is the product's
 * too; or a `clickhouse://host:port/db` URL (its server's memory is not sampled).
 */
function clickHouseStore(flag: string): { url: string; pid?: number; emptied?: Promise<unknown> } {
  if (flag !== 'clickhouse') return { url: flag };
  const { url, pid } = clickHouseTestService('bench_ingest');
  const http = url.replace(/^clickhouse:/, 'http:').replace(/\/[^/]*$/, '/');
  const emptied = fetch(http, { method: 'POST', body: 'DROP DATABASE IF EXISTS bench_ingest' });
  return { url, pid, emptied };
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (value: number, digits = 0) => Number(value.toFixed(digits));

// ---- child processes ------------------------------------------------------------------

process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`bench: ${signal}, stopping`);
    process.exit(130);
  });
}

/** CPU seconds (user + system) per thread of `pid`, keyed by thread id, with the thread's name. */
function threadCpu(pid: number): Map<string, { name: string; seconds: number }> {
  const ticks = 100; // USER_HZ on Linux
  const threads = new Map<string, { name: string; seconds: number }>();
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      threads.set(tid, {
        name: tid === String(pid) ? 'main (JS)' : name,
        seconds: (Number(fields[11]) + Number(fields[12])) / ticks,
      });
    } catch {
      // the thread ended
    }
  }
  return threads;
}

/** Cores used per thread name between two `threadCpu` snapshots. */
function coresByThread(
  before: Map<string, { name: string; seconds: number }>,
  after: Map<string, { name: string; seconds: number }>,
  seconds: number,
): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const [tid, { name, seconds: cpu }] of after) {
    const used = cpu - (before.get(tid)?.seconds ?? 0);
    byName[name] = (byName[name] ?? 0) + used / seconds;
  }
  for (const name of Object.keys(byName)) byName[name] = round(byName[name], 2);
  return byName;
}

// ---- load -----------------------------------------------------------------------------

interface LoadResult {
  seconds: number;
  ok: number;
  stored: number;
  duplicates: number;
  rejected: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  p50: number;
  p99: number;
  peakRssMb: number;
  /** Cores the target process used during the run, by thread name. */
  cores: Record<string, number>;
}

const STORED = /"stored":(\d+)/;
const DUPLICATES = /"duplicates":(\d+)/;
const REJECTED = /"rejected":(\d+)/;

/** One autocannon run; every request builds a fresh batch (unique ids) from the shared factory. */
function load(target: Child, factory: BatchFactory, seconds: number): Promise<LoadResult> {
  const counts = { stored: 0, duplicates: 0, rejected: 0 };
  let peakRssMb = 0;
  const cpuBefore = threadCpu(target.pid);
  const sampler = setInterval(() => {
    peakRssMb = Math.max(peakRssMb, procStatusMb(target.pid, 'VmRSS'));
  }, 100);
  const request: AutocannonRequest = {
    method: 'POST',
    path: '/v1/telemetry',
    headers: { 'content-type': 'application/json', 'x-channel-id': 'in.ekstep' },
    setupRequest: (req) => ({ ...req, body: factory.next() }),
    onResponse: (status, body) => {
      if (status !== 200) return;
      counts.stored += Number(STORED.exec(body)?.[1] ?? 0);
      counts.duplicates += Number(DUPLICATES.exec(body)?.[1] ?? 0);
      counts.rejected += Number(REJECTED.exec(body)?.[1] ?? 0);
    },
  };
  return new Promise((resolve, reject) => {
    autocannon(
      { url: target.url, connections: CONNECTIONS, duration: seconds, timeout: 30, requests: [request] },
      (error, result) => {
        clearInterval(sampler);
        if (error) return reject(error);
        const runSeconds = (result.finish.getTime() - result.start.getTime()) / 1000;
        resolve({
          cores: coresByThread(cpuBefore, threadCpu(target.pid), runSeconds),
          seconds: runSeconds,
          ok: result['2xx'],
          ...counts,
          errors: result.errors,
          non2xx: result.non2xx,
          timeouts: result.timeouts,
          p50: result.latency.p50,
          p99: result.latency.p99,
          peakRssMb: Math.max(peakRssMb, procStatusMb(target.pid, 'VmRSS')),
        });
      },
    );
  });
}

async function sql(server: Child, query: string): Promise<unknown[][]> {
  const response = await fetch(`${server.url}/api/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { rows?: unknown[][] };
  if (!response.ok || !body.rows) throw new Error(`/api/sql ${response.status}: ${JSON.stringify(body)}`);
  return body.rows;
}

async function metric(server: Child, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

// ---- main -----------------------------------------------------------------------------

async function main(): Promise<void> {
  await STORE?.emptied;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-bench-'));
  const [serverPort, nullPort] = [await freePort(), await freePort()];
  const profDir = flags['cpu-prof'] ? path.resolve(flags['cpu-prof']) : undefined;
  const server = startChild(
    'collector',
    [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...LAUNCH, 'serve'],
    { PORT: String(serverPort), HOST, TELEMETRY_DATA_DIR: dataDir, ...(STORE ? { TELEMETRY_STORE: STORE.url } : {}) },
    serverPort,
  );
  const nullCollector = startChild(
    'null collector',
    ['--import', 'tsx', NULL_COLLECTOR],
    { PORT: String(nullPort), HOST },
    nullPort,
  );
  try {
    await Promise.all([waitReady(server, '/health', 60_000), waitReady(nullCollector, '/', 30_000)]);
    // Every process of the product (the server and any it starts), summed, for the whole bench: loads and checks too.
    const productRss = sampleTreeRss(server.pid);
    const clickHouseRss = STORE?.pid ? sampleTreeRss(STORE.pid) : undefined;
    log(
      `bench: ${os.cpus().length} cores, node ${process.version}; ${CONNECTIONS} connections, ` +
        `${WARMUP_S} s warm-up + ${DURATION_S} s measured, ${RUNS} runs per side; data in ${dataDir}`,
    );
    const factory = new BatchFactory(EVENTS_PER_BATCH, undefined, DEVICES);
    log(
      `bench: batch body ${Buffer.byteLength(factory.next())} bytes, ${EVENTS_PER_BATCH} events, all ids unique, ${DEVICES} devices`,
    );

    const measured: { collector: LoadResult[]; null: LoadResult[] } = { collector: [], null: [] };
    let ackedStored = 0; // every acknowledged stored event, warm-ups included, for the end check
    for (let run = 1; run <= RUNS; run++) {
      for (const [side, target] of [
        ['collector', server],
        ['null', nullCollector],
      ] as const) {
        const warm = await load(target, factory, WARMUP_S);
        const result = await load(target, factory, DURATION_S);
        if (side === 'collector') ackedStored += warm.stored + result.stored;
        const events = side === 'collector' ? result.stored : result.ok * EVENTS_PER_BATCH;
        measured[side].push(result);
        log(
          `run ${run} ${side.padEnd(9)} ${String(round(events / result.seconds)).padStart(7)} events/s  ` +
            `p50 ${result.p50} ms  p99 ${result.p99} ms  peak RSS ${round(result.peakRssMb)} MB  ` +
            `(${result.ok} × 200, stored ${result.stored}, dup ${result.duplicates}, rejected ${result.rejected}, ` +
            `errors ${result.errors}, non-2xx ${result.non2xx}, timeouts ${result.timeouts}, ${result.seconds} s)\n` +
            `      cores used by thread: ${JSON.stringify(result.cores)}`,
        );
      }
    }

    // Durability check: the store ends up with exactly what the collector made durable. A request
    // cut off by the end of a run may be stored but its 200 never read, so the server's own counter
    // is the exact reference; the acknowledged sum may be lower by at most connections × 100 per run.
    const serverStored = await metric(server, 'telemetry_events_stored_total');
    const commits = await metric(server, 'telemetry_spool_commit_seconds_count');
    const commitSeconds = await metric(server, 'telemetry_spool_commit_seconds_sum');
    log(
      `spool: ${commits} group commits (write + fdatasync), mean ${round((1000 * commitSeconds) / commits, 1)} ms, ` +
        `${round(serverStored / commits)} events per commit`,
    );
    const deadline = Date.now() + 180_000;
    let inStore = -1;
    while (Date.now() < deadline) {
      try {
        inStore = Number((await sql(server, 'SELECT count(*) FROM events'))[0][0]);
        if (inStore >= serverStored) break;
      } catch (error) {
        log(`check: ${(error as Error).message}; retrying`); // a busy loader can hold up a read
      }
      await sleep(500);
    }
    const caughtUpS = round((Date.now() - (deadline - 180_000)) / 1000, 1);
    const distinct = Number((await sql(server, 'SELECT count(DISTINCT mid) FROM events'))[0][0]);
    const rssMb = procStatusMb(server.pid, 'VmHWM');
    const rssAll = productRss.stop();
    const rssClickHouse = clickHouseRss?.stop();
    const unread = serverStored - ackedStored;
    log(
      `check: acknowledged stored ${ackedStored}, collector's stored counter ${serverStored} ` +
        `(${unread} in requests cut off at the end of a run), events in the store ${inStore} ` +
        `(loader caught up ${caughtUpS} s after the load), distinct mids ${distinct}`,
    );
    const maxUnread = 2 * RUNS * CONNECTIONS * EVENTS_PER_BATCH;
    const ok = inStore === serverStored && distinct === inStore && unread >= 0 && unread <= maxUnread;
    log(ok ? 'check: OK, every acknowledged event is in the store, none twice' : 'check: FAILED');
    if (!ok) process.exitCode = 1;

    const rate = (r: LoadResult, side: 'collector' | 'null') =>
      (side === 'collector' ? r.stored : r.ok * EVENTS_PER_BATCH) / r.seconds;
    const eventsPerS = median(measured.collector.map((r) => rate(r, 'collector')));
    const nullEventsPerS = median(measured.null.map((r) => rate(r, 'null')));
    const summary = {
      bench: 'ingest',
      store: STORE ? 'clickhouse' : 'duckdb',
      events_per_s: round(eventsPerS),
      null_events_per_s: round(nullEventsPerS),
      ratio: round(eventsPerS / nullEventsPerS, 3),
      p50_ms: median(measured.collector.map((r) => r.p50)),
      p99_ms: median(measured.collector.map((r) => r.p99)),
      rss_mb: round(rssMb),
      // With ClickHouse, its server is the product's too: the peak of both sums, sampled apart (an upper bound).
      rss_mb_all: round(rssAll.max + (rssClickHouse?.max ?? 0)),
      ...(rssClickHouse ? { rss_mb_clickhouse: round(rssClickHouse.max) } : {}),
      runs: RUNS,
      duration_s: DURATION_S,
      connections: CONNECTIONS,
      devices: DEVICES,
      load_caught_up_s: caughtUpS,
      stored_total: inStore,
      verified: ok,
    };
    await stopChild(server, 60_000);
    await stopChild(nullCollector, 10_000);
    if (profDir) log(`bench: collector CPU profile written to ${profDir}`);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await stopChild(server, 60_000).catch(() => {});
    await stopChild(nullCollector, 10_000).catch(() => {});
    if (!flags.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  log(`bench: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
});
