/** Builds the HTTP application: error handling, CORS, and every route group, with dependencies injected. */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { cohortsRoutes } from './api/cohorts.js';
import { dashboardRoutes } from './api/dashboard.js';
import { dashboardApiRoutes } from './api/dashboard-api.js';
import { apiIdFor, errorBody, installErrorHandler } from './api/errors.js';
import { eventsRoutes } from './api/events.js';
import { examplesRoutes } from './api/examples.js';
import { forwardRoutes } from './api/forward.js';
import { healthRoutes } from './api/health.js';
import { homeRoutes } from './api/home.js';
import { requireAllowedHost } from './api/host-check.js';
import { insightActorsRoutes } from './api/insight-actors.js';
import { insightsRoutes } from './api/insights.js';
import { serializeRequest } from './api/request-log.js';
import { sessionsRoutes } from './api/sessions.js';
import { sqlRoutes } from './api/sql.js';
import type { Config } from './config.js';
import type { Collector } from './ingest/collector.js';
import { isPostHogPath, errorBody as posthogErrorBody, posthogRoutes } from './ingest/posthog/routes.js';
import { telemetryRoutes } from './ingest/routes.js';
import type { Freshness } from './metrics/freshness.js';
import type { MetricsRegistry } from './metrics/registry.js';
import type { Forwarder } from './sinks/posthog/forwarder.js';
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
  /**
   * The spool's state for /health: `error()`, why it cannot be written now (spool/spool-health.ts: a probe write or
   * the last commit's error); `damaged`, what spool/damaged/ held after start-up recovery (spool/set-aside.ts).
   */
  spool: { error(): Promise<string | undefined>; readonly damaged?: { files: number; bytes: number } };
  metrics: MetricsRegistry;
  /** Acknowledgement → visible and → summarized (metrics/freshness.ts), for /health's details. */
  freshness: Freshness;
  /** The PostHog forwarder when configured (sinks/posthog). */
  forwarder?: Forwarder;
  /** The gate of user-facing reads (api/read-bounds.ts); ingestion and /health never pass it. */
  reads: ReadGate;
}

export type RouteGroup = (app: FastifyInstance, ctx: AppContext) => Promise<void> | void;

/**
 * Groups answered under any Host name: ingestion (SDKs post from anywhere) and /health, /metrics (probes and
 * scrapers address the machine by IP; both have their own protection). Every other group checks the Host.
 */
const INGEST = new Set<RouteGroup>([telemetryRoutes, posthogRoutes]);
const ANY_HOST = new Set<RouteGroup>([...INGEST, healthRoutes]);

/** Route groups in registration order. Add a group here, one line, one file under api/ (or ingest/). */
const ROUTE_GROUPS: RouteGroup[] = [
  telemetryRoutes,
  posthogRoutes,
  healthRoutes,
  sqlRoutes,
  sessionsRoutes,
  insightsRoutes,
  insightActorsRoutes,
  eventsRoutes,
  forwardRoutes,
  examplesRoutes,
  dashboardApiRoutes,
  homeRoutes,
  cohortsRoutes,
  // Last: the dashboard's files at /.
  dashboardRoutes,
];

/**
 * The answer to a URL Fastify cannot decode (FST_ERR_BAD_URL, e.g. `/v1/%E0%A4%A`), Fastify's `frameworkErrors`: such a
 * request reaches no route, so no scope's error handler sees it. A 400 in the error shape the path's clients read:
 * PostHog's on PostHog's paths, ours elsewhere.
 */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
  const [code, message] =
    status === 500 ? ['INTERNAL', 'internal error'] : ['BAD_REQUEST', `the URL cannot be decoded: ${error.message}`];
  if (status === 500) request.log.error({ err: error }, 'unhandled framework error');
  const body = isPostHogPath(request.url)
    ? posthogErrorBody(code, message, status)
    : errorBody(apiIdFor(request.url), code, message, status);
  reply.code(status).send(body);
}

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, serializers: { req: serializeRequest } },
    // A request must arrive whole within requestTimeout (a body sent at 1 byte/s is cut off with a 408), and
    // Node checks that every connectionsCheckingInterval; an idle connection is closed after connectionTimeout.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.idleTimeoutMs,
    http: {
      headersTimeout: Math.min(60_000, config.requestTimeoutMs || 60_000),
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(config.requestTimeoutMs / 4))),
    },
    // JSON bodies of the API routes; ingestion sets its own limit (TELEMETRY_MAX_BODY_BYTES).
    bodyLimit: 1024 * 1024,
    // While closing, requests get a 503 so clients retry elsewhere or later.
    return503OnClosing: true,
    // `//v1/telemetry` is `/v1/telemetry`: Sunbird's SDK joins a host configured with a trailing slash and its path.
    routerOptions: { ignoreDuplicateSlashes: true },
    frameworkErrors: answerFrameworkError,
  });
  installErrorHandler(app);
  const hostCheck = requireAllowedHost(config.allowedHosts);
  for (const group of ROUTE_GROUPS) {
    await app.register(async (scope) => {
      if (!ANY_HOST.has(group)) scope.addHook('onRequest', hostCheck);
      // The read API takes JSON bodies only: a text/plain body would reach its checks as a string ("query: must be
      // an object"); it is a 415 instead. Ingestion keeps its own parsers (beacons send text/plain).
      if (!INGEST.has(group)) scope.removeContentTypeParser('text/plain');
      await group(scope, ctx);
    });
  }
  return app;
}
