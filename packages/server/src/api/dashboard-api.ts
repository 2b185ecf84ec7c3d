/**
 * The dashboard's own API: GET /api/failed-events/summary (data quality) and the saved
 * dashboards, /api/dashboards (list, create, rename, delete; add, rename, remove an insight;
 * PUT …/layout arranges the tiles).
 * Bodies and parameters are checked with @telemetry/query's schemas; errors use the one catalog.
 */
import {
  DASHBOARD_COLUMNS,
  DashboardLayoutBody,
  FailedSummaryParams,
  formatQueryErrors,
  NameBody,
  parseInsight,
  SavedInsightBody,
  schemaErrors,
  type TSchema,
} from '@telemetry/query';
import type { FastifyRequest } from 'fastify';
import { assertCohortsExist, NoSuchCohort } from '../analytics/cohorts-insights.js';
import { failedSummary } from '../analytics/failed-summary.js';
import {
  addInsight,
  boardInsightIds,
  createDashboard,
  deleteDashboard,
  listDashboards,
  placeTiles,
  removeInsight,
  renameDashboard,
  renameInsight,
} from '../analytics/saved-dashboards.js';
import type { RouteGroup } from '../app.js';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';
import { singleValues } from './query-string.js';
import { readStore } from './read-bounds.js';

const DAY = 86_400_000;

function checked<T>(schema: TSchema, value: unknown): T {
  const errors = schemaErrors(schema, value ?? null);
  if (errors.length) throw new ApiError('QUERY_INVALID', formatQueryErrors(errors));
  return value as T;
}

const params = (request: FastifyRequest) => request.params as { id: string; insight?: string };
const found = (ok: boolean, what: string) => {
  if (!ok) throw new ApiError('NOT_FOUND', `no such ${what}`);
  return { ok: true };
};

export const dashboardApiRoutes: RouteGroup = (app, ctx) => {
  const auth = { onRequest: requireAdmin(ctx.config.adminToken) };
  const store = ctx.store;

  app.get('/api/failed-events/summary', auth, async (request, reply) => {
    const q = checked<FailedSummaryParams>(FailedSummaryParams, singleValues(request));
    const to = q.to ? Number(q.to) : Date.now();
    const from = q.from ? Number(q.from) : to - 7 * DAY;
    if (from >= to) throw new ApiError('QUERY_INVALID', 'from: must be before to');
    return failedSummary(readStore(ctx, reply), from, to);
  });

  app.get('/api/dashboards', auth, async () => ({ dashboards: await listDashboards(store) }));
  app.post('/api/dashboards', auth, async (request) => {
    const { name } = checked<NameBody>(NameBody, request.body);
    return { id: await createDashboard(store, name) };
  });
  app.patch('/api/dashboards/:id', auth, async (request) => {
    const { name } = checked<NameBody>(NameBody, request.body);
    return found(await renameDashboard(store, params(request).id, name), 'dashboard');
  });
  app.delete('/api/dashboards/:id', auth, async (request) =>
    found(await deleteDashboard(store, params(request).id), 'dashboard'),
  );
  app.put('/api/dashboards/:id/layout', auth, async (request) => {
    const { tiles } = checked<DashboardLayoutBody>(DashboardLayoutBody, request.body);
    const wide = tiles.findIndex((t) => t.x + t.w > DASHBOARD_COLUMNS);
    if (wide >= 0)
      throw new ApiError(
        'QUERY_INVALID',
        `tiles[${wide}]: x + w must be at most ${DASHBOARD_COLUMNS}, the grid's columns`,
      );
    const { id } = params(request);
    const insightIds = await boardInsightIds(store, id);
    found(insightIds !== undefined, 'dashboard');
    // A tile that names no insight of this board would change nothing and still answer ok.
    const stray = tiles.findIndex((t) => !insightIds?.includes(t.id));
    if (stray >= 0)
      throw new ApiError(
        'QUERY_INVALID',
        `tiles[${stray}].id: no saved insight ${JSON.stringify(tiles[stray].id)} here`,
      );
    await placeTiles(store, id, tiles);
    return found(true, 'dashboard');
  });
  app.post('/api/dashboards/:id/insights', auth, async (request) => {
    const body = checked<SavedInsightBody>(SavedInsightBody, request.body);
    const parsed = parseInsight(body.kind, body.query);
    if (!parsed.ok)
      throw new ApiError(
        'QUERY_INVALID',
        formatQueryErrors(parsed.errors.map((e) => ({ ...e, path: `query.${e.path}` }))),
      );
    await assertCohortsExist(store, parsed.value.query).catch((e) => {
      throw e instanceof NoSuchCohort ? new ApiError('QUERY_INVALID', `query.${e.message}`) : e;
    });
    const id = await addInsight(store, params(request).id, body);
    if (!id) throw new ApiError('NOT_FOUND', 'no such dashboard');
    return { id };
  });
  app.patch('/api/dashboards/:id/insights/:insight', auth, async (request) => {
    const { name } = checked<NameBody>(NameBody, request.body);
    const { id, insight } = params(request);
    return found(await renameInsight(store, id, String(insight), name), 'saved insight');
  });
  app.delete('/api/dashboards/:id/insights/:insight', auth, async (request) => {
    const { id, insight } = params(request);
    return found(await removeInsight(store, id, String(insight)), 'saved insight');
  });
};
