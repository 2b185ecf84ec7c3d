/**
 * The PostHog forwarder (sink): reads stored events after its cursor in the store's arrival order
 * (`events.arrival_seq`), sends them to a PostHog project's `/batch/` gzipped, and commits the cursor with each
 * acknowledged batch, so a restart resumes with no gap (a batch in flight at a crash is sent again; PostHog drops
 * it by uuid). Retries with exponential backoff and full jitter, honouring `Retry-After`; a batch PostHog refuses
 * (400/413) is split until the events at fault are found, and those go to the dead-letter table with the answer.
 * Off unless configured (docs/posthog.md).
 */
import type { Store } from '../../store/store.js';
import { encodeBatch, type Outcome, sendBatch } from './client.js';
import { EncodePool } from './encode-pool.js';
import { FORWARD_SQL, filterSql, SINK } from './forward-sql.js';
import { type EventNaming, type PostHogMessage, toPostHogMessage } from './map.js';
import { storedEvents, wireText } from './wire-rows.js';

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
  /**
   * Worker threads that parse, map and gzip the windows read ahead (encode-pool.ts); 0 or absent: the forwarder's
   * own thread does it. The bytes sent are the same either way. Started with the first window, ended by stop().
   */
  encodeThreads?: number;
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

/** An event ready to send: its message, and what a dead letter records. */
interface Outgoing {
  mid: string;
  arrivalSeq: number;
  message: PostHogMessage;
}

/** A window of arrival_seq (from, upTo] read, mapped and encoded, ready to send. */
interface Window {
  from: number;
  upTo: number;
  /** How many events it holds (a filter may leave fewer than upTo - from, or none). */
  count: number;
  /** The gzipped body of all its events (undefined when the window holds none). */
  body: Buffer | undefined;
  /**
   * Its events with their messages, in order: needed only when PostHog refuses the body (to split it and to name
   * the dead letters), so a worker-encoded window maps them on this thread only then.
   */
  events: () => Outgoing[];
}

type Refused = Array<{ event: Outgoing; status: number; answer: string }>;

/** Windows read ahead of the one being sent: enough to keep the store, the JavaScript thread and gzip all busy. */
const READ_AHEAD = 3;

/** How often the lag is measured while forwarding (each measurement counts the events after the cursor), ms. */
const LAG_EVERY_MS = 1000;

