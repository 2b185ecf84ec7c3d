/**
 * Every error the HTTP API can answer, declared once with its status, and the one JSON shape
 * they all take (Sunbird's response envelope). 400/413/415 mean "do not retry", 503 "retry".
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const ERRORS = {
  INGEST_INVALID_JSON: 400,
  INGEST_NOT_A_BATCH: 400,
  INGEST_TOO_MANY_EVENTS: 413,
  INGEST_BODY_TOO_LARGE: 413,
  INGEST_BAD_ENCODING: 400,
  INGEST_UNSUPPORTED_ENCODING: 415,
  INGEST_STORE_UNAVAILABLE: 503,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 403,
  SQL_INVALID: 400,
  SQL_NOT_READ_ONLY: 400,
  SQL_TIMEOUT: 400,
  QUERY_INVALID: 400,
  NOT_FOUND: 404,
  STORE_UNAVAILABLE: 503,
  UNHEALTHY: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERRORS[code];
  }
}

/** The response envelope shared by success and error answers. `id` names the API, e.g. "api.telemetry". */
export function envelope(id: string, params: Record<string, unknown>, responseCode: string, result?: unknown) {
  return { id, ver: '1.0', ets: Date.now(), params, responseCode, ...(result === undefined ? {} : { result }) };
}

export function errorBody(apiId: string, code: string, message: string, status: number) {
  return envelope(
    apiId,
    { status: 'failed', err: code, errmsg: message },
    status >= 500 ? 'SERVER_ERROR' : 'CLIENT_ERROR',
    {},
  );
}

/** Maps a route URL to the API id in the envelope. */
function apiIdFor(url: string): string {
  if (url.includes('telemetry')) return 'api.telemetry';
  const match = /^\/api\/([a-z-]+)/.exec(url);
  return match ? `api.${match[1]}` : 'api.telemetry';
}

/** The one error handler: known errors keep their status; Fastify's own (body limit, parse) are translated; the rest is a 500 without a stack. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply) => {
    const apiId = apiIdFor(request.url);
    if (error instanceof ApiError) {
      reply.code(error.status).send(errorBody(apiId, error.code, error.message, error.status));
      return;
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      reply.code(413).send(errorBody(apiId, 'INGEST_BODY_TOO_LARGE', 'request body exceeds the size limit', 413));
      return;
    }
    if (fastifyError.statusCode && fastifyError.statusCode < 500) {
      const code = fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
      reply.code(fastifyError.statusCode).send(errorBody(apiId, code, fastifyError.message, fastifyError.statusCode));
      return;
    }
    request.log.error({ err: error }, 'unhandled error');
    reply.code(500).send(errorBody(apiId, 'INTERNAL', 'internal error', 500));
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(errorBody(apiIdFor(request.url), 'NOT_FOUND', `no route ${request.method} ${request.url}`, 404));
  });
}
