/** POST /api/insights/<kind>: the insight query (parsed by its route schema, insight-route.ts) → run → reply. */
import type { InsightKind } from '@telemetry/query';
import { runFunnels } from '../analytics/funnels.js';
import { runLifecycle } from '../analytics/lifecycle.js';
import { runPaths } from '../analytics/paths.js';
import { runRetention } from '../analytics/retention.js';
import { runStickiness } from '../analytics/stickiness.js';
import { runTrends } from '../analytics/trends.js';
import type { RouteGroup } from '../app.js';
import type { Store } from '../store/store.js';
import { cacheAnswers } from './answer-cache.js';
import { insightRoute, parsedBody } from './insight-route.js';
import { readStore } from './read-bounds.js';

type EventInsight = Exclude<InsightKind, 'sessions'>;

const RUN: Record<EventInsight, (store: Store, query: never, now: number) => Promise<unknown>> = {
  trends: runTrends,
  funnels: runFunnels,
  retention: runRetention,
  paths: runPaths,
  stickiness: runStickiness,
  lifecycle: runLifecycle,
};

export const insightsRoutes: RouteGroup = (app, ctx) => {
  cacheAnswers(app, ctx);
  for (const [kind, run] of Object.entries(RUN) as [
    EventInsight,
    (s: Store, q: unknown, n: number) => Promise<unknown>,
  ][]) {
    app.post(`/api/insights/${kind}`, insightRoute(kind, ctx.config.adminToken), async (request, reply) => {
      const { query, now } = parsedBody(request, kind);
      // Store errors (timeout, busy, too large, unavailable) become API errors in api/errors.ts.
      return run(readStore(ctx, reply), query, now);
    });
  }
};
