/**
 * The query a drill-down asks with: the insight's query with its date range pinned to the one its answer was
 * computed over. A relative range (`-14d`) asked again later names other buckets — after midnight, bar 3 of a
 * daily chart is the next day's — so the actors page must not resolve it again.
 */
import {
  bucketOf,
  bucketStart,
  type InsightKind,
  type LifecycleResult,
  localToUtc,
  parseInsight,
  type TrendsResult,
} from '@telemetry/query';

type Query = { dateRange?: { timezone?: string } } & Record<string, unknown>;

const iso = (ms: number) => new Date(ms).toISOString();

/** A bucket label (`2024-01-31`, or `2024-01-31T13:00` hourly) as the local wall time it starts at, in ms. */
const wallOf = (label: string) => Date.parse(label.length === 10 ? `${label}T00:00Z` : `${label}Z`);

/**
 * The query whose figures are those of `answer`, for the actors behind one of them:
 * - trends: the range the answer reports (`from`, `to`, `timezone`);
 * - lifecycle: from the start of the answer's first bucket to the end of its last (its statuses read all
 *   history before a bucket, so the first bucket's start is the same bound as the range's own);
 * - the others (stickiness, funnels, retention), whose answers name no dates: the range as resolved when the
 *   answer arrived (`answeredAt`, epoch ms).
 * Bucket indexes of the answer are indexes of the pinned query's buckets too.
 */
export function pinnedQuery(kind: InsightKind, query: unknown, answer: unknown, answeredAt: number): unknown {
  const q = query as Query;
  const timezone = q.dateRange?.timezone ?? 'UTC';
  if (kind === 'trends') {
    const t = answer as TrendsResult;
    return { ...q, dateRange: { from: t.from, to: t.to, timezone: t.timezone } };
  }
  if (kind === 'lifecycle') {
    const l = answer as LifecycleResult;
    if (!l.buckets.length) return q;
    const first = bucketOf(l.interval, wallOf(l.buckets[0]));
    const last = bucketOf(l.interval, wallOf(l.buckets[l.buckets.length - 1]));
    const at = (n: number) => iso(localToUtc(timezone, bucketStart(l.interval, n)));
    return { ...q, dateRange: { from: at(first), to: at(last + 1), timezone } };
  }
  const parsed = parseInsight(kind, query, answeredAt);
  if (!parsed.ok) return q;
  const { from, to } = parsed.value.range as { from: number | null; to: number | null };
  if (from === null || to === null) return q;
  return { ...q, dateRange: { from: iso(from), to: iso(to), timezone } };
}
