/**
 * The sessions and time-spent insight: time per session (total, average, median, histogram), per
 * actor, per page and per content, read from the `summaries` and `page_time` tables the
 * summarizer keeps (analytics/sessions). SQL stays minimal; the answer is shaped in TypeScript.
 * A cohort filter keeps the rows whose `actor_id` (the actor key, as the summarizer reads it) is (not) in the
 * cohort: on DuckDB its members are computed once per query (a materialized CTE) for the three tables' reads.
 */
import {
  formatQueryErrors,
  type LegacySessionsAnswer,
  parseInsight,
  type ResolvedBounds,
  type SessionsAnswer,
  type SessionsQuery,
  type TimeStats,
} from '@telemetry/query';
import type { Dialect, Store } from '../store/store.js';
import { type CompiledQuery, dialectFor, SqlParams } from './dialect/index.js';
import { cohortMembersSql, inCohortSql, type ResolvedCohortFilter, resolvedOf } from './filters.js';

const DEFAULT_BUCKETS = [0, 10, 30, 60, 180, 600, 1800, 3600];

/**
 * Builds one statement of tagged sections, one text for both engines (ClickHouse's `summaries` and `page_time` are
 * views of its drains' rows, migration 4); every value is bound (SqlParams).
 */
export function build(query: SessionsQuery, dialect: Dialect, range: ResolvedBounds): CompiledQuery {
  const d = dialectFor(dialect);
  const p = new SqlParams(d);
  const where: string[] = [];
  if (range.from !== null) where.push(`start_time >= ${p.int(range.from)}`);
  if (range.to !== null) where.push(`start_time < ${p.int(range.to)}`);
  for (const [column, values] of [
    ['channel', query.channel],
    ['pdata_id', query.pdataId],
  ] as const) {
    if (values) where.push(values.length ? `${column} IN (${values.map((v) => p.str(v)).join(', ')})` : d.false);
  }
  // A cohort's members are computed once per statement where the engine names subqueries (DuckDB), else in each read.
  const ctes: string[] = [];
  for (const [i, f] of ((query.filters ?? []) as ResolvedCohortFilter[]).entries()) {
    const members = cohortMembersSql(resolvedOf(f), p);
    if (d.namedSubqueries) ctes.push(`cohort_${i} AS MATERIALIZED (${members})`);
    const from = d.namedSubqueries ? `cohort_${i}` : `(${members}) AS members`;
    where.push(inCohortSql('actor_id', f.operator, `SELECT actor FROM ${from}`));
  }
  const common = where.length ? where.join(' AND ') : d.true;
  const sessionWhere = [common];
  sessionWhere.push(query.type === undefined ? 'depth = 0' : `type = ${p.str(query.type.toLowerCase())}`);
  // As the summarizer matches a START's mode to its END's (summary-node.ts), whatever the case; the first one seen is kept.
  if (query.mode !== undefined) sessionWhere.push(`lower(mode) = lower(${p.str(query.mode)})`);
  const buckets = query.buckets ?? DEFAULT_BUCKETS;
  // Bucket i holds time_spent in [buckets[i], buckets[i+1]); count the bounds at or below the value.
  const bucket = buckets.map((b) => `CASE WHEN time_spent >= ${p.add(b, 'Float64')} THEN 1 ELSE 0 END`).join(' + ');
  // The same column types in every section (ClickHouse's UNION ALL does not widen them). The total is summed in
  // whole milliseconds: a sum of doubles depends on the order a parallel aggregation adds them, and a total or mean
  // on a two-decimal boundary then rounded differently from run to run and engine to engine; integers add exactly.
  const stats = `count(*) AS n, sum(round(time_spent * 1000)) AS total_ms, ${d.quantile('time_spent', 0.5)} AS med`;
  const none = d.toDouble('0'); // the actors column of the sections that do not count them
  const s = `(SELECT actor_id, time_spent FROM summaries WHERE ${sessionWhere.join(' AND ')}) AS s`;
  const pages = `(SELECT pageid, time_spent FROM page_time WHERE ${common}) AS pages`;
  const c = `(SELECT ifnull(object_id, '') AS object_id, time_spent FROM summaries
    WHERE ${common} AND object_id IS NOT NULL AND type NOT IN ('app', 'session')) AS c`;
  const limit = p.rows(query.limit ?? 10);
  const top = (section: 'actor' | 'page' | 'content', column: string, from: string) =>
    `SELECT * FROM (SELECT '${section}' AS section, ${column} AS g, ${stats}, ${none} AS actors FROM ${from}
      GROUP BY g ORDER BY total_ms DESC, g LIMIT ${limit}) AS top_${section}`;
  const sql = `${ctes.length ? `WITH ${ctes.join(',\n  ')}\n` : ''}SELECT 'sessions' AS section, '' AS g, ${stats},
  ${d.toDouble(d.uniq('actor_id'))} AS actors FROM ${s}
UNION ALL SELECT 'bucket' AS section, ${d.toText(bucket)} AS g, ${stats}, ${none} AS actors FROM ${s} GROUP BY g
UNION ALL ${top('actor', 'actor_id', s)}
UNION ALL ${top('page', 'pageid', pages)}
UNION ALL ${top('content', 'object_id', c)}`;
  return { sql, params: p.values };
}

