/**
 * Retention (docs/analytics.md, Retention). `first_time` (default): each entity joins the cohort of
 * the period of its first-ever start event (if that falls in the date range); `recurring` (PostHog's
 * recurring retention): an entity joins the cohort of every period in the range in which it did the
 * start event. Either way it is retained in period k when it did the return event k periods after
 * its cohort's period, inside the range. Period 0 is the cohort's size. Periods are local calendar
 * days, ISO weeks or months.
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
import { breakdownGroup, ENTITY_COLUMNS, validatedProperty } from './properties.js';
import { bucketOfSql, rangeSql, resolveRange } from './sql-time.js';

/**
 * The cells: one row (e, g, c, k) per entity in cohort period c that is counted in period k (k = 0:
 * in the cohort; k > 0: did the return event k periods later, inside the range). g: the breakdown
 * value on the start event that put it in the cohort ('' when absent or no breakdown).
 */
function cellsSql(query: RetentionQuery, range: ResolvedRange, p: SqlParams): string {
  const d = p.dialect;
  const period = query.period ?? 'day';
  const entity = ENTITY_COLUMNS[query.aggregateBy ?? 'actor'];
  const global = filtersSql(query.filters, p);
  const g = query.breakdown ? breakdownGroup(validatedProperty(query.breakdown.property), p) : `''`;
  const starts = `${selectorSql(query.startEvent, p)} AND ${global} AND ${entity} IS NOT NULL`;
  let entries: string;
  if (query.retentionType === 'recurring') {
    // Every period with a start event in the range; the value on the period's first one (by ets, then arrival).
    const c = bucketOfSql(period, 'ets', range, p);
    entries = `SELECT ${entity} AS e, ${c} AS c, ${d.argMinIf(g, d.sortKey('ets', 'arrival_seq'), d.true)} AS g FROM ${d.events}
      WHERE ${starts} AND ${rangeSql(range, p)} GROUP BY ${entity}, ${c}`;
  } else {
    // First occurrence over all history up to the range end, so "first" means first ever.
    const first = `SELECT ${entity} AS e, min(ets) AS t0, ${d.argMinIf(g, d.sortKey('ets', 'arrival_seq'), d.true)} AS g FROM ${d.events}
      WHERE ${starts} AND ets < ${p.int(range.to)} GROUP BY ${entity}`;
    entries = `SELECT e, ${bucketOfSql(period, 't0', range, p)} AS c, g FROM (${first}) AS firsts WHERE t0 >= ${p.int(range.from)}`;
  }
  const returns = `SELECT DISTINCT ${entity} AS e, ${bucketOfSql(period, 'ets', range, p)} AS r FROM ${d.events}
    WHERE ${selectorSql(query.returnEvent, p)} AND ${global} AND ${entity} IS NOT NULL AND ${rangeSql(range, p)}`;
  // Named once (WITH) where the engine has named subqueries; written out where each is read otherwise (ClickHouse 18.16).
  const [head, entriesRef, returnsRef] = d.namedSubqueries
    ? [`WITH entries AS (${entries}), returns AS (${returns})\n    `, 'entries', 'returns']
    : ['', `(${entries}) AS entries`, `(${returns}) AS returns`];
  return `${head}SELECT e, g, c, 0 AS k FROM ${entriesRef}
    UNION ALL
    SELECT entries.e, entries.g, entries.c, returns.r - entries.c AS k
    FROM ${entriesRef} JOIN ${returnsRef} ON returns.e = entries.e
    WHERE returns.r > entries.c AND returns.r - entries.c < ${p.int(query.periods ?? 8)}`;
}

