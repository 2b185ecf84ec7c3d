/**
 * HTTP mode: simulated events posted to a collector as Sunbird batches (`/v1/telemetry`, at most
 * 100 events each), a bounded number of requests in flight, retrying what a client should retry.
 */
import { createHash } from 'node:crypto';
import type { SimEvent } from './session.js';

export interface SendHttpOptions {
  /** Collector base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Events per batch. Default 100 (what Sunbird's SDKs send). */
  batchSize?: number;
  /** Requests in flight at most. Default 4. */
  concurrency?: number;
  /** Batch msgids are `<msgidPrefix>-<hash of the batch's events>`: see batchMsgid. */
  msgidPrefix: string;
  /** Extra headers, e.g. Authorization with a write key. */
  headers?: Record<string, string>;
  /** Attempts per batch for network errors, 429 and 5xx. Default 5. */
  attempts?: number;
  onProgress?: (events: number) => void;
}

export interface SendHttpResult {
  events: number;
  batches: number;
  /** As counted by the collector's answers (Sunbird envelope `result`), when it gives them. */
  stored: number;
  duplicates: number;
  rejected: number;
  seconds: number;
  eventsPerSecond: number;
}

export class SendHttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SendHttpError';
  }
}

export async function sendOverHttp(events: Iterable<SimEvent>, options: SendHttpOptions): Promise<SendHttpResult> {
  const endpoint = new URL('/v1/telemetry', options.url).toString();
  const size = options.batchSize ?? 100;
  const attempts = options.attempts ?? 5;
  const started = performance.now();
  const totals = { events: 0, batches: 0, stored: 0, duplicates: 0, rejected: 0 };
  const iterator = events[Symbol.iterator]();
  let exhausted = false;
  let failure: unknown;

  // Workers share one iterator: each takes the next batch as soon as its previous request is answered.
  const nextBatch = (): SimEvent[] => {
    const batch: SimEvent[] = [];
    while (!exhausted && batch.length < size) {
      const next = iterator.next();
      if (next.done) exhausted = true;
      else batch.push(next.value);
    }
    return batch;
  };

  const worker = async () => {
    while (failure === undefined) {
      const batch = nextBatch();
      if (batch.length === 0) return;
      totals.batches++;
      const msgid = batchMsgid(options.msgidPrefix, batch);
      const body = JSON.stringify({
        id: 'api.sunbird.telemetry',
        ver: '3.0',
        params: { msgid },
        ets: Date.now(),
        events: batch,
      });
      try {
        const result = await postWithRetry(endpoint, body, options.headers ?? {}, attempts);
        totals.events += batch.length;
        totals.stored += result?.stored ?? 0;
        totals.duplicates += result?.duplicates ?? 0;
        totals.rejected += result?.rejected ?? 0;
        options.onProgress?.(totals.events);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  if (failure !== undefined) throw failure;
  const seconds = (performance.now() - started) / 1000;
  return { ...totals, seconds, eventsPerSecond: totals.events / seconds };
}

/**
 * A batch's msgid, `<prefix>-<16 hex digits>`: a hash of its events, so it names the batch's content.
 * The collector answers a msgid it has seen as `duplicate_batch` and stores none of the batch's events:
 * the same batch sent again (a retry, or the same simulation re-run) keeps its msgid and is recognised,
 * while a batch of other events (another --users, --days or --start on the same seed) gets another one
 * and each of its events is checked by mid. A batch counter repeated across runs, and the collector
 * dropped the new events of every batch whose number an earlier run had used.
 */
export function batchMsgid(prefix: string, batch: readonly SimEvent[]): string {
  return `${prefix}-${createHash('sha256').update(JSON.stringify(batch)).digest('hex').slice(0, 16)}`;
}

/** The collector's answer counts (Sunbird envelope `result`), as far as it gives them. */
export interface IngestCounts {
  received?: number;
  stored?: number;
  duplicates?: number;
  rejected?: number;
  duplicate_batch?: boolean;
}

/**
 * The write key header for a collector configured with `writeKeys` (the server's
 * TELEMETRY_WRITE_KEYS): its first key, so one variable serves the server and its clients.
 */
export function writeKeyHeaders(writeKeys: string[]): Record<string, string> {
  return writeKeys[0] ? { authorization: `Bearer ${writeKeys[0]}` } : {};
}

/**
 * Posts one batch body; network errors, 429 and 5xx are retried with backoff (the SDK's rule),
 * up to `attempts` times. Other statuses are final: a SendHttpError with the status.
 */
export async function postWithRetry(
  endpoint: string,
  body: string,
  headers: Record<string, string>,
  attempts: number,
): Promise<IngestCounts | undefined> {
  for (let attempt = 1; ; attempt++) {
    let retryable: string;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      const text = await response.text();
      if (response.ok) return parseCounts(text);
      if (response.status !== 429 && response.status < 500) {
        throw new SendHttpError(`${endpoint} answered ${response.status}: ${text.slice(0, 300)}`, response.status);
      }
      retryable = `${endpoint} answered ${response.status}`;
    } catch (error) {
      if (error instanceof SendHttpError) throw error;
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND …) is its cause.
      const cause = (error as { cause?: { code?: string } }).cause;
      retryable = `could not reach ${endpoint}: ${cause?.code ?? (error as Error).message}`;
    }
    if (attempt >= attempts) throw new SendHttpError(`${retryable} (gave up after ${attempts} attempts)`);
    await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
  }
}

function parseCounts(text: string): IngestCounts | undefined {
  try {
    const parsed = JSON.parse(text) as { result?: IngestCounts };
    return parsed.result;
  } catch {
    return undefined;
  }
}
