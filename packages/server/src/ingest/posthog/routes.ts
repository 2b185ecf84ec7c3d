/**
 * PostHog's capture API on our collector (docs/posthog.md): the paths posthog-js, posthog-node and PostHog's other
 * clients post to, with and without a trailing slash, GET and POST; PostHog's answers; `/decide` and `/flags`
 * answering "no flags" so the clients start cleanly. Decoding, parsing and the per-event rules live beside this
 * file; the collector stores the events (ingest/collector.ts `ingestPostHog`).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { same } from '../../api/auth.js';
import { ApiError } from '../../api/errors.js';
import { singleValues } from '../../api/query-string.js';
import type { RouteGroup } from '../../app.js';
import type { Config } from '../../config.js';
import type { IngestResult } from '../collector.js';
import { header } from '../routes.js';
import { decodePostHogPayload } from './payload.js';
import { parsePostHogRequest } from './request.js';

/** Paths answered `{"status":"Ok"}` (PostHog's Rust capture) and the Django-era paths answered `{"status":1}`. */
const CURRENT_PATHS = ['/e', '/i/v0/e', '/batch'];
const LEGACY_PATHS = ['/capture', '/track', '/engage'];

/**
 * The channel a request's token maps to: a configured project API key gives its channel, a write key none; with no
 * keys configured at all any token is accepted (no channel). A personal key (`phx_`) is refused, as PostHog does.
 * @throws ApiError INGEST_TOKEN_REQUIRED (none), INGEST_TOKEN_INVALID (`phx_`, or not configured)
 */
export function channelForToken(config: Config, token: string | undefined): string | undefined {
  if (token === undefined || token.trim() === '') {
    throw new ApiError('INGEST_TOKEN_REQUIRED', 'the request carries no project API key (api_key or token)');
  }
  if (token.startsWith('phx_')) {
    throw new ApiError(
      'INGEST_TOKEN_INVALID',
      'a personal API key (phx_…) cannot send events; use the project API key',
    );
  }
  for (const [key, channel] of Object.entries(config.posthogKeys)) if (same(key, token)) return channel;
  if (config.writeKeys.some((k) => same(k, token))) return undefined;
  if (config.writeKeys.length === 0 && Object.keys(config.posthogKeys).length === 0) return undefined;
  throw new ApiError('INGEST_TOKEN_INVALID', 'the project API key is not valid');
}

/** PostHog's CORS: the request's origin and headers mirrored, credentials allowed (`rust/capture/src/router.rs`). */
function cors(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('Access-Control-Allow-Origin', request.headers.origin ?? '*');
  reply.header('Vary', 'Origin');
  reply.header('Access-Control-Allow-Credentials', 'true');
  reply.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  reply.header('Access-Control-Allow-Headers', header(request, 'access-control-request-headers') ?? 'Content-Type');
  reply.header('Access-Control-Expose-Headers', 'Retry-After');
  reply.header('Access-Control-Max-Age', '86400');
}

/** True for the paths PostHog's clients call here (capture, flags, remote config), whose errors take PostHog's shape. */
export function isPostHogPath(url: string): boolean {
  // As the router reads it: `//e/` is `/e/` (app.ts, ignoreDuplicateSlashes).
  const path = url.split('?')[0].replace(/\/{2,}/g, '/');
  return (
    path.startsWith('/array/') ||
    [...CURRENT_PATHS, ...LEGACY_PATHS, '/flags', '/decide'].some(
      (base) => path === base || path.startsWith(`${base}/`),
    )
  );
}

/** The JSON error of the PostHog routes: PostHog's API error shape `{type, code, detail}` (type from the status), plus event details. */
export function errorBody(code: string, detail: string, status: number, extra: Record<string, unknown> = {}) {
  const type = status === 401 ? 'authentication_error' : status >= 500 ? 'server_error' : 'validation_error';
  return { type, code, detail, ...extra };
}

