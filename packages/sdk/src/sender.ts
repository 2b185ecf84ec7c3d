/** Delivery: turns the queue into batches by size and by time, sends one request at a time, retries with backoff. */
import { buildBatch } from './event.js';
import type { EventQueue, Queued } from './queue.js';
import { isSuccess, nextDelay, shouldRetry } from './retry.js';
import { KEEPALIVE_MAX_BYTES } from './transport.js';
import type { SendRequest, SendResult, TelemetryStats, Transport } from './types.js';
import { hash53, type Logger, later, monotonic } from './util.js';

export interface SenderOptions {
  url: string;
  headers: () => Record<string, string>;
  batchSize: number;
  intervalMs: number;
  gzip: boolean;
  transport: Transport;
  /** Longest wait for one answer, in ms: then the request is aborted and counts as a network error (status 0). */
  timeoutMs: number;
  /** Added to the batch envelope's ets, as to every event's (Sunbird's timeDiff, in ms). */
  skewMs: number;
  log: Logger;
  stats: TelemetryStats;
}

function msgidOf(events: Queued[]): string {
  let mids = '';
  for (const e of events) mids += e.mid;
  return hash53(mids).toString(16).padStart(14, '0') + '-' + events.length;
}

export class Sender {
  private _running?: Promise<void>;
  /** The one pending timer (interval or backoff); cleared when it fires, so it is never stale. */
  private _timer?: ReturnType<typeof setTimeout>;
  /** No regular send before this time, on the monotonic clock (ms). */
  private _retryAt = 0;
  private _attempt = 0;
  /** Send partial batches too (interval elapsed, END, explicit flush), not only full ones. */
  private _all = false;
  /** Off for the rest of the session once a gateway refused a gzip body (400/415) and took it uncompressed. */
  private _gzip: boolean;
  paused = false;

  constructor(
    private readonly _queue: EventQueue,
    private readonly _o: SenderOptions,
  ) {
    this._gzip = _o.gzip;
  }

  /** Called after each enqueue: a full batch goes now, otherwise the timer makes sure it goes within the interval. */
  schedule(urgent = false): void {
    if (this.paused || this._queue.size === 0) return;
    const wait = Math.max(0, this._retryAt - monotonic());
    if ((urgent || this._queue.size >= this._o.batchSize) && wait === 0) {
      this._kick(urgent);
      return;
    }
    // The interval has passed for the oldest event (or the backoff is over): send everything, full batch or not.
    this._timer ??= later(() => {
      this._timer = undefined;
      this._kick(true);
    }, wait || this._o.intervalMs);
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
   * batches that fit the 64 KiB keepalive budget to the transport. Whatever does not fit, or is not acknowledged, is
   * still queued (and in storage) and goes out later or on the next page load; the collector drops duplicates by mid.
   */
  flushUnload(): void {
    this._queue.persistNow();
    if (this.paused) return;
    let budget = KEEPALIVE_MAX_BYTES;
    const events = this._queue.peek(this._queue.size);
    for (let i = 0; i < events.length; ) {
      const batch = events.slice(i, i + this._o.batchSize);
      let body = this._body(batch);
      while (body.length > budget && batch.length > 1) {
        batch.length = Math.ceil(batch.length / 2);
        body = this._body(batch);
      }
      i += batch.length;
      // One event over the budget waits for the next page; smaller ones after it may still fit.
      if (body.length > budget) continue;
      budget -= body.length;
      this._send(batch, body, true);
    }
  }

  dispose(): void {
    clearTimeout(this._timer);
    this._timer = undefined;
  }

  private _body(batch: Queued[]): string {
    return buildBatch(
      batch.map((e) => e.json),
      msgidOf(batch),
      Date.now() + this._o.skewMs,
    );
  }

  private _kick(all: boolean): void {
    if (all) this._all = true;
    if (this._running || this.paused) return;
    this.dispose();
    this._running = this._drain()
      .catch((err) => this._o.log('send failed', err))
      .then(() => {
        this._running = undefined;
        this.schedule();
      });
  }

  /** Sends full batches (or everything, when the interval is up or a flush was asked) until a failure backs off. */
  private async _drain(): Promise<void> {
    let size = this._o.batchSize;
    while (!this.paused && this._queue.size > 0 && (this._all || this._queue.size >= this._o.batchSize)) {
      const batch = this._queue.peek(size);
      const status = await this._send(batch, this._body(batch), false);
      if (status === 'retry') return;
      // 413: the collector takes fewer events per request; halve until it does (one event alone is dropped).
      if (status === 'split') size = Math.ceil(batch.length / 2);
    }
    this._all = false;
  }

  /** One request, bounded by the timeout: the transport's answer, or status 0 if it throws or takes too long. */
  private async _call(body: string, unload: boolean): Promise<SendResult> {
    const abort = typeof AbortController === 'function' ? new AbortController() : undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<SendResult>((resolve) => {
        timer = later(() => {
          abort?.abort();
          resolve({ status: 0 });
        }, this._o.timeoutMs);
      });
      const request: SendRequest = {
        url: this._o.url,
        headers: this._o.headers(),
        body,
        unload,
        gzip: this._gzip,
        signal: abort?.signal,
      };
      const result = await Promise.race([this._o.transport(request), timeout]);
      return result && typeof result.status === 'number' ? result : { status: 0 };
    } catch (err) {
      this._o.log('transport threw', err);
      return { status: 0 };
    } finally {
      clearTimeout(timer);
    }
  }

  private async _send(batch: Queued[], body: string, unload: boolean): Promise<'ok' | 'retry' | 'split' | 'drop'> {
    const { stats, log } = this._o;
    let result: SendResult;
    for (;;) {
      result = await this._call(body, unload);
      // A gateway that cannot read our gzip (415, or 400 for a body it could not inflate): the same batch once more
      // uncompressed, and no compression for the rest of the session. A 400 that repeats is then the batch's own.
      if (!result.gzipped || (result.status !== 415 && result.status !== 400)) break;
      log('gzip refused', result.status);
      this._gzip = false;
    }
    const { status } = result;
    if (isSuccess(status)) {
      // Only what was still queued counts: an unload send and a regular one may both carry an event.
      stats.sent += this._queue.remove(batch);
      this._attempt = 0;
      this._retryAt = 0;
      log('sent', batch.length);
      return 'ok';
    }
    if (shouldRetry(status)) {
      if (unload) return 'retry';
      this._attempt++;
      stats.retries++;
      const delay = nextDelay(this._attempt, result.retryAfterMs);
      this._retryAt = monotonic() + delay;
      // A redirect is retried like any "not now", but only fixing the url ends it: say so.
      log(
        'failed',
        status + (result.redirected ? ' (a redirect, not followed: set url to the collector)' : ''),
        'retry',
        this._attempt,
        'in',
        delay,
      );
      return 'retry';
    }
    if (status === 413 && batch.length > 1) return 'split';
    // 400/401/415, or 413 for one event: the same bytes will never be accepted. Count them, say so, and move on.
    stats.rejected += this._queue.remove(batch);
    log('refused', status, 'dropped', batch.length);
    return 'drop';
  }
}
