/**
 * The ingestion routes: Sunbird's paths, raw body with a size limit, Content-Encoding, CORS for
 * browser SDKs, and Sunbird's response envelope (with stored/duplicate/rejected counts).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireWriteKey } from '../api/auth.js';
import { ApiError, envelope } from '../api/errors.js';
import type { RouteGroup } from '../app.js';
import type { IngestResult } from './collector.js';
import { decodeBody } from './decode.js';

/** Our path, and the paths real Sunbird clients post to (gateway and legacy SDK defaults). */
export const TELEMETRY_PATHS = [
  '/v1/telemetry',
  '/api/data/v1/telemetry',
  '/data/v3/telemetry',
  '/action/data/v3/telemetry',
];

/**
 * Every request header a browser client of ours or of Sunbird may send, allowed at preflight: our SDK's, the
 * telemetry SDK's (x-app-id, x-device-id, x-channel-id, Authorization, and 1.3.0's `dataType`), the Sunbird telemetry
 * service's own CORS list (cid, user-id, x-auth, Cache-Control, X-Requested-With), and what Sunbird's portals and
 * mobile apps put on every API call through their HTTP clients (session, message and request ids, user token, org).
 * Source: ../shared/reference/sunbird-sdk-and-service.md and issue 11 item 9.
 */
export const ALLOWED_HEADERS = [
  'Content-Type',
  'Content-Encoding',
  'Authorization',
  'Accept',
  'Accept-Language',
  'Cache-Control',
  'Pragma',
  'X-Requested-With',
  'x-api-key',
  'x-app-id',
  'x-device-id',
  'x-channel-id',
  'cid',
  'user-id',
  'x-auth',
  'datatype',
  'x-authenticated-user-token',
  'x-authenticated-userid',
  'x-authenticated-for',
  'x-session-id',
  'x-msgid',
  'ts',
  'x-source',
  'x-request-id',
  'x-trace-id',
  'x-consumer-id',
  'x-org-code',
  'x-app-ver',
  'x-platform-id',
  'x-user-token',
];

/** Response headers a cross-origin caller may read: when to retry after a 429 or 503. */
const EXPOSED_HEADERS = ['Retry-After'];

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text : undefined;
}

/**
 * CORS on every answer of the ingestion routes, errors included (set at onRequest, before any check can fail), so a
 * browser shows the collector's JSON error instead of a misleading CORS failure.
 */
export function cors(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('Access-Control-Allow-Origin', request.headers.origin ?? '*');
  reply.header('Vary', 'Origin');
  reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
  reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS.join(', '));
  reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
  reply.header('Access-Control-Max-Age', '86400');
}

export function successBody(result: IngestResult) {
  return envelope(
    'api.telemetry',
    { msgid: result.msgid, resmsgid: randomUUID(), status: 'successful' },
    'SUCCESS',
    result,
  );
}

export const telemetryRoutes: RouteGroup = (app, ctx) => {
  const { config, collector, metrics } = ctx;
  const latency = metrics.histogram(
    'telemetry_request_duration_seconds',
    'Ingestion request latency, body read to acknowledgement',
  );
  // The body arrives as bytes whatever its Content-Type (sendBeacon sends text/plain): we decode it ourselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (_request, body, done) => {
    done(null, body);
  });
  app.addHook('onRequest', async (request, reply) => cors(request, reply));

  // A PostHog project API key is a write key too, once write keys are required at all.
  const writeKey = requireWriteKey(
    config.writeKeys.length > 0 ? [...config.writeKeys, ...Object.keys(config.posthogKeys)] : [],
  );
  // With a trailing slash too, as PostHog's paths: a client configured with `…/v1/telemetry/` is not a 404.
  for (const path of TELEMETRY_PATHS.flatMap((p) => [p, `${p}/`])) {
    app.options(path, async (_request, reply) => reply.code(204).send());
    app.post(path, { bodyLimit: config.maxBodyBytes, onRequest: writeKey }, async (request) => {
      const started = performance.now();
      const body = request.body as Buffer | undefined;
      if (!body || body.length === 0) {
        throw new ApiError(
          'INGEST_NOT_A_BATCH',
          'the request has no body; send a batch {"params":{"msgid"},"events":[...]}',
        );
      }
      const text = await decodeBody(body, header(request, 'content-encoding'), config.maxInflatedBytes);
      const result = await collector.ingest(text, {
        did: header(request, 'x-device-id'),
        channel: header(request, 'x-channel-id'),
        pid: header(request, 'x-app-id'),
      });
      latency.observe((performance.now() - started) / 1000);
      return successBody(result);
    });
  }
};
