/** POST /api/sql: one read-only SELECT through the read gate, bounded in rows, bytes and time; admin token required when set. */
import type { RouteGroup } from '../app.js';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';
import { readBounds } from './read-bounds.js';

export const sqlRoutes: RouteGroup = (app, ctx) => {
  app.post('/api/sql', { onRequest: requireAdmin(ctx.config.adminToken) }, async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || typeof body.query !== 'string' || body.query.trim() === '') {
      throw new ApiError('SQL_INVALID', 'send {"query": "SELECT …"}');
    }
    // As the insights do: a field the API does not know is refused, not ignored (a typo'd "limit" would be silent).
    const unknown = Object.keys(body).find((key) => key !== 'query');
    if (unknown !== undefined)
      throw new ApiError('SQL_INVALID', `${unknown}: is not a known field; send {"query": "SELECT …"}`);
    const query = body.query;
    const bounds = readBounds(ctx, reply);
    // Store errors become SQL_* answers in the one error handler (api/errors.ts).
    return ctx.reads.run(bounds.deadline, () =>
      ctx.store.readOnlyQuery(query, { maxRows: ctx.config.sqlMaxRows, ...bounds }),
    );
  });
};
