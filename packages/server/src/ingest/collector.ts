/**
 * The collector's core, independent of HTTP: parse a batch, check each event, de-duplicate by
 * `mid` and batch `msgid`, spool valid and rejected events, and resolve only once they are durable.
 */
import { ApiError } from '../api/errors.js';
import {
  batchLine,
  eventLine,
  eventLinePrefix,
  failedLine,
  foreignEventLine,
  type RequestContext,
} from '../spool/segment-format.js';
import { clockOffsetMs, DEFAULT_CLOCK_SKEW_MS } from './clock-skew.js';
import type { DedupIndex } from './dedup-index.js';
import { findEventSpans } from './event-spans.js';
import { checkReading, unreadableBytes } from './one-reading.js';
import { carriedUuid, checkPostHogEvent, type PostHogVerdict } from './posthog/event-rules.js';
import type { PostHogRequest } from './posthog/request.js';
import { checkEvent, type IngestRejection, type StepLimits, tooLarge } from './steps.js';

export interface EventError {
  index: number;
  mid: string | null;
  code: IngestRejection;
  reasons: string[];
}

export interface IngestResult {
  msgid: string | null;
  received: number;
  stored: number;
  duplicates: number;
  rejected: number;
  /** True when the whole batch was answered from the batch index, without re-processing. */
  duplicate_batch: boolean;
  errors: EventError[];
}

/**
 * Values the HTTP layer takes from headers (or, for PostHog, its project key): they fill `did`, `channel`, `pdata.pid`
 * where an event lacks them. The V3 schema requires `context.channel`, so `channel` fills only PostHog events'.
 */
export interface HeaderDefaults {
  did?: string;
  channel?: string;
  pid?: string;
}

export interface CollectorCounters {
  received(n: number): void;
  stored(n: number): void;
  duplicates(n: number): void;
  rejected(n: number, reason: IngestRejection): void;
  duplicateBatch(): void;
}

export interface CollectorDeps {
  /** `events`: how many events `text` holds (for the freshness figures, metrics/freshness.ts). */
  spool: { append(text: string, events: number): Promise<void> };
  /** A reason to answer 503 before spooling (the store cannot write), or undefined to accept. */
  refuse?: () => string | undefined;
  mids: DedupIndex;
  batches: DedupIndex;
  limits: StepLimits & { maxBatchEvents: number };
  counters: CollectorCounters;
  clock?: () => number;
  /** A batch whose send time (envelope `ets`) is further than this from its receive time is corrected, in ms. */
  clockSkewMs?: number;
}

/** The number of per-event errors listed in a response; all of them are in failed_events. */
const MAX_LISTED_ERRORS = 1000;

type Batch = { events: unknown[]; params?: { msgid?: unknown }; ets?: unknown };

function parseBatch(text: string, maxBatchEvents: number): Batch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ApiError('INGEST_INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ApiError(
      'INGEST_NOT_A_BATCH',
      'the body must be a JSON object: a batch {"id","ver","params":{"msgid"},"events":[...]}',
    );
  }
  const batch = parsed as Batch;
  if (!Array.isArray(batch.events)) {
    throw new ApiError('INGEST_NOT_A_BATCH', 'the batch has no "events" array');
  }
  if (batch.events.length > maxBatchEvents) {
    throw new ApiError(
      'INGEST_TOO_MANY_EVENTS',
      `the batch has ${batch.events.length} events; at most ${maxBatchEvents} are accepted per request`,
    );
  }
  return batch;
}

/**
 * The batch's id for the batch-level duplicate check, `params.msgid`: a non-empty string, or null when absent, null or
 * empty (no batch check; each event is still checked by mid, as Sunbird's extractor treats a null msgid as unique).
 * Any other type is refused rather than half-read: the V3 API types it string, Sunbird's SDKs send an md5 hex string,
 * and a number was echoed as null and never de-duplicated (../shared/reference/sunbird-telemetry-v3.md, 3.2).
 * @throws ApiError INGEST_NOT_A_BATCH (400) naming params.msgid and the type it has
 */
function batchMsgid(batch: Batch): string | null {
  const msgid = batch.params?.msgid;
  if (msgid === undefined || msgid === null || msgid === '') return null;
  if (typeof msgid === 'string') return msgid;
  const type = Array.isArray(msgid) ? 'array' : typeof msgid;
  throw new ApiError(
    'INGEST_NOT_A_BATCH',
    `params.msgid must be a string (the batch's id, e.g. "batch-1"), got ${type} ${JSON.stringify(msgid).slice(0, 40)}`,
  );
}

export class Collector {
  private readonly clock: () => number;

