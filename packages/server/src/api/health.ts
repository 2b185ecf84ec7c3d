/** GET /health (the store answers, the loader keeps up) and GET /metrics (Prometheus text). */
import type { RouteGroup } from '../app.js';
import { envelope, errorBody } from './errors.js';

export const healthRoutes: RouteGroup = (app, ctx) => {
  app.get('/health', async (_request, reply) => {
    const checks = {
      store: 'ok',
      spool_backlog_segments: ctx.loader.backlog,
      loader_error: ctx.loader.lastError ?? null,
    };
    try {
      await ctx.store.ping();
    } catch (error) {
      checks.store = String((error as Error).message);
      return reply.code(503).send(errorBody('api.health', 'STORE_UNAVAILABLE', 'the store does not answer', 503));
    }
    return envelope('api.health', { status: 'successful' }, 'SUCCESS', { healthy: true, ...checks });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return ctx.metrics.render();
  });
};
