/**
 * Session paths (docs/analytics.md, Paths, "Kept paths"): each session's page views in order, kept in `session_paths`
 * (DuckDB migration 17; one row per `sid`) so that a paths insight without filters reads one list per session instead
 * of ranking every page view with window functions: at 10 million events, 0.4 s of CPU against 5 s (issue 13).
 *
 * A page view is what paths.ts counts as one: an IMPRESSION with `edata.pageid` (or PostHog's `$pageview` /
 * `$screen`) in a session (`sid`). A row holds every view of its session, `views` sorted by (ets, arrival_seq), the
 * paths' order, and `nodes`, their page ids with a page repeated right after itself kept once.
 *
 * A session with more views than a row keeps (`maxSessionViews`, default 10,000: an app that sends no `sid` puts every
 * view in the session `''`) is kept as an overflow row, with empty lists: paths read its views from `events` with
 * window functions, as before (paths.ts), so no statement ever holds one session's millions of views in memory.
 *
 * The rule that keeps it exact: the table holds every view whose `arrival_seq` is at most the largest `last_q` it
 * stores (`through`), and none after. refreshSessionPaths adds the views after `through` in arrival order, so the rule
 * holds after each of its transactions; a reader merges the views after `through` (the tail) into the rows they touch
 * (sessionPathsSql), so an answer never depends on how far the refresh has got. Events are never deleted from
 * `events` today; whatever deletes some (erasure, retention) must delete or rebuild their sessions' rows.
 *
 * DuckDB SQL only (SqlDialect.sessionPaths): ClickHouse computes each session's path when asked (paths.ts).
 */
import type { Store } from '../store/store.js';
import { dialectFor, SqlParams } from './dialect/index.js';
import { selectorSql } from './filters.js';

/** A page view among `events` rows: the node is `edata_pageid`. */
export function pageViewSql(p: SqlParams): string {
  return `(${selectorSql({ eid: 'IMPRESSION' }, p)} AND edata_pageid IS NOT NULL)`;
}

/** `list` (a column name) with each element equal to the one before it dropped. */
export function runsSql(list: string): string {
  return `list_filter(${list}, (x, i) -> i = 1 OR x <> ${list}[i - 1])`;
}

/**
 * The page views not kept yet that a read or a refresh merges: `arrival_seq` in (`through`, `upTo`]. `through`: the
 * largest `last_q` kept (every view up to it is kept); `keptFrom`: the least `last_q` among the kept rows of the
 * sessions those views touch (`upTo` + 1 when none). Rows are appended in `last_q` order, so `last_q >= keptFrom`, a
 * constant, lets DuckDB skip every row group before the oldest touched row instead of reading every session's views.
 */
export interface Tail {
  through: number;
  upTo: number;
  keptFrom: number;
}

/** The tail's `through`, from the kept rows. */
const THROUGH = 'coalesce(max(last_q), 0) FROM session_paths';

/** The page views of the tail: columns sid, ets, q, node. */
function freshSql(p: SqlParams, tail: Tail): string {
  return `SELECT sid, ets, arrival_seq AS q, edata_pageid AS node FROM events
    WHERE arrival_seq > ${p.int(tail.through)} AND arrival_seq <= ${p.int(tail.upTo)} AND sid IS NOT NULL
      AND ${pageViewSql(p)}`;
}

/** Rows of `session_paths` that may belong to a session the tail touches (`sid` still to be matched). */
function touchedSql(p: SqlParams, tail: Tail): string {
  return `last_q >= ${p.int(tail.keptFrom)}`;
}

/**
 * The rows of `session_paths` for the sessions the tail touches: their kept views and the tail's, each once (a view
 * kept since the tail was read is in both), sorted; an overflow row stays one (its views are not read), and with
 * `maxSessionViews` (a refresh) a session with more views becomes one. Columns: those of `session_paths`.
 */
function mergedSql(p: SqlParams, tail: Tail, maxSessionViews?: number): string {
  const fresh = freshSql(p, tail);
  const touched = `${touchedSql(p, tail)} AND sid IN (SELECT sid FROM (${fresh}) AS touched)`;
  const views = `SELECT sid, ets, q, node FROM (${fresh}) AS fresh
    UNION
    SELECT sid, v.ets, v.q, v.node FROM (
      SELECT sid, unnest(views) AS v FROM session_paths WHERE ${touched} AND NOT overflow) AS kept`;
  const lists = `SELECT sid, min(ets) AS first_ets, max(ets) AS last_ets, max(q) AS last_q,
      list_sort(list({'ets': ets, 'q': q, 'node': node})) AS views
    FROM (${views}) AS views GROUP BY sid`;
  const overflowing = maxSessionViews === undefined ? 'FALSE' : `len(l.views) > ${p.int(maxSessionViews)}`;
  // Every touched session has a fresh view, so `lists` has a row for each; `o`: its kept overflow row, if any. Looked
  // up without the `last_q` bound: a refresh committed after the tail was read may have made it (from views all in
  // the tail, so `last_q` < keptFrom), and paths then read that session from `events` (OVERFLOW_SIDS), so this row
  // must be one too, or the session counts twice.
  const marked = `SELECT l.sid, coalesce(least(l.first_ets, o.first_ets), l.first_ets) AS first_ets,
      coalesce(greatest(l.last_ets, o.last_ets), l.last_ets) AS last_ets, l.last_q, l.views,
      o.sid IS NOT NULL OR ${overflowing} AS overflow
    FROM (${lists}) AS l LEFT JOIN (SELECT * FROM session_paths WHERE overflow) AS o ON o.sid = l.sid`;
  return `SELECT sid, first_ets, last_ets, last_q, CASE WHEN overflow THEN [] ELSE views END AS views,
      CASE WHEN overflow THEN [] ELSE ${runsSql('r')} END AS nodes, overflow
    FROM (SELECT *, list_transform(views, v -> v.node) AS r FROM (${marked}) AS marked) AS named`;
}

