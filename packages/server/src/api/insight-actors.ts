/**
 * POST /api/insights/actors: the actors behind a trend's point or along a path's link (@telemetry/query
 * ActorsBehindBody → ActorsBehind). The inner query is parsed by its kind's schema, as POST
 * /api/insights/<kind> does; a figure the query does not have is a 400.
 */
import {
  ActorsBehindBody,
  formatQueryErrors,
  PathActorsBody,
  type PathsQuery,
  parseInsight,
  schemaErrors,
  TrendActorsBody,
  type TrendsQuery,
} from '@telemetry/query';
import { NoSuchFigure, trendActors } from '../analytics/actors-behind.js';
import { pathActors } from '../analytics/paths.js';
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
        // Checked against its kind's own schema, so an error names the wrong field, not the union.
        const kind = (body as { kind?: unknown } | null)?.kind;
        const errors = schemaErrors(kind === 'paths' ? PathActorsBody : TrendActorsBody, body);
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
        if (body.kind === 'paths') return await pathActors(store, parsed.value.query as PathsQuery, body, now);
        return await trendActors(store, parsed.value.query as TrendsQuery, body, now);
      } catch (e) {
        if (e instanceof NoSuchFigure) throw new ApiError('QUERY_INVALID', e.message);
        throw e;
      }
    },
  );
};
