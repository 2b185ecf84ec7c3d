/**
 * The pipeline's stages, named and in the order an event passes them (../shared/DESIGN.md, "Target layout"):
 *
 *   decode → parse → check → dedup   ingest/collector.ts (with decode.ts, event-spans.ts, steps.ts, dedup-index.ts)
 *   → spool                          spool/segment-log.ts: acknowledged once fsynced
 *   → load                           spool/loader.ts: sealed segments into the store (Store.loadSegment)
 *   → summarize                      analytics/sessions/drain.ts: after loads, sessions and time spent
 *   → sinks                          sinks/posthog/forwarder.ts: stored events to PostHog, when configured
 *
 * openPipeline builds them over an open store so that each has what it hands events to (the loader before the spool
 * that seals segments for it, the spool before the collector; the sinks last, woken by loads), after recovering what
 * a previous run acknowledged but did not load. The HTTP routes (app.ts) only call the collector.
 */
import path from 'node:path';
import { refreshSessionPaths } from './analytics/session-paths.js';
import { drainSummaryQueue } from './analytics/sessions/index.js';
import { type Config, FORWARD_MAX_RETRY_MS } from './config.js';
import { Collector } from './ingest/collector.js';
import { DedupIndex } from './ingest/dedup-index.js';
import { DEDUP_SNAPSHOT_FILE, loadDedupSnapshot, saveDedupSnapshot, scanStoredMids } from './ingest/dedup-snapshot.js';
import { parseLevelCeiling } from './ingest/levels-config.js';
import { REJECTION_REASONS } from './ingest/steps.js';
import { watchEventLoop } from './metrics/event-loop.js';
import { Freshness } from './metrics/freshness.js';
import { MetricsRegistry } from './metrics/registry.js';
import { Forwarder } from './sinks/posthog/forwarder.js';
import { Loader } from './spool/loader.js';
import { SegmentLog } from './spool/segment-log.js';
import { recoverSegments, scanSegmentIds } from './spool/segment-recovery.js';
import { damagedFiles, type SetAside } from './spool/set-aside.js';
import { SpoolHealth } from './spool/spool-health.js';
import type { Store } from './store/store.js';

/** The running stages over one store. `close()` stops them in order (sinks, spool, loader) and closes the store. */
export interface Pipeline {
  store: Store;
  spool: SegmentLog;
  loader: Loader;
  collector: Collector;
  metrics: MetricsRegistry;
  /** Acknowledgement → visible and → summarized, for /health, /metrics and the dashboard (metrics/freshness.ts). */
  freshness: Freshness;
  forwarder?: Forwarder;
  /** Whether the spool can be written now, for /health (a probe write, or the last commit's error). */
  spoolHealth: SpoolHealth;
  /** What the spool's damaged folder held after recovery (this start's and earlier starts' set-aside bytes). */
  damaged: { files: number; bytes: number };
  close(): Promise<void>;
}

/**
 * Starts the stages over `store` (open; the pipeline owns it from here): recovers the spool in `spoolDir`, queues
 * what is not loaded yet, rebuilds the de-duplication indexes, then accepts events.
 * @throws what recovery or the store's scans throw; the store is left open for the caller to close
 */
