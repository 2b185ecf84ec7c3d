/**
 * Moves sealed spool segments into the store, in order (a load repeated after a crash stores
 * nothing twice: Store.loadSegment), deletes each file once loaded, then runs the after-load hook
 * (summaries), coalesced so it runs at most every `afterLoadIntervalMs` plus once when loading
 * settles. Events the store refuses are quarantined by the store (failed_events, `load_error`),
 * so a load fails only when the store cannot write: it is retried with backoff (at most
 * `maxBackoffMs` apart, so the loader notices soon when the store is back) and data is never skipped.
 */
import fsp from 'node:fs/promises';
import { type LoadedSegment, type Store, StoreError } from '../store/store.js';
import type { SealedSegment } from './segment-recovery.js';

export interface LoaderOptions {
  store: Store;
  /** Runs after committed loads (coalesced); its own work is durable in the store, so a failure is retried next time. */
  afterLoad?: () => Promise<void>;
  /** Minimum time between two after-load runs under sustained loading. Default 2000 ms. */
  afterLoadIntervalMs?: number;
  /** Bytes of sealed segments taken into one load when a backlog has built up (at least one segment). Default 16 MB. */
  maxBytesPerLoad?: number;
  /** Longest wait between two attempts of a failing load. Default 5000 ms. */
  maxBackoffMs?: number;
  log?: (message: string, error?: unknown) => void;
}

/** What /health and /metrics report about the loader. */
export interface LoaderStatus {
  /** Sealed segments not yet loaded, and their bytes. */
  backlogSegments: number;
  backlogBytes: number;
  /** Seconds since the oldest segment not yet loaded was handed to the loader (0 when none). */
  lagSeconds: number;
  /** True while the last load attempt failed (it is being retried). */
  failing: boolean;
  /** True while the last failure said the store cannot write at all (disk full, unwritable file, a failed reopen). */
  storeDown: boolean;
  lastError: string | undefined;
  /** When the last load failure happened, epoch ms. */
  lastErrorAt: number | undefined;
  /** Consecutive failures of the current load. */
  failures: number;
}

export class Loader {
  private readonly queue: Array<SealedSegment & { enqueuedAt: number }> = [];
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<(loaded: LoadedSegment, seconds: number) => void>();
  private readonly afterLoadListeners = new Set<() => void>();
  private stopped = false;
  private afterLoadRunning: Promise<void> | undefined;
  private afterLoadPending = false;
  private afterLoadTimer: NodeJS.Timeout | undefined;
  private lastAfterLoad = 0;
  private failures = 0;
  private storeDown = false;
  private lastErrorAt: number | undefined;
  private wake: (() => void) | undefined;
  /** Settles (never rejects) when the load attempt under way ends; undefined between attempts. */
  private attemptEnded: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(private readonly options: LoaderOptions) {}