/** Rows: (overall = 1 / 0 per breakdown value, g, cohort bucket, period index k, entities). k = 0 is the cohort size. */
export function buildFor(query: RetentionQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const cellsText = cellsSql(query, range, p);
  const [head, cells] = dialect.namedSubqueries
    ? [`WITH cells AS (${cellsText})\n    `, 'cells']
    : ['', `(${cellsText}) AS cells`];
  let sql = `${head}SELECT 1 AS overall, '' AS g, c, k, count(*) AS n FROM ${cells} GROUP BY c, k`;
  if (query.breakdown)
    sql += `\n    UNION ALL SELECT 0 AS overall, g, c, k, count(*) AS n FROM ${cells} GROUP BY g, c, k`;
  return { sql, params: p.values };
}

/** The entities of cell (`actors.cohort`, `actors.period`), in id order. */
export function buildActors(query: RetentionQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const cell = query.actors ?? { cohort: 0, period: 0 };
  const bucket = bucketsOf(query.period ?? 'day', range)[cell.cohort] ?? Number.MIN_SAFE_INTEGER;
  const sql = `SELECT DISTINCT e FROM (${cellsSql(query, range, p)}) AS cells
    WHERE c = ${p.int(bucket)} AND k = ${p.int(cell.period)} ORDER BY e LIMIT ${p.rows(cell.limit ?? 100)}`;
  return { sql, params: p.values };
}

/** One table from (c, k, n) rows. */
function tableOf(rows: unknown[][], query: RetentionQuery, range: ResolvedRange): RetentionCohort[] {
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
  return cohorts;
}

export function shape(rows: unknown[][], query: RetentionQuery, range: ResolvedRange): RetentionResult {
  const result: RetentionResult = {
    period: query.period ?? 'day',
    cohorts: tableOf(
      rows.filter((r) => Number(r[0]) === 1).map((r) => r.slice(2)),
      query,
      range,
    ),
  };
  if (query.breakdown) {
    // Largest total cohort size first; past the limit, the rest add up into "other" (each cell entity has one value).
    const byValue = new Map<string, unknown[][]>();
    for (const r of rows.filter((x) => Number(x[0]) === 0)) {
      const g = String(r[1]);
      byValue.set(g, [...(byValue.get(g) ?? []), r.slice(2)]);
    }
    const size = (cells: unknown[][]) => cells.reduce((sum, r) => sum + (Number(r[1]) === 0 ? Number(r[2]) : 0), 0);
    const groups = [...byValue].sort((a, b) => size(b[1]) - size(a[1]) || a[0].localeCompare(b[0]));
    const limit = query.breakdown.limit ?? 10;
    result.breakdown = groups
      .slice(0, limit)
      .map(([g, cells]) => ({ value: g === '' ? null : g, cohorts: tableOf(cells, query, range) }));
    const rest = groups.slice(limit).flatMap(([, cells]) => cells);
    if (rest.length) {
      const summed = new Map<string, unknown[]>();
      for (const [c, k, n] of rest) {
        const key = `${c}:${k}`;
        const prev = summed.get(key);
        summed.set(key, [c, k, Number(prev?.[2] ?? 0) + Number(n)]);
      }
      result.breakdown.push({ value: null, other: true, cohorts: tableOf([...summed.values()], query, range) });
    }
  }
  return result;
}

export async function runRetention(store: Store, query: RetentionQuery, now = Date.now()): Promise<RetentionResult> {
  const range = resolveRange(query.dateRange, now);
  const dialect = dialectFor(store.dialect);
  const main = buildFor(query, range, dialect);
  const cell = query.actors ? buildActors(query, range, dialect) : undefined;
  // One statement after the other, as funnels.ts runs its own (they share the memory limit).
  const rows = await store.query(main.sql, main.params);
  const actors = cell ? await store.query(cell.sql, cell.params) : undefined;
  const result = shape(rows.rows, query, range);
  if (query.actors && actors) {
    const cohort = result.cohorts[query.actors.cohort]?.cohort ?? '';
    result.actors = { cohort, period: query.actors.period, entities: actors.rows.map((r) => String(r[0])) };
  }
  return result;
}
