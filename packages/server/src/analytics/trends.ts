/**
 * Trends: per series, a value per interval bucket (count, unique actors/devices/sessions, a
 * property's sum/avg/median/p90, DAU/WAU/MAU), optionally broken down by a property's top values
 * with the rest folded into "other", and optionally the previous period too.
 */
import {
  bucketLabel,
  bucketsOf,
  type ResolvedRange,
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
import { propertyNumber, propertyText, validatedProperty } from './properties.js';
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

function aggregate(series: TrendsSeries, d: SqlDialect): string {
  switch (series.math ?? 'total') {
    case 'total':
      return 'count(*)';
    case 'unique_actors':
    case 'dau':
      return d.uniq('actor_id');
    case 'unique_devices':
      return d.uniq('did');
    case 'unique_sessions':
      return d.uniq('sid');
    case 'sum':
      return 'sum(x)';
    case 'avg':
      return 'avg(x)';
    case 'median':
      return d.quantile('x', 0.5);
    case 'p90':
      return d.quantile('x', 0.9);
    default:
      throw new Error(`no aggregate for ${series.math}`);
  }
}

function seriesSql(
  query: TrendsQuery,
  i: number,
  range: ResolvedRange,
  p: SqlParams,
): { ctes: string[]; select: string } {
  const d = p.dialect;
  const s = query.series[i];
  const interval = query.interval ?? 'day';
  const where = `${selectorSql(s, p)} AND ${filtersSql(query.filters, p)}`;
  const rolling = ROLLING_DAYS[s.math ?? 'total'];
  if (rolling) {
    // Each (actor, active day) counts toward that day and the rolling-1 days after it.
    const buckets = bucketsOf('day', range);
    const inner = `SELECT DISTINCT actor_id AS e, ${bucketOfSql('day', 'ets', range, p)} AS d FROM events
      WHERE ${where} AND actor_id IS NOT NULL AND ets >= ${p.int(range.from - rolling * DAY)} AND ets < ${p.int(range.to)}`;
    const expanded = `SELECT e, d + ${d.expandRange(p.int(rolling))} AS b FROM (${inner}) AS active`;
    return {
      ctes: [],
      select: `SELECT ${i} AS s, b, '' AS k, ${d.uniq('e')} AS v FROM (${expanded}) AS windows
        WHERE b >= ${p.int(buckets[0])} AND b <= ${p.int(buckets[buckets.length - 1])} GROUP BY b`,
    };
  }
  const bucket = bucketOfSql(interval, 'ets', range, p);
  const x = s.property ? propertyNumber(validatedProperty(s.property), p) : 'NULL';
  const base = `SELECT ${bucket} AS b, actor_id, did, sid, ${x} AS x`;
  const from = `FROM events WHERE ${where} AND ${rangeSql(range, p)}`;
  if (!query.breakdown) {
    return {
      ctes: [],
      select: `SELECT ${i} AS s, b, '' AS k, ${aggregate(s, d)} AS v FROM (${base} ${from}) AS base GROUP BY b`,
    };
  }
  // Top N breakdown values by event count; an absent value is '' here and null in the answer.
  const g = `coalesce(${propertyText(validatedProperty(query.breakdown.property), p)}, '')`;
  const limit = p.int(query.breakdown.limit ?? 10);
  return {
    ctes: [
      `base${i} AS (${base}, ${g} AS g ${from})`,
      `top${i} AS (SELECT g FROM base${i} GROUP BY g ORDER BY count(*) DESC, g LIMIT ${limit})`,
    ],
    select: `SELECT ${i} AS s, b, CASE WHEN g IN (SELECT g FROM top${i}) THEN g ELSE NULL END AS k, ${aggregate(s, d)} AS v
      FROM base${i} GROUP BY b, k`,
  };
}

/** The SQL for one period: rows (s = series index, b = bucket number, k = breakdown value, v = value). */
export function buildFor(query: TrendsQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const parts = query.series.map((_, i) => seriesSql(query, i, range, p));
  const ctes = parts.flatMap((part) => part.ctes);
  const union = parts.map((part) => part.select).join('\nUNION ALL\n');
  return { sql: `${ctes.length ? `WITH ${ctes.join(',\n')}\n` : ''}${union}`, params: p.values };
}

export function build(query: TrendsQuery, dialect: SqlDialect, now = Date.now()): CompiledQuery {
  return buildFor(query, resolveRange(query.dateRange, now), dialect);
}

/** Rows to lines: one per series (per kept breakdown value, then "other"), zero-filled over every bucket. */
export function shape(rows: unknown[][], query: TrendsQuery, range: ResolvedRange): TrendsPeriod {
  const interval = query.interval ?? 'day';
  const buckets = bucketsOf(interval, range);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const series: TrendsLine[] = [];
  query.series.forEach((s, i) => {
    const math = s.math ?? 'total';
    const empty = ZERO_WHEN_EMPTY.includes(math) ? 0 : null;
    const lines = new Map<string | null, TrendsLine>();
    for (const [si, b, k, v] of rows as [number, number, string | null, number | null][]) {
      if (si !== i || !index.has(Number(b))) continue;
      let line = lines.get(k);
      if (!line) {
        line = { label: s.label ?? s.eid, eid: s.eid, math, data: buckets.map(() => empty) };
        if (query.breakdown)
          Object.assign(
            line,
            k === null ? { breakdownValue: null, other: true } : { breakdownValue: k === '' ? null : k },
          );
        lines.set(k, line);
      }
      line.data[index.get(Number(b)) as number] = v === null ? empty : Number(v);
    }
    if (lines.size === 0) lines.set('', { label: s.label ?? s.eid, eid: s.eid, math, data: buckets.map(() => empty) });
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
  return {
    buckets: buckets.map((b) => bucketLabel(interval, b)),
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    series,
  };
}

export async function runTrends(store: Store, query: TrendsQuery, now = Date.now()): Promise<TrendsResult> {
  const dialect = dialectFor(store.dialect);
  const range = resolveRange(query.dateRange, now);
  const periodOf = async (r: ResolvedRange) => {
    const { sql, params } = buildFor(query, r, dialect);
    return shape((await store.query(sql, params)).rows, query, r);
  };
  const [current, previous] = await Promise.all([
    periodOf(range),
    query.compare ? periodOf(previousRange(range)) : Promise.resolve(undefined),
  ]);
  return { interval: query.interval ?? 'day', timezone: range.timezone, ...current, ...(previous ? { previous } : {}) };
}
