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

/** Rows: (bucket, status, actors). */
export function buildFor(query: LifecycleQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const interval = query.interval ?? 'day';
  const buckets = bucketsOf(interval, range);
  const [b0, b1] = [p.int(buckets[0]), p.int(buckets[buckets.length - 1])];
  // All history up to the range end: "new" needs the first-ever interval, "resurrecting" any earlier one.
  const active = `SELECT DISTINCT actor_key AS e, ${bucketOfSql(interval, 'ets', range, p)} AS b FROM events
    WHERE ${selectorSql(query.event, p)} AND ${filtersSql(query.filters, p)} AND actor_key IS NOT NULL AND ets < ${p.int(range.to)}`;
  // Neighbour buckets as columns, so the joins are plain equi-joins on both engines.
  const sql = `WITH active AS (SELECT e, b, b - 1 AS prev, b + 1 AS next FROM (${active}) AS a),
    firsts AS (SELECT e, min(b) AS first FROM active GROUP BY e)
    SELECT cur.b AS bucket,
      CASE WHEN cur.b = firsts.first THEN 'new' WHEN before.e IS NOT NULL THEN 'returning' ELSE 'resurrecting' END AS status,
      count(*) AS n
    FROM active cur JOIN firsts ON firsts.e = cur.e
    LEFT JOIN active before ON before.e = cur.e AND before.b = cur.prev
    WHERE cur.b >= ${b0}
    GROUP BY 1, 2
    UNION ALL
    SELECT cur.next AS bucket, 'dormant' AS status, count(*) AS n
    FROM active cur LEFT JOIN active later ON later.e = cur.e AND later.b = cur.next
    WHERE later.e IS NULL AND cur.next >= ${b0} AND cur.next <= ${b1}
    GROUP BY 1, 2`;
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
