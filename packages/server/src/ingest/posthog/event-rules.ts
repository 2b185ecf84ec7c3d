/**
 * PostHog's per-event rules (not V3's eid list) and the typed values a PostHog event fills: the checks PostHog's
 * capture applies to one event (`PostHog/posthog rust/capture/src/v0_request.rs`, `rust/common/types/src/event.rs`),
 * its time computed as PostHog's ingestion does (`parse_event_timestamp`), and the V3-shaped JSON the loader reads
 * the typed columns from (spool/segment-format.ts, kind 'p'). The mapping is documented in docs/posthog.md.
 */
import { v7 as uuidv7 } from 'uuid';
import { MAX_ETS, MIN_ETS } from '../column-values.js';
import type { ReadingProblem } from '../one-reading.js';

/** Why PostHog's rules refuse one event; each is a rejection reason (ingest/steps.ts REJECTION_REASONS). */
export const POSTHOG_REJECTIONS = [
  'missing_event_name',
  'missing_distinct_id',
  'invalid_uuid',
  'invalid_timestamp',
] as const;
/** PostHog's reasons, and the door's rules every format shares (size, one reading, storable times). */
export type PostHogRejection =
  | (typeof POSTHOG_REJECTIONS)[number]
  | 'not_object'
  | 'invalid_ets'
  | 'too_large'
  | ReadingProblem;

/** PostHog truncates `distinct_id` to 200 characters (`rust/common/types/src/event.rs`). */
export const MAX_DISTINCT_ID = 200;
/** An event time further than this in the future is replaced by the receive time, as PostHog does: 23 h, in ms. */
export const FUTURE_CUTOFF_MS = 23 * 3600 * 1000;

const HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A uuid in the forms PostHog's capture parses (its `uuid` field is the Rust crate's `Uuid`, read by `Uuid::parse_str`):
 * hyphenated, 32 digits without hyphens, braced `{…}`, or `urn:uuid:…`; given back hyphenated in lower case (the
 * de-duplication key, so every spelling of one uuid is one event). Undefined for anything else.
 */
export function canonicalUuid(value: string): string | undefined {
  let hyphenated = value;
  if (value.startsWith('urn:uuid:')) hyphenated = value.slice(9);
  else if (value.startsWith('{') && value.endsWith('}')) hyphenated = value.slice(1, -1);
  else if (/^[0-9a-f]{32}$/i.test(value))
    hyphenated = `${value.slice(0, 8)}-${value.slice(8, 12)}-${value.slice(12, 16)}-${value.slice(16, 20)}-${value.slice(20)}`;
  return HYPHENATED.test(hyphenated) ? hyphenated.toLowerCase() : undefined;
}
/**
 * The uuid an event carried, as the `mid` its rejection reports (the response's errors, failed_events): hyphenated
 * and lower-cased when canonicalUuid reads it, the form an accepted event is stored and de-duplicated under, so one
 * event has one id whichever rule refuses it; as sent when it does not (an invalid_uuid); undefined when it carries
 * none, or is no object.
 */
export function carriedUuid(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const given = text((value as Record<string, unknown>).uuid);
  return given === undefined ? undefined : (canonicalUuid(given) ?? given);
}

/** ISO 8601 as PostHog's clients write it: a date, optionally a time (`T` or a space) and a zone; UTC when none. */
const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Epoch ms of an ISO 8601 text, or undefined when it is not one (`Date.parse` alone also takes "1" and "May") or
 * names a day or time that does not exist (`Date.parse` rolls 2026-02-30 over to March 2 and takes 24:00).
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, date, time, zone] = m;
  const [year, month, day] = date.split('-').map(Number);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (time && (Number(time.slice(0, 2)) > 23 || Number(time.slice(3, 5)) > 59 || Number(time.slice(6, 8)) > 59)) {
    return undefined;
  }
  const normal = time ? `${date}T${time}${zone ? zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z'}` : date;
  const ms = Date.parse(normal.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms : undefined;
}

/** The values the loader puts in the typed columns, in the shape of a V3 event (store/duckdb/load-segment-sql.ts). */
export interface TypedValues {
  eid: string;
  ets: number;
  mid: string;
  actor: { id: string };
  context: { sid?: string; did?: string; pdata?: { id?: string; ver?: string } };
  edata: { uri?: string; pageid?: string };
}

export type PostHogVerdict =
  | { ok: true; mid: string; eid: string; columns: TypedValues; clockOffsetMs: number }
  | { ok: false; reason: PostHogRejection; errors: string[]; mid?: string; eid?: string };

