/** POST /api/sql: one read-only SELECT, bounded rows and time, admin token required when set. */
import type { RouteGroup } from '../app.js';
import { StoreError } from '../store/store.js';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';

const STATUS_BY_STORE_CODE = {
  STORE_READ_ONLY_VIOLATION: 'SQL_NOT_READ_ONLY',
  STORE_QUERY_FAILED: 'SQL_INVALID',
  STORE_TIMEOUT: 'SQL_TIMEOUT',
  STORE_LOCKED: 'STORE_UNAVAILABLE',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
} as const;

export const sqlRoutes: RouteGroup = (app, ctx) => {
  app.post('/api/sql', { onRequest: requireAdmin(ctx.config.adminToken) }, async (request) => {
    const body = request.body as { query?: unknown } | undefined;
    if (!body || typeof body.query !== 'string' || body.query.trim() === '') {
      throw new ApiError('SQL_INVALID', 'send {"query": "SELECT …"}');
    }
    try {
      return await ctx.store.readOnlyQuery(body.query, {
        maxRows: ctx.config.sqlMaxRows,
        timeoutMs: ctx.config.sqlTimeoutMs,
      });
    } catch (error) {
      if (error instanceof StoreError) throw new ApiError(STATUS_BY_STORE_CODE[error.code], error.message);
      throw error;
    }
  });
};
