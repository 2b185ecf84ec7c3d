/**
 * Session paths (docs/analytics.md, Paths, "Kept paths"): each session's page views in order, kept in `session_paths`
 * (DuckDB migration 17; one row per `sid`) so that a paths insight without filters reads one list per session instead
 * of ranking every page view with window functions: at 10 million events, 0.4 s of CPU against 5 s (issue 13).
 *
 * A page view is what paths.ts counts as one: an IMPRESSION with `edata.pageid` (or PostHog's `$pageview` /
 * `$screen`) in a session (`sid`). A row holds every view of its session, `views` sorted by (ets, arrival_seq), the
 * paths' order, and `nodes`, their page ids with a page repeated right after itself kept once.
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
 * The rows of `session_paths` for the sessions the page views `fresh` selects (a SELECT of sid, ets, q, node) touch:
 * their stored views and the fresh ones, each once (a view stored since `fresh` was chosen is in both), sorted.
 * Columns: those of `session_paths`.
 */
function mergedSql(fresh: string): string {
  const views = `SELECT sid, ets, q, node FROM (${fresh}) AS fresh
    UNION
    SELECT sid, v.ets, v.q, v.node FROM (
      SELECT sid, unnest(views) AS v FROM session_paths WHERE sid IN (SELECT sid FROM (${fresh}) AS touched)) AS kept`;
  const lists = `SELECT sid, min(ets) AS first_ets, max(ets) AS last_ets, max(q) AS last_q,
      list_sort(list({'ets': ets, 'q': q, 'node': node})) AS views
    FROM (${views}) AS views GROUP BY sid`;
  return `SELECT sid, first_ets, last_ets, last_q, views, ${runsSql('r')} AS nodes
    FROM (SELECT *, list_transform(views, v -> v.node) AS r FROM (${lists}) AS lists) AS named`;
}

/** The page views of `events` with `arrival_seq` in `after` < q ≤ `upTo` (`upTo` omitted: no upper end). */
function freshSql(p: SqlParams, after: string, upTo?: string): string {
  const below = upTo === undefined ? '' : ` AND arrival_seq <= ${upTo}`;
  return `SELECT sid, ets, arrival_seq AS q, edata_pageid AS node FROM events
    WHERE arrival_seq > ${after}${below} AND sid IS NOT NULL AND ${pageViewSql(p)}`;
}

/** `through`: the largest arrival_seq up to which `session_paths` holds every page view (0 when empty). */
export const THROUGH_SQL = 'SELECT coalesce(max(last_q), 0) AS through FROM session_paths';

/**
 * Every session's path as of the query's snapshot, given `through` (read before with THROUGH_SQL, a constant so that
 * DuckDB skips the row groups before it): the stored rows the tail does not touch, and the touched ones merged with
 * it. Columns: those of `session_paths`.
 */
export function sessionPathsSql(p: SqlParams, through: number): string {
  const fresh = freshSql(p, p.int(through));
  return `SELECT * FROM session_paths WHERE sid NOT IN (SELECT sid FROM (${fresh}) AS tail)
    UNION ALL ${mergedSql(fresh)}`;
}

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
 * writer briefly). Run after loads (pipeline.ts); safe to run at any time, a failure changes nothing.
 * A store without session paths (ClickHouse) is left alone: `{ views: 0, more: false }`.
 * @throws StoreError as Store.write does
 */
export async function refreshSessionPaths(store: Store, maxViews = 250_000): Promise<SessionPathsRefresh> {
  const dialect = dialectFor(store.dialect);
  if (!dialect.sessionPaths) return { views: 0, more: false };
  const through = Number((await store.query(THROUGH_SQL)).rows[0][0]);
  const p = new SqlParams(dialect);
  const next = `SELECT count(*) AS views, max(q) AS up_to FROM (
      SELECT arrival_seq AS q FROM events WHERE arrival_seq > ${p.int(through)} AND sid IS NOT NULL AND ${pageViewSql(p)}
      ORDER BY arrival_seq LIMIT ${p.rows(maxViews)}) AS next`;
  const [views, upTo] = (await store.query(next, p.values)).rows[0].map(Number);
  if (views === 0) return { views: 0, more: false };
  const w = new SqlParams(dialect);
  const fresh = freshSql(w, w.int(through), w.int(upTo));
  await store.write([
    { sql: `CREATE OR REPLACE TEMP TABLE session_paths_next AS ${mergedSql(fresh)}`, params: w.values },
    { sql: 'DELETE FROM session_paths WHERE sid IN (SELECT sid FROM session_paths_next)' },
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
