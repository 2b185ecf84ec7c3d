/**
 * Trends: per series (an eid, or `$all` for every event), a value per interval bucket (count,
 * unique actors/devices/sessions, a property's sum/avg/min/max/median/p90/p95/p99, each actor's
 * event count's avg/min/max/median/p90/p95/p99, DAU/WAU/MAU), optionally broken down by a
 * property's top values with the rest folded into "other", optionally the previous period too,
 * a formula over the series and each line's value over the whole range (`aggregate: "range"`).
 */
import {
  bucketLabel,
  bucketsOf,
  evaluateFormula,
  type Formula,
  parseFormula,
  type ResolvedRange,
  selectorLabel,
  type TrendsLine,
  type TrendsMath,
  type TrendsPeriod,
  type TrendsQuery,
  type TrendsResult,
  type TrendsSeries,
} from '@telemetry/query';
import type { Store } from '../store/store.js';
import { type CompiledQuery, dialectFor, type SqlDialect, SqlParams } from './dialect/index.js';
import { filtersSql, selectorSql } from './filters.js';
import { breakdownGroup, propertyNumber, validatedProperty } from './properties.js';
import { bucketOfSql, previousRange, rangeSql, resolveRange } from './sql-time.js';

const DAY = 86_400_000;
const ROLLING_DAYS: Partial<Record<TrendsMath, number>> = { wau: 7, mau: 30 };
/** Math where an empty bucket is 0; for the others (averages, quantiles) it has no value. */
const ZERO_WHEN_EMPTY: TrendsMath[] = [
  'total',
  'unique_actors',
  'unique_devices',
  'unique_sessions',
  'sum',
  'dau',
  'wau',
  'mau',
];

/** Count-per-actor math: the aggregate over each actor's event count `c` in the bucket. */
const PER_ACTOR: Partial<Record<TrendsMath, (d: SqlDialect) => string>> = {
  avg_count_per_actor: () => 'avg(c)',
  min_count_per_actor: () => 'min(c)',
  max_count_per_actor: () => 'max(c)',
  median_count_per_actor: (d) => d.quantile('c', 0.5),
  p90_count_per_actor: (d) => d.quantile('c', 0.9),
  p95_count_per_actor: (d) => d.quantile('c', 0.95),
  p99_count_per_actor: (d) => d.quantile('c', 0.99),
};

/** The column whose distinct values `math` counts, or per whose values it counts events (as `e`). */
function entityOf(math: TrendsMath): 'actor_key' | 'did' | 'sid' | undefined {
  if (PER_ACTOR[math] || math === 'unique_actors' || math === 'dau') return 'actor_key';
  if (math === 'unique_devices') return 'did';
  if (math === 'unique_sessions') return 'sid';
  return undefined;
}

/** The aggregate over rows of (b, e: the hashed entityOf column, x: the property's number). */
function aggregate(series: TrendsSeries, d: SqlDialect): string {
  const perActor = PER_ACTOR[series.math ?? 'total'];
  if (perActor) return perActor(d);
  switch (series.math ?? 'total') {
    case 'total':
      return 'count(*)';
    case 'unique_actors':
    case 'dau':
    case 'unique_devices':
    case 'unique_sessions':
      return d.uniq('e');
    case 'sum':
      return 'sum(x)';
    case 'avg':
      return 'avg(x)';
    case 'median':
      return d.quantile('x', 0.5);
    case 'p90':
      return d.quantile('x', 0.9);
    case 'p95':
      return d.quantile('x', 0.95);
    case 'p99':
      return d.quantile('x', 0.99);
    case 'min':
      return 'min(x)';
    case 'max':
      return 'max(x)';
    default:
      throw new Error(`no aggregate for ${series.math}`);
  }
}

