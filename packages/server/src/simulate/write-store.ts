/**
 * The fast path: simulated events written as spool segments (spool/segment-format.ts) into the
 * store's spool directory and bulk-loaded with `store.loadSegment`, one segment generating while
 * the previous one loads. The store's loader checkpoint advances as with collected traffic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { validateEvent } from '@telemetry/spec';
import { eventLine, eventLinePrefix, failedLine, frameGroup } from '../spool/segment-format.js';
import { segmentFile } from '../spool/segment-recovery.js';
import type { Store } from '../store/store.js';
import { INVALID_EVENTS, type SimEvent } from './session.js';

export interface WriteStoreOptions {
  store: Store;
  /** The store's spool directory (the only place it may read files from). */
  spoolDir: string;
  /** The receive time (`syncts`, epoch ms) stamped on an event: see `receivedBy`. */
  receivedAt: (event: SimEvent) => number;
  /**
   * Events per segment file. Default 100 000 (about 50 MB of text): peak RSS grows with it (1M events
   * with summarizing peaked at 2.4 GB with 250 000, 1.3 GB with 100 000).
   */
  segmentEvents?: number;
  /** Runs after each segment's load, before the next one starts (the summarizer hooks in here, as in server.ts). */
  afterLoad?: () => Promise<void>;
  /** Called with the running count of events handed to the store. */
  onProgress?: (events: number) => void;
  /**
   * Called with the running count of events loaded, after each segment's load and its `afterLoad`: where a rate of
   * loading is measured (`onProgress` runs one segment ahead, while the one before still loads).
   */
  onLoaded?: (events: number) => void;
}

export interface WriteStoreResult {
  /** Events written, the invalid ones included. */
  events: number;
  /** Of which written as rejected events (session.ts INVALID_EVENTS), into failed_events. */
  rejected: number;
  segments: number;
  seconds: number;
  eventsPerSecond: number;
}

/** Bytes gathered before one write(2): large enough to be cheap, small enough to stay out of old space. */
const WRITE_CHUNK = 4 * 1024 * 1024;

export async function writeToStore(events: Iterable<SimEvent>, options: WriteStoreOptions): Promise<WriteStoreResult> {
  const { store, spoolDir } = options;
  const perSegment = options.segmentEvents ?? 100_000;
  const started = performance.now();
  fs.mkdirSync(spoolDir, { recursive: true });
  const checkpoint = await store.checkpoint();
  // Loading above unloaded spool segments would make the collector's recovery delete them as done.
  const pending = fs.readdirSync(spoolDir).filter((n) => n.endsWith('.seg') && Number(n.slice(0, -4)) > checkpoint);
  if (pending.length > 0) {
    throw new Error(
      `the spool holds ${pending.length} segment(s) not loaded yet; start the server once to load them, then simulate`,
    );
  }
  // Consecutive events often share a receive time: the line prefix is rebuilt only when it changes.
  let syncts = Number.NaN;
  let prefix = '';
  let segment = checkpoint;
  let total = 0;
  let totalRejected = 0;
  let loadedTotal = 0;
  let inFlight: Promise<void> | undefined;

  const load = async (file: string, number: number, written: number, rejected: number) => {
    try {
      const loaded = await store.loadSegment(file, number);
      // Nothing is dropped silently: every line written must come back as a stored or failed event.
      if (loaded.events !== written - rejected || loaded.failed !== rejected) {
        throw new Error(
          `segment ${number}: wrote ${written - rejected} events and ${rejected} rejected, ` +
            `store loaded ${loaded.events} and ${loaded.failed}`,
        );
      }
      await options.afterLoad?.();
      loadedTotal += written;
      options.onLoaded?.(loadedTotal);
    } finally {
      fs.rmSync(file, { force: true });
    }
  };

  const iterator = events[Symbol.iterator]();
  let next = iterator.next();
  while (!next.done) {
    segment++;
    const file = segmentFile(spoolDir, segment);
    const fd = fs.openSync(file, 'w');
    let written = 0;
    let rejected = 0;
    try {
      // Async so the event loop turns between chunks: the load in flight is a chain of statements,
      // and each next statement is issued only when this thread lets its promise continue.
      let buffer = '';
      while (!next.done && written < perSegment) {
        const received = options.receivedAt(next.value);
        if (received !== syncts) {
          syncts = received;
          prefix = eventLinePrefix({ syncts });
        }
        const raw = JSON.stringify(next.value);
        if (INVALID_EVENTS.has(next.value)) {
          // As the collector would: the schema's verdict, kept in failed_events.
          const verdict = validateEvent(next.value);
          if (verdict.valid) throw new Error(`${next.value.mid} was meant to be invalid`);
          const { mid, eid } = next.value;
          buffer += failedLine({ syncts }, { mid, eid, reason: verdict.reason, errors: verdict.errors, raw });
          rejected++;
        } else {
          buffer += eventLine(prefix, raw);
        }
        written++;
        if (buffer.length >= WRITE_CHUNK) {
          fs.writeSync(fd, frameGroup(buffer));
          buffer = '';
          options.onProgress?.(total + written);
          await new Promise(setImmediate);
        }
        next = iterator.next();
      }
      if (buffer !== '') fs.writeSync(fd, frameGroup(buffer));
    } finally {
      fs.closeSync(fd);
    }
    // One load in flight: DuckDB loads segment n on its threads while this thread writes n + 1.
    if (inFlight) {
      try {
        await inFlight;
      } catch (error) {
        fs.rmSync(file, { force: true });
        throw error;
      }
    }
    total += written;
    totalRejected += rejected;
    inFlight = load(file, segment, written, rejected);
    // Handled here for Node's bookkeeping; the error itself surfaces at the next await.
    inFlight.catch(() => {});
    options.onProgress?.(total);
  }
  if (inFlight) await inFlight;
  const seconds = (performance.now() - started) / 1000;
  return {
    events: total,
    rejected: totalRejected,
    segments: segment - checkpoint,
    seconds,
    eventsPerSecond: total / seconds,
  };
}

/** How long after its event time a simulated event is received (an SDK's batch flush), in ms. */
export const RECEIVE_DELAY_MS = 2000;

/**
 * Receive times as a collector would stamp them: a moment after the event, never after `now`
 * (epoch ms, the wall clock when writing starts), so the live tail and the newest-first event
 * list put real traffic received later above simulated traffic.
 */
export function receivedBy(now: number): (event: SimEvent) => number {
  return (event) => Math.min(event.ets + RECEIVE_DELAY_MS, now);
}

/** The spool directory of a data directory, as the collector lays it out (server.ts). */
export function spoolDirOf(dataDir: string): string {
  return path.join(dataDir, 'spool');
}