function rejectedBody(result: IngestResult) {
  return errorBody(
    'INGEST_EVENTS_REJECTED',
    `${result.rejected} of ${result.received} events broke PostHog's rules and are kept in failed_events; the other ` +
      `${result.received - result.rejected} were accepted`,
    400,
    { stored: result.stored, duplicates: result.duplicates, rejected: result.rejected, errors: result.errors },
  );
}

const NO_FLAGS_CONFIG = {
  supportedCompression: ['gzip', 'gzip-js', 'lz64'],
  config: { enable_collect_everything: true },
  autocapture_opt_out: false,
  autocaptureExceptions: false,
  capturePerformance: false,
  toolbarParams: {},
  isAuthenticated: false,
  sessionRecording: false,
  surveys: false,
  heatmaps: false,
  siteApps: [],
};

export const posthogRoutes: RouteGroup = (app, ctx) => {
  const { config, collector, metrics } = ctx;
  const latency = metrics.histogram(
    'telemetry_posthog_request_duration_seconds',
    'PostHog capture request latency, body read to acknowledgement',
  );
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (_request, body, done) => {
    done(null, body);
  });
  app.addHook('onRequest', async (request, reply) => cors(request, reply));
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.status === 503) reply.header('retry-after', '1');
      reply.code(error.status).send(errorBody(error.code, error.message, error.status));
      return;
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const detail = `the request body exceeds the limit of ${config.maxBodyBytes} bytes`;
      reply.code(413).send(errorBody('INGEST_BODY_TOO_LARGE', detail, 413));
      return;
    }
    if (error.statusCode && error.statusCode < 500) {
      reply.code(error.statusCode).send(errorBody('BAD_REQUEST', error.message, error.statusCode));
      return;
    }
    request.log.error({ err: error }, 'unhandled error');
    reply.code(500).send(errorBody('INTERNAL', 'internal error', 500));
  });

  const capture = (legacy: boolean, engage: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now();
    const query = singleValues(request);
    const text = await decodePostHogPayload(
      {
        body: request.body as Buffer | undefined,
        query,
        contentType: header(request, 'content-type'),
        contentEncoding: header(request, 'content-encoding'),
        compressionHeader: header(request, 'compression'),
      },
      config.maxInflatedBytes,
    );
    const parsed = parsePostHogRequest(text, query, { maxDepth: config.maxDepth, maxEvents: config.maxBatchEvents });
    const channel = channelForToken(config, parsed.token);
    const result = await collector.ingestPostHog(parsed, { channel, engage });
    latency.observe((performance.now() - started) / 1000);
    if (result.rejected > 0) return reply.code(400).send(rejectedBody(result));
    if (query.beacon === '1') return reply.code(204).send();
    return legacy ? { status: 1 } : { status: 'Ok' };
  };

  for (const base of [...CURRENT_PATHS, ...LEGACY_PATHS]) {
    const handler = capture(LEGACY_PATHS.includes(base), base === '/engage');
    for (const path of [base, `${base}/`]) {
      app.options(path, async (_request, reply) => reply.code(204).send());
      app.route({ method: ['GET', 'POST'], url: path, bodyLimit: config.maxBodyBytes, handler });
    }
  }

  // No feature flags here: the current endpoint, the legacy one, and remote config, each answering "none".
  const flags = async (request: FastifyRequest) => {
    const configWanted = (request.query as Record<string, string> | undefined)?.config === 'true';
    return {
      flags: {},
      errorsWhileComputingFlags: false,
      requestId: randomUUID(),
      ...(configWanted ? NO_FLAGS_CONFIG : {}),
    };
  };
  const decide = async () => ({
    featureFlags: {},
    featureFlagPayloads: {},
    errorsWhileComputingFlags: false,
    ...NO_FLAGS_CONFIG,
  });
  for (const [base, handler] of [
    ['/flags', flags],
    ['/decide', decide],
  ] as const) {
    for (const path of [base, `${base}/`]) {
      app.options(path, async (_request, reply) => reply.code(204).send());
      app.route({ method: ['GET', 'POST'], url: path, handler });
    }
  }
  app.get('/array/:token/config', async () => NO_FLAGS_CONFIG);
};