/**
 * The wait before resending a batch after `attempt` failures (0 for the first), ms: full jitter, drawn uniformly in
 * [0, min(maxRetryMs, retryMs · 2^attempt)], and never shorter than PostHog's Retry-After, which is honoured up to
 * maxRetryMs (a longer one, days, would overflow the timer and retry at once, in a loop).
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  options: Pick<ForwarderOptions, 'retryMs' | 'maxRetryMs'>,
  random = Math.random,
): number {
  const backoff = random() * Math.min(options.maxRetryMs, options.retryMs * 2 ** Math.min(attempt, 30));
  return Math.min(options.maxRetryMs, Math.max(retryAfterMs ?? 0, backoff));
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
  private lagAt = 0;
  /** The largest arrival_seq seen stored: windows below it are complete, so it is read again only when reached. */
  private last = 0;
  /** The windows after the cursor, in order, being read while earlier ones are sent. */
  private ahead: Array<{ from: number; upTo: number; window: Promise<Window | undefined> }> = [];
  /** Reads ahead not settled yet, dropped or not: stop() waits for them, so none runs on a closed store. */
  private readonly reading = new Set<Promise<Window | undefined>>();
  /** The encoding workers (options.encodeThreads > 0), from the first window read until stop(). */
  private pool: EncodePool | undefined;

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
    await Promise.allSettled([...this.reading]);
    await this.pool?.close();
    this.pool = undefined;
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
        if (forwarded === 0 || Date.now() - this.lagAt >= LAG_EVERY_MS) await this.refreshLag();
      } catch (error) {
        if (signal.aborted) break;
        this.error(`reading or encoding: ${(error as Error).message}`);
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

  /**
   * Forwards the next window after the cursor; returns how many arrival_seq values it moved past (0: caught up or
   * stopping). While its batch is in flight the next READ_AHEAD windows are read, mapped and gzipped (pipelining);
   * one batch is in flight at a time and the cursor moves only after its answer, window by window, in order.
   */
  async forwardNext(): Promise<number> {
    const { store } = this;
    if (this.cursor === undefined) {
      const saved = await store.query(FORWARD_SQL.cursor, { sink: SINK });
      this.cursor = saved.rows.length ? Number(saved.rows[0][0]) : 0;
    }
    const from = this.cursor;
    const ahead = this.ahead;
    this.ahead = []; // taken before awaiting: a read that failed is not awaited again
    const first = ahead.shift();
    const prefetched = first?.from === from ? await first.window : undefined;
    const window = prefetched ?? (await this.read(from));
    if (window === undefined) return 0;
    // Keep READ_AHEAD windows being read (their queries, mapping and gzip overlap each other and this batch's send).
    this.ahead = prefetched ? ahead : [];
    let next = this.ahead.at(-1)?.upTo ?? window.upTo;
    while (this.ahead.length < READ_AHEAD && next < this.last) {
      const upTo = Math.min(this.last, next + this.options.batchSize);
      const read = this.read(next, upTo);
      this.reading.add(read);
      // Awaited by a later call (a failure is thrown there), or by stop() before the store closes.
      read.catch(() => undefined).finally(() => this.reading.delete(read));
      this.ahead.push({ from: next, upTo, window: read });
      next = upTo;
    }
    const refused = window.body
      ? await this.deliver(window.count, window.body, window.events, this.stopping.signal)
      : [];
    if (refused === undefined) {
      this.ahead = []; // stopping: the batch stays after the cursor
      return 0;
    }
    // Dead letters first, then the cursor: a crash between the two re-sends the batch and re-records the same
    // dead letters (keyed by mid), never loses one.
    await this.recordDeadLetters(refused);
    await this.commitCursor(window.upTo);
    this.cursor = window.upTo;
    const sent = window.count - refused.length;
    this.counts.failed += refused.length;
    this.counts.sent += sent;
    this.options.onCount?.('failed', refused.length);
    this.options.onCount?.('sent', sent);
    return window.upTo - from;
  }

  /** Stores the cursor `seq` (forward_state): one UPDATE, or an upsert when the row is not there yet. */
  private async commitCursor(seq: number): Promise<void> {
    const values = { sink: SINK, seq, now: Date.now() };
    const updated = await this.store.query(FORWARD_SQL.commit, values);
    if (Number(updated.rows[0]?.[0] ?? 0) === 0) await this.store.query(FORWARD_SQL.commitFirst, values);
  }

  /**
   * The window (from, upTo] of arrival_seq (default: from + batchSize, at most the last stored), mapped and encoded;
   * undefined when nothing is stored after `from`.
   */
  private async read(from: number, upToGiven?: number): Promise<Window | undefined> {
    const { store, options } = this;
    if (from >= this.last) this.last = Number((await store.query(FORWARD_SQL.last)).rows[0][0]);
    if (this.last <= from) return undefined;
    // A window of arrival_seq, not a LIMIT: with filters it may hold fewer events (or none), and is passed all the same.
    const upTo = upToGiven ?? Math.min(this.last, from + options.batchSize);
    const result = await store.query(FORWARD_SQL.range(this.filter.sql), { ...this.filter.params, after: from, upTo });
    const text = wireText(result);
    const threads = options.encodeThreads ?? 0;
    if (threads > 0 && text !== undefined && !this.stopping.signal.aborted) {
      this.pool ??= new EncodePool(threads);
      const { count, body } = await this.pool.encode({ text, apiKey: options.apiKey, naming: options.naming });
      let events: Outgoing[] | undefined;
      return { from, upTo, count, body, events: () => (events ??= this.outgoing(text)) };
    }
    const events = this.outgoing(text);
    const body = events.length ? await this.encode(events) : undefined;
    return { from, upTo, count: events.length, body, events: () => events };
  }

  private encode(events: Outgoing[]): Promise<Buffer> {
    return encodeBatch(
      this.options.apiKey,
      events.map((e) => e.message),
    );
  }

  private outgoing(text: string | undefined): Outgoing[] {
    return storedEvents(text).map((event) => ({
      mid: event.mid,
      arrivalSeq: event.arrivalSeq,
      message: toPostHogMessage(event, this.options.naming),
    }));
  }

  /**
   * Sends `count` events (`body`, encoded) until PostHog has taken or refused each: retries the whole batch on a
   * retryable outcome, splits a refused batch in halves (`events()`, encoded again here) down to single events.
   * Returns the refused events, or undefined when `signal` ends it.
   */
  private async deliver(
    count: number,
    body: Buffer,
    events: () => Outgoing[],
    signal: AbortSignal,
  ): Promise<Refused | undefined> {
    const outcome = await this.sendWithRetries(count, body, signal);
    if (outcome === undefined) return undefined;
    if (outcome.kind === 'delivered') return [];
    const list = events();
    if (list.length === 1) return [{ event: list[0], status: outcome.status, answer: outcome.answer }];
    const half = Math.ceil(list.length / 2);
    const first = await this.deliverEvents(list.slice(0, half), signal);
    if (first === undefined) return undefined;
    const second = await this.deliverEvents(list.slice(half), signal);
    return second === undefined ? undefined : [...first, ...second];
  }

  /** deliver() for events encoded here. */
  private async deliverEvents(events: Outgoing[], signal: AbortSignal): Promise<Refused | undefined> {
    return this.deliver(events.length, await this.encode(events), () => events, signal);
  }

  /** One batch (`events` events, encoded) until delivered or refused; undefined when `signal` ends it. Resent events are counted. */
  private async sendWithRetries(
    events: number,
    body: Buffer,
    signal: AbortSignal,
  ): Promise<Exclude<Outcome, { kind: 'retry' }> | undefined> {
    const { options } = this;
    for (let attempt = 0; !signal.aborted; attempt++) {
      if (attempt > 0) {
        this.counts.resent += events;
        this.counts.retries++;
        options.onCount?.('resent', events);
      }
      const outcome = await sendBatch(options.host, body, { timeoutMs: options.timeoutMs, signal });
      if (outcome.kind !== 'retry') return outcome;
      if (signal.aborted) return undefined;
      this.error(`PostHog answered ${outcome.status ?? 'nothing'}: ${outcome.answer.slice(0, 200)}`);
      await sleep(retryDelayMs(attempt, outcome.retryAfterMs, options), signal);
    }
    return undefined;
  }

  /** Records events PostHog refused, with its status and answer (again: one row per mid, attempts counted). */
  private async recordDeadLetters(refused: Refused) {
    const now = Date.now();
    for (const { event, status, answer } of refused) {
      const values = { sink: SINK, mid: event.mid, seq: event.arrivalSeq, status, answer, now };
      await this.store.query(FORWARD_SQL.deadLetter, values);
    }
  }

  private async refreshLag(): Promise<void> {
    const { store } = this;
    this.lagAt = Date.now();
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
   * Sends the dead letters again (at most `limit`, oldest first, for at most `timeoutMs`): those PostHog takes now
   * leave the table, the others stay with its new answer; those not tried in time (PostHog kept answering 429/5xx)
   * stay as they were and count as `untried`. The forwarder's loop need not run (`telemetry forward-retry`).
   */
  async retryDeadLetters({ limit = 10_000, timeoutMs = 300_000 } = {}): Promise<{
    retried: number;
    delivered: number;
    refused: number;
    untried: number;
  }> {
    const { store } = this;
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(timeoutMs)]);
    const rows = this.outgoing(wireText(await store.query(FORWARD_SQL.deadLetters, { sink: SINK, limit })));
    let delivered = 0;
    let tried = 0;
    for (let i = 0; i < rows.length && !signal.aborted; i += this.options.batchSize) {
      const batch = rows.slice(i, i + this.options.batchSize);
      const refused = await this.deliverEvents(batch, signal);
      if (refused === undefined) break;
      tried += batch.length;
      const still = new Set(refused.map((r) => r.event.mid));
      await this.recordDeadLetters(refused);
      for (const event of batch) {
        if (still.has(event.mid)) continue;
        await store.query(FORWARD_SQL.forget, { sink: SINK, mid: event.mid });
        delivered++;
      }
    }
    await this.refreshLag().catch(() => undefined);
    return { retried: tried, delivered, refused: tried - delivered, untried: rows.length - tried };
  }
}
