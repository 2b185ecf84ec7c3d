/**
 * The sessions and time-spent insight: time per session (total, average, median, histogram), per
 * actor, per page and per content, read from the `summaries` and `page_time` tables the
 * summarizer keeps (analytics/sessions). SQL stays minimal; the answer is shaped in TypeScript.
 * A cohort filter keeps the rows whose `actor_id` (the actor key, as the summarizer reads it) is (not) in the
 * cohort: its members are computed once per query (a materialized CTE) for the three tables' reads.
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
import type { Dialect, QueryParams, Store } from '../store/store.js';
import { dialectFor, SqlParams, unsupported } from './dialect/index.js';
import { cohortMembersSql, inCohortSql, type ResolvedCohortFilter, resolvedOf } from './filters.js';

const DEFAULT_BUCKETS = [0, 10, 30, 60, 180, 600, 1800, 3600];

/** Builds one statement of tagged sections; only parameter names are generated, values are bound. */
export function build(
  query: SessionsQuery,
  dialect: Dialect,
  range: ResolvedBounds,
): { sql: string; params: QueryParams } {
  if (dialect !== 'duckdb')
    throw unsupported(dialectFor(dialect), 'the sessions insight (the summaries are kept in DuckDB only)');
  const params: QueryParams = { limit: query.limit ?? 10 };
  const where: string[] = [];
  if (range.from !== null) {
    params.from = range.from;
    where.push('start_time >= $from');
  }
  if (range.to !== null) {
    params.to = range.to;
    where.push('start_time < $to');
  }
  for (const [column, values] of [
    ['channel', query.channel],
    ['pdata_id', query.pdataId],
  ] as const) {
    if (!values) continue;
    const names = values.map((v, i) => {
      params[`${column}_${i}`] = v;
      return `$${column}_${i}`;
    });
    where.push(names.length ? `${column} IN (${names.join(', ')})` : 'false');
  }
  // Cohort members by generated parameter names (p0, p1, …), which the named ones above never take.
  const p = new SqlParams(dialectFor(dialect));
  const cohorts = ((query.filters ?? []) as ResolvedCohortFilter[]).map((f, i) => {
    where.push(inCohortSql('actor_id', f.operator, `SELECT actor FROM cohort_${i}`));
    return `cohort_${i} AS MATERIALIZED (${cohortMembersSql(resolvedOf(f), p)}),\n  `;
  });
  Object.assign(params, p.values);
  const common = where.length ? where.join(' AND ') : 'true';
  const sessionWhere = [common];
  if (query.type !== undefined) {
    params.type = query.type.toLowerCase();
    sessionWhere.push('type = $type');
  } else sessionWhere.push('depth = 0');
  if (query.mode !== undefined) {
    params.mode = query.mode;
    sessionWhere.push('mode = $mode');
  }
  const buckets = query.buckets ?? DEFAULT_BUCKETS;
  // Bucket i holds time_spent in [buckets[i], buckets[i+1]); count the bounds at or below the value.
  const bucket = buckets
    .map((b, i) => {
      params[`b_${i}`] = b;
      return `(time_spent >= $b_${i})::INTEGER`;
    })
    .join(' + ');
  const stats = 'count(*) AS n, sum(time_spent) AS total, avg(time_spent) AS mean, median(time_spent) AS med';
  const sql = `WITH ${cohorts.join('')}s AS (SELECT actor_id, time_spent FROM summaries WHERE ${sessionWhere.join(' AND ')}),
  p AS (SELECT pageid, time_spent FROM page_time WHERE ${common}),
  c AS (SELECT object_id, time_spent FROM summaries
        WHERE ${common} AND object_id IS NOT NULL AND type NOT IN ('app', 'session'))
SELECT 'sessions' AS section, NULL AS key, ${stats}, count(DISTINCT actor_id) AS actors FROM s
UNION ALL SELECT 'bucket', CAST(${bucket} AS VARCHAR), ${stats}, NULL FROM s GROUP BY 2
UNION ALL (SELECT 'actor', actor_id, ${stats}, NULL FROM s GROUP BY actor_id ORDER BY total DESC, actor_id LIMIT $limit)
UNION ALL (SELECT 'page', pageid, ${stats}, NULL FROM p GROUP BY pageid ORDER BY total DESC, pageid LIMIT $limit)
UNION ALL (SELECT 'content', object_id, ${stats}, NULL FROM c GROUP BY object_id ORDER BY total DESC, object_id LIMIT $limit)`;
  return { sql, params };
}

const round2 = (x: unknown) => Math.round(Number(x ?? 0) * 100) / 100;

function stats(row: unknown[]): TimeStats {
  return { count: Number(row[2]), timeSpent: round2(row[3]), avg: round2(row[4]), median: round2(row[5]) };
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
        answer.sessions = { ...stats(row), actors: Number(row[6]) };
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
