/**
 * Moves sealed spool segments into the store, in order, one transaction each (the checkpoint
 * commits with the rows), deletes each file once loaded, then runs the after-load hooks
 * (summaries). A failing load is retried with backoff: data is never skipped.
 */
import fsp from 'node:fs/promises';
import type { LoadedSegment, Store } from '../store/store.js';
import type { SealedSegment } from './segment-log.js';

export interface LoaderOptions {
  store: Store;
  /** Runs after each committed load; failures are logged and retried on the next load. */
  afterLoad?: (loaded: LoadedSegment) => Promise<void>;
  onLoaded?: (loaded: LoadedSegment, seconds: number) => void;
  log?: (message: string, error?: unknown) => void;
}

export class Loader {
  private readonly queue: SealedSegment[] = [];
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<(loaded: LoadedSegment) => void>();
  private stopped = false;
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

  /** Subscribes to loads (live tail, tests); returns the unsubscribe function. */
  onLoaded(listener: (loaded: LoadedSegment) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every segment enqueued so far is loaded. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    await this.idle();
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.queue.length > 0 && !this.stopped) {
      const next = this.queue[0];
      const started = performance.now();
      try {
        const loaded = await this.options.store.loadSegment(next.file, next.segment);
        this.queue.shift();
        failures = 0;
        this.lastError = undefined;
        await fsp.rm(next.file, { force: true });
        this.options.onLoaded?.(loaded, (performance.now() - started) / 1000);
        if (this.options.afterLoad) {
          await this.options.afterLoad(loaded).catch((error) => this.options.log?.('after-load hook failed', error));
        }
        for (const listener of this.listeners) listener(loaded);
      } catch (error) {
        failures += 1;
        this.lastError = String((error as Error).message ?? error);
        this.options.log?.(`loading spool segment ${next.segment} failed (attempt ${failures}); retrying`, error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 100 * 2 ** failures)));
      }
    }
  }
}
