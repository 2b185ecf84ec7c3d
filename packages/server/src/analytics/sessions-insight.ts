/**
 * The sessions and time-spent insight: time per session (total, average, median, histogram), per
 * actor, per page and per content, read from the `summaries` and `page_time` tables the
 * summarizer keeps (analytics/sessions). SQL stays minimal; the answer is shaped in TypeScript.
 */
import type { Dialect, QueryParams, Store } from '../store/store.js';
import { type DateRange, resolveDateRange } from './sessions/date-range.js';

/** The insight as a JSON document (POST /api/insights/sessions). Every field is optional. */
export interface SessionsQuery {
  dateRange?: DateRange;
  channel?: string[];
  pdata_id?: string[];
  /** Which summaries count as sessions: this type (and mode). Default: the top-level summaries (depth 0). */
  type?: string;
  mode?: string;
  /** Histogram bucket lower bounds in seconds, ascending. Default: 0, 10, 30, 60, 180, 600, 1800, 3600. */
  buckets?: number[];
  /** Rows per breakdown (actors, pages, contents), by time spent. Default 10, at most 1000. */
  limit?: number;
}

export interface TimeStats {
  count: number;
  time_spent: number;
  avg: number;
  median: number;
}
export interface SessionsAnswer {
  sessions: TimeStats & { actors: number };
  distribution: { from: number; to: number | null; sessions: number }[];
  by_actor: (TimeStats & { actor_id: string })[];
  by_page: (TimeStats & { pageid: string })[];
  by_content: (TimeStats & { object_id: string })[];
}

const DEFAULT_BUCKETS = [0, 10, 30, 60, 180, 600, 1800, 3600];

/** Rejects anything that is not a well-formed SessionsQuery, with a reason for the 400 answer. */
export function parseSessionsQuery(body: unknown): SessionsQuery {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new TypeError('the query must be a JSON object');
  const q = body as Record<string, unknown>;
  const known = ['dateRange', 'channel', 'pdata_id', 'type', 'mode', 'buckets', 'limit', 'kind'];
  for (const key of Object.keys(q)) if (!known.includes(key)) throw new TypeError(`unknown field "${key}"`);
  for (const key of ['channel', 'pdata_id'] as const) {
    const v = q[key];
    if (v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== 'string')))
      throw new TypeError(`"${key}" must be an array of strings`);
  }
  for (const key of ['type', 'mode'] as const)
    if (q[key] !== undefined && typeof q[key] !== 'string') throw new TypeError(`"${key}" must be a string`);
  const b = q.buckets;
  if (b !== undefined) {
    const ok =
      Array.isArray(b) &&
      b.length > 0 &&
      b.length <= 50 &&
      b.every((x, i) => Number.isFinite(x) && x >= 0 && (i === 0 || x > b[i - 1]));
    if (!ok) throw new TypeError('"buckets" must be 1 to 50 ascending non-negative numbers');
  }
  const limit = q.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 1000))
    throw new TypeError('"limit" must be an integer from 1 to 1000');
  resolveDateRange(q.dateRange as DateRange | undefined); // throws a TypeError when malformed
  return q as SessionsQuery;
}

/** Builds one statement of tagged sections; only parameter names are generated, values are bound. */
export function build(query: SessionsQuery, dialect: Dialect, now = Date.now()): { sql: string; params: QueryParams } {
  if (dialect !== 'duckdb') throw new TypeError('the sessions insight reads the summaries table, kept in DuckDB only');
  const params: QueryParams = { limit: query.limit ?? 10 };
  const where: string[] = [];
  const range = resolveDateRange(query.dateRange, now);
  if (range.from !== null) {
    params.from = range.from;
    where.push('start_time >= $from');
  }
  if (range.to !== null) {
    params.to = range.to;
    where.push('start_time < $to');
  }
  for (const column of ['channel', 'pdata_id'] as const) {
    const values = query[column];
    if (!values) continue;
    const names = values.map((v, i) => {
      params[`${column}_${i}`] = v;
      return `$${column}_${i}`;
    });
    where.push(names.length ? `${column} IN (${names.join(', ')})` : 'false');
  }
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
  const sql = `WITH s AS (SELECT actor_id, time_spent FROM summaries WHERE ${sessionWhere.join(' AND ')}),
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
  return { count: Number(row[2]), time_spent: round2(row[3]), avg: round2(row[4]), median: round2(row[5]) };
}

/** Turns the tagged rows into the answer; buckets with no sessions are listed with zero. */
export function shape(rows: unknown[][], query: SessionsQuery = {}): SessionsAnswer {
  const buckets = query.buckets ?? DEFAULT_BUCKETS;
  const answer: SessionsAnswer = {
    sessions: { count: 0, time_spent: 0, avg: 0, median: 0, actors: 0 },
    distribution: buckets.map((from, i) => ({ from, to: buckets[i + 1] ?? null, sessions: 0 })),
    by_actor: [],
    by_page: [],
    by_content: [],
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
        answer.by_actor.push({ actor_id: key, ...stats(row) });
        break;
      case 'page':
        answer.by_page.push({ pageid: key, ...stats(row) });
        break;
      case 'content':
        answer.by_content.push({ object_id: key, ...stats(row) });
        break;
    }
  }
  // UNION ALL keeps no order across sections: sort each breakdown as the SQL did (ties by key).
  const byTime =
    <T extends TimeStats>(key: (x: T) => string | null) =>
    (a: T, b: T) =>
      b.time_spent - a.time_spent || String(key(a)).localeCompare(String(key(b)));
  answer.by_actor.sort(byTime((x) => x.actor_id));
  answer.by_page.sort(byTime((x) => x.pageid));
  answer.by_content.sort(byTime((x) => x.object_id));
  return answer;
}

export async function runSessions(store: Store, query: SessionsQuery, now = Date.now()): Promise<SessionsAnswer> {
  const { sql, params } = build(query, store.dialect, now);
  const result = await store.query(sql, params);
  return shape(result.rows, query);
}
