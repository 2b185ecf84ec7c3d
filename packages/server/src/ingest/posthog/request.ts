/**
 * A decoded PostHog capture body → its events (each with its raw bytes and the door's one-reading verdict), its
 * token and its send time. The shapes, tried in PostHog's order (`rust/capture/src/v0_request.rs` `RawRequest`): a
 * JSON array of events (posthog-js), `{api_key|token, batch:[…], sent_at?}` (posthog-node, `/batch`), one event.
 */
import { ApiError } from '../../api/errors.js';
import { type EventSpan, findArraySpans, findEventSpans } from '../event-spans.js';
import { checkReading, unreadableBytes } from '../one-reading.js';
import { parseIsoTime } from './event-rules.js';

export interface PostHogItem {
  value: unknown;
  /** The event exactly as received. */
  raw: string;
  reading?: ReturnType<typeof checkReading>;
}

export interface PostHogRequest {
  items: PostHogItem[];
  /** The one project API key of the request, when it carries one. */
  token?: string;
  /** The request's send time, epoch ms: body `sent_at` (ISO), else the `_` or `sent_at` query parameter (ms). */
  sentAt?: number;
}

function tokenOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const props = v.properties as Record<string, unknown> | undefined;
  for (const t of [v.token, v.$token, v.api_key, props && typeof props === 'object' ? props.token : undefined]) {
    if (typeof t === 'string' && t !== '') return t;
  }
  return undefined;
}

/** Integer milliseconds; PostHog ignores a value in seconds (`payload/types.rs` `EventQuery`). */
function queryMs(value: string | undefined): number | undefined {
  if (!value || !/^\d{13,15}$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Parses a decoded body. `query` holds the request's query parameters.
 * @throws ApiError INGEST_INVALID_JSON (not JSON), INGEST_NOT_A_BATCH (empty, or not an event, array or batch),
 *   INGEST_TOO_MANY_EVENTS (over `maxEvents`), INGEST_TOKEN_INVALID (different tokens in one request: PostHog's
 *   `MultipleTokensError`)
 */
export function parsePostHogRequest(
  text: string,
  query: Record<string, string | undefined>,
  limits: { maxDepth: number; maxEvents: number },
): PostHogRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ApiError('INGEST_INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object') {
    throw new ApiError(
      'INGEST_NOT_A_BATCH',
      'the body must be an event, an array of events or {"api_key","batch":[…]}',
    );
  }
  let values: unknown[];
  let spans: EventSpan[] | undefined;
  let token: string | undefined;
  let sentAt = queryMs(query._) ?? queryMs(query.sent_at);
  const body = parsed as Record<string, unknown>;
  if (Array.isArray(parsed)) {
    values = parsed;
    spans = findArraySpans(text, limits.maxDepth);
  } else if (Array.isArray(body.batch)) {
    values = body.batch;
    spans = findEventSpans(text, limits.maxDepth, 'batch');
    token = tokenOf(body);
    if (typeof body.sent_at === 'string') sentAt = parseIsoTime(body.sent_at) ?? sentAt;
  } else {
    values = [parsed];
    const start = text.length - text.trimStart().length;
    spans = [[start, text.trimEnd().length, checkReading(text, limits.maxDepth)]];
    if (typeof body.sent_at === 'string') sentAt = parseIsoTime(body.sent_at) ?? sentAt;
  }
  if (values.length === 0) throw new ApiError('INGEST_NOT_A_BATCH', 'the request holds no events');
  if (values.length > limits.maxEvents) {
    throw new ApiError(
      'INGEST_TOO_MANY_EVENTS',
      `the request has ${values.length} events; at most ${limits.maxEvents} are accepted per request`,
    );
  }
  const exact = spans !== undefined && spans.length === values.length;
  const items = values.map((value, i): PostHogItem => {
    const eventToken = tokenOf(value);
    if (eventToken !== undefined) {
      if (token !== undefined && token !== eventToken) {
        throw new ApiError('INGEST_TOKEN_INVALID', 'the events of one request carry different tokens');
      }
      token = eventToken;
    }
    if (!exact) {
      const raw = JSON.stringify(value);
      return { value, raw, reading: checkReading(raw, limits.maxDepth) };
    }
    const [start, end, reading] = (spans as EventSpan[])[i];
    const raw = text.slice(start, end);
    return { value, raw, reading: reading ?? unreadableBytes(raw) };
  });
  return { items, token, sentAt };
}
