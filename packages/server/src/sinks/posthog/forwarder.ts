/**
 * The PostHog forwarder (sink): reads stored events after its cursor in the store's arrival order
 * (`events.arrival_seq`), sends them to a PostHog project's `/batch/` gzipped, and commits the cursor with each
 * acknowledged batch, so a restart resumes with no gap (a batch in flight at a crash is sent again; PostHog drops
 * it by uuid). Retries with exponential backoff and full jitter, honouring `Retry-After`; a batch PostHog refuses
 * (400/413) is split until the events at fault are found, and those go to the dead-letter table with the answer.
 * Off unless configured (docs/posthog.md).
 */
import type { Store } from '../../store/store.js';
import { type Outcome, sendBatch } from './client.js';
import { FORWARD_SQL, filterSql, SINK } from './forward-sql.js';
import { type EventNaming, type PostHogMessage, type StoredEvent, toPostHogMessage } from './map.js';

export interface ForwarderOptions {
  host: string;
  apiKey: string;
  /** Only these channels / eids (empty: all). */
  channels: string[];
  eids: string[];
  naming: EventNaming;
  /** Events per request. Default 1000. */
  batchSize: number;
  /** Wait when caught up, ms (a load wakes the forwarder sooner). Default 1000. */
  pollMs: number;
  /** First retry delay, ms; doubles per attempt up to maxRetryMs, each drawn uniformly in [0, delay] (full jitter). */
  retryMs: number;
  maxRetryMs: number;
  /** One request's time limit, ms. Default 30000. */
  timeoutMs: number;
  log?: (message: string) => void;
  /** Called as events are sent (taken by PostHog), dead-lettered (refused) or sent again (after a failed attempt). */
  onCount?: (what: 'sent' | 'failed' | 'resent', n: number) => void;
}

/** What /metrics and /api/forward/status show. Lag: events after the cursor and the age of the oldest, s. */
export interface ForwarderStatus {
  host: string;
  cursor: number;
  lagEvents: number;
  lagSeconds: number;
  sent: number;
  failed: number;
  resent: number;
  retries: number;
  deadLetters: number;
  lastError?: string;
  lastErrorAt?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

function rowToEvent(row: unknown[]): StoredEvent {
  return {
    arrivalSeq: Number(row[0]),
    mid: row[1] as string,
    eid: row[2] as string,
    ets: Number(row[3]),
    actorId: row[4] as string | null,
    sid: row[5] as string | null,
    did: row[6] as string | null,
    ingestFormat: (row[7] as string | null) ?? 'sunbird',
    raw: row[8] as string,
  };
}

export class Forwarder {
  private cursor: number | undefined;
  private readonly stopping = new AbortController();
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private readonly filter: { sql: string; params: Record<string, unknown> };
  private readonly counts = { sent: 0, failed: 0, resent: 0, retries: 0 };
  private lag = { events: 0, seconds: 0, deadLetters: 0 };
  private lastError: { message: string; at: number } | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: ForwarderOptions,
  ) {
    this.filter = filterSql(options);
  }

  /** Starts the loop in the background; `stop()` ends it. */
  start(): void {
    this.running ??= this.loop().catch((error) => this.options.log?.(`forwarder stopped: ${error.message}`));
  }

