/**
 * GET /api/home?channel&app&from&to&timezone&flow: every figure of the dashboard's home page in
 * one answer (HomeAnswer, @telemetry/query home.ts; computed by analytics/home.ts), kept in the
 * answer cache (api/answer-cache.ts) like the insights. Parameters are checked with HomeParams and
 * the insight parser (the date range, the flow's funnel); a bad one is a 400 QUERY_INVALID.
 */
import {
  formatQueryErrors,
  HOME_FLOWS,
  HomeParams,
  homeQueries,
  parseInsight,
  type QueryError,
  schemaErrors,
} from '@telemetry/query';
import { runHome } from '../analytics/home.js';
import type { RouteGroup } from '../app.js';
import { cacheAnswers } from './answer-cache.js';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';
import { repeatedParameter } from './query-string.js';
import { readStore } from './read-bounds.js';

/** What the validator leaves in `request.query`: the parameters, their resolved range, the request's clock reading. */
interface CheckedHome {
  query: HomeParams;
  range: { from: number; to: number; timezone: string };
  now: number;
}

function check(raw: unknown): CheckedHome | QueryError[] {
  // `token` is the admin token's query-string form (api/auth.ts), not a parameter of the page.
  const { token: _token, ...params } = (raw ?? {}) as Record<string, unknown>;
  const repeated = Object.keys(params).flatMap((name) => repeatedParameter(name, params[name]) ?? []);
  if (repeated.length) return repeated;
  const errors = schemaErrors(HomeParams, params);
  if (errors.length) return errors;
  const query = params as HomeParams;
  if (query.flow !== undefined && !Object.hasOwn(HOME_FLOWS, query.flow))
    return [{ path: 'flow', message: `must be one of ${Object.keys(HOME_FLOWS).join(', ')}` }];
  const now = Date.now();
  // The trend of active users carries the page's range and filters: its parse checks them for every figure.
  const parsed = parseInsight('trends', homeQueries(query).active, now);
  if (!parsed.ok)
    return parsed.errors.map((e) => ({
      ...e,
      path: e.path.replace(/^dateRange\./, '').replace(/^filters.*/, 'query'),
    }));
  return { query, range: parsed.value.range, now };
}

export const homeRoutes: RouteGroup = (app, ctx) => {
  cacheAnswers(app, ctx);
  app.get(
    '/api/home',
    {
      onRequest: requireAdmin(ctx.config.adminToken),
      schema: { querystring: HomeParams },
      validatorCompiler: () => (raw: unknown) => {
        const checked = check(raw);
        return Array.isArray(checked)
          ? { error: new ApiError('QUERY_INVALID', formatQueryErrors(checked)) }
          : { value: checked };
      },
    },
    async (request, reply) => {
      const { query, now } = request.query as CheckedHome;
      return runHome(readStore(ctx, reply), query, now);
    },
  );
};