  constructor(private readonly deps: CollectorDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async ingest(text: string, headers: HeaderDefaults = {}): Promise<IngestResult> {
    const { limits, counters, mids, batches } = this.deps;
    const batch = parseBatch(text, limits.maxBatchEvents);
    const msgid = batchMsgid(batch);
    const refusal = this.deps.refuse?.();
    if (refusal !== undefined) throw new ApiError('INGEST_STORE_UNAVAILABLE', refusal);
    const events = batch.events;
    const result: IngestResult = {
      msgid,
      received: events.length,
      stored: 0,
      duplicates: 0,
      rejected: 0,
      duplicate_batch: false,
      errors: [],
    };
    if (msgid !== null && batches.has(msgid)) {
      result.duplicates = events.length;
      result.duplicate_batch = true;
      counters.received(events.length);
      counters.duplicateBatch();
      counters.duplicates(events.length);
      return result;
    }

    const spans = findEventSpans(text, limits.maxDepth);
    const exact = spans !== undefined && spans.length === events.length;
    const syncts = this.clock();
    const ctx: RequestContext = {
      syncts,
      clockOffsetMs: clockOffsetMs(syncts, batch.ets, this.deps.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS),
      ...headers,
      msgid: msgid ?? undefined,
    };
    const prefix = eventLinePrefix(ctx);
    const added: string[] = [];
    const rejectedReasons: IngestRejection[] = [];
    let lines = '';
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const raw = exact ? text.slice(spans[i][0], spans[i][1]) : JSON.stringify(event);
      const reading = (exact ? spans[i][2] : checkReading(raw, limits.maxDepth)) ?? unreadableBytes(raw);
      const rejected = checkEvent(event, raw, limits, reading);
      if (rejected) {
        const mid = stringField(event, 'mid');
        result.rejected++;
        rejectedReasons.push(rejected.reason);
        if (result.errors.length < MAX_LISTED_ERRORS) {
          result.errors.push({ index: i, mid: mid ?? null, code: rejected.reason, reasons: rejected.errors });
        }
        lines += failedLine(ctx, {
          mid,
          eid: stringField(event, 'eid'),
          reason: rejected.reason,
          // A message that quotes a value cut in the middle of a surrogate pair would be JSON the store refuses.
          errors: rejected.errors.map(wellFormed),
          raw,
        });
        continue;
      }
      const mid = (event as { mid: string }).mid;
      if (!mids.add(mid)) {
        result.duplicates++;
        continue;
      }
      added.push(mid);
      lines += eventLine(prefix, raw, mid);
    }
    // Once every event of the batch is durable (in events or failed_events), a re-send is answered from the index.
    if (msgid !== null) lines += batchLine(ctx, msgid, events.length);

    await this.commit(lines, added, result, rejectedReasons);
    if (msgid !== null) batches.add(msgid);
    return result;
  }

  /**
   * Ingests a parsed PostHog capture request (ingest/posthog/request.ts): each event goes through the door's size
   * and one-reading rules, then PostHog's own (ingest/posthog/event-rules.ts, not V3's eid list); valid events are
   * de-duplicated by uuid and spooled with their typed values (kind 'p'), rejected ones go to failed_events.
   * `channel` is the channel the request's project API key maps to; `engage` marks the `/engage` path.
   */
  async ingestPostHog(request: PostHogRequest, options: { channel?: string; engage?: boolean } = {}) {
    const { limits, mids } = this.deps;
    const refusal = this.deps.refuse?.();
    if (refusal !== undefined) throw new ApiError('INGEST_STORE_UNAVAILABLE', refusal);
    const { items } = request;
    const result: IngestResult = {
      msgid: null,
      received: items.length,
      stored: 0,
      duplicates: 0,
      rejected: 0,
      duplicate_batch: false,
      errors: [],
    };
    const now = this.clock();
    const ctx: RequestContext = { syncts: now, channel: options.channel };
    const added: string[] = [];
    const rejectedReasons: IngestRejection[] = [];
    let lines = '';
    for (let i = 0; i < items.length; i++) {
      const { value, raw, reading } = items[i];
      // The door's rules report the uuid the event carried, as PostHog's own rules do (it was null before).
      const verdict: PostHogVerdict = tooLarge(raw, limits.maxEventBytes)
        ? {
            ok: false,
            reason: 'too_large',
            errors: [`event is larger than ${limits.maxEventBytes} bytes`],
            mid: carriedUuid(value),
          }
        : reading
          ? { ok: false, reason: reading.reason, errors: [reading.error], mid: carriedUuid(value) }
          : checkPostHogEvent(value, { now, sentAt: request.sentAt }, options.engage);
      if (!verdict.ok) {
        const { mid, eid } = verdict;
        result.rejected++;
        rejectedReasons.push(verdict.reason);
        if (result.errors.length < MAX_LISTED_ERRORS) {
          result.errors.push({ index: i, mid: mid ?? null, code: verdict.reason, reasons: verdict.errors });
        }
        lines += failedLine(ctx, { mid, eid, reason: verdict.reason, errors: verdict.errors.map(wellFormed), raw });
        continue;
      }
      if (!mids.add(verdict.mid)) {
        result.duplicates++;
        continue;
      }
      added.push(verdict.mid);
      const columns = JSON.stringify(verdict.columns);
      lines += foreignEventLine(
        { ...ctx, clockOffsetMs: verdict.clockOffsetMs },
        { eid: verdict.eid, mid: verdict.mid, columns, raw },
      );
    }
    await this.commit(lines, added, result, rejectedReasons);
    return result;
  }

  /**
   * Makes `lines` durable (even an all-duplicate request waits for the commit in flight: its events may be the ones
   * being written), then counts the request's events: a request answered 503 counts in none of the counters, so
   * received = stored + duplicates + rejected.
   */
  private async commit(
    lines: string,
    added: string[],
    result: IngestResult,
    rejectedReasons: IngestRejection[],
  ): Promise<void> {
    const { mids, counters } = this.deps;
    try {
      await this.deps.spool.append(lines, added.length);
    } catch (error) {
      for (const mid of added) mids.delete(mid);
      throw new ApiError(
        'INGEST_STORE_UNAVAILABLE',
        `the events could not be made durable: ${(error as Error).message}`,
      );
    }
    result.stored = added.length;
    counters.received(result.received);
    counters.stored(added.length);
    counters.duplicates(result.duplicates);
    for (const reason of rejectedReasons) counters.rejected(1, reason);
  }
}

function wellFormed(text: string): string {
  return text.replace(/\p{Cs}/gu, '\uFFFD');
}

function stringField(value: unknown, key: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}