const round2 = (x: unknown) => Math.round(Number(x ?? 0) * 100) / 100;

/**
 * A section's row [section, g, n, total_ms, med, …] in seconds to 0.01, halves rounded up. The total and mean are
 * divided from the whole milliseconds, so they are the exact decimal rounding (a quotient of integers lands on a half
 * exactly or at least 1/(10·n) away from one); the mean of no sessions is 0.
 */
function stats(row: unknown[]): TimeStats {
  const count = Number(row[2]);
  const totalMs = Number(row[3] ?? 0);
  return {
    count,
    timeSpent: Math.round(totalMs / 10) / 100,
    avg: count ? Math.round(totalMs / (10 * count)) / 100 : 0,
    median: round2(row[4]),
  };
}

/** Turns the tagged rows into the answer; buckets with no sessions are listed with zero. */
export function shape(rows: unknown[][], query: SessionsQuery = {}): SessionsAnswer {
  const buckets = query.buckets ?? DEFAULT_BUCKETS;
  const answer: SessionsAnswer = {
    sessions: { count: 0, timeSpent: 0, avg: 0, median: 0, actors: 0 },
    distribution: buckets.map((from, i) => ({ from, to: buckets[i + 1] ?? null, sessions: 0 })),
    byActor: [],
    byPage: [],
    byContent: [],
  };
  for (const row of rows) {
    const key = row[1] as string;
    switch (row[0]) {
      case 'sessions':
        answer.sessions = { ...stats(row), actors: Number(row[5]) };
        break;
      case 'bucket': {
        // Index 0 means below the first bound (only when it is above 0): not a bucket of the answer.
        const index = Number(key) - 1;
        if (index >= 0) answer.distribution[index].sessions = Number(row[2]);
        break;
      }
      case 'actor':
        answer.byActor.push({ actorId: key, ...stats(row) });
        break;
      case 'page':
        answer.byPage.push({ pageid: key, ...stats(row) });
        break;
      case 'content':
        answer.byContent.push({ objectId: key, ...stats(row) });
        break;
    }
  }
  // UNION ALL keeps no order across sections: sort each breakdown as the SQL did (ties by key).
  const byTime =
    <T extends TimeStats>(key: (x: T) => string | null) =>
    (a: T, b: T) =>
      b.timeSpent - a.timeSpent || String(key(a)).localeCompare(String(key(b)));
  answer.byActor.sort(byTime((x) => x.actorId));
  answer.byPage.sort(byTime((x) => x.pageid));
  answer.byContent.sort(byTime((x) => x.objectId));
  return answer;
}

/**
 * Runs a parsed SessionsQuery; `range` is its resolved date range (from the parser), or resolved
 * here when absent (a query written in code, as the tests do).
 */
export async function runSessions(
  store: Store,
  query: SessionsQuery,
  now = Date.now(),
  range?: ResolvedBounds,
): Promise<SessionsAnswer> {
  let bounds = range;
  if (!bounds) {
    // The date range alone: a resolved cohort filter carries its definition, which no query body does.
    const parsed = parseInsight('sessions', query.dateRange ? { dateRange: query.dateRange } : {}, now);
    if (!parsed.ok) throw new TypeError(formatQueryErrors(parsed.errors));
    bounds = parsed.value.range;
  }
  const { sql, params } = build(query, store.dialect, bounds);
  const result = await store.query(sql, params);
  return shape(result.rows, query);
}

/** The answer with its deprecated snake_case keys (kept one release; docs/sessions.md). */
export function legacySessionsAnswer(a: SessionsAnswer): LegacySessionsAnswer {
  const stats = ({ timeSpent, ...rest }: TimeStats) => ({ ...rest, time_spent: timeSpent });
  return {
    sessions: { ...stats(a.sessions), actors: a.sessions.actors },
    distribution: a.distribution,
    by_actor: a.byActor.map(({ actorId, ...t }) => ({ actor_id: actorId, ...stats(t) })),
    by_page: a.byPage.map(({ pageid, ...t }) => ({ pageid, ...stats(t) })),
    by_content: a.byContent.map(({ objectId, ...t }) => ({ object_id: objectId, ...stats(t) })),
  };
}