export async function openPipeline(config: Config, store: Store, spoolDir: string): Promise<Pipeline> {
  // Before the checkpoint is read: segments are numbered from it, and a second writer would reuse the numbers.
  await store.claimWriter();
  const log = (message: string, error?: unknown) => console.error(`telemetry: ${message}`, error ?? '');
  const metrics = new MetricsRegistry();
  const counters = {
    received: metrics.counter(
      'telemetry_events_received_total',
      'Events in batches answered 200: stored + duplicates + rejected (a request answered 503 counts in none)',
    ),
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
  const summarizeLatency = metrics.histogram(
    'telemetry_summarize_duration_seconds',
    'One summarizer run over the queued device streams (sessions, time spent)',
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );
  const stopWatchingLoop = watchEventLoop(
    metrics.histogram(
      'telemetry_event_loop_delay_seconds',
      'How late a 20 ms timer ran on the JavaScript thread, which answers every request (one sample per tick)',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ),
  );
  const freshness = freshnessOf(metrics);
  const loader = new Loader({
    store,
    // Sessions and time spent follow the loads; the queue of touched device streams is durable.
    afterLoad: async () => {
      const started = Date.now();
      // Another collector may be the one summarizing (ClickHouse): then ask again until it has caught up.
      const { caughtUp } = await drainSummaryQueue(store);
      if (!caughtUp) loader.requestAfterLoad();
      summarizeLatency.observe((Date.now() - started) / 1000);
      // After the sessions' figures, which its failure must not hold back. One slice per run, so a store catching up
      // (just migrated) never holds the writer long: another run follows.
      try {
        if ((await refreshSessionPaths(store)).more) loader.requestAfterLoad();
      } catch (error) {
        log('refreshing the kept session paths failed; it runs again after the next load', error);
      }
      // Last, so that /health says summarized in the same turn as the answers cached before are forgotten
      // (Loader.onAfterLoad, after this run): never while one of them can still be served.
      if (caughtUp) freshness.summarized(started);
    },
    afterLoadIntervalMs: config.summarizeIntervalMs,
    log,
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
    freshness.loaded(loaded.segment);
    counters.loaded.inc(loaded.events);
    quarantined.inc(loaded.quarantined);
    loadLatency.observe(seconds);
  });

  // What was acknowledged before a stop or crash is loaded in the background: the server listens
  // whatever the spool holds. The indexes learn the spool's ids before the loader moves them into
  // the store (read first, so a segment loaded meanwhile is in the store's scan).
  // The mid index starts from the snapshot a clean stop saved, when it still describes the store: then only the
  // events loaded after it are scanned (ingest/dedup-snapshot.ts).
  const checkpoint = await store.checkpoint();
  const pending = await recoverSegments(spoolDir, checkpoint, { onSetAside: reportSetAside(config, metrics, log) });
  const damaged = await damagedFiles(spoolDir);
  metrics.gauge(
    'telemetry_spool_damaged_bytes',
    'Bytes in spool/damaged/ at start-up: set aside by recovery, this start or an earlier one (an operator removes them)',
    () => damaged.bytes,
  );
  const snapshotFile = path.join(config.dataDir, DEDUP_SNAPSHOT_FILE);
  const snapshot = await loadDedupSnapshot(store, snapshotFile);
  if (snapshot.reason) log(`de-duplication index: scanning every stored mid: ${snapshot.reason}`);
  const mids = snapshot.index ?? new DedupIndex();
  const batches = new DedupIndex(1024);
  // The store does not hold what it refused to load: a re-send (corrected, or once the store accepts it) is not a
  // duplicate, as after a restart, whose scan never sees them.
  loader.onLoaded((loaded) => {
    for (const mid of loaded.quarantinedMids) mids.delete(mid);
  });
  scanSegmentIds(
    pending,
    (mid) => mids.add(mid),
    (msgid) => batches.add(msgid),
  );
  for (const sealed of pending) loader.enqueue(sealed);
  loader.requestAfterLoad(); // also drains what a crash left in summary_queue
  const addMid = (mid: string) => mids.add(mid);
  await scanStoredMids(store, snapshot.index ? snapshot.seq : 0, addMid);
  await store.scanStrings('SELECT msgid FROM batches', (msgid) => batches.add(msgid));

  const nextSegment = Math.max(checkpoint, ...pending.map((p) => p.segment)) + 1;
  const spool = new SegmentLog(
    {
      dir: spoolDir,
      rotateMs: config.spoolRotateMs,
      onSealed: (sealed) => loader.enqueue(sealed),
      onCommit: (s) => commitLatency.observe(s),
      onAcknowledged: (segment, events) => freshness.acknowledged(segment, events),
    },
    nextSegment,
  );
  const collector = new Collector({
    spool,
    // A store that cannot write (a full or unwritable disk, a database that could not be opened again) is
    // answered with a 503 (clients retry) until a load succeeds again; the store's own message (file paths) is for
    // /health's details, not for every client.
    refuse: () => (loader.status().storeDown ? 'the store cannot write for now (see /health); retry later' : undefined),
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
  // Other collectors' loads queue work for this process's summarizer too (when it is the one): not only after its own.
  const summarizeTimer = store.loadedByOthers
    ? setInterval(() => loader.requestAfterLoad(), config.summarizeIntervalMs).unref()
    : undefined;
  const close = async () => {
    clearInterval(summarizeTimer);
    stopWatchingLoop();
    await forwarder?.stop();
    await spool.close();
    // Half of the shutdown bound for loading what is queued; the rest stays in the spool for the next start.
    await loader.stop(config.shutdownTimeoutMs / 2);
    // Nothing is added or rolled back once the spool has closed: the index is what is stored or spooled.
    await saveDedupSnapshot(store, mids, snapshotFile).catch((error) =>
      log('could not save the de-duplication index; the next start scans every mid', error),
    );
    await store.close();
  };
  const spoolHealth = new SpoolHealth(spool, { dir: spoolDir });
  return { store, spool, loader, collector, metrics, freshness, forwarder, damaged, spoolHealth, close };
}

/**
 * Recovery's report of bytes it set aside (spool/set-aside.ts): a counter by cause, and a line on stderr — a torn tail,
 * expected after a crash, only at TELEMETRY_LOG=info (or more verbose); damage always.
 */
function reportSetAside(config: Config, metrics: MetricsRegistry, log: (message: string) => void) {
  const counter = metrics.counter(
    'telemetry_spool_set_aside_bytes_total',
    'Spool bytes recovery could not read at start-up, moved to spool/damaged/, by cause (torn_tail, damaged)',
    'cause',
  );
  counter.inc(0, 'torn_tail');
  counter.inc(0, 'damaged');
  const verbose = ['info', 'debug', 'trace'].includes(config.logLevel);
  return (s: SetAside) => {
    counter.inc(s.bytes, s.cause);
    const where = `${s.bytes} bytes at offset ${s.offset} of ${s.segmentFile}, set aside in ${s.file}`;
    if (s.cause === 'damaged') {
      log(`warning: spool recovery: ${where}: not whole commit groups (damaged; they may hold acknowledged events)`);
    } else if (verbose) {
      log(`spool recovery: ${where}: a partial last group, expected after a crash (never acknowledged)`);
    }
  };
}

/** The freshness tracker with its histograms and gauges on /metrics. */
function freshnessOf(metrics: MetricsRegistry): Freshness {
  // Around the goals (visible ≤ 2 s, summarized ≤ 10 s at the 99th percentile, issue 16) and well past them.
  const buckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
  const visible = metrics.histogram(
    'telemetry_visible_delay_seconds',
    'Per event: acknowledgement to loaded into events (visible to queries)',
    buckets,
  );
  const summarized = metrics.histogram(
    'telemetry_summarized_delay_seconds',
    'Per event: acknowledgement to included in summaries (sessions, time spent)',
    buckets,
  );
  const freshness = new Freshness({
    onVisible: (seconds, events) => visible.observe(seconds, events),
    onSummarized: (seconds, events) => summarized.observe(seconds, events),
  });
  const seconds = (ms: number | null) => (ms === null ? 0 : ms / 1000);
  metrics.gauge(
    'telemetry_events_unloaded',
    'Acknowledged events not loaded into events yet',
    () => freshness.status().unloadedEvents,
  );
  metrics.gauge(
    'telemetry_events_unsummarized',
    'Loaded events no summarizer run has included yet',
    () => freshness.status().unsummarizedEvents,
  );
  metrics.gauge(
    'telemetry_visible_delay_p99_seconds',
    'p99 of acknowledgement to visible over the events loaded in the last 5 minutes (0 when none)',
    () => seconds(freshness.status().visibleP99Ms),
  );
  metrics.gauge(
    'telemetry_summarized_delay_p99_seconds',
    'p99 of acknowledgement to summarized over the events summarized in the last 5 minutes (0 when none)',
    () => seconds(freshness.status().summarizedP99Ms),
  );
  return freshness;
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
    maxRetryMs: FORWARD_MAX_RETRY_MS,
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
