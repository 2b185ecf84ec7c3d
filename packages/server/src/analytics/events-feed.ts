/**
 * Reading stored events and failed events back, newest first with a keyset cursor, and the
 * live-tail query (events received after a point). Filters are the typed columns only, bound.
 */
import type { Store } from '../store/store.js';
import { dialectFor, SqlParams } from './dialect/index.js';

/** Filters the events listing accepts, each a typed column compared for equality. */
export const EVENT_FILTERS = {
  eid: 'eid',
  actor: 'actor_id',
  did: 'did',
  sid: 'sid',
  channel: 'channel',
  pageid: 'edata_pageid',
} as const;

export type EventFilters = Partial<Record<keyof typeof EVENT_FILTERS, string>>;

export interface FeedPage<T> {
  items: T[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: string;
}

export interface StoredEvent {
  syncts: number;
  mid: string;
  event: unknown;
}

/** A cursor is `<syncts>:<mid>` of the last item of a page. */
function cursor(before: string | undefined, p: SqlParams, mid = 'mid'): string {
  if (!before) return 'TRUE';
  const at = before.indexOf(':');
  const syncts = Number(before.slice(0, at));
  if (at < 1 || !Number.isFinite(syncts)) throw new TypeError('before must be a cursor from a previous page');
  const s = p.int(syncts);
  return `(syncts < ${s} OR (syncts = ${s} AND ${mid} < ${p.str(before.slice(at + 1))}))`;
}

function where(filters: EventFilters, p: SqlParams): string {
  const parts = Object.entries(filters)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${EVENT_FILTERS[k as keyof typeof EVENT_FILTERS]} = ${p.str(String(v))}`);
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

function toEvent(row: unknown[]): StoredEvent {
  return { syncts: Number(row[0]), mid: String(row[1]), event: JSON.parse(String(row[2])) };
}

export async function listEvents(
  store: Store,
  options: { filters?: EventFilters; before?: string; limit: number },
): Promise<FeedPage<StoredEvent>> {
  const p = new SqlParams(dialectFor(store.dialect));
  const sql = `SELECT syncts, mid, raw FROM events WHERE ${where(options.filters ?? {}, p)} AND ${cursor(options.before, p)}
    ORDER BY syncts DESC, mid DESC LIMIT ${p.int(options.limit + 1)}`;
  const rows = (await store.query(sql, p.values)).rows;
  const items = rows.slice(0, options.limit).map(toEvent);
  const last = items[items.length - 1];
  return rows.length > options.limit && last ? { items, next: `${last.syncts}:${last.mid}` } : { items };
}

export interface FailedEvent {
  syncts: number;
  mid: string | null;
  eid: string | null;
  reason: string;
  errors: string[];
  raw: string;
}

export async function listFailedEvents(
  store: Store,
  options: { reason?: string; before?: string; limit: number },
): Promise<FeedPage<FailedEvent>> {
  const p = new SqlParams(dialectFor(store.dialect));
  const reason = options.reason ? `reason = ${p.str(options.reason)}` : 'TRUE';
  // Failed events may lack a mid; the cursor compares '' for them.
  const sql = `SELECT syncts, coalesce(mid, '') AS mid, eid, reason, errors, raw FROM failed_events
    WHERE ${reason} AND ${cursor(options.before, p, "coalesce(mid, '')")}
    ORDER BY syncts DESC, mid DESC LIMIT ${p.int(options.limit + 1)}`;
  const rows = (await store.query(sql, p.values)).rows;
  const items = rows.slice(0, options.limit).map(([syncts, mid, eid, why, errors, raw]) => ({
    syncts: Number(syncts),
    mid: mid === '' ? null : String(mid),
    eid: eid === null ? null : String(eid),
    reason: String(why),
    errors: (errors as string[]) ?? [],
    raw: String(raw),
  }));
  const last = items[items.length - 1];
  return rows.length > options.limit && last ? { items, next: `${last.syncts}:${last.mid ?? ''}` } : { items };
}

/**
 * Events received at or after `since` and not after `until` (epoch ms, default the wall clock),
 * oldest first, for the live tail. A row stamped in the future (a clock gone wrong, traffic
 * imported with made-up receive times) is left out until its time comes: otherwise the tail would
 * move past it and never show what really arrives meanwhile.
 */
export async function eventsSince(
  store: Store,
  since: number,
  filters: EventFilters,
  limit: number,
  until = Date.now(),
): Promise<StoredEvent[]> {
  const p = new SqlParams(dialectFor(store.dialect));
  const sql = `SELECT syncts, mid, raw FROM events
    WHERE syncts >= ${p.int(since)} AND syncts <= ${p.int(until)} AND ${where(filters, p)}
    ORDER BY syncts, mid LIMIT ${p.int(limit)}`;
  return (await store.query(sql, p.values)).rows.map(toEvent);
}

/** The newest receive time stored that is not after `until` (epoch ms, default the wall clock), or 0. */
export async function latestSyncts(store: Store, until = Date.now()): Promise<number> {
  const p = new SqlParams(dialectFor(store.dialect));
  const sql = `SELECT coalesce(max(syncts), 0) FROM events WHERE syncts <= ${p.int(until)}`;
  return Number((await store.query(sql, p.values)).rows[0][0]);
}
