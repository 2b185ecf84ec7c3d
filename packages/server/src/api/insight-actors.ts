/**
 * POST /api/insights/actors: the actors behind a trend's point, along a path's link, or behind a
 * stickiness or lifecycle bar (@telemetry/query
 * ActorsBehindBody → ActorsBehind), of one cohort's line or answer with `breakdownCohorts`. The inner query is
 * parsed by its kind's schema, as POST /api/insights/<kind> does; a figure the query does not have is a 400.
 */
import {
  ACTORS_BODIES,
  ActorsBehindBody,
  type Filter,
  formatQueryErrors,
  type LifecycleQuery,
  type PathsQuery,
  parseInsight,
  type StickinessQuery,
  schemaErrors,
  type TrendsQuery,
} from '@telemetry/query';
import { lifecycleActors, NoSuchFigure, stickinessActors, trendActors } from '../analytics/actors-behind.js';
import { lineQuery, NoSuchCohort } from '../analytics/cohorts-insights.js';
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
        const kind = String((body as { kind?: unknown } | null)?.kind);
        const errors = schemaErrors(
          Object.hasOwn(ACTORS_BODIES, kind) ? ACTORS_BODIES[kind as 'trends'] : ActorsBehindBody,
          body,
        );
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
        const { query, at } = await lineQuery(
          store,
          parsed.value.query as { filters?: Filter[] },
          body,
          now,
          body.kind !== 'trends',
        );
        if (at.kind === 'trends') return await trendActors(store, query as TrendsQuery, at, now);
        if (at.kind === 'paths') return await pathActors(store, query as PathsQuery, at, now);
        if (at.kind === 'stickiness') return await stickinessActors(store, query as StickinessQuery, at, now);
        return await lifecycleActors(store, query as LifecycleQuery, at, now);
      } catch (e) {
        if (e instanceof NoSuchFigure) throw new ApiError('QUERY_INVALID', e.message);
        if (e instanceof NoSuchCohort) throw new ApiError('QUERY_INVALID', `query.${e.message}`);
        throw e;
      }
    },
  );
};
