/** POST /api/insights/<kind>: the insight query model as the body → parse → authorise → run → reply. */

import { runFunnels } from '../analytics/funnels.js';
import { runLifecycle } from '../analytics/lifecycle.js';
import { runPaths } from '../analytics/paths.js';
import { runRetention } from '../analytics/retention.js';
import { runStickiness } from '../analytics/stickiness.js';
import { runTrends } from '../analytics/trends.js';
import {
  type Parsed,
  parseFunnels,
  parseLifecycle,
  parsePaths,
  parseRetention,
  parseStickiness,
  parseTrends,
} from '../analytics/validate.js';
import type { RouteGroup } from '../app.js';
import type { Store } from '../store/store.js';
import { StoreError } from '../store/store.js';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';

interface Insight<Q> {
  parse(body: unknown, now: number): Parsed<Q>;
  run(store: Store, query: Q, now: number): Promise<unknown>;
}

const INSIGHTS: Record<string, Insight<never>> = {
  trends: { parse: parseTrends, run: runTrends } as Insight<never>,
  funnels: { parse: parseFunnels, run: runFunnels } as Insight<never>,
  retention: { parse: parseRetention, run: runRetention } as Insight<never>,
  paths: { parse: parsePaths, run: runPaths } as Insight<never>,
  stickiness: { parse: parseStickiness, run: runStickiness } as Insight<never>,
  lifecycle: { parse: parseLifecycle, run: runLifecycle } as Insight<never>,
};

export const insightsRoutes: RouteGroup = (app, ctx) => {
  for (const [kind, insight] of Object.entries(INSIGHTS)) {
    app.post(`/api/insights/${kind}`, { onRequest: requireAdmin(ctx.config.adminToken) }, async (request) => {
      // One clock reading per request, so validation and the query agree on "now".
      const now = Date.now();
      const parsed = insight.parse(request.body, now);
      if (!parsed.ok) throw new ApiError('QUERY_INVALID', parsed.errors.join('; '));
      try {
        return await insight.run(ctx.store, parsed.query, now);
      } catch (error) {
        if (error instanceof StoreError && (error.code === 'STORE_UNAVAILABLE' || error.code === 'STORE_LOCKED')) {
          throw new ApiError('STORE_UNAVAILABLE', error.message);
        }
        throw error;
      }
    });
  }
};
