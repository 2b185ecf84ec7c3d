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

/**
 * The answer from SQL giving rows `(e, n)`: the first `limit` by n descending, then e, and how many in all. The total
 * comes beside the rows from a window where the engine has one, and from a count of its own otherwise (ClickHouse
 * 18.16, which runs `sql` twice for it).
 */
export async function listed(store: Store, sql: string, p: SqlParams, limit: number): Promise<ActorsBehind> {
  const windows = p.dialect.windowFunctions;
  const ranked = `SELECT e, n${windows ? ', count(*) OVER () AS total' : ''} FROM (${sql}) AS figure
    ORDER BY n DESC, e LIMIT ${p.rows(limit)}`;
  const rows = (await store.query(ranked, p.values)).rows as [string, number, number][];
  const count = windows
    ? Number(rows[0]?.[2] ?? 0)
    : Number((await store.query(`SELECT count(*) FROM (${sql}) AS figure`, p.values)).rows[0][0]);
  return { count, actors: rows.map(([e, n]) => ({ id: String(e), events: Number(n) })) };
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
  // `dialect.events` (FINAL on ClickHouse) here and below: `n` counts events, a re-sent copy once.
  const sql = `SELECT actor_key AS e, count(*) AS n FROM ${p.dialect.events}
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
      ${p.dialect.uniq(bucketOfSql(interval, 'ets', range, p))} AS active FROM ${p.dialect.events}
      WHERE ${selectorSql(s, p)} AND ${filtersSql(query.filters, p)} AND ${entity} IS NOT NULL AND ${rangeSql(range, p)}
      GROUP BY ${entity}) AS per_entity WHERE active = ${p.int(at.intervals)}`;
  return listed(store, sql, p, at.limit ?? 100);
}

/**
 * The actors with `status` in bucket `bucket` (lifecycle.ts' definitions), with their events in
 * that bucket (a dormant actor: in the bucket before, when they were last active).
 *
 * Each actor's events per bucket (all history up to the bucket, as lifecycle.ts reads it), then per actor whether it
 * was active in the bucket, the one before and any earlier one: conditional counts in one grouped pass, no
 * correlated subquery or named subquery (ClickHouse 18.16 has neither).
 */
export async function lifecycleActors(
  store: Store,
  query: LifecycleQuery,
  at: { status: LifecycleActorsBody['status']; bucket: number; limit?: number },
  now = Date.now(),
): Promise<ActorsBehind> {
  const p = new SqlParams(dialectFor(store.dialect));
  const d = p.dialect;
  const range = resolveRange(query.dateRange, now);
  const b = p.int(bucketAt(bucketsOf(query.interval ?? 'day', range), at.bucket, 'bucket'));
  const perBucket = `SELECT actor_key AS e, ${bucketOfSql(query.interval ?? 'day', 'ets', range, p)} AS b,
      count(*) AS n FROM ${d.events}
      WHERE ${selectorSql(query.event, p)} AND ${filtersSql(query.filters, p)} AND actor_key IS NOT NULL
        AND ets < ${p.int(range.to)} GROUP BY e, b`;
  const perActor = `SELECT e, ${d.countIf(`b = ${b}`)} AS now_active, ${d.countIf(`b = ${b} - 1`)} AS before_active,
      ${d.countIf(`b < ${b}`)} AS earlier, sum(CASE WHEN b = ${b} THEN n ELSE 0 END) AS n_now,
      sum(CASE WHEN b = ${b} - 1 THEN n ELSE 0 END) AS n_before
    FROM (${perBucket}) AS per_bucket WHERE b <= ${b} GROUP BY e`;
  const when = {
    new: 'now_active > 0 AND earlier = 0',
    returning: 'now_active > 0 AND before_active > 0',
    resurrecting: 'now_active > 0 AND before_active = 0 AND earlier > 0',
    dormant: 'now_active = 0 AND before_active > 0',
  }[at.status];
  const n = at.status === 'dormant' ? 'n_before' : 'n_now';
  const sql = `SELECT e, ${n} AS n FROM (${perActor}) AS per_actor WHERE ${when}`;
  return listed(store, sql, p, at.limit ?? 100);
}
