/**
 * Retention: each entity joins the cohort of the period of its first-ever start event (if that falls
 * in the date range); it is retained in period k when it did the return event k periods later.
 * Period 0 is the cohort's size. Periods are local calendar days, ISO weeks or months.
 */
import {
  bucketLabel,
  bucketsOf,
  type ResolvedRange,
  type RetentionCohort,
  type RetentionQuery,
  type RetentionResult,
} from '@telemetry/query';
import type { Store } from '../store/store.js';
import { type CompiledQuery, dialectFor, type SqlDialect, SqlParams } from './dialect/index.js';
import { filtersSql, selectorSql } from './filters.js';
import { ENTITY_COLUMNS } from './properties.js';
import { bucketOfSql, rangeSql, resolveRange } from './sql-time.js';

/** Rows: (cohort bucket, period index k, entities). k = 0 is the cohort size. */
export function buildFor(query: RetentionQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const period = query.period ?? 'day';
  const entity = ENTITY_COLUMNS[query.aggregateBy ?? 'actor'];
  const global = filtersSql(query.filters, p);
  // First occurrence over all history up to the range end, so "first" means first ever.
  const first = `SELECT ${entity} AS e, min(ets) AS t0 FROM events
    WHERE ${selectorSql(query.startEvent, p)} AND ${global} AND ${entity} IS NOT NULL AND ets < ${p.int(range.to)}
    GROUP BY ${entity}`;
  const cohorts = `SELECT e, ${bucketOfSql(period, 't0', range, p)} AS c FROM (${first}) AS firsts WHERE t0 >= ${p.int(range.from)}`;
  const returns = `SELECT DISTINCT ${entity} AS e, ${bucketOfSql(period, 'ets', range, p)} AS r FROM events
    WHERE ${selectorSql(query.returnEvent, p)} AND ${global} AND ${entity} IS NOT NULL AND ${rangeSql(range, p)}`;
  const sql = `WITH cohorts AS (${cohorts}), returns AS (${returns})
    SELECT c, 0 AS k, count(*) AS n FROM cohorts GROUP BY c
    UNION ALL
    SELECT cohorts.c AS c, returns.r - cohorts.c AS k, count(*) AS n
    FROM cohorts JOIN returns ON returns.e = cohorts.e
    WHERE returns.r > cohorts.c AND returns.r - cohorts.c < ${p.int(query.periods ?? 8)}
    GROUP BY cohorts.c, returns.r - cohorts.c`;
  return { sql, params: p.values };
}

export function build(query: RetentionQuery, dialect: SqlDialect, now = Date.now()): CompiledQuery {
  return buildFor(query, resolveRange(query.dateRange, now), dialect);
}

export function shape(rows: unknown[][], query: RetentionQuery, range: ResolvedRange): RetentionResult {
  const period = query.period ?? 'day';
  const periods = query.periods ?? 8;
  const buckets = bucketsOf(period, range);
  const last = buckets[buckets.length - 1];
  const counts = new Map<string, number>();
  for (const [c, k, n] of rows) counts.set(`${Number(c)}:${Number(k)}`, Number(n));
  const cohorts: RetentionCohort[] = [];
  for (const c of buckets) {
    const size = counts.get(`${c}:0`) ?? 0;
    // A cohort shows the periods that have started by the end of the range.
    const shown = Math.min(periods, last - c + 1);
    const values = Array.from({ length: shown }, (_, k) => counts.get(`${c}:${k}`) ?? 0);
    cohorts.push({ cohort: bucketLabel(period, c), size, values, rates: values.map((v) => (size ? v / size : 0)) });
  }
  return { period, cohorts };
}

export async function runRetention(store: Store, query: RetentionQuery, now = Date.now()): Promise<RetentionResult> {
  const range = resolveRange(query.dateRange, now);
  const { sql, params } = buildFor(query, range, dialectFor(store.dialect));
  return shape((await store.query(sql, params)).rows, query, range);
}
