/** Bearer-token checks: the admin token guards reading, write keys guard ingestion (both optional). */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match?.[1].trim();
}

/** Compares two secrets in constant time (for their length). */
export function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a request carries: `Authorization: Bearer <token>`, else `?token=` (EventSource cannot set headers). */
function tokenOf(request: FastifyRequest): string | undefined {
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  return bearer(request) ?? (typeof token === 'string' ? token : undefined);
}

/**
 * An onRequest hook requiring one of `tokens` (Bearer or `?token=`); no hook at all when none is configured.
 * @throws ApiError AUTH_REQUIRED (none sent), AUTH_INVALID (a wrong one)
 */
export function requireToken(tokens: (string | undefined)[], what = 'admin token') {
  const accepted = tokens.filter((t): t is string => Boolean(t));
  return async (request: FastifyRequest): Promise<void> => {
    if (accepted.length === 0) return;
    const token = tokenOf(request);
    if (!token) throw new ApiError('AUTH_REQUIRED', `this endpoint requires Authorization: Bearer <${what}>`);
    if (!accepted.some((t) => same(token, t))) throw new ApiError('AUTH_INVALID', `the ${what} is not valid`);
  };
}

/** An onRequest hook for read routes: requires `Authorization: Bearer <adminToken>` when a token is configured. */
export function requireAdmin(adminToken: string | undefined) {
  return requireToken([adminToken]);
}

/** True when no admin token is configured or the request carries it: who may see /health's details. */
export function isAdmin(request: FastifyRequest, adminToken: string | undefined): boolean {
  if (!adminToken) return true;
  const token = tokenOf(request);
  return token !== undefined && same(token, adminToken);
}

/**
 * Checks a write key wherever the client put it (Bearer header, the Sunbird SDK's authtoken; x-api-key; PostHog's
 * `api_key` in the body): nothing to check when no keys are configured.
 * @throws ApiError AUTH_REQUIRED (no key sent), AUTH_INVALID (a key not configured)
 */
export function checkWriteKey(writeKeys: string[], key: string | undefined): void {
  if (writeKeys.length === 0) return;
  if (!key) throw new ApiError('AUTH_REQUIRED', 'ingestion requires a write key (Authorization: Bearer <key>)');
  if (!writeKeys.some((k) => same(k, key))) throw new ApiError('AUTH_INVALID', 'the write key is not valid');
}

/** An onRequest hook for ingestion: requires one of the write keys (Bearer token or x-api-key) when any is configured. */
export function requireWriteKey(writeKeys: string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    checkWriteKey(writeKeys, bearer(request) ?? (request.headers['x-api-key'] as string | undefined));
  };
}
