/**
 * POST /api/insights/sessions: the SessionsQuery (parsed by its route schema) → run → reply, in
 * camelCase; the deprecated snake_case answer when the body asks for it or uses a deprecated
 * spelling (docs/sessions.md), with a `Deprecation` header naming what to change.
 */
import { legacySessionsAnswer, runSessions } from '../analytics/sessions-insight.js';
import type { RouteGroup } from '../app.js';
import { insightRoute, parsedBody } from './insight-route.js';
import { readStore } from './read-bounds.js';

export const sessionsRoutes: RouteGroup = (app, ctx) => {
  app.post('/api/insights/sessions', insightRoute('sessions', ctx.config.adminToken), async (request, reply) => {
    const parsed = parsedBody(request, 'sessions');
    const answer = await runSessions(readStore(ctx, reply), parsed.query, parsed.now, parsed.range);
    if (parsed.deprecated.length || parsed.legacyAnswer) {
      reply.header('deprecation', 'true');
      reply.header(
        'x-telemetry-deprecated',
        [...parsed.deprecated, ...(parsed.legacyAnswer ? ['snake_case answer'] : [])].join('; '),
      );
    }
    return parsed.legacyAnswer ? legacySessionsAnswer(answer) : answer;
  });
};
