/**
 * Starts the whole collector: opens the store, recovers and loads the spool, rebuilds the
 * de-duplication indexes, then serves HTTP. `close()` stops taking requests, commits, loads and closes.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { drainSummaryQueue } from './analytics/sessions/index.js';
import { type AppContext, buildApp } from './app.js';
import { type Config, loadConfig } from './config.js';
import { checkExposure } from './exposure.js';
import { Collector } from './ingest/collector.js';
import { DedupIndex } from './ingest/dedup-index.js';
import { parseLevelCeiling } from './ingest/levels-config.js';
import { REJECTION_REASONS } from './ingest/steps.js';
import { MetricsRegistry } from './metrics/registry.js';
import { Forwarder } from './sinks/posthog/forwarder.js';
import { Loader } from './spool/loader.js';
import { SegmentLog } from './spool/segment-log.js';
import { recoverSegments, scanSegmentIds } from './spool/segment-recovery.js';
import { openStore } from './store/open-store.js';
import { ReadGate } from './store/read-gate.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  url: string;
  /** Risky settings this server started with (exposure.ts); `telemetry serve` prints them at every start. */
  warnings: string[];
  app: FastifyInstance;
  store: Store;
  loader: Loader;
  config: Config;
  close(): Promise<void>;
}

export type ServerOptions = Partial<Config>;