/** `whole`: one bucket (0) for the whole range, for `aggregate: "range"`. */
function seriesSql(
  query: TrendsQuery,
  i: number,
  range: ResolvedRange,
  p: SqlParams,
  whole: boolean,
): { ctes: string[]; select: string } {
  const d = p.dialect;
  const s = query.series[i];
  const interval = query.interval ?? 'day';
  const rolling = ROLLING_DAYS[s.math ?? 'total'];
  // A rolling window has no single value over a range.
  if (rolling && whole) return { ctes: [], select: `SELECT ${i} AS s, 0 AS b, '' AS k, NULL AS v WHERE ${d.false}` };
  const where = `${selectorSql(s, p)} AND ${filtersSql(query.filters, p)}`;
  if (rolling) {
    // Each (actor, active day d) counts toward the days d … d + rolling - 1: its window.
    const buckets = bucketsOf('day', range);
    const inner = `SELECT DISTINCT ${d.hashKey('actor_key')} AS e, ${bucketOfSql('day', 'ets', range, p)} AS d FROM ${d.events}
      WHERE ${where} AND actor_key IS NOT NULL AND ets >= ${p.int(range.from - rolling * DAY)} AND ets < ${p.int(range.to)}`;
    const r = p.int(rolling);
    // With window functions, each of an actor's windows starts where the one before ends, if that is later: the
    // actor's windows are then disjoint, so a day's rows are distinct actors and a count replaces a distinct count
    // (WAU at 10 million events: 0.8 s -> 0.3 s).
    const [windows, value] = d.windowFunctions
      ? [
          `SELECT s + ${d.expandRange(`d + ${r} - s`)} AS b FROM (SELECT d,
            greatest(d, coalesce(lag(d) OVER (PARTITION BY e ORDER BY d) + ${r}, d)) AS s FROM (${inner}) AS active) AS starts`,
          'count(*)',
        ]
      : [`SELECT e, d + ${d.expandRange(r)} AS b FROM (${inner}) AS active`, d.uniq('e')];
    return {
      ctes: [],
      select: `SELECT ${i} AS s, b, '' AS k, ${d.toDouble(value)} AS v FROM (${windows}) AS windows
        WHERE b >= ${p.int(buckets[0])} AND b <= ${p.int(buckets[buckets.length - 1])} GROUP BY b`,
    };
  }
  const bucket = whole ? '0' : bucketOfSql(interval, 'ets', range, p);
  const x = s.property ? propertyNumber(validatedProperty(s.property), p) : 'NULL';
  const entity = entityOf(s.math ?? 'total');
  const base = `SELECT ${bucket} AS b, ${entity ? d.hashKey(entity) : 'NULL'} AS e, ${x} AS x`;
  const from = `FROM ${d.events} WHERE ${where} AND ${rangeSql(range, p)}`;
  // Count per actor: first each actor's events per bucket (and value), then the math over those counts.
  const perActor = (rows: string, k: string) =>
    PER_ACTOR[s.math ?? 'total']
      ? `(SELECT b, ${k} AS k, count(*) AS c FROM ${rows} AS events WHERE e IS NOT NULL GROUP BY b, ${k}, e)`
      : undefined;
  // Every series' value as a double, so the branches of the UNION ALL below share one type.
  const value = d.toDouble(aggregate(s, d));
  if (!query.breakdown) {
    const rows = perActor(`(${base} ${from})`, "''") ?? `(${base} ${from})`;
    return {
      ctes: [],
      select: `SELECT ${i} AS s, b, '' AS k, ${value} AS v FROM ${rows} AS base GROUP BY b`,
    };
  }
  // Top N breakdown values by event count; an absent value is '' here and null in the answer.
  const g = breakdownGroup(validatedProperty(query.breakdown.property), p);
  const limit = p.int(query.breakdown.limit ?? 10);
  const baseSql = `${base}, ${g} AS g ${from}`;
  const grouped = (rows: string) =>
    perActor(rows, 'k')
      ? `SELECT b, k, ${value} AS v FROM ${perActor(rows, 'k')} AS counts GROUP BY b, k`
      : `SELECT b, k, ${value} AS v FROM ${rows} AS kept GROUP BY b, k`;
  if (d.namedSubqueries) {
    // Each row's kept value by its rank (1…limit; 0 for the rest), named at the end: the grouping hashes small
    // integers, not the values' text (unique viewers by page at 10 million events: about twice as fast). The rows
    // are read twice (ranking, grouping) rather than materialized: writing 3.5 million rows with their text cost more
    // than a second scan (median of 11, 834 against 633 ms).
    const top = `top${i}`;
    const rows = `(SELECT b, e, x, coalesce(${top}.r, 0) AS k FROM base${i} LEFT JOIN ${top} USING (g))`;
    return {
      ctes: [`base${i} AS NOT MATERIALIZED (${baseSql})`, `${top} AS (${d.topByCount(`base${i}`, limit)})`],
      select: `SELECT ${i} AS s, b, ${top}.g AS k, v FROM (${grouped(rows)}) AS ranked LEFT JOIN ${top} ON ${top}.r = ranked.k`,
    };
  }
  // ClickHouse 18.16 fails to analyse an IN subquery in a SELECT that also aggregates ("Unknown identifier"): there,
  // each row's kept value is picked first, in a SELECT of its own.
  const top = d.topByCount(`(${baseSql})`, limit);
  const rows = `(SELECT b, e, x, CASE WHEN g IN (SELECT g FROM (${top})) THEN g ELSE NULL END AS k FROM (${baseSql}))`;
  return { ctes: [], select: `SELECT ${i} AS s, b, k, v FROM (${grouped(rows)}) AS kept` };
}

