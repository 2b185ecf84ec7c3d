/**
 * Every error the HTTP API can answer, declared once with its status, and the one JSON shape
 * they all take (Sunbird's response envelope). 400/413/415 mean "do not retry", 503 "retry".
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StoreError, type StoreErrorCode } from '../store/store.js';

export const ERRORS = {
  INGEST_INVALID_JSON: 400,
  INGEST_NOT_A_BATCH: 400,
  INGEST_TOO_MANY_EVENTS: 413,
  INGEST_BODY_TOO_LARGE: 413,
  INGEST_BAD_ENCODING: 400,
  INGEST_UNSUPPORTED_ENCODING: 415,
  INGEST_STORE_UNAVAILABLE: 503,
  /** A PostHog capture request without a project API key (`api_key`, `token`, `$token`, `properties.token`). */
  INGEST_TOKEN_REQUIRED: 401,
  /** A project API key not configured, a personal `phx_` key, or different keys in one request (PostHog's 401s). */
  INGEST_TOKEN_INVALID: 401,
  /** Some events of a PostHog request broke PostHog's rules: they are in failed_events, the valid ones stored. */
  INGEST_EVENTS_REJECTED: 400,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 403,
  /** The Host header names no host of TELEMETRY_ALLOWED_HOSTS (DNS rebinding protection). */
  HOST_NOT_ALLOWED: 403,
  SQL_INVALID: 400,
  SQL_NOT_READ_ONLY: 400,
  SQL_TIMEOUT: 400,
  /** The SQL tried to read a file or URL (read_csv, FROM 'x.parquet', …): file access is off for queries. */
  SQL_FILE_ACCESS_DISABLED: 400,
  /** The SQL called a function or catalog view outside the sandbox's allowlist (settings, checkpoint, …). */
  SQL_FUNCTION_NOT_ALLOWED: 400,
  /** The SQL read a database other than the store's (ClickHouse with TELEMETRY_CLICKHOUSE_SQL_USER). */
  SQL_ACCESS_DENIED: 400,
  QUERY_INVALID: 400,
  /** The query asks what this store's engine does not answer yet (a property ClickHouse cannot read): named, not retried. */
  QUERY_UNSUPPORTED: 400,
  /** A JSON body of the read API (insights, cohorts, dashboards, SQL) past its 1 MB limit. */
  BODY_TOO_LARGE: 413,
  /** An insight or feed query ran past TELEMETRY_SQL_TIMEOUT_MS (counted from the request's arrival). */
  QUERY_TIMEOUT: 400,
  /** An insight or feed answer is larger than TELEMETRY_QUERY_MAX_BYTES. */
  QUERY_RESULT_TOO_LARGE: 400,
  /** Every query slot is taken and the queue is full: retry later. */
  QUERY_BUSY: 503,
  /** The store ran out of its memory limit (TELEMETRY_DUCKDB_MEMORY) answering: retry later, or raise the limit. */
  QUERY_OUT_OF_MEMORY: 503,
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

/** Store failures as the API names them; /api/sql speaks of SQL, every other route of queries. */
const STORE_CODES: Record<StoreErrorCode, { sql: ErrorCode; other: ErrorCode }> = {
  STORE_LOCKED: { sql: 'STORE_UNAVAILABLE', other: 'STORE_UNAVAILABLE' },
  STORE_UNAVAILABLE: { sql: 'STORE_UNAVAILABLE', other: 'STORE_UNAVAILABLE' },
  STORE_REOPENING: { sql: 'STORE_UNAVAILABLE', other: 'STORE_UNAVAILABLE' },
  STORE_QUERY_FAILED: { sql: 'SQL_INVALID', other: 'INTERNAL' },
  STORE_UNSUPPORTED: { sql: 'QUERY_UNSUPPORTED', other: 'QUERY_UNSUPPORTED' },
  STORE_READ_ONLY_VIOLATION: { sql: 'SQL_NOT_READ_ONLY', other: 'INTERNAL' },
  STORE_FILE_ACCESS_DISABLED: { sql: 'SQL_FILE_ACCESS_DISABLED', other: 'INTERNAL' },
  STORE_FUNCTION_NOT_ALLOWED: { sql: 'SQL_FUNCTION_NOT_ALLOWED', other: 'INTERNAL' },
  STORE_ACCESS_DENIED: { sql: 'SQL_ACCESS_DENIED', other: 'INTERNAL' },
  STORE_TIMEOUT: { sql: 'SQL_TIMEOUT', other: 'QUERY_TIMEOUT' },
  STORE_RESULT_TOO_LARGE: { sql: 'QUERY_RESULT_TOO_LARGE', other: 'QUERY_RESULT_TOO_LARGE' },
  STORE_BUSY: { sql: 'QUERY_BUSY', other: 'QUERY_BUSY' },
  STORE_OUT_OF_MEMORY: { sql: 'QUERY_OUT_OF_MEMORY', other: 'QUERY_OUT_OF_MEMORY' },
};

/** The ApiError for a StoreError met while serving `url`; an internal failure keeps its 500 (logged, not shown). */
export function apiErrorOf(error: StoreError, url: string): ApiError | undefined {
  const code = STORE_CODES[error.code][url.startsWith('/api/sql') ? 'sql' : 'other'];
  return code === 'INTERNAL' ? undefined : new ApiError(code, error.message);
}

/** Maps a route URL to the API id in the envelope. */
export function apiIdFor(url: string): string {
  if (url.includes('telemetry')) return 'api.telemetry';
  const match = /^\/api\/([a-z-]+)/.exec(url);
  return match ? `api.${match[1]}` : 'api.telemetry';
}

/** The one error handler: known errors keep their status; Fastify's own (body limit, parse) are translated; the rest is a 500 without a stack. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((caught: FastifyError | ApiError | StoreError, request: FastifyRequest, reply: FastifyReply) => {
    const apiId = apiIdFor(request.url);
    const error = caught instanceof StoreError ? (apiErrorOf(caught, request.url) ?? caught) : caught;
    if (error instanceof ApiError) {
      if (error.code === 'QUERY_BUSY' || error.code === 'QUERY_OUT_OF_MEMORY') reply.header('retry-after', '1');
      reply.code(error.status).send(errorBody(apiId, error.code, error.message, error.status));
      return;
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const code = request.url.startsWith('/api/') ? 'BODY_TOO_LARGE' : 'INGEST_BODY_TOO_LARGE';
      reply.code(413).send(errorBody(apiId, code, 'request body exceeds the size limit', 413));
      return;
    }
    if (fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      // Fastify's parser also refuses valid JSON with a `__proto__` or `constructor.prototype` key, in the same words.
      const message = 'the body is not valid JSON, or has a __proto__ or constructor.prototype key (refused)';
      reply.code(400).send(errorBody(apiId, 'BAD_REQUEST', message, 400));
      return;
    }
    if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const message = `send JSON with Content-Type: application/json (got ${request.headers['content-type'] ?? 'none'})`;
      reply.code(415).send(errorBody(apiId, 'UNSUPPORTED_MEDIA_TYPE', message, 415));
      return;
    }
    if (fastifyError.statusCode && fastifyError.statusCode < 500) {
      reply
        .code(fastifyError.statusCode)
        .send(errorBody(apiId, 'BAD_REQUEST', fastifyError.message, fastifyError.statusCode));
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
