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

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** An onRequest hook for read routes: requires `Authorization: Bearer <adminToken>` when a token is configured. */
export function requireAdmin(adminToken: string | undefined) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!adminToken) return;
    const token = bearer(request) ?? (request.query as Record<string, string> | undefined)?.token;
    if (!token) throw new ApiError('AUTH_REQUIRED', 'this endpoint requires Authorization: Bearer <admin token>');
    if (!same(token, adminToken)) throw new ApiError('AUTH_INVALID', 'the admin token is not valid');
  };
}

/** An onRequest hook for ingestion: requires one of the write keys (Bearer token or x-api-key) when any is configured. */
export function requireWriteKey(writeKeys: string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    if (writeKeys.length === 0) return;
    const key = bearer(request) ?? (request.headers['x-api-key'] as string | undefined);
    if (!key) throw new ApiError('AUTH_REQUIRED', 'ingestion requires a write key (Authorization: Bearer <key>)');
    if (!writeKeys.some((k) => same(k, key))) throw new ApiError('AUTH_INVALID', 'the write key is not valid');
  };
}
