/**
 * Saved cohorts, /api/cohorts (admin token, as every read API): list, create, read with its count now, replace,
 * delete, and its actors a page at a time. Bodies are checked with @telemetry/query's CohortBody and
 * parseCohortDefinition: a bad one is a 400 naming the wrong field's path (`definition.criteria[0].period.from`), an
 * unknown id a 404. A write forgets the kept insight answers (they may have used the cohort).
 */
import {
  CohortActorsParams,
  CohortBody,
  formatQueryErrors,
  parseCohortDefinition,
  schemaErrors,
} from '@telemetry/query';
import type { FastifyRequest } from 'fastify';
import {
  cohortActors,
  countCohort,
  createCohort,
  deleteCohort,
  getCohort,
  listCohorts,
  replaceCohort,
} from '../analytics/cohorts.js';
import type { RouteGroup } from '../app.js';
import { forgetAnswers } from './answer-cache.js';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';
import { readStore } from './read-bounds.js';

/** The body checked whole: the schema, then the definition's paths, operators and periods. */
function checkedBody(body: unknown): CohortBody {
  const errors = schemaErrors(CohortBody, body ?? null);
  if (errors.length) throw new ApiError('QUERY_INVALID', formatQueryErrors(errors));
  const parsed = parseCohortDefinition((body as CohortBody).definition, Date.now());
  if (!parsed.ok)
    throw new ApiError(
      'QUERY_INVALID',
      formatQueryErrors(parsed.errors.map((e) => ({ ...e, path: `definition.${e.path}` }))),
    );
  return body as CohortBody;
}

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const noSuchCohort = () => new ApiError('NOT_FOUND', 'no such cohort');

export const cohortsRoutes: RouteGroup = (app, ctx) => {
  const auth = { onRequest: requireAdmin(ctx.config.adminToken) };
  const store = ctx.store;

  app.get('/api/cohorts', auth, async () => ({ cohorts: await listCohorts(store) }));
  app.post('/api/cohorts', auth, async (request) => {
    const id = await createCohort(store, checkedBody(request.body));
    forgetAnswers(ctx);
    return { id };
  });
  app.get('/api/cohorts/:id', auth, async (request, reply) => {
    const cohort = await getCohort(store, idOf(request));
    if (!cohort) throw noSuchCohort();
    return { ...cohort, count: await countCohort(readStore(ctx, reply), cohort) };
  });
  app.put('/api/cohorts/:id', auth, async (request) => {
    const body = checkedBody(request.body);
    if (!(await replaceCohort(store, idOf(request), body))) throw noSuchCohort();
    forgetAnswers(ctx);
    return { ok: true };
  });
  app.delete('/api/cohorts/:id', auth, async (request) => {
    if (!(await deleteCohort(store, idOf(request)))) throw noSuchCohort();
    forgetAnswers(ctx);
    return { ok: true };
  });
  app.get('/api/cohorts/:id/actors', auth, async (request, reply) => {
    const errors = schemaErrors(CohortActorsParams, request.query);
    if (errors.length) throw new ApiError('QUERY_INVALID', formatQueryErrors(errors));
    const q = request.query as CohortActorsParams;
    const limit = Number(q.limit ?? 100);
    if (limit < 1 || limit > 1000) throw new ApiError('QUERY_INVALID', 'limit: must be 1 to 1000');
    const cohort = await getCohort(store, idOf(request));
    if (!cohort) throw noSuchCohort();
    return cohortActors(readStore(ctx, reply), cohort, { limit, offset: Number(q.offset ?? 0) });
  });
};