export interface RequestTimes {
  /** Receive time, epoch ms. */
  now: number;
  /** The request's `sent_at` (body, or the `_` query parameter), epoch ms, when it has one. */
  sentAt?: number;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** PostHog stringifies a non-string distinct_id; null, empty and whitespace-only are missing. */
function distinctIdOf(event: Record<string, unknown>, properties: Record<string, unknown>): string | undefined {
  const value = event.distinct_id ?? event.$distinct_id ?? properties.distinct_id;
  if (value === undefined || value === null) return undefined;
  const id = typeof value === 'string' ? value : JSON.stringify(value);
  return id.trim() === '' ? undefined : Array.from(id).slice(0, MAX_DISTINCT_ID).join('');
}

/**
 * The event time, as PostHog computes it (`rust/capture` `parse_event_timestamp`, formerly plugin-server
 * `timestamps.ts`): `timestamp` corrected by the request's clock skew `now − sent_at` (unless `$ignore_sent_at`);
 * `offset` alone: `now − offset`; neither: `now`; later than 23 h after `now`: `now`. Returns `ets` (the time as
 * sent: `timestamp`, else `now − offset`, else `now`) and PostHog's time, both epoch ms.
 */
function eventTimes(
  event: Record<string, unknown>,
  properties: Record<string, unknown>,
  times: RequestTimes,
): { ets: number; posthog: number } | string {
  const { now } = times;
  let ets = now;
  let posthog = now;
  if (event.timestamp !== undefined && event.timestamp !== null && event.timestamp !== '') {
    const parsed = typeof event.timestamp === 'string' ? parseIsoTime(event.timestamp) : undefined;
    if (parsed === undefined) return `timestamp ${JSON.stringify(event.timestamp)} is not an ISO 8601 time`;
    ets = parsed;
    posthog =
      times.sentAt !== undefined && properties.$ignore_sent_at !== true ? now + (parsed - times.sentAt) : parsed;
  }
  if (event.offset !== undefined && event.offset !== null) {
    if (typeof event.offset !== 'number' || !Number.isFinite(event.offset)) return 'offset must be a number of ms';
    posthog = now - Math.round(event.offset);
    if (event.timestamp === undefined || event.timestamp === null || event.timestamp === '') ets = posthog;
  }
  if (posthog - now > FUTURE_CUTOFF_MS) posthog = now;
  return { ets: Math.round(ets), posthog: Math.round(posthog) };
}

/**
 * Checks one PostHog event (already read once by the door's rules) and computes its typed values. `engage`: the
 * `/engage` path, where an event without a name is a `$identify` (PostHog's `RawEngageEvent`). A missing `uuid`
 * gets a UUIDv7, as PostHog's capture does. Rejections: not_object, missing_event_name, missing_distinct_id,
 * invalid_uuid, invalid_timestamp (also a bad `offset`), invalid_ets (a time outside 1970…9999).
 */
export function checkPostHogEvent(value: unknown, times: RequestTimes, engage = false): PostHogVerdict {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'not_object', errors: ['an event must be a JSON object'] };
  }
  const event = value as Record<string, unknown>;
  const rawProperties = event.properties;
  const properties =
    rawProperties !== null && typeof rawProperties === 'object' && !Array.isArray(rawProperties)
      ? (rawProperties as Record<string, unknown>)
      : {};
  const givenUuid = text(event.uuid);
  const uuid = givenUuid === undefined ? undefined : canonicalUuid(givenUuid);
  const eid = text(event.event) ?? (engage && event.event === undefined ? '$identify' : undefined);
  const reject = (reason: PostHogRejection, error: string): PostHogVerdict => ({
    ok: false,
    reason,
    errors: [error],
    mid: carriedUuid(event),
    eid,
  });
  if (event.uuid !== undefined && event.uuid !== null && event.uuid !== '' && uuid === undefined) {
    return reject('invalid_uuid', `uuid ${JSON.stringify(event.uuid)} is not a UUID`);
  }
  if (eid === undefined) return reject('missing_event_name', 'the event has no "event" name');
  const distinctId = distinctIdOf(event, properties);
  if (distinctId === undefined) {
    return reject('missing_distinct_id', 'the event has no distinct_id (top level, $distinct_id or properties)');
  }
  const time = eventTimes(event, properties, times);
  if (typeof time === 'string') return reject('invalid_timestamp', time);
  for (const t of [time.ets, time.posthog]) {
    if (t < MIN_ETS || t > MAX_ETS) return reject('invalid_ets', `the event time ${t} is outside 1970…9999`);
  }
  const mid = uuid ?? uuidv7();
  const columns: TypedValues = {
    eid,
    ets: time.ets,
    mid,
    actor: { id: distinctId },
    context: {
      sid: text(properties.$session_id),
      did: text(properties.$device_id),
      pdata: { id: text(properties.$lib), ver: text(properties.$lib_version) },
    },
    edata: { uri: text(properties.$current_url), pageid: text(properties.$pathname) ?? text(properties.$screen_name) },
  };
  return { ok: true, mid, eid, columns, clockOffsetMs: time.posthog - time.ets };
}