/** The SQL for one period: rows (s = series index, b = bucket number, k = breakdown value, v = value). */
export function buildFor(query: TrendsQuery, range: ResolvedRange, dialect: SqlDialect, whole: boolean): CompiledQuery {
  const p = new SqlParams(dialect);
  const parts = query.series.map((_, i) => seriesSql(query, i, range, p, whole));
  const ctes = parts.flatMap((part) => part.ctes);
  const union = parts.map((part) => part.select).join('\nUNION ALL\n');
  return { sql: `${ctes.length ? `WITH ${ctes.join(',\n')}\n` : ''}${union}`, params: p.values };
}

/**
 * Rows to lines: one per series (per kept breakdown value, then "other"), zero-filled over every
 * bucket; `wholeRows` (the same SQL over one whole-range bucket) give each line its `aggregated`.
 */
export function shape(
  rows: unknown[][],
  query: TrendsQuery,
  range: ResolvedRange,
  wholeRows?: unknown[][],
): TrendsPeriod {
  const interval = query.interval ?? 'day';
  const buckets = bucketsOf(interval, range);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const series: TrendsLine[] = [];
  query.series.forEach((s, i) => {
    const math = s.math ?? 'total';
    const label = selectorLabel(s);
    const empty = ZERO_WHEN_EMPTY.includes(math) ? 0 : null;
    const lines = new Map<string | null, TrendsLine>();
    for (const [si, b, k, v] of rows as [number, number, string | null, number | null][]) {
      if (si !== i || !index.has(Number(b))) continue;
      let line = lines.get(k);
      if (!line) {
        line = { seriesIndex: i, label, eid: s.eid, math, data: buckets.map(() => empty) };
        if (query.breakdown)
          Object.assign(
            line,
            k === null ? { breakdownValue: null, other: true } : { breakdownValue: k === '' ? null : k },
          );
        lines.set(k, line);
      }
      line.data[index.get(Number(b)) as number] = v === null ? empty : Number(v);
    }
    if (lines.size === 0) lines.set('', { seriesIndex: i, label, eid: s.eid, math, data: buckets.map(() => empty) });
    if (wholeRows)
      for (const [k, line] of lines) {
        const row = wholeRows.find((r) => Number(r[0]) === i && r[2] === k);
        line.aggregated = row && row[3] !== null ? Number(row[3]) : ROLLING_DAYS[math] ? null : empty;
      }
    const sum = (l: TrendsLine) => l.data.reduce<number>((a, x) => a + (x ?? 0), 0);
    // Kept values by their total, largest first, ties by value with "absent" after; "other" last.
    const ordered = [...lines.values()].sort(
      (a, b) =>
        Number(a.other ?? false) - Number(b.other ?? false) ||
        sum(b) - sum(a) ||
        Number(a.breakdownValue === null) - Number(b.breakdownValue === null) ||
        String(a.breakdownValue).localeCompare(String(b.breakdownValue)),
    );
    for (const line of ordered) series.push(math === 'total' || math === 'sum' ? { ...line, total: sum(line) } : line);
  });
  const period: TrendsPeriod = {
    buckets: buckets.map((b) => bucketLabel(interval, b)),
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    series,
  };
  if (query.formula) {
    // The parser accepted it and refused a breakdown with it: one line per series, in series order.
    const tree = parseFormula(query.formula, series.length) as Formula;
    period.formula = {
      expression: query.formula,
      data: buckets.map((_, b) =>
        evaluateFormula(
          tree,
          series.map((line) => line.data[b]),
        ),
      ),
      ...(wholeRows
        ? {
            aggregated: evaluateFormula(
              tree,
              series.map((line) => line.aggregated ?? null),
            ),
          }
        : {}),
    };
  }
  return period;
}

export async function runTrends(store: Store, query: TrendsQuery, now = Date.now()): Promise<TrendsResult> {
  const dialect = dialectFor(store.dialect);
  const range = resolveRange(query.dateRange, now);
  const rowsOf = async (r: ResolvedRange, whole: boolean) => {
    const { sql, params } = buildFor(query, r, dialect, whole);
    return (await store.query(sql, params)).rows;
  };
  const periodOf = async (r: ResolvedRange) => {
    // One statement after the other, as funnels.ts runs its own (they share the memory limit).
    const rows = await rowsOf(r, false);
    const wholeRows = query.aggregate === 'range' ? await rowsOf(r, true) : undefined;
    return shape(rows, query, r, wholeRows);
  };
  const current = await periodOf(range);
  const previous = query.compare ? await periodOf(previousRange(range)) : undefined;
  return { interval: query.interval ?? 'day', timezone: range.timezone, ...current, ...(previous ? { previous } : {}) };
}