  enqueue(sealed: SealedSegment): void {
    this.queue.push({ ...sealed, enqueuedAt: Date.now() });
    if (!this.running) this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Sealed segments not yet loaded. */
  get backlog(): number {
    return this.queue.length;
  }

  status(now = Date.now()): LoaderStatus {
    return {
      backlogSegments: this.queue.length,
      backlogBytes: this.queue.reduce((sum, s) => sum + s.bytes, 0),
      lagSeconds: this.queue.length > 0 ? Math.max(0, now - this.queue[0].enqueuedAt) / 1000 : 0,
      failing: this.failures > 0,
      storeDown: this.storeDown,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      failures: this.failures,
    };
  }

  /**
   * When the oldest segment not yet loaded is older than `lagSeconds`: a promise that settles (never rejects) when the
   * load under way ends — the same promise for one load — or a settled one between two loads. Undefined when the
   * loader is not that far behind. User reads wait on it (store/read-gate.ts) so that heavy queries leave the loads
   * room to catch up.
   */
  behind(lagSeconds: number, now = Date.now()): Promise<void> | undefined {
    if (this.queue.length === 0 || now - this.queue[0].enqueuedAt <= lagSeconds * 1000) return undefined;
    return this.attemptEnded ?? BETWEEN_LOADS;
  }

  /** True while the last after-load (summarizer) run has been going on for longer than `ms`. */
  afterLoadRunningLongerThan(ms: number, now = Date.now()): boolean {
    return this.afterLoadRunning !== undefined && now - this.lastAfterLoad > ms;
  }

  /** Subscribes to loads (metrics, live tail) with each load's duration in seconds; returns the unsubscribe function. */
  onLoaded(listener: (loaded: LoadedSegment, seconds: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Subscribes to the after-load hook's successful runs (the summaries changed: sessions, time spent); returns the
   * unsubscribe function.
   */
  onAfterLoad(listener: () => void): () => void {
    this.afterLoadListeners.add(listener);
    return () => this.afterLoadListeners.delete(listener);
  }

  /** Resolves when every segment enqueued so far is loaded and the after-load hook has caught up. */
  async idle(): Promise<void> {
    while (this.running || this.afterLoadRunning || this.afterLoadPending) {
      if (this.running) await this.running;
      else if (this.afterLoadRunning) await this.afterLoadRunning;
      else this.runAfterLoad();
    }
  }

  /**
   * Loads what is queued for at most `drainMs`, then stops after the load in flight (what is
   * still queued stays in the spool for the next start) and the after-load run in flight; a
   * failing load's retry wait is cut short.
   */
  async stop(drainMs = Number.POSITIVE_INFINITY): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline =
      drainMs === Number.POSITIVE_INFINITY
        ? undefined
        : new Promise((resolve) => (timer = setTimeout(resolve, drainMs)));
    await Promise.race([this.idle(), ...(deadline ? [deadline] : [])]);
    clearTimeout(timer);
    this.stopped = true;
    clearTimeout(this.afterLoadTimer);
    this.wake?.();
    await this.running;
    await this.afterLoadRunning;
  }

  /** Asks for an after-load run: now if the interval allows, else once it has passed. */
  requestAfterLoad(): void {
    if (!this.options.afterLoad) return;
    this.afterLoadPending = true;
    if (this.afterLoadRunning || this.afterLoadTimer) return;
    const wait = this.lastAfterLoad + (this.options.afterLoadIntervalMs ?? 2000) - Date.now();
    if (wait <= 0) this.runAfterLoad();
    else this.afterLoadTimer = setTimeout(() => this.runAfterLoad(), wait);
  }

  private runAfterLoad(): void {
    clearTimeout(this.afterLoadTimer);
    this.afterLoadTimer = undefined;
    if (!this.options.afterLoad || this.afterLoadRunning || this.stopped) {
      this.afterLoadPending = false;
      return;
    }
    this.afterLoadPending = false;
    this.lastAfterLoad = Date.now();
    this.afterLoadRunning = this.options
      .afterLoad()
      .then(() => {
        for (const listener of this.afterLoadListeners) listener();
      })
      .catch((error) => this.options.log?.('after-load hook failed; it runs again after the next load', error))
      .finally(() => {
        this.afterLoadRunning = undefined;
        if (this.afterLoadPending) this.requestAfterLoad();
      });
  }

  /** The oldest sealed segments, up to the byte budget: memory stays bounded however large the backlog. */
  private takeBatch(): SealedSegment[] {
    const budget = this.options.maxBytesPerLoad ?? 16 * 1024 * 1024;
    let bytes = this.queue[0].bytes;
    let n = 1;
    while (n < this.queue.length && bytes + this.queue[n].bytes <= budget) bytes += this.queue[n++].bytes;
    return this.queue.slice(0, n);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      // A backlog (a burst, a slow disk) is loaded in one call: fewer commits, larger appends.
      const batch = this.takeBatch();
      const last = batch[batch.length - 1];
      const started = performance.now();
      try {
        const attempt = this.options.store.loadSegment(
          batch.map((s) => s.file),
          last.segment,
        );
        this.attemptEnded = attempt.then(noop, noop);
        const loaded = await attempt.finally(() => (this.attemptEnded = undefined));
        this.queue.splice(0, batch.length);
        this.failures = 0;
        this.storeDown = false;
        this.lastError = undefined;
        await Promise.all(batch.map((s) => fsp.rm(s.file, { force: true })));
        const seconds = (performance.now() - started) / 1000;
        for (const listener of this.listeners) listener(loaded, seconds);
        this.requestAfterLoad();
      } catch (error) {
        this.failures += 1;
        this.storeDown = error instanceof StoreError && error.code === 'STORE_UNAVAILABLE';
        this.lastError = String((error as Error).message ?? error);
        this.lastErrorAt = Date.now();
        this.options.log?.(
          `loading spool segments up to ${last.segment} failed (attempt ${this.failures}); retrying`,
          error,
        );
        const wait = Math.min(this.options.maxBackoffMs ?? 5000, 100 * 2 ** this.failures);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }
}

function noop(): void {}

const BETWEEN_LOADS = Promise.resolve();
