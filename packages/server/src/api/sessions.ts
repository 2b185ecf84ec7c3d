/**
 * POST /api/insights/sessions: the SessionsQuery (parsed by its route schema) → run → reply, in
 * camelCase; the deprecated snake_case answer when the body asks for it or uses a deprecated
 * spelling (docs/sessions.md), with a `Deprecation` header naming what to change.
 */
import type { SessionsAnswer, SessionsQuery } from '@telemetry/query';
import { NoSuchCohort, runWithCohorts } from '../analytics/cohorts-insights.js';
import { legacySessionsAnswer, runSessions } from '../analytics/sessions-insight.js';
import type { RouteGroup } from '../app.js';
import type { Store } from '../store/store.js';
import { cacheAnswers } from './answer-cache.js';
import { ApiError } from './errors.js';
import { insightRoute, parsedBody } from './insight-route.js';
import { readStore } from './read-bounds.js';

export const sessionsRoutes: RouteGroup = (app, ctx) => {
  cacheAnswers(app, ctx);
  app.post('/api/insights/sessions', insightRoute('sessions', ctx.config.adminToken), async (request, reply) => {
    const parsed = parsedBody(request, 'sessions');
    // Cohort filters resolved and breakdownCohorts run as every insight's (cohorts-insights.ts); an unknown one is a 400.
    const run = (store: Store, query: SessionsQuery, now: number) => runSessions(store, query, now, parsed.range);
    const answer = (await runWithCohorts('sessions', run, readStore(ctx, reply), parsed.query, parsed.now).catch(
      (e) => {
        throw e instanceof NoSuchCohort ? new ApiError('QUERY_INVALID', e.message) : e;
      },
    )) as SessionsAnswer;
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
