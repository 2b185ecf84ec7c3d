/**
 * Lifecycle (PostHog's definitions), per interval, for actors doing an event: new (first ever
 * occurrence is in this interval), returning (active in this and the previous interval),
 * resurrecting (active now, not in the previous interval, but at some time before), dormant
 * (active in the previous interval, not in this one; a positive count here, drawn below zero).
 */
import {
  bucketLabel,
  bucketsOf,
  type LifecycleQuery,
  type LifecycleResult,
  type LifecycleStatus,
  type ResolvedRange,
} from '@telemetry/query';
import type { Store } from '../store/store.js';
import { type CompiledQuery, dialectFor, type SqlDialect, SqlParams } from './dialect/index.js';
import { filtersSql, selectorSql } from './filters.js';
import { bucketOfSql, resolveRange } from './sql-time.js';

const STATUSES: LifecycleStatus[] = ['new', 'returning', 'resurrecting', 'dormant'];

/**
 * The SQL of a lifecycle query over `range`, one text for every engine (dialect helpers): rows of (bucket number,
 * status, actors), only for counts above zero and buckets in the range.
 *
 * Each actor's active buckets, all history up to the range end ("new" needs the first-ever bucket, "resurrecting" any
 * earlier one), as one sorted list; each position in it is new (the first), returning (the element before is the
 * bucket before) or resurrecting, and is followed by a dormant bucket when the next element is not the next bucket.
 * Neighbours by position in a sorted list, as a window's lag/lead would give them: ClickHouse 18.16 has no windows,
 * and one grouped scan replaces the self-joins an equi-join form needs.
 */
export function buildFor(query: LifecycleQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const d = dialect;
  const interval = query.interval ?? 'day';
  const buckets = bucketsOf(interval, range);
  const [b0, b1] = [p.int(buckets[0]), p.int(buckets[buckets.length - 1])];
  // `dialect.events` (FINAL on ClickHouse): a re-sent copy not yet merged may differ in columns a filter reads.
  const perActor = `SELECT ${d.sortedDistinctList(bucketOfSql(interval, 'ets', range, p))} AS bs FROM ${d.events}
    WHERE ${selectorSql(query.event, p)} AND ${filtersSql(query.filters, p)} AND actor_key IS NOT NULL AND ets < ${p.int(range.to)}
    GROUP BY actor_key`;
  const positions = `SELECT bs, ${d.expandPositions('bs')} AS i FROM (${perActor}) AS per_actor`;
  const points = `SELECT bs[i] AS b,
      CASE WHEN i = 1 THEN 'new' WHEN bs[i - 1] = bs[i] - 1 THEN 'returning' ELSE 'resurrecting' END AS status,
      (i = ${d.listLength('bs')} OR bs[i + 1] <> bs[i] + 1) AS ends
    FROM (${positions}) AS positions`;
  // Each point once for its own status (k = 0) and, when the actor is not active in the next bucket, once more for
  // that bucket as dormant (k = 1): one pass over the points for both.
  const marks = `SELECT CASE WHEN k = 0 THEN b ELSE b + 1 END AS bucket,
      CASE WHEN k = 0 THEN status ELSE 'dormant' END AS status
    FROM (SELECT b, status, ends, ${d.expandRange('2')} AS k FROM (${points}) AS points) AS twice
    WHERE k = 0 OR ends`;
  const sql = `SELECT bucket, status, count(*) AS n FROM (${marks}) AS marks
    WHERE bucket >= ${b0} AND bucket <= ${b1}
    GROUP BY bucket, status`;
  return { sql, params: p.values };
}

export function shape(rows: unknown[][], query: LifecycleQuery, range: ResolvedRange): LifecycleResult {
  const interval = query.interval ?? 'day';
  const buckets = bucketsOf(interval, range);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const series = Object.fromEntries(STATUSES.map((s) => [s, buckets.map(() => 0)])) as Record<
    LifecycleStatus,
    number[]
  >;
  for (const [b, status, n] of rows) {
    const i = index.get(Number(b));
    if (i !== undefined) series[status as LifecycleStatus][i] = Number(n);
  }
  return { interval, buckets: buckets.map((b) => bucketLabel(interval, b)), series };
}

export async function runLifecycle(store: Store, query: LifecycleQuery, now = Date.now()): Promise<LifecycleResult> {
  const range = resolveRange(query.dateRange, now);
  const { sql, params } = buildFor(query, range, dialectFor(store.dialect));
  return shape((await store.query(sql, params)).rows, query, range);
}
