/**
 * The actors behind a trend's point (series, bucket, breakdown value), a stickiness bar (series,
 * active intervals) and a lifecycle bar (status, bucket). The conditions mirror trends.ts,
 * stickiness.ts and lifecycle.ts, so the number of actors of a point counted by `unique_actors`
 * (or `dau`/`wau`/`mau`), and of a stickiness or lifecycle bar, equals its value. (A retention cell's and a funnel step's actors are their insights' own
 * `actors`, `stepActors` and `dropOff` options; the actors along a path are paths.ts `pathActors`.)
 */
import {
  type ActorsBehind,
  bucketsOf,
  type LifecycleActorsBody,
  type LifecycleQuery,
  type StickinessQuery,
  type TrendsQuery,
} from '@telemetry/query';
import type { Store } from '../store/store.js';
import { dialectFor, SqlParams } from './dialect/index.js';
import { filtersSql, selectorSql } from './filters.js';
import { ENTITY_COLUMNS, inBreakdownGroup, validatedProperty } from './properties.js';
import { bucketOfSql, rangeSql, resolveRange } from './sql-time.js';

const DAY = 86_400_000;
const ROLLING_DAYS: Record<string, number> = { wau: 7, mau: 30 };

/** Thrown for a figure the query does not have (an index past its end); the route answers 400. */
export class NoSuchFigure extends Error {}

/** Series `index` of a query; NoSuchFigure when there is none. */
function seriesAt<T>(series: T[], index: number): T {
  const s = series[index];
  if (!s) throw new NoSuchFigure(`series ${index} is past the last (${series.length - 1})`);
  return s;
}

/** The answer from SQL giving rows `(e, n)`: the first `limit` by n descending, then e, and how many in all. */
export async function listed(store: Store, sql: string, p: SqlParams, limit: number): Promise<ActorsBehind> {
  const ranked = `SELECT e, n, count(*) OVER () AS total FROM (${sql}) AS figure ORDER BY n DESC, e LIMIT ${p.int(limit)}`;
  const rows = (await store.query(ranked, p.values)).rows as [string, number, number][];
  return { count: Number(rows[0]?.[2] ?? 0), actors: rows.map(([e, n]) => ({ id: String(e), events: Number(n) })) };
}

function bucketAt(buckets: number[], index: number, what: string): number {
  const b = buckets[index];
  if (b === undefined) throw new NoSuchFigure(`${what} ${index} is past the last (${buckets.length - 1})`);
  return b;
}

/** The actors who did series `series` in bucket `bucket` (its index in the answer's `buckets`). */
export async function trendActors(
  store: Store,
  query: TrendsQuery,
  at: { series: number; bucket: number; breakdownValue?: string | null; limit?: number },
  now = Date.now(),
): Promise<ActorsBehind> {
  const s = seriesAt(query.series, at.series);
  const p = new SqlParams(dialectFor(store.dialect));
  const range = resolveRange(query.dateRange, now);
  const interval = query.interval ?? 'day';
  const rolling = ROLLING_DAYS[s.math ?? 'total'];
  const b = bucketAt(bucketsOf(rolling ? 'day' : interval, range), at.bucket, 'bucket');
  let when: string;
  if (rolling) {
    // Active on any of the `rolling` days ending with this one, as trends counts wau/mau.
    const from = range.from - rolling * DAY;
    const day = bucketOfSql('day', 'ets', range, p);
    when = `ets >= ${p.int(from)} AND ets < ${p.int(range.to)} AND ${day} > ${p.int(b - rolling)} AND ${day} <= ${p.int(b)}`;
  } else {
    when = `${rangeSql(range, p)} AND ${bucketOfSql(interval, 'ets', range, p)} = ${p.int(b)}`;
  }
  let breakdown = '';
  if (!query.breakdown && at.breakdownValue !== undefined) {
    throw new NoSuchFigure(`breakdownValue ${at.breakdownValue} given, but the query has no breakdown`);
  }
  if (query.breakdown && at.breakdownValue !== undefined) {
    breakdown = ` AND ${inBreakdownGroup(validatedProperty(query.breakdown.property), at.breakdownValue ?? '', p)}`;
  }
  const sql = `SELECT actor_key AS e, count(*) AS n FROM events
    WHERE ${selectorSql(s, p)} AND ${filtersSql(query.filters, p)} AND actor_key IS NOT NULL AND ${when}${breakdown}
    GROUP BY actor_key`;
  return listed(store, sql, p, at.limit ?? 100);
}

/** The entities who did series `series` in exactly `intervals` of the range's intervals (stickiness.ts). */
export async function stickinessActors(
  store: Store,
  query: StickinessQuery,
  at: { series: number; intervals: number; limit?: number },
  now = Date.now(),
): Promise<ActorsBehind> {
  const s = seriesAt(query.series, at.series);
  const p = new SqlParams(dialectFor(store.dialect));
  const range = resolveRange(query.dateRange, now);
  const interval = query.interval ?? 'day';
  const n = bucketsOf(interval, range).length;
  if (at.intervals > n) throw new NoSuchFigure(`intervals ${at.intervals} is past the last (${n})`);
  const entity = ENTITY_COLUMNS[query.aggregateBy ?? 'actor'];
  const sql = `SELECT e, n FROM (SELECT ${entity} AS e, count(*) AS n,
      count(DISTINCT ${bucketOfSql(interval, 'ets', range, p)}) AS active FROM events
      WHERE ${selectorSql(s, p)} AND ${filtersSql(query.filters, p)} AND ${entity} IS NOT NULL AND ${rangeSql(range, p)}
      GROUP BY ${entity}) AS per_entity WHERE active = ${p.int(at.intervals)}`;
  return listed(store, sql, p, at.limit ?? 100);
}

/**
 * The actors with `status` in bucket `bucket` (lifecycle.ts' definitions), with their events in
 * that bucket (a dormant actor: in the bucket before, when they were last active).
 */
export async function lifecycleActors(
  store: Store,
  query: LifecycleQuery,
  at: { status: LifecycleActorsBody['status']; bucket: number; limit?: number },
  now = Date.now(),
): Promise<ActorsBehind> {
  const p = new SqlParams(dialectFor(store.dialect));
  const range = resolveRange(query.dateRange, now);
  const b = p.int(bucketAt(bucketsOf(query.interval ?? 'day', range), at.bucket, 'bucket'));
  // All history up to the range end, as lifecycle.ts reads it.
  const active = `WITH active AS (SELECT actor_key AS e, ${bucketOfSql(query.interval ?? 'day', 'ets', range, p)} AS b,
      count(*) AS n FROM events
      WHERE ${selectorSql(query.event, p)} AND ${filtersSql(query.filters, p)} AND actor_key IS NOT NULL
        AND ets < ${p.int(range.to)} GROUP BY 1, 2)`;
  const was = (bucket: string) => `EXISTS (SELECT 1 FROM active x WHERE x.e = cur.e AND x.b = ${bucket})`;
  const before = `EXISTS (SELECT 1 FROM active x WHERE x.e = cur.e AND x.b < cur.b)`;
  const sql =
    at.status === 'dormant'
      ? `${active} SELECT e, n FROM active cur WHERE cur.b = ${b} - 1 AND NOT ${was(`${b}`)}`
      : `${active} SELECT e, n FROM active cur WHERE cur.b = ${b} AND ${
          at.status === 'new'
            ? `NOT ${before}`
            : at.status === 'returning'
              ? was('cur.b - 1')
              : `NOT ${was('cur.b - 1')} AND ${before}`
        }`;
  return listed(store, sql, p, at.limit ?? 100);
}
