/**
 * POST /api/insights/<kind>: the insight query (parsed by its route schema, insight-route.ts) → run → reply.
 * `compare` on a funnel, retention, stickiness or lifecycle query adds `previous`: the same query over
 * the period just before (sql-time.ts previousRange, as trends compares), without its drill-down options.
 */
import type { InsightKind, ResolvedRange } from '@telemetry/query';
import { NoSuchCohort, runWithCohorts } from '../analytics/cohorts-insights.js';
import { runFunnels } from '../analytics/funnels.js';
import { runLifecycle } from '../analytics/lifecycle.js';
import { runPaths } from '../analytics/paths.js';
import { runRetention } from '../analytics/retention.js';
import { previousRange } from '../analytics/sql-time.js';
import { runStickiness } from '../analytics/stickiness.js';
import { runTrends } from '../analytics/trends.js';
import type { RouteGroup } from '../app.js';
import type { Store } from '../store/store.js';
import { cacheAnswers } from './answer-cache.js';
import { ApiError } from './errors.js';
import { insightRoute, parsedBody } from './insight-route.js';
import { readStore } from './read-bounds.js';

type EventInsight = Exclude<InsightKind, 'sessions'>;
type Run = (store: Store, query: never, now: number) => Promise<unknown>;

const RUN: Record<EventInsight, Run> = {
  trends: runTrends,
  funnels: runFunnels,
  retention: runRetention,
  paths: runPaths,
  stickiness: runStickiness,
  lifecycle: runLifecycle,
};

/** Drill-down options: they ask about the current period's cells, not the previous period's. */
const DRILL = ['compare', 'stepActors', 'dropOff', 'conversionTime', 'actors'];

/** The answer, with `previous` when a kind other than trends (which compares bucket by bucket itself) asks `compare`. */
async function withPrevious(
  kind: EventInsight,
  run: Run,
  store: Store,
  query: Record<string, unknown>,
  range: ResolvedRange,
  now: number,
): Promise<unknown> {
  if (kind === 'trends' || query.compare !== true) return run(store, query as never, now);
  const before = previousRange(range);
  const earlier = Object.fromEntries(Object.entries(query).filter(([k]) => !DRILL.includes(k)));
  earlier.dateRange = {
    from: new Date(before.from).toISOString(),
    to: new Date(before.to).toISOString(),
    timezone: range.timezone,
  };
  const [answer, previous] = await Promise.all([run(store, query as never, now), run(store, earlier as never, now)]);
  return { ...(answer as object), previous };
}

export const insightsRoutes: RouteGroup = (app, ctx) => {
  cacheAnswers(app, ctx);
  for (const [kind, run] of Object.entries(RUN) as [EventInsight, Run][]) {
    app.post(`/api/insights/${kind}`, insightRoute(kind, ctx.config.adminToken), async (request, reply) => {
      const { query, range, now } = parsedBody(request, kind);
      // Store errors (timeout, busy, too large, unavailable) become API errors in api/errors.ts.
      // Each run resolves the query's cohorts (filters, breakdownCohorts) first; an unknown one is a 400.
      const withCohorts: Run = (s, q, n) => runWithCohorts(kind, run, s, q as never, n);
      return withPrevious(kind, withCohorts, readStore(ctx, reply), query as Record<string, unknown>, range, now).catch(
        (e) => {
          throw e instanceof NoSuchCohort ? new ApiError('QUERY_INVALID', e.message) : e;
        },
      );
    });
  }
};
