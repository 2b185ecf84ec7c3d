/**
 * Funnels: ordered steps counted per actor, device or session. An entity enters at its first
 * step-1 event in the date range; each later step is its first matching event at or after the
 * previous step, within the conversion window from step 1. Per entity, the step times are found
 * with list functions over one grouped scan (no self-joins), so the SQL reads each event once.
 */
import type { FunnelStep, FunnelsQuery, FunnelsResult, ResolvedRange } from '@telemetry/query';
import type { Store } from '../store/store.js';
import { type CompiledQuery, dialectFor, type SqlDialect, SqlParams } from './dialect/index.js';
import { filtersSql, selectorSql } from './filters.js';
import { ENTITY_COLUMNS, propertyText, validatedProperty } from './properties.js';
import { resolveRange } from './sql-time.js';

/** The per-entity step times: columns e, g, t1..tn (NULL where a step was not reached). */
function perEntity(query: FunnelsQuery, range: ResolvedRange, p: SqlParams): string {
  const d = p.dialect;
  const entity = ENTITY_COLUMNS[query.aggregateBy ?? 'actor'];
  const window = p.int((query.windowSeconds ?? 14 * 86400) * 1000);
  const to = p.int(range.to);
  const conds = query.steps.map((s) => selectorSql(s, p));
  const enter = `${conds[0]} AND ets < ${to}`;
  const g = query.breakdown ? `coalesce(${propertyText(validatedProperty(query.breakdown.property), p)}, '')` : `''`;
  const lists = conds.slice(1).map((c, i) => `${d.listIf('ets', c)} AS a${i + 2}`);
  let sql = `SELECT ${entity} AS e, ${d.minIf('ets', enter)} AS t1, ${d.argMinIf(g, 'ets', enter)} AS g, ${lists.join(', ')}
    FROM events
    WHERE ${entity} IS NOT NULL AND ets >= ${p.int(range.from)} AND ets < ${to} + ${window}
      AND (${conds.join(' OR ')}) AND ${filtersSql(query.filters, p)}
    GROUP BY ${entity}`;
  sql = `SELECT * FROM (${sql}) AS entered WHERE t1 IS NOT NULL`;
  // One nesting level per step, since step k's time depends on step k-1's.
  const n = query.steps.length;
  for (let k = 2; k <= n; k++) {
    const keep = [
      'e',
      'g',
      ...Array.from({ length: k - 1 }, (_, i) => `t${i + 1}`),
      ...Array.from({ length: n - k }, (_, i) => `a${k + i + 1}`),
    ];
    const tk = d.listMinWhere(`a${k}`, `x >= t${k - 1} AND x <= t1 + ${window}`);
    sql = `SELECT ${keep.join(', ')}, ${tk} AS t${k} FROM (${sql}) AS step${k - 1}`;
  }
  return sql;
}

/** Rows: (all = 1 for the overall row / 0 per breakdown value, g, n1..nk, m2..mk median ms between steps). */
export function buildFor(query: FunnelsQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const n = query.steps.length;
  const counts = Array.from({ length: n }, (_, i) => `count(t${i + 1}) AS n${i + 1}`);
  const medians = Array.from(
    { length: n - 1 },
    (_, i) => `${dialect.quantile(`t${i + 2} - t${i + 1}`, 0.5)} AS m${i + 2}`,
  );
  const cols = [...counts, ...medians].join(', ');
  const perEntitySql = perEntity(query, range, p);
  let sql = `WITH f AS (${perEntitySql})\nSELECT 1 AS overall, '' AS g, ${cols} FROM f`;
  if (query.breakdown) sql += `\nUNION ALL\nSELECT 0 AS overall, g, ${cols} FROM f GROUP BY g`;
  return { sql, params: p.values };
}

export function build(query: FunnelsQuery, dialect: SqlDialect, now = Date.now()): CompiledQuery {
  return buildFor(query, resolveRange(query.dateRange, now), dialect);
}

/** The entities that reached step `step - 1` but not `step`, in id order. */
export function buildDropOff(query: FunnelsQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const step = query.dropOff?.step ?? 2;
  const inner = perEntity(query, range, p);
  const sql = `SELECT e FROM (${inner}) AS f WHERE t${step - 1} IS NOT NULL AND t${step} IS NULL
    ORDER BY e LIMIT ${p.int(query.dropOff?.limit ?? 100)}`;
  return { sql, params: p.values };
}

function stepsOf(query: FunnelsQuery, counts: number[], medians: (number | null)[]): FunnelStep[] {
  return query.steps.map((s, i) => ({
    step: i + 1,
    label: s.label ?? s.eid,
    count: counts[i],
    conversionRate: counts[0] ? counts[i] / counts[0] : 0,
    stepConversionRate: i === 0 ? (counts[0] ? 1 : 0) : counts[i - 1] ? counts[i] / counts[i - 1] : 0,
    medianSecondsFromPrevious: i === 0 || medians[i - 1] === null ? null : (medians[i - 1] as number) / 1000,
  }));
}

export function shape(rows: unknown[][], query: FunnelsQuery): FunnelsResult {
  const n = query.steps.length;
  const parse = (row: unknown[]) => ({
    g: row[1] as string,
    counts: row.slice(2, 2 + n).map(Number),
    medians: row.slice(2 + n).map((m) => (m === null ? null : Number(m))),
  });
  const overall = rows.find((r) => Number(r[0]) === 1);
  const all = overall
    ? parse(overall)
    : { counts: query.steps.map(() => 0), medians: query.steps.slice(1).map(() => null) };
  const result: FunnelsResult = {
    aggregateBy: query.aggregateBy ?? 'actor',
    steps: stepsOf(query, all.counts, all.medians),
  };
  if (query.breakdown) {
    // Largest entry count first; past the limit, counts add up into "other" (each entity has one value) but medians do not.
    const groups = rows.filter((r) => Number(r[0]) === 0).map(parse);
    groups.sort((a, b) => b.counts[0] - a.counts[0] || a.g.localeCompare(b.g));
    const limit = query.breakdown.limit ?? 10;
    const kept = groups
      .slice(0, limit)
      .map((x) => ({ value: x.g === '' ? null : x.g, steps: stepsOf(query, x.counts, x.medians) }));
    const rest = groups.slice(limit);
    result.breakdown = kept;
    if (rest.length) {
      const counts = query.steps.map((_, i) => rest.reduce((sum, x) => sum + x.counts[i], 0));
      result.breakdown.push({
        value: null,
        other: true,
        steps: stepsOf(
          query,
          counts,
          query.steps.slice(1).map(() => null),
        ),
      });
    }
  }
  return result;
}

export async function runFunnels(store: Store, query: FunnelsQuery, now = Date.now()): Promise<FunnelsResult> {
  const dialect = dialectFor(store.dialect);
  const range = resolveRange(query.dateRange, now);
  const main = buildFor(query, range, dialect);
  const drop = query.dropOff ? buildDropOff(query, range, dialect) : undefined;
  const [rows, dropped] = await Promise.all([
    store.query(main.sql, main.params),
    drop ? store.query(drop.sql, drop.params) : Promise.resolve(undefined),
  ]);
  const result = shape(rows.rows, query);
  if (query.dropOff && dropped)
    result.dropOff = { step: query.dropOff.step, entities: dropped.rows.map((r) => String(r[0])) };
  return result;
}
