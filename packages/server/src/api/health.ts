/**
 * GET /health and GET /metrics (Prometheus text). /health answers 503 with `reasons`, a list from
 * a fixed set of codes (HEALTH_REASONS), whenever the pipeline is not keeping its promise; the
 * numbers behind them are in a separate `details` object. Without the admin token (when one is set) a caller sees
 * only the status, the reason codes and counts: the details' messages can quote paths and stored values.
 */
import type { RouteGroup } from '../app.js';
import { isAdmin, requireToken } from './auth.js';
import { envelope } from './errors.js';

/**
 * Why /health answers 503:
 * - spool_unavailable: the spool directory cannot be written (a probe write at most every 2 s), or the last commit
 *   failed and no probe has written since (a full disk): ingestion answers 503
 * - store_unavailable: the store does not answer a trivial query, or the last load said it cannot write
 * - loader_failing: the last load attempt failed (it is being retried)
 * - loader_behind: the oldest segment not loaded yet waits longer than TELEMETRY_HEALTH_MAX_LAG_MS
 * - summarizer_stuck: a summarizer run has lasted longer than TELEMETRY_HEALTH_MAX_LAG_MS
 */
export const HEALTH_REASONS = [
  'spool_unavailable',
  'store_unavailable',
  'loader_failing',
  'loader_behind',
  'summarizer_stuck',
] as const;
export type HealthReason = (typeof HEALTH_REASONS)[number];

export const healthRoutes: RouteGroup = (app, ctx) => {
  app.get('/health', async (request, reply) => {
    const reasons: HealthReason[] = [];
    const loader = ctx.loader.status();
    const freshness = ctx.freshness.status();
    let store = 'ok';
    try {
      await ctx.store.ping();
    } catch (error) {
      store = String((error as Error).message);
    }
    const spoolError = await ctx.spool.error();
    if (spoolError !== undefined) reasons.push('spool_unavailable');
    if (store !== 'ok' || loader.storeDown) reasons.push('store_unavailable');
    if (loader.failing) reasons.push('loader_failing');
    if (loader.lagSeconds * 1000 > ctx.config.healthMaxLagMs) reasons.push('loader_behind');
    if (ctx.loader.afterLoadRunningLongerThan(ctx.config.healthMaxLagMs)) reasons.push('summarizer_stuck');
    const details = {
      store,
      spool_error: spoolError ?? null,
      spool_damaged_files: ctx.spool.damaged?.files ?? 0,
      spool_damaged_bytes: ctx.spool.damaged?.bytes ?? 0,
      spool_backlog_segments: loader.backlogSegments,
      spool_backlog_bytes: loader.backlogBytes,
      loader_lag_seconds: loader.lagSeconds,
      loader_failures: loader.failures,
      loader_error: loader.lastError ?? null,
      loader_error_at: loader.lastErrorAt === undefined ? null : new Date(loader.lastErrorAt).toISOString(),
      unloaded_events: freshness.unloadedEvents,
      unsummarized_events: freshness.unsummarizedEvents,
      visible_p99_ms: freshness.visibleP99Ms,
      summarized_p99_ms: freshness.summarizedP99Ms,
      freshness_window_ms: freshness.windowMs,
    };
    const shown = isAdmin(request, ctx.config.adminToken) ? details : countsOf(details);
    if (reasons.length === 0) {
      return envelope('api.health', { status: 'successful' }, 'SUCCESS', { healthy: true, reasons, details: shown });
    }
    return reply.code(503).send(
      envelope('api.health', { status: 'failed', err: 'UNHEALTHY', errmsg: reasons.join(', ') }, 'SERVER_ERROR', {
        healthy: false,
        reasons,
        details: shown,
      }),
    );
  });

  // The scrape token or the admin token; open only when neither is configured.
  const metricsAuth = {
    onRequest: requireToken([ctx.config.metricsToken, ctx.config.adminToken], 'metrics token or admin token'),
  };
  app.get('/metrics', metricsAuth, async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return ctx.metrics.render();
  });
};

/** The numbers of /health's details, without any message (store, spool or loader errors may quote paths or data). */
function countsOf(details: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(details)) if (typeof value === 'number') counts[key] = value;
  return counts;
}