/** The tail's keptFrom, given its `through` and `upTo` (one scan of the kept rows' `sid` and `last_q` only). */
async function withKeptFrom(store: Store, tail: Omit<Tail, 'keptFrom'>): Promise<Tail> {
  if (tail.upTo <= tail.through) return { ...tail, keptFrom: tail.upTo + 1 };
  const p = new SqlParams(dialectFor(store.dialect));
  const sql = `SELECT coalesce(min(last_q), ${p.int(tail.upTo + 1)}) FROM session_paths
    WHERE sid IN (SELECT sid FROM (${freshSql(p, { ...tail, keptFrom: 0 })}) AS fresh)`;
  return { ...tail, keptFrom: Number((await store.query(sql, p.values)).rows[0][0]) };
}

/**
 * The tail a read merges: every page view loaded so far that is not kept, unless there are more than `maxViews` (then
 * undefined: merging that many per query would not fit DuckDB's memory limit).
 */
export async function readTail(store: Store, maxViews: number): Promise<Tail | undefined> {
  const sql = `SELECT (SELECT ${THROUGH}), (SELECT max(arrival_seq) FROM events)`;
  const [kept, last] = (await store.query(sql)).rows[0];
  const through = Number(kept);
  const upTo = Math.max(Number(last ?? 0), through);
  if (upTo - through > maxViews) {
    // More events than that, but perhaps not as many views (the tail counts from the last view kept).
    const p = new SqlParams(dialectFor(store.dialect));
    const count = `SELECT count(*) FROM (SELECT 1 FROM events WHERE arrival_seq > ${p.int(through)}
      AND sid IS NOT NULL AND ${pageViewSql(p)} LIMIT ${p.rows(maxViews + 1)}) AS tail`;
    if (Number((await store.query(count, p.values)).rows[0][0]) > maxViews) return undefined;
  }
  return withKeptFrom(store, { through, upTo });
}

/**
 * Every session's path as of the tail read with readTail: the kept rows the tail does not touch, and the touched
 * ones merged with it. Columns: those of `session_paths`. A view loaded after the tail was read may be in the answer
 * (kept by a refresh since), never twice.
 */
export function sessionPathsSql(p: SqlParams, tail: Tail): string {
  return `SELECT * FROM session_paths WHERE sid NOT IN (SELECT sid FROM (${freshSql(p, tail)}) AS tail)
    UNION ALL ${mergedSql(p, tail)}`;
}

/**
 * The sessions kept as overflow rows, as a condition on `sid` (paths read their views from `events`). Always part of a
 * query, never decided before it (a refresh may make a row overflow meanwhile): with no such row DuckDB skips the
 * scan of `events` behind it (3 ms at 10 million events).
 */
export const OVERFLOW_SIDS = 'sid IN (SELECT sid FROM session_paths WHERE overflow)';

/** What one refreshSessionPaths call did. */
export interface SessionPathsRefresh {
  /** Page views added (0: up to date). */
  views: number;
  /** Whether views may remain after those (a full slice): call again. */
  more: boolean;
}

/**
 * Adds to `session_paths`, in one transaction, the next page views after `through` in arrival order, at most
 * `maxViews` of them (a slice, so that catching up a large store stays within DuckDB's memory limit and holds the
 * writer briefly); a session past `maxSessionViews` views becomes an overflow row. Run after loads (pipeline.ts); safe to run at
 * any time, a failure changes nothing in the store.
 * A store without session paths (ClickHouse) is left alone: `{ views: 0, more: false }`.
 * @throws StoreError as Store.write does
 */
export async function refreshSessionPaths(
  store: Store,
  maxViews = 250_000,
  maxSessionViews = 10_000,
): Promise<SessionPathsRefresh> {
  const dialect = dialectFor(store.dialect);
  if (!dialect.sessionPaths) return { views: 0, more: false };
  const through = Number((await store.query(`SELECT ${THROUGH}`)).rows[0][0]);
  const p = new SqlParams(dialect);
  const next = `SELECT count(*), max(q) FROM (
      SELECT arrival_seq AS q FROM events WHERE arrival_seq > ${p.int(through)} AND sid IS NOT NULL AND ${pageViewSql(p)}
      ORDER BY arrival_seq LIMIT ${p.rows(maxViews)}) AS next`;
  const [views, upTo] = (await store.query(next, p.values)).rows[0].map(Number);
  if (views === 0) return { views: 0, more: false };
  const tail = await withKeptFrom(store, { through, upTo });
  const w = new SqlParams(dialect);
  const d = new SqlParams(dialect);
  await store.write([
    {
      sql: `CREATE OR REPLACE TEMP TABLE session_paths_next AS ${mergedSql(w, tail, maxSessionViews)}`,
      params: w.values,
    },
    {
      sql: `DELETE FROM session_paths WHERE ${touchedSql(d, tail)} AND sid IN (SELECT sid FROM session_paths_next)`,
      params: d.values,
    },
    { sql: 'INSERT INTO session_paths SELECT * FROM session_paths_next' },
    { sql: 'DROP TABLE session_paths_next' },
  ]);
  return { views, more: views === maxViews };
}

/**
 * refreshSessionPaths until the kept paths hold every page view loaded so far (a store just migrated, a bulk import).
 * @returns the page views added
 */
export async function catchUpSessionPaths(store: Store): Promise<number> {
  let added = 0;
  for (;;) {
    const { views, more } = await refreshSessionPaths(store);
    added += views;
    if (!more) return added;
  }
}