/** Opens the store and the spool and loads what a previous run acknowledged but did not load. */
export async function openCollector(config: Config) {
  const spoolDir = path.join(config.dataDir, 'spool');
  const store = await openStore({
    url: config.store,
    dataDir: config.dataDir,
    spoolDir,
    actorKey: config.actorKey,
    duckdb: { threads: config.duckdbThreads, memoryLimit: config.duckdbMemory },
  });
  const metrics = new MetricsRegistry();
  const counters = {
    received: metrics.counter('telemetry_events_received_total', 'Events received in batches'),
    stored: metrics.counter('telemetry_events_stored_total', 'Events made durable (spooled)'),
    duplicates: metrics.counter('telemetry_events_duplicate_total', 'Events not stored again: mid already stored'),
    rejected: metrics.counter(
      'telemetry_events_rejected_total',
      'Events rejected into failed_events, by reason',
      'reason',
    ),
    duplicateBatches: metrics.counter('telemetry_batches_duplicate_total', 'Batches answered from the msgid index'),
    loaded: metrics.counter('telemetry_events_loaded_total', 'Events bulk-loaded from the spool into the store'),
  };
  for (const reason of REJECTION_REASONS) counters.rejected.inc(0, reason);
  const commitLatency = metrics.histogram('telemetry_spool_commit_seconds', 'Spool write + fsync (one group commit)');
  const loadLatency = metrics.histogram(
    'telemetry_load_duration_seconds',
    'One bulk load of sealed spool segments',
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  const quarantined = metrics.counter(
    'telemetry_events_quarantined_total',
    'Events the store refused to load, moved to failed_events with reason load_error',
  );
  const loader = new Loader({
    store,
    // Sessions and time spent follow the loads; the queue of touched device streams is durable.
    afterLoad: async () => {
      await drainSummaryQueue(store);
    },
    afterLoadIntervalMs: config.summarizeIntervalMs,
    log: (message, error) => console.error(`telemetry: ${message}`, error ?? ''),
  });

  metrics.gauge('telemetry_loader_lag_seconds', 'Age of the oldest spool segment not loaded yet (0 when none)', () =>
    Number(loader.status().lagSeconds.toFixed(3)),
  );
  metrics.gauge(
    'telemetry_loader_backlog_bytes',
    'Bytes of sealed spool segments not loaded yet',
    () => loader.status().backlogBytes,
  );
  metrics.gauge(
    'telemetry_loader_last_error_timestamp_seconds',
    'When a load last failed, Unix seconds (0: never)',
    () => Math.floor((loader.status().lastErrorAt ?? 0) / 1000),
  );
  loader.onLoaded((loaded, seconds) => {
    counters.loaded.inc(loaded.events);
    quarantined.inc(loaded.quarantined);
    loadLatency.observe(seconds);
  });

  // What was acknowledged before a stop or crash is loaded in the background: the server listens
  // whatever the spool holds. The indexes learn the spool's ids before the loader moves them into
  // the store (read first, so a segment loaded meanwhile is in the store's scan).
  const checkpoint = await store.checkpoint();
  const pending = await recoverSegments(spoolDir, checkpoint);
  const mids = new DedupIndex();
  const batches = new DedupIndex(1024);
  scanSegmentIds(
    pending,
    (mid) => mids.add(mid),
    (msgid) => batches.add(msgid),
  );
  for (const sealed of pending) loader.enqueue(sealed);
  loader.requestAfterLoad(); // also drains what a crash left in summary_queue
  await store.scanStrings('SELECT mid FROM events', (mid) => mids.add(mid));
  await store.scanStrings('SELECT msgid FROM batches', (msgid) => batches.add(msgid));

  const nextSegment = Math.max(checkpoint, ...pending.map((p) => p.segment)) + 1;
  const spool = new SegmentLog(
    {
      dir: spoolDir,
      rotateMs: config.spoolRotateMs,
      onSealed: (sealed) => loader.enqueue(sealed),
      onCommit: (s) => commitLatency.observe(s),
    },
    nextSegment,
  );
  const collector = new Collector({
    spool,
    // A store that cannot write is answered with a 503 (clients retry) until a load succeeds again;
    // the store's own message (file paths) is for /health's details, not for every client.
    refuse: () =>
      loader.status().storeDown ? 'the store cannot write (disk full or unwritable); retry later' : undefined,
    mids,
    batches,
    clockSkewMs: config.clockSkewMs,
    limits: {
      maxEventBytes: config.maxEventBytes,
      maxDepth: config.maxDepth,
      maxBatchEvents: config.maxBatchEvents,
      levelFor: parseLevelCeiling(config.maxLevel),
    },
    counters: {
      received: (n) => counters.received.inc(n),
      stored: (n) => counters.stored.inc(n),
      duplicates: (n) => counters.duplicates.inc(n),
      rejected: (n, reason) => counters.rejected.inc(n, reason),
      duplicateBatch: () => counters.duplicateBatches.inc(),
    },
  });
  const forwarder = config.forwardPostHog ? startForwarder(config, store, metrics, loader) : undefined;
  const close = async () => {
    await forwarder?.stop();
    await spool.close();
    // Half of the shutdown bound for loading what is queued; the rest stays in the spool for the next start.
    await loader.stop(config.shutdownTimeoutMs / 2);
    await store.close();
  };
  return { store, spool, loader, collector, metrics, forwarder, close };
}

/** The PostHog forwarder (sinks/posthog), its metrics, woken by every load. */
function startForwarder(config: Config, store: Store, metrics: MetricsRegistry, loader: Loader): Forwarder {
  const settings = config.forwardPostHog as NonNullable<Config['forwardPostHog']>;
  const counters = {
    sent: metrics.counter('telemetry_forward_sent_total', 'Events PostHog took from the forwarder'),
    failed: metrics.counter('telemetry_forward_failed_total', 'Events PostHog refused (400/413), dead-lettered'),
    resent: metrics.counter(
      'telemetry_forward_resent_total',
      'Events sent again after a failed attempt (429, 5xx, network)',
    ),
  };
  const forwarder = new Forwarder(store, {
    ...settings,
    pollMs: 1000,
    maxRetryMs: 60_000,
    timeoutMs: 30_000,
    log: (message) => console.error(`telemetry: ${message}`),
    onCount: (what, n) => counters[what].inc(n),
  });
  metrics.gauge(
    'telemetry_forward_lag_events',
    'Stored events the forwarder has not sent yet',
    () => forwarder.status().lagEvents,
  );
  metrics.gauge(
    'telemetry_forward_lag_seconds',
    'Age of the oldest stored event not forwarded yet, s (0 when none)',
    () => Number(forwarder.status().lagSeconds.toFixed(3)),
  );
  metrics.gauge(
    'telemetry_forward_dead_letters',
    'Events in forward_dead_letters',
    () => forwarder.status().deadLetters,
  );
  loader.onLoaded(() => forwarder.notify());
  forwarder.start();
  return forwarder;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config = loadConfig(process.env, options);
  // Before anything is opened or bound: an exposed server without a token does not start at all.
  const exposure = checkExposure(config);
  if (exposure.refusal) throw new Error(exposure.refusal);
  const opened = await openCollector(config);
  const ctx: AppContext = {
    config,
    store: opened.store,
    collector: opened.collector,
    loader: opened.loader,
    spool: opened.spool,
    metrics: opened.metrics,
    forwarder: opened.forwarder,
    reads: new ReadGate({ concurrency: config.queryConcurrency, queue: config.queryQueue }),
  };
  const app = await buildApp(ctx);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await opened.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    url: `http://${config.host}:${port}`,
    warnings: exposure.warnings,
    app,
    store: opened.store,
    loader: opened.loader,
    config,
    close: async () => {
      await app.close();
      await opened.close();
    },
  };
}
