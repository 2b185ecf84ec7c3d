/** POST /api/insights/sessions: parse the SessionsQuery → authorise → run the insight → reply. */
import { parseSessionsQuery, runSessions, type SessionsQuery } from '../analytics/sessions-insight.js';
import type { RouteGroup } from '../app.js';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';

export const sessionsRoutes: RouteGroup = (app, ctx) => {
  app.post('/api/insights/sessions', { onRequest: requireAdmin(ctx.config.adminToken) }, async (request) => {
    let query: SessionsQuery;
    try {
      query = parseSessionsQuery(request.body);
    } catch (error) {
      throw new ApiError('QUERY_INVALID', (error as Error).message);
    }
    return await runSessions(ctx.store, query);
  });
};
