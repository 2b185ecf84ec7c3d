/** Builds the HTTP application: error handling, CORS, and every route group, with dependencies injected. */
import Fastify, { type FastifyInstance } from 'fastify';
import { dashboardRoutes } from './api/dashboard.js';
import { dashboardApiRoutes } from './api/dashboard-api.js';
import { installErrorHandler } from './api/errors.js';
import { eventsRoutes } from './api/events.js';
import { examplesRoutes } from './api/examples.js';
import { healthRoutes } from './api/health.js';
import { insightsRoutes } from './api/insights.js';
import { sessionsRoutes } from './api/sessions.js';
import { sqlRoutes } from './api/sql.js';
import type { Config } from './config.js';
import type { Collector } from './ingest/collector.js';
import { telemetryRoutes } from './ingest/routes.js';
import type { MetricsRegistry } from './metrics/registry.js';
import type { Loader } from './spool/loader.js';
import type { ReadGate } from './store/read-gate.js';
import type { Store } from './store/store.js';

/** What every route group may use. Routes never build SQL themselves: they call analytics or the store. */
export interface AppContext {
  config: Config;
  store: Store;
  collector: Collector;
  /** Sealed spool segments on their way into the store; `loader.onLoaded(fn)` notifies each load. */
  loader: Loader;
  /** The spool's state for /health (`lastError`: the last commit failed). */
  spool: { readonly lastError: string | undefined };
  metrics: MetricsRegistry;
  /** The gate of user-facing reads (api/read-bounds.ts); ingestion and /health never pass it. */
  reads: ReadGate;
}

export type RouteGroup = (app: FastifyInstance, ctx: AppContext) => Promise<void> | void;

/** Route groups in registration order. Add a group here, one line, one file under api/ (or ingest/). */
const ROUTE_GROUPS: RouteGroup[] = [
  telemetryRoutes,
  healthRoutes,
  sqlRoutes,
  sessionsRoutes,
  insightsRoutes,
  eventsRoutes,
  examplesRoutes,
  dashboardApiRoutes,
  // Last: the dashboard's files at /.
  dashboardRoutes,
];

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: ctx.config.logLevel === 'silent' ? false : { level: ctx.config.logLevel },
    // JSON bodies of the API routes; ingestion sets its own limit (TELEMETRY_MAX_BODY_BYTES).
    bodyLimit: 1024 * 1024,
    // While closing, requests get a 503 so clients retry elsewhere or later.
    return503OnClosing: true,
    // `//v1/telemetry` is `/v1/telemetry`: Sunbird's SDK joins a host configured with a trailing slash and its path.
    routerOptions: { ignoreDuplicateSlashes: true },
  });
  installErrorHandler(app);
  for (const group of ROUTE_GROUPS) {
    await app.register(async (scope) => group(scope, ctx));
  }
  return app;
}
