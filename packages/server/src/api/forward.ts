/**
 * The PostHog forwarder's state for the dashboard's data-quality page and operators: GET /api/forward/status (lag in
 * events and seconds, sent, failed, resent, dead letters, the last error) and POST /api/forward/dead-letters/retry
 * (sends the dead letters again, at most 10,000 for at most 300 s, Forwarder.retryDeadLetters' defaults;
 * `telemetry forward-retry --url` calls it). Admin token when one is set.
 */
import type { RouteGroup } from '../app.js';
import { requireAdmin } from './auth.js';

export const forwardRoutes: RouteGroup = (app, ctx) => {
  const auth = { onRequest: requireAdmin(ctx.config.adminToken) };
  app.get('/api/forward/status', auth, async () => {
    const forwarder = ctx.forwarder;
    return forwarder ? { enabled: true, ...forwarder.status() } : { enabled: false };
  });
  app.post('/api/forward/dead-letters/retry', auth, async () => {
    const forwarder = ctx.forwarder;
    if (!forwarder) return { enabled: false, retried: 0, delivered: 0, refused: 0, untried: 0 };
    return { enabled: true, ...(await forwarder.retryDeadLetters()) };
  });
};
