/**
 * Reading stored events and failed events back, newest first with a keyset cursor, and the
 * live-tail query (events received after a point). Filters are the typed columns only, bound.
 */
import type { Store } from '../store/store.js';
import { dialectFor, SqlParams } from './dialect/index.js';

/** Filters the events listing accepts, each a typed column compared for equality. */
export const EVENT_FILTERS = {
  eid: 'eid',
  actor: 'actor_key', // the actor as insights count it (the drill-down's ids)
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

/** A stored event: receive time (epoch ms), `mid`, and the event's JSON text exactly as received, never re-parsed. */
export interface StoredEvent {
  syncts: number;
  mid: string;
  raw: string;
}

/** A `before` that no page of this listing could have given (its shape, or numbers out of range). */
export class BadCursor extends TypeError {
  constructor() {
    super('before must be a cursor from a previous page');
    this.name = 'BadCursor';
  }
}

/** `(cols[0], cols[1], …) < (values[0], values[1], …)`, compared left to right, spelled out for every engine. */
function keysBefore(cols: readonly string[], values: readonly string[]): string {
  const [col, ...restCols] = cols;
  const [value, ...restValues] = values;
  if (restCols.length === 0) return `${col} < ${value}`;
  return `(${col} < ${value} OR (${col} = ${value} AND ${keysBefore(restCols, restValues)}))`;
}

/**
 * The keyset condition for the page after `before`, a cursor naming the last row of the previous page:
 * `<syncts>:<mid>` for a text key, `<syncts>:<k1>[:<k2>…]` for integer key columns (one number each). The key must be
 * unique per row, or rows that tie with the last one are lost: the event's mid (unique in `events`), or the row key
 * where a table has no unique key (SqlDialect.failedRowKey).
 * @throws BadCursor when `before` does not have that shape or its numbers are not safe integers
 */
function cursor(
  before: string | undefined,
  p: SqlParams,
  key: { type: 'text'; expr: string } | { type: 'int'; exprs: readonly string[] },
): string {
  if (!before) return p.dialect.true;
  const at = before.indexOf(':');
  const syncts = Number(before.slice(0, at));
  const rest = before.slice(at + 1);
  if (at < 1 || !Number.isSafeInteger(syncts)) throw new BadCursor();
  if (key.type === 'text') return keysBefore(['syncts', key.expr], [p.int(syncts), p.str(rest)]);
  const parts = rest.split(':');
  const values = parts.map(Number);
  if (
    parts.length !== key.exprs.length ||
    !parts.every((v) => /^-?\d+$/.test(v)) ||
    !values.every(Number.isSafeInteger)
  )
    throw new BadCursor();
  return keysBefore(['syncts', ...key.exprs], [p.int(syncts), ...values.map((v) => p.int(v))]);
}

function where(filters: EventFilters, p: SqlParams): string {
  const parts = Object.entries(filters)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${EVENT_FILTERS[k as keyof typeof EVENT_FILTERS]} = ${p.str(String(v))}`);
  return parts.length ? parts.join(' AND ') : p.dialect.true;
}

function toEvent(row: unknown[]): StoredEvent {
  return { syncts: Number(row[0]), mid: String(row[1]), raw: String(row[2]) };
}

export async function listEvents(
  store: Store,
  options: { filters?: EventFilters; before?: string; limit: number },
): Promise<FeedPage<StoredEvent>> {
  const p = new SqlParams(dialectFor(store.dialect));
  const after = cursor(options.before, p, { expr: 'mid', type: 'text' });
  const sql = `SELECT syncts, mid, raw FROM ${p.dialect.events} WHERE ${where(options.filters ?? {}, p)} AND ${after}
    ORDER BY syncts DESC, mid DESC LIMIT ${p.rows(options.limit + 1)}`;
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

/**
 * Rejected events (failed_events), newest received first and, among those received at one time, the last loaded
 * first; `reason` keeps one rejection code. `before` is the `next` of the previous page: `<syncts>:<row key>`, the
 * row key being the engine's (SqlDialect.failedRowKey: DuckDB's rowid, ClickHouse's load segment, place, writer),
 * so a cursor is one engine's and paging gives the same rows in the same order on both.
 * @throws BadCursor when `before` is not a cursor this store's pages give
 */
export async function listFailedEvents(
  store: Store,
  options: { reason?: string; before?: string; limit: number },
): Promise<FeedPage<FailedEvent>> {
  const p = new SqlParams(dialectFor(store.dialect));
  const reason = options.reason ? `reason = ${p.str(options.reason)}` : p.dialect.true;
  // A rejected event may have no mid, or share it with another rejected copy: the row key tells rows apart.
  const keys = p.dialect.failedRowKey;
  const after = cursor(options.before, p, { type: 'int', exprs: keys });
  const sql = `SELECT syncts, mid, eid, reason, errors, raw, ${keys.join(', ')} FROM ${p.dialect.failedEvents}
    WHERE ${reason} AND ${after}
    ORDER BY syncts DESC, ${keys.map((k) => `${k} DESC`).join(', ')} LIMIT ${p.rows(options.limit + 1)}`;
  const rows = (await store.query(sql, p.values)).rows;
  const page = rows.slice(0, options.limit);
  const items = page.map(([syncts, mid, eid, why, errors, raw]) => ({
    syncts: Number(syncts),
    mid: mid === null ? null : String(mid),
    eid: eid === null ? null : String(eid),
    reason: String(why),
    errors: (errors as string[]) ?? [],
    raw: String(raw),
  }));
  const last = page[page.length - 1];
  return rows.length > options.limit && last
    ? { items, next: [last[0], ...last.slice(6)].map(Number).join(':') }
    : { items };
}

/** A stored event with its place in its writer's load order (`arrival_seq`), as the live tail reads it. */
export interface LoadedEvent extends StoredEvent {
  seq: number;
  /** The writer that loaded it (SqlDialect.writer: 0 on DuckDB). */
  writer: number;
}

/**
 * Where a live tail is: per writer, the last `arrival_seq` it has read; a writer not in it has been read from none
 * (its every event is new). One writer (0) on DuckDB; on ClickHouse, one per collector, each numbering on its own.
 */
export type TailPosition = ReadonlyMap<number, number>;

/** Per writer, the last event of its whole loads (SqlDialect.loadedThrough): how far a tail may read. */
async function loadedThrough(store: Store): Promise<Map<number, number>> {
  const { rows } = await store.query(dialectFor(store.dialect).loadedThrough);
  return new Map(rows.map(([writer, seq]) => [Number(writer), Number(seq)]));
}

/** SQL: `arrival_seq` after each writer's place in `after` (none: from its first) and at most its `through`. */
function between(after: TailPosition, through: Map<number, number>, p: SqlParams): string {
  const each = [...through].map(
    ([writer, upTo]) =>
      `(${p.dialect.writer} = ${p.int(writer)} AND arrival_seq > ${p.int(after.get(writer) ?? 0)} AND arrival_seq <= ${p.int(upTo)})`,
  );
  return each.length ? `(${each.join(' OR ')})` : p.dialect.false;
}

/**
 * Events loaded after `after`, in load order, for the live tail; with `since` (epoch ms), only those received from
 * `since` to `now` (a row stamped in the future, traffic imported with made-up receive times, is no part of a replay
 * from a time). Load order (arrival_seq, then writer) has no ties and is each writer's own order, so a tail pages
 * through any number of events that share a receive time (one request's) and never sends one twice, and a writer
 * whose loads lag behind another's is read from where its own last event was. Only whole loads are read
 * (SqlDialect.loadedThrough): the rows of a load still running are read once it is done.
 */
export async function eventsAfter(
  store: Store,
  after: TailPosition,
  filters: EventFilters,
  limit: number,
  since?: number,
  now = Date.now(),
): Promise<LoadedEvent[]> {
  const through = await loadedThrough(store);
  const p = new SqlParams(dialectFor(store.dialect));
  const received = since === undefined ? p.dialect.true : `syncts >= ${p.int(since)} AND syncts <= ${p.int(now)}`;
  const sql = `SELECT syncts, mid, raw, arrival_seq, ${p.dialect.writer} AS writer FROM ${p.dialect.events}
    WHERE ${between(after, through, p)} AND ${received} AND ${where(filters, p)}
    ORDER BY arrival_seq, writer LIMIT ${p.rows(limit)}`;
  return (await store.query(sql, p.values)).rows.map((row) => ({
    ...toEvent(row),
    seq: Number(row[3]),
    writer: Number(row[4]),
  }));
}

/**
 * Where a live tail starts: per writer, its last event (the tail starts from now), or with `since` (epoch ms) just
 * before its first event received from `since` to `now` (a replay; its last when it has none): of the events of whole
 * loads, each once (on ClickHouse a re-sent copy folds into the first, so its own number is never read).
 */
export async function tailStart(store: Store, since?: number, now = Date.now()): Promise<TailPosition> {
  const through = await loadedThrough(store);
  const p = new SqlParams(dialectFor(store.dialect));
  const window = since === undefined ? p.dialect.false : `syncts >= ${p.int(since)} AND syncts <= ${p.int(now)}`;
  const sql = `SELECT ${p.dialect.writer} AS writer, max(arrival_seq), min(CASE WHEN ${window} THEN arrival_seq END) - 1
    FROM ${p.dialect.events} WHERE ${between(new Map(), through, p)} GROUP BY writer`;
  const { rows } = await store.query(sql, p.values);
  const start = new Map(through);
  for (const [writer, last, before] of rows) start.set(Number(writer), Number(before ?? last));
  return start;
}