  /** Ends the loop: a request in flight is aborted (its batch is sent again at the next start). */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.running;
  }

  /** Called when the loader has stored events: forward them now instead of at the next poll. */
  notify(): void {
    this.wake?.();
  }

  status(): ForwarderStatus {
    return {
      host: this.options.host,
      cursor: this.cursor ?? 0,
      lagEvents: this.lag.events,
      lagSeconds: this.lag.seconds,
      deadLetters: this.lag.deadLetters,
      ...this.counts,
      ...(this.lastError ? { lastError: this.lastError.message, lastErrorAt: this.lastError.at } : {}),
    };
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      let forwarded = 0;
      try {
        forwarded = await this.forwardNext();
        await this.refreshLag();
      } catch (error) {
        if (signal.aborted) break;
        this.error(`store: ${(error as Error).message}`);
        await sleep(this.options.retryMs, signal);
        continue;
      }
      if (forwarded === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          sleep(this.options.pollMs, signal).then(resolve);
        });
        this.wake = undefined;
      }
    }
  }

  private error(message: string): void {
    this.lastError = { message, at: Date.now() };
  }

  /** Forwards the next window after the cursor; returns how many arrival_seq values it moved past (0: caught up or stopping). */
  async forwardNext(): Promise<number> {
    const { store, options } = this;
    if (this.cursor === undefined) {
      const saved = await store.query(FORWARD_SQL.cursor, { sink: SINK });
      this.cursor = saved.rows.length ? Number(saved.rows[0][0]) : 0;
    }
    const last = Number((await store.query(FORWARD_SQL.last)).rows[0][0]);
    if (last <= this.cursor) return 0;
    // A window of arrival_seq, not a LIMIT: with filters it may hold fewer events (or none), and is passed all the same.
    const from = this.cursor;
    const upTo = Math.min(last, from + options.batchSize);
    const result = await store.query(FORWARD_SQL.range(this.filter.sql), {
      ...this.filter.params,
      after: from,
      upTo,
    });
    const events = result.rows.map(rowToEvent);
    const refused = events.length ? await this.deliver(events) : [];
    if (refused === undefined) return 0; // stopping: the batch stays after the cursor
    // Dead letters first, then the cursor: a crash between the two re-sends the batch and re-records the same
    // dead letters (keyed by mid), never loses one.
    await this.recordDeadLetters(refused);
    await store.query(FORWARD_SQL.commit, { sink: SINK, seq: upTo, now: Date.now() });
    this.cursor = upTo;
    this.counts.failed += refused.length;
    this.counts.sent += events.length - refused.length;
    options.onCount?.('failed', refused.length);
    options.onCount?.('sent', events.length - refused.length);
    return upTo - from;
  }

  /**
   * Sends `events` until PostHog has taken or refused each: retries the whole batch on a retryable outcome, splits a
   * refused batch in halves down to single events. Returns the refused events, or undefined when stopping.
   */
  private async deliver(
    events: StoredEvent[],
  ): Promise<Array<{ event: StoredEvent; status: number; answer: string }> | undefined> {
    const messages: PostHogMessage[] = events.map((e) => toPostHogMessage(e, this.options.naming));
    const outcome = await this.sendWithRetries(messages);
    if (outcome === undefined) return undefined;
    if (outcome.kind === 'delivered') return [];
    if (events.length === 1) return [{ event: events[0], status: outcome.status, answer: outcome.answer }];
    const half = Math.ceil(events.length / 2);
    const first = await this.deliver(events.slice(0, half));
    if (first === undefined) return undefined;
    const second = await this.deliver(events.slice(half));
    return second === undefined ? undefined : [...first, ...second];
  }

  /** One batch until delivered or refused; undefined when stopping. Resent events are counted. */
  private async sendWithRetries(messages: PostHogMessage[]): Promise<Exclude<Outcome, { kind: 'retry' }> | undefined> {
    const { options } = this;
    const signal = this.stopping.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      if (attempt > 0) {
        this.counts.resent += messages.length;
        this.counts.retries++;
        options.onCount?.('resent', messages.length);
      }
      const outcome = await sendBatch(options, messages, { timeoutMs: options.timeoutMs, signal });
      if (outcome.kind !== 'retry') return outcome;
      if (signal.aborted) return undefined;
      this.error(`PostHog answered ${outcome.status ?? 'nothing'}: ${outcome.answer.slice(0, 200)}`);
      const backoff = Math.random() * Math.min(options.maxRetryMs, options.retryMs * 2 ** Math.min(attempt, 30));
      await sleep(Math.max(outcome.retryAfterMs ?? 0, backoff), signal);
    }
    return undefined;
  }

  /** Records events PostHog refused, with its status and answer (again: one row per mid, attempts counted). */
  private async recordDeadLetters(refused: Array<{ event: StoredEvent; status: number; answer: string }>) {
    const now = Date.now();
    for (const { event, status, answer } of refused) {
      const values = { sink: SINK, mid: event.mid, seq: event.arrivalSeq, status, answer, now };
      await this.store.query(FORWARD_SQL.deadLetter, values);
    }
  }

  private async refreshLag(): Promise<void> {
    const { store } = this;
    const lag = await store.query(FORWARD_SQL.lag(this.filter.sql), { ...this.filter.params, after: this.cursor ?? 0 });
    const [count, oldest] = lag.rows[0] as [number, number | null];
    const dead = await store.query(FORWARD_SQL.deadLetterCount, { sink: SINK });
    this.lag = {
      events: Number(count),
      seconds: oldest === null ? 0 : Math.max(0, (Date.now() - Number(oldest)) / 1000),
      deadLetters: Number(dead.rows[0][0]),
    };
  }

  /**
   * Sends the dead letters again (at most `limit`, oldest first): those PostHog takes now leave the table, the
   * others stay with its new answer. The forwarder's loop need not run (`telemetry forward-retry`).
   */
  async retryDeadLetters(limit = 10_000): Promise<{ retried: number; delivered: number; refused: number }> {
    const { store } = this;
    const rows = (await store.query(FORWARD_SQL.deadLetters, { sink: SINK, limit })).rows.map(rowToEvent);
    let delivered = 0;
    for (let i = 0; i < rows.length; i += this.options.batchSize) {
      const batch = rows.slice(i, i + this.options.batchSize);
      const refused = await this.deliver(batch);
      if (refused === undefined) break;
      const still = new Set(refused.map((r) => r.event.mid));
      await this.recordDeadLetters(refused);
      for (const event of batch) {
        if (still.has(event.mid)) continue;
        await store.query(FORWARD_SQL.forget, { sink: SINK, mid: event.mid });
        delivered++;
      }
    }
    await this.refreshLag().catch(() => undefined);
    return { retried: rows.length, delivered, refused: rows.length - delivered };
  }
}
