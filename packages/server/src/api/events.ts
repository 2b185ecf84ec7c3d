/**
 * Reading back what was stored: GET /api/events (newest first, filtered, paginated), GET
 * /api/events/live (a Server-Sent Events tail), GET /api/failed-events, GET /api/properties.
 * Events are served with their `raw` text as received (docs/ingestion.md "Reading events back").
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  BadCursor,
  EVENT_FILTERS,
  type EventFilters,
  eventsAfter,
  listEvents,
  listFailedEvents,
  type StoredEvent,
  tailStart,
} from '../analytics/events-feed.js';
import { resolveProperty } from '../analytics/properties.js';
import { discoverProperties, topValues } from '../analytics/property-discovery.js';
import type { AppContext, RouteGroup } from '../app.js';
import { REJECTION_REASONS } from '../ingest/steps.js';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';
import { singleValues } from './query-string.js';
import { readStore } from './read-bounds.js';
import { eventMessageId, sseMessage } from './sse.js';

/** The reasons a failed_events row can have: the door's rejections, and the store's refusal at load time. */
const FAILED_REASONS: readonly string[] = [...REJECTION_REASONS, 'load_error'];

type Query = Record<string, string | undefined>;

/** Live tails open at once; each holds a socket and runs a query per load. */
const MAX_TAILS = 32;
const TAIL_BATCH = 500;
const HEARTBEAT_MS = 15_000;
/** Where other processes load into the store too (ClickHouse), how often a tail looks without a load of its own. */
const POLL_MS = 1_000;

function int(q: Query, name: string, min: number, max: number, fallback: number): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ApiError('QUERY_INVALID', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** The filter parameters of the events feed and the live tail. */
const FILTER_NAMES = Object.keys(EVENT_FILTERS) as (keyof EventFilters)[];

function filtersOf(q: Query): EventFilters {
  const filters: EventFilters = {};
  for (const key of FILTER_NAMES) if (q[key]) filters[key] = q[key];
  return filters;
}

/**
 * Cursor shapes: `<syncts>:<mid>` for events, `<syncts>:<row key>` for failed events, the row key one number on DuckDB
 * and two on ClickHouse (analytics/events-feed.ts).
 */
const CURSORS = { events: /^(\d+):/, failed: /^(\d+):(\d+)(?::(\d+))?$/ };

/** The `before` cursor, checked: its shape, and numbers a page could have given (safe integers). */
function cursorOf(q: Query, shape: RegExp): string | undefined {
  const before = q.before;
  if (before === undefined) return undefined;
  const numbers = shape
    .exec(before)
    ?.slice(1)
    .filter((n) => n !== undefined);
  if (!numbers?.every((n) => Number.isSafeInteger(Number(n))))
    throw new ApiError('QUERY_INVALID', 'before must be a cursor from a previous page');
  return before;
}

let openTails = 0;

/**
 * One stored event as the API's JSON item `{"syncts","mid","event"}`, with `raw` placed as the `event` value
 * without parsing and writing it again: every stored event is served as received, whatever its depth (re-serialising
 * a 6,000-level event overflowed the stack). Every stored raw is valid JSON: the store parsed it on load.
 */
export function eventJson(e: Pick<StoredEvent, 'syncts' | 'mid' | 'raw'>): string {
  return `{"syncts":${e.syncts},"mid":${JSON.stringify(e.mid)},"event":${e.raw}}`;
}

/** Streams events as they are loaded: the tail looks again on each loader notification. */
async function liveTail(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const q = singleValues(request, [...FILTER_NAMES, 'since']);
  const filters = filtersOf(q);
  if (openTails >= MAX_TAILS) throw new ApiError('STORE_UNAVAILABLE', 'too many live tails open; retry later');
  const since = q.since ? int(q, 'since', 0, Number.MAX_SAFE_INTEGER, 0) : undefined;
  // The tail follows each writer's load order (arrival_seq), which has no ties: a request of any size is sent whole,
  // once.
  const store = readStore(ctx, reply);
  const after = new Map(await tailStart(store, since));
  openTails++;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': live\n\n');
  let busy = false;
  let again = false;
  let closed = false;
  const pump = async () => {
    if (closed) return;
    if (busy) {
      again = true; // a load landed while querying: look once more, or its rows wait for the next load
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        // Each look is a bounded read of its own, through the same gate as every user query.
        const events = await eventsAfter(readStore(ctx), after, filters, TAIL_BATCH, since);
        for (const e of events) {
          after.set(e.writer, e.seq);
          // A line break in raw is whitespace between JSON tokens (never inside a string): sseMessage puts each
          // line on a data line of its own and the client joins them back with LF, the same JSON.
          res.write(sseMessage({ id: eventMessageId(e.syncts, e.mid), event: 'event', data: eventJson(e) }));
        }
        if (events.length === TAIL_BATCH) again = true; // more than one batch is waiting
      } while (again && !closed);
    } catch (error) {
      request.log.warn({ err: error }, 'live tail query failed');
    } finally {
      busy = false;
    }
  };
  const unsubscribe = ctx.loader.onLoaded(() => void pump());
  // Other collectors' loads do not notify this process: look on a timer as well.
  const poll = store.loadedByOthers ? setInterval(() => void pump(), POLL_MS) : undefined;
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  request.raw.on('close', () => {
    closed = true;
    openTails--;
    unsubscribe();
    clearInterval(poll);
    clearInterval(heartbeat);
  });
  await pump();
}

export const eventsRoutes: RouteGroup = (app, ctx) => {
  const auth = { onRequest: requireAdmin(ctx.config.adminToken) };

  app.get('/api/events', auth, async (request, reply) => {
    const q = singleValues(request, [...FILTER_NAMES, 'before', 'limit']);
    const page = await listEvents(readStore(ctx, reply), {
      filters: filtersOf(q),
      before: cursorOf(q, CURSORS.events),
      limit: int(q, 'limit', 1, 500, 50),
    });
    const next = page.next === undefined ? '' : `,"next":${JSON.stringify(page.next)}`;
    reply.type('application/json; charset=utf-8');
    return `{"items":[${page.items.map(eventJson).join(',')}]${next}}`;
  });

  app.get('/api/events/live', auth, (request, reply) => liveTail(ctx, request, reply));

  app.get('/api/failed-events', auth, async (request, reply) => {
    const q = singleValues(request, ['reason', 'before', 'limit']);
    if (q.reason !== undefined && !FAILED_REASONS.includes(q.reason)) {
      throw new ApiError('QUERY_INVALID', `reason must be one of ${FAILED_REASONS.join(', ')}`);
    }
    return listFailedEvents(readStore(ctx, reply), {
      reason: q.reason,
      before: cursorOf(q, CURSORS.failed),
      limit: int(q, 'limit', 1, 500, 50),
    }).catch((error) => {
      // A cursor of the other engine's shape (a row key of one number given to ClickHouse, of two to DuckDB).
      if (error instanceof BadCursor) throw new ApiError('QUERY_INVALID', error.message);
      throw error;
    });
  });

  app.get('/api/properties', auth, async (request, reply) => {
    const q = singleValues(request, ['days', 'property', 'eid', 'limit']);
    const days = int(q, 'days', 1, 3660, 30);
    const store = readStore(ctx, reply);
    if (!q.property) return discoverProperties(store, { days });
    const ref = resolveProperty(q.property);
    if (typeof ref === 'string') throw new ApiError('QUERY_INVALID', ref);
    const values = await topValues(store, q.property, { days, eid: q.eid, limit: int(q, 'limit', 1, 200, 20) });
    return { property: q.property, values };
  });
};
