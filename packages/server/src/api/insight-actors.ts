/**
 * POST /api/insights/actors: the actors behind a trend's point (@telemetry/query ActorsBehindBody →
 * ActorsBehind). The inner query is parsed by the trends schema, as POST /api/insights/trends does;
 * a figure the query does not have is a 400.
 */
import { ActorsBehindBody, formatQueryErrors, parseInsight, schemaErrors, type TrendsQuery } from '@telemetry/query';
import { NoSuchFigure, trendActors } from '../analytics/actors-behind.js';
import type { RouteGroup } from '../app.js';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';
import { readStore } from './read-bounds.js';

export const insightActorsRoutes: RouteGroup = (app, ctx) => {
  app.post(
    '/api/insights/actors',
    {
      onRequest: requireAdmin(ctx.config.adminToken),
      schema: { body: ActorsBehindBody },
      validatorCompiler: () => (body: unknown) => {
        const errors = schemaErrors(ActorsBehindBody, body);
        return errors.length ? { error: new ApiError('QUERY_INVALID', formatQueryErrors(errors)) } : { value: body };
      },
    },
    async (request, reply) => {
      const body = request.body as ActorsBehindBody;
      const now = Date.now();
      const parsed = parseInsight(body.kind, body.query, now);
      if (!parsed.ok)
        throw new ApiError(
          'QUERY_INVALID',
          formatQueryErrors(
            parsed.errors.map((e) => ({ ...e, path: e.path === 'query' ? 'query' : `query.${e.path}` })),
          ),
        );
      const store = readStore(ctx, reply);
      try {
        return await trendActors(store, parsed.value.query as TrendsQuery, body, now);
      } catch (e) {
        if (e instanceof NoSuchFigure) throw new ApiError('QUERY_INVALID', e.message);
        throw e;
      }
    },
  );
};
