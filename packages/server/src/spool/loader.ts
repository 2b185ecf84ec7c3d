/**
 * Moves sealed spool segments into the store, in order, one transaction each (the checkpoint
 * commits with the rows), deletes each file once loaded, then runs the after-load hook
 * (summaries), coalesced so it runs at most every `afterLoadIntervalMs` plus once when loading
 * settles. A failing load is retried with backoff: data is never skipped.
 */
import fsp from 'node:fs/promises';
import type { LoadedSegment, Store } from '../store/store.js';
import type { SealedSegment } from './segment-recovery.js';

export interface LoaderOptions {
  store: Store;
  /** Runs after committed loads (coalesced); its own work is durable in the store, so a failure is retried next time. */
  afterLoad?: () => Promise<void>;
  /** Minimum time between two after-load runs under sustained loading. Default 2000 ms. */
  afterLoadIntervalMs?: number;
  /** Bytes of sealed segments taken into one load when a backlog has built up (at least one segment). Default 16 MB. */
  maxBytesPerLoad?: number;
  log?: (message: string, error?: unknown) => void;
}

export class Loader {
  private readonly queue: SealedSegment[] = [];
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<(loaded: LoadedSegment, seconds: number) => void>();
  private stopped = false;
  private afterLoadRunning: Promise<void> | undefined;
  private afterLoadPending = false;
  private afterLoadTimer: NodeJS.Timeout | undefined;
  private lastAfterLoad = 0;
  lastError: string | undefined;

  constructor(private readonly options: LoaderOptions) {}

  enqueue(sealed: SealedSegment): void {
    this.queue.push(sealed);
    if (!this.running) this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Sealed segments not yet loaded. */
  get backlog(): number {
    return this.queue.length;
  }

  /** Subscribes to loads (metrics, live tail) with each load's duration in seconds; returns the unsubscribe function. */
  onLoaded(listener: (loaded: LoadedSegment, seconds: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every segment enqueued so far is loaded and the after-load hook has caught up. */
  async idle(): Promise<void> {
    while (this.running || this.afterLoadRunning || this.afterLoadPending) {
      if (this.running) await this.running;
      else if (this.afterLoadRunning) await this.afterLoadRunning;
      else this.runAfterLoad();
    }
  }

  async stop(): Promise<void> {
    await this.idle();
    this.stopped = true;
    clearTimeout(this.afterLoadTimer);
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
    let failures = 0;
    while (this.queue.length > 0 && !this.stopped) {
      // A backlog (a burst, a slow disk) is loaded in one transaction: fewer commits, larger appends.
      const batch = this.takeBatch();
      const last = batch[batch.length - 1];
      const started = performance.now();
      try {
        const loaded = await this.options.store.loadSegment(
          batch.map((s) => s.file),
          last.segment,
        );
        this.queue.splice(0, batch.length);
        failures = 0;
        this.lastError = undefined;
        await Promise.all(batch.map((s) => fsp.rm(s.file, { force: true })));
        const seconds = (performance.now() - started) / 1000;
        for (const listener of this.listeners) listener(loaded, seconds);
        this.requestAfterLoad();
      } catch (error) {
        failures += 1;
        this.lastError = String((error as Error).message ?? error);
        this.options.log?.(
          `loading spool segments up to ${last.segment} failed (attempt ${failures}); retrying`,
          error,
        );
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 100 * 2 ** failures)));
      }
    }
  }
}
