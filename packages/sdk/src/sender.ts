/** Delivery: turns the queue into batches by size and by time, sends one request at a time, retries with backoff. */
import { buildBatch } from './event.js';
import type { EventQueue } from './queue.js';
import { isSuccess, nextDelay, shouldRetry } from './retry.js';
import { KEEPALIVE_MAX_BYTES } from './transport.js';
import type { TelemetryEvent, TelemetryStats, Transport } from './types.js';
import { hash53, type Logger, later } from './util.js';

export interface SenderOptions {
  url: string;
  headers: () => Record<string, string>;
  batchSize: number;
  intervalMs: number;
  gzip: boolean;
  transport: Transport;
  log: Logger;
  stats: TelemetryStats;
}

function msgidOf(events: TelemetryEvent[]): string {
  let mids = '';
  for (const e of events) mids += e.mid;
  return hash53(mids).toString(16).padStart(14, '0') + '-' + events.length;
}

export class Sender {
  private _running?: Promise<void>;
  private _timer?: ReturnType<typeof setTimeout>;
  private _retryAt = 0;
  private _attempt = 0;
  /** Send partial batches too (interval elapsed, END, explicit flush), not only full ones. */
  private _all = false;
  paused = false;

  constructor(
    private readonly _queue: EventQueue,
    private readonly _o: SenderOptions,
  ) {}

  /** Called after each enqueue: a full batch goes now, otherwise the interval timer makes sure it goes soon. */
  schedule(urgent = false): void {
    if (this.paused || this._queue.size === 0) return;
    const wait = Math.max(0, this._retryAt - Date.now());
    if ((urgent || this._queue.size >= this._o.batchSize) && wait === 0) {
      this._kick(urgent);
      return;
    }
    // The interval has passed for the oldest event (or the backoff is over): send everything, full batch or not.
    if (!this._timer) this._timer = later(() => this._kick(true), wait || this._o.intervalMs);
  }

  /** Sends everything queued, ignoring any backoff in progress (explicit flush, coming back online). */
  flush(): Promise<void> {
    this._retryAt = 0;
    this._attempt = 0;
    this._kick(true);
    return this._running ?? Promise.resolve();
  }

  /**
   * The page is going away. Nothing async can be trusted to finish, so: write the queue to storage now, then hand
   * batches that fit the 64 KiB keepalive budget to the transport. Whatever does not fit, or does not arrive, is
   * still in storage and goes out on the next page load; the collector drops the duplicates by mid.
   */
  flushUnload(): void {
    this._queue.persistNow();
    if (this.paused) return;
    let budget = KEEPALIVE_MAX_BYTES;
    const events = this._queue.peek(this._queue.size);
    for (let i = 0; i < events.length && budget > 0; ) {
      const batch = events.slice(i, i + this._o.batchSize);
      let body = buildBatch(batch, msgidOf(batch), Date.now());
      while (body.length > budget && batch.length > 1) {
        batch.length = Math.ceil(batch.length / 2);
        body = buildBatch(batch, msgidOf(batch), Date.now());
      }
      if (body.length > budget) break;
      budget -= body.length;
      i += batch.length;
      this._send(batch, body, true).catch(() => {});
    }
  }

  dispose(): void {
    clearTimeout(this._timer);
    this._timer = undefined;
  }

  private _kick(all: boolean): void {
    if (all) this._all = true;
    if (this._running || this.paused) return;
    clearTimeout(this._timer);
    this._timer = undefined;
    this._running = this._drain().finally(() => {
      this._running = undefined;
      this.schedule();
    });
  }

  /** Sends full batches (or everything, when the interval is up or a flush was asked) until a failure backs off. */
  private async _drain(): Promise<void> {
    let size = this._o.batchSize;
    while (!this.paused && this._queue.size > 0 && (this._all || this._queue.size >= this._o.batchSize)) {
      const batch = this._queue.peek(size);
      const status = await this._send(batch, buildBatch(batch, msgidOf(batch), Date.now()), false);
      if (status === 'retry') return;
      // 413: the collector takes fewer events per request; halve until it does (one event alone is dropped).
      if (status === 'split') size = Math.ceil(batch.length / 2);
    }
    this._all = false;
  }

  private async _send(
    batch: TelemetryEvent[],
    body: string,
    unload: boolean,
  ): Promise<'ok' | 'retry' | 'split' | 'drop'> {
    let result: { status: number; retryAfterMs?: number };
    try {
      result = await this._o.transport({
        url: this._o.url,
        headers: this._o.headers(),
        body,
        unload,
        gzip: this._o.gzip,
      });
    } catch (err) {
      this._o.log('transport threw', err);
      result = { status: 0 };
    }
    const { stats, log } = this._o;
    if (isSuccess(result.status)) {
      this._queue.remove(batch);
      stats.sent += batch.length;
      this._attempt = 0;
      log('sent', batch.length);
      return 'ok';
    }
    if (shouldRetry(result.status)) {
      if (unload) return 'retry';
      this._attempt++;
      stats.retries++;
      const delay = nextDelay(this._attempt, result.retryAfterMs);
      this._retryAt = Date.now() + delay;
      log('failed', result.status, 'retry', this._attempt, 'in', delay);
      return 'retry';
    }
    if (result.status === 413 && batch.length > 1) return 'split';
    // 400/401/415, or 413 for one event: the same bytes will never be accepted. Count them, say so, and move on.
    this._queue.remove(batch);
    stats.rejected += batch.length;
    log('refused', result.status, 'dropped', batch.length);
    return 'drop';
  }
}
